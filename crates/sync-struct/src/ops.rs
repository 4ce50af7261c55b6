//! The five list and dict operations of sync_struct with Python's semantics, on [`Value`]s.
//!
//! Every operation validates before it mutates: an error leaves the value unchanged.

use pyon_codec::{Slice, Value};

use crate::error::{Error, Result, render};

/// One operation on the container at a path.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Append(Value),
    Insert(i64, Value),
    Pop(Value),
    SetItem(Value, Value),
    DelItem(Value),
}

/// Walks `path` from `root` as Python's `getitem` does, returning the node it leads to.
pub(crate) fn resolve_mut<'a>(root: &'a mut Value, path: &[Value]) -> Result<&'a mut Value> {
    let mut node = root;
    for key in path {
        node = child_mut(node, key)?;
    }
    Ok(node)
}

/// Walks `path` from `root`, read-only.
pub(crate) fn resolve<'a>(root: &'a Value, path: &[Value]) -> Result<&'a Value> {
    let mut node = root;
    for key in path {
        node = match node {
            Value::Dict(d) | Value::OrderedDict(d) => d.get(key).ok_or_else(|| not_found(key))?,
            Value::List(items) | Value::Tuple(items) => {
                let i = index(items.len(), key)?;
                items.get(i).ok_or_else(|| out_of_range(key, items.len()))?
            }
            other => return Err(not_subscriptable(other)),
        };
    }
    Ok(node)
}

fn child_mut<'a>(node: &'a mut Value, key: &Value) -> Result<&'a mut Value> {
    match node {
        Value::Dict(d) | Value::OrderedDict(d) => d.get_mut(key).ok_or_else(|| not_found(key)),
        Value::List(items) | Value::Tuple(items) => {
            let (i, len) = (index(items.len(), key)?, items.len());
            items.get_mut(i).ok_or_else(|| out_of_range(key, len))
        }
        other => Err(not_subscriptable(other)),
    }
}

fn not_found(key: &Value) -> Error {
    Error::KeyNotFound { key: render(key) }
}

fn not_subscriptable(v: &Value) -> Error {
    Error::WrongType {
        op: "subscript",
        kind: v.kind(),
    }
}

/// A Python int as an `i64`, saturating for big ints (enough for index arithmetic).
fn as_int(key: &Value) -> Option<i64> {
    match key {
        Value::BigInt(b) if b.to_string().starts_with('-') => Some(i64::MIN),
        Value::BigInt(_) => Some(i64::MAX),
        other => other.as_i64(),
    }
}

/// A list index with Python's rules: an int (or bool), negative counts from the end.
fn index(len: usize, key: &Value) -> Result<usize> {
    let i = match key {
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => as_int(key).unwrap_or(i64::MAX),
        other => return Err(Error::IndexType { kind: other.kind() }),
    };
    let len_i = len as i128;
    let adjusted = if i < 0 { i as i128 + len_i } else { i as i128 };
    if (0..len_i).contains(&adjusted) {
        Ok(adjusted as usize)
    } else {
        Err(out_of_range(key, len))
    }
}

fn out_of_range(key: &Value, len: usize) -> Error {
    Error::IndexOutOfRange {
        index: render(key),
        len,
    }
}

/// Applies `op` to `node`, returning the removed value for `pop`.
pub(crate) fn apply(node: &mut Value, op: Op) -> Result<Option<Value>> {
    match op {
        Op::Append(x) => {
            list_mut(node, "append to")?.push(x);
            Ok(None)
        }
        Op::Insert(i, x) => {
            let items = list_mut(node, "insert into")?;
            let at = clamp_insert(items.len(), i);
            items.insert(at, x);
            Ok(None)
        }
        Op::Pop(i) => match node {
            Value::List(items) => {
                if items.is_empty() {
                    return Err(Error::IndexOutOfRange {
                        index: render(&i),
                        len: 0,
                    });
                }
                let at = index(items.len(), &i)?;
                Ok(Some(items.remove(at)))
            }
            Value::Dict(d) | Value::OrderedDict(d) => {
                check_hashable(&i)?;
                d.remove(&i).map(Some).ok_or_else(|| not_found(&i))
            }
            other => Err(Error::WrongType {
                op: "pop from",
                kind: other.kind(),
            }),
        },
        Op::SetItem(key, value) => match node {
            Value::Dict(d) | Value::OrderedDict(d) => {
                check_hashable(&key)?;
                d.insert(key, value);
                Ok(None)
            }
            Value::List(items) => {
                if let Value::Slice(s) = &key {
                    set_slice(items, s, value)?;
                } else {
                    let (at, len) = (index(items.len(), &key)?, items.len());
                    *items.get_mut(at).ok_or_else(|| out_of_range(&key, len))? = value;
                }
                Ok(None)
            }
            other => Err(Error::WrongType {
                op: "set an item of",
                kind: other.kind(),
            }),
        },
        Op::DelItem(key) => match node {
            Value::Dict(d) | Value::OrderedDict(d) => {
                check_hashable(&key)?;
                d.remove(&key).ok_or_else(|| not_found(&key))?;
                Ok(None)
            }
            Value::List(items) => {
                if let Value::Slice(s) = &key {
                    del_slice(items, s)?;
                } else {
                    let at = index(items.len(), &key)?;
                    items.remove(at);
                }
                Ok(None)
            }
            other => Err(Error::WrongType {
                op: "delete an item of",
                kind: other.kind(),
            }),
        },
    }
}

fn list_mut<'a>(node: &'a mut Value, op: &'static str) -> Result<&'a mut Vec<Value>> {
    match node {
        Value::List(items) => Ok(items),
        other => Err(Error::WrongType {
            op,
            kind: other.kind(),
        }),
    }
}

fn check_hashable(key: &Value) -> Result<()> {
    if key.is_hashable() {
        Ok(())
    } else {
        Err(Error::Unhashable { kind: key.kind() })
    }
}

/// Python's `list.insert` position: negative counts from the end, out of range clamps.
fn clamp_insert(len: usize, i: i64) -> usize {
    let len_i = len as i128;
    let i = i as i128;
    let at = if i < 0 {
        (i + len_i).max(0)
    } else {
        i.min(len_i)
    };
    at as usize
}

/// Python's `slice.indices(len)` followed by the slice length: `(start, step, count)`.
fn slice_range(len: usize, s: &Slice) -> Result<(i128, i128, usize)> {
    let part = |v: &Value, name: &str| -> Result<Option<i128>> {
        match v {
            Value::None => Ok(None),
            Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
                Ok(Some(as_int(v).unwrap_or(0) as i128))
            }
            other => Err(Error::Slice(format!(
                "slice {name} must be an int or None, not {}",
                other.kind()
            ))),
        }
    };
    let step = part(&s.step, "step")?.unwrap_or(1);
    if step == 0 {
        return Err(Error::Slice("slice step cannot be zero".into()));
    }
    let len = len as i128;
    let adjust = |v: Option<i128>, default: i128| -> i128 {
        let Some(mut v) = v else { return default };
        if v < 0 {
            v += len;
            if v < 0 {
                v = if step < 0 { -1 } else { 0 };
            }
        } else if v >= len {
            v = if step < 0 { len - 1 } else { len };
        }
        v
    };
    let (start, stop) = if step < 0 {
        (
            adjust(part(&s.start, "start")?, len - 1),
            adjust(part(&s.stop, "stop")?, -1),
        )
    } else {
        (
            adjust(part(&s.start, "start")?, 0),
            adjust(part(&s.stop, "stop")?, len),
        )
    };
    let count = if step < 0 {
        if stop < start {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    Ok((start, step, count as usize))
}

fn slice_positions(start: i128, step: i128, count: usize) -> impl Iterator<Item = usize> {
    (0..count).map(move |k| (start + k as i128 * step) as usize)
}

// `slice_range` only yields positions below `items.len()`.
#[allow(clippy::indexing_slicing)]
fn del_slice(items: &mut Vec<Value>, s: &Slice) -> Result<()> {
    let (start, step, count) = slice_range(items.len(), s)?;
    if step == 1 {
        let start = start as usize;
        items.drain(start..start + count);
    } else {
        let mut remove = vec![false; items.len()];
        for at in slice_positions(start, step, count) {
            remove[at] = true;
        }
        let mut n = 0;
        items.retain(|_| {
            n += 1;
            !remove[n - 1]
        });
    }
    Ok(())
}

/// The items of an iterable, as Python's slice assignment takes them.
fn iterable_items(value: Value) -> Result<Vec<Value>> {
    Ok(match value {
        Value::List(v) | Value::Tuple(v) | Value::Set(v) => v,
        Value::Dict(d) | Value::OrderedDict(d) => d.into_iter().map(|(k, _)| k).collect(),
        Value::Str(s) => s.chars().map(Value::str).collect(),
        Value::Bytes(b) => b.into_iter().map(Value::from).collect(),
        other => {
            return Err(Error::WrongType {
                op: "assign to a slice from",
                kind: other.kind(),
            });
        }
    })
}

// `slice_range` only yields positions below `items.len()`.
#[allow(clippy::indexing_slicing)]
fn set_slice(items: &mut Vec<Value>, s: &Slice, value: Value) -> Result<()> {
    let (start, step, count) = slice_range(items.len(), s)?;
    let new = iterable_items(value)?;
    if step == 1 {
        let start = start as usize;
        items.splice(start..start + count, new);
    } else {
        if new.len() != count {
            return Err(Error::Slice(format!(
                "attempt to assign sequence of size {} to extended slice of size {count}",
                new.len()
            )));
        }
        for (at, v) in slice_positions(start, step, count).zip(new) {
            items[at] = v;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::{dict, list, tuple};

    fn sl(start: impl Into<Value>, stop: impl Into<Value>, step: impl Into<Value>) -> Value {
        Value::slice(start.into(), stop.into(), step.into())
    }

    fn run(mut v: Value, op: Op) -> std::result::Result<(Value, Option<Value>), String> {
        let before = v.clone();
        match apply(&mut v, op) {
            Ok(r) => Ok((v, r)),
            Err(e) => {
                assert_eq!(v, before, "an error must leave the value unchanged");
                Err(e.to_string())
            }
        }
    }

    #[test]
    fn list_operations_like_python() {
        let l = || list![0, 1, 2, 3, 4];
        let n = Option::<i64>::None;
        // (op, expected list or error) checked against CPython 3.12.
        let cases: Vec<(Op, std::result::Result<Value, &str>)> = vec![
            (Op::Append(5.into()), Ok(list![0, 1, 2, 3, 4, 5])),
            (Op::Insert(0, 9.into()), Ok(list![9, 0, 1, 2, 3, 4])),
            (Op::Insert(-1, 9.into()), Ok(list![0, 1, 2, 3, 9, 4])),
            (Op::Insert(100, 9.into()), Ok(list![0, 1, 2, 3, 4, 9])),
            (Op::Insert(-100, 9.into()), Ok(list![9, 0, 1, 2, 3, 4])),
            (Op::Pop((-1).into()), Ok(list![0, 1, 2, 3])),
            (Op::Pop(1.into()), Ok(list![0, 2, 3, 4])),
            (Op::Pop(true.into()), Ok(list![0, 2, 3, 4])),
            (
                Op::Pop(5.into()),
                Err("index 5 out of range for a sequence of length 5"),
            ),
            (
                Op::Pop((-6).into()),
                Err("index -6 out of range for a sequence of length 5"),
            ),
            (
                Op::Pop("x".into()),
                Err("list indices must be integers or slices, not str"),
            ),
            (Op::SetItem((-2).into(), 9.into()), Ok(list![0, 1, 2, 9, 4])),
            (
                Op::SetItem(5.into(), 9.into()),
                Err("index 5 out of range for a sequence of length 5"),
            ),
            (
                Op::SetItem(1.5.into(), 9.into()),
                Err("list indices must be integers or slices, not float"),
            ),
            (Op::DelItem(0.into()), Ok(list![1, 2, 3, 4])),
            (Op::DelItem((-5).into()), Ok(list![1, 2, 3, 4])),
            (Op::DelItem(sl(1, 3, n)), Ok(list![0, 3, 4])),
            (Op::DelItem(sl(n, n, 2)), Ok(list![1, 3])),
            (Op::DelItem(sl(n, n, -2)), Ok(list![1, 3])),
            (Op::DelItem(sl(-2, n, n)), Ok(list![0, 1, 2])),
            (Op::DelItem(sl(3, 1, n)), Ok(l())),
            (Op::DelItem(sl(n, n, 0)), Err("slice step cannot be zero")),
            (
                Op::SetItem(sl(1, 3, n), list!["a"]),
                Ok(list![0, "a", 3, 4]),
            ),
            (
                Op::SetItem(sl(3, 1, n), tuple!["a", "b"]),
                Ok(list![0, 1, 2, "a", "b", 3, 4]),
            ),
            (Op::SetItem(sl(n, n, n), "ab".into()), Ok(list!["a", "b"])),
            (
                Op::SetItem(sl(100, n, n), list![7]),
                Ok(list![0, 1, 2, 3, 4, 7]),
            ),
            (
                Op::SetItem(sl(n, n, 2), list![7, 8, 9]),
                Ok(list![7, 1, 8, 3, 9]),
            ),
            (
                Op::SetItem(sl(4, n, -3), list![7, 8]),
                Ok(list![0, 8, 2, 3, 7]),
            ),
            (
                Op::SetItem(sl(n, n, 2), list![7]),
                Err("attempt to assign sequence of size 1 to extended slice of size 3"),
            ),
            (
                Op::SetItem(sl(n, n, n), 1.into()),
                Err("cannot assign to a slice from a value of type int"),
            ),
            (
                Op::DelItem(sl("a", n, n)),
                Err("slice start must be an int or None, not str"),
            ),
        ];
        for (op, expected) in cases {
            let desc = format!("{op:?}");
            let got = run(l(), op).map(|(v, _)| v);
            match expected {
                Ok(v) => assert_eq!(got, Ok(v), "{desc}"),
                Err(e) => assert_eq!(got, Err(e.to_string()), "{desc}"),
            }
        }
        assert_eq!(
            run(list![], Op::Pop((-1).into())).unwrap_err(),
            "index -1 out of range for a sequence of length 0"
        );
        assert_eq!(run(l(), Op::Pop(3.into())).unwrap().1, Some(3.into()));
    }

    #[test]
    fn dict_operations_like_python() {
        let d = || dict! {"a" => 1, 2 => "b"};
        assert_eq!(
            run(d(), Op::SetItem("c".into(), 3.into())).unwrap().0,
            dict! {"a" => 1, 2 => "b", "c" => 3}
        );
        assert_eq!(
            run(d(), Op::SetItem(2.0.into(), 3.into())).unwrap().0,
            dict! {"a" => 1, 2 => 3}
        );
        assert_eq!(
            run(d(), Op::DelItem("a".into())).unwrap().0,
            dict! {2 => "b"}
        );
        assert_eq!(
            run(d(), Op::DelItem("z".into())).unwrap_err(),
            "key \"z\" not found"
        );
        assert_eq!(
            run(d(), Op::SetItem(list![1], 3.into())).unwrap_err(),
            "unhashable type: list"
        );
        assert_eq!(
            run(d(), Op::Pop(2.into())).unwrap(),
            (dict! {"a" => 1}, Some("b".into()))
        );
        assert_eq!(
            run(d(), Op::Append(1.into())).unwrap_err(),
            "cannot append to a value of type dict"
        );
        assert_eq!(
            run(tuple![1], Op::SetItem(0.into(), 1.into())).unwrap_err(),
            "cannot set an item of a value of type tuple"
        );
        assert_eq!(
            run(1.into(), Op::DelItem(0.into())).unwrap_err(),
            "cannot delete an item of a value of type int"
        );
    }

    #[test]
    fn paths_walk_dicts_lists_and_tuples() {
        let mut v = dict! {"a" => list![dict! {"b" => tuple![list![1]]}], 3 => "x"};
        let path = vec!["a".into(), (-1).into(), "b".into(), 0.into(), 0.into()];
        assert_eq!(resolve(&v, &path).unwrap(), &Value::Int(1));
        *resolve_mut(&mut v, &path).unwrap() = 2.into();
        assert_eq!(resolve(&v, &path).unwrap(), &Value::Int(2));
        assert_eq!(resolve(&v, &[3.0.into()]).unwrap(), &Value::str("x"));
        let err = |p: Vec<Value>| resolve(&v, &p).unwrap_err().to_string();
        assert_eq!(err(vec!["zz".into()]), "key \"zz\" not found");
        assert_eq!(
            err(vec!["a".into(), 1.into()]),
            "index 1 out of range for a sequence of length 1"
        );
        assert_eq!(
            err(vec!["a".into(), "b".into()]),
            "list indices must be integers or slices, not str"
        );
        assert_eq!(
            err(vec![3.into(), 0.into()]),
            "cannot subscript a value of type str"
        );
    }
}
