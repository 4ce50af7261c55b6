//! A deterministic workload of changes to a notifier, shared by the `publisher` example, the
//! tests and the benchmark (included with `#[path]`).
//!
//! Every change is valid for the current structure and the five actions appear at several
//! depths: the generator walks the structure to a random list or dict and picks an action that
//! fits it.

#![allow(dead_code)]

use pyon_codec::{Dict, Value, dict, list, tuple};
use sync_struct::Notifier;

/// xorshift64*: small, fast, deterministic for a given seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator; any seed works (0 is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `true` with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// The starting structure: a nested dict, a list and a tuple.
pub fn initial_structure() -> Value {
    dict! {
        "name" => "demo",
        "counts" => list![1, 2, 3],
        "nested" => dict! {"inner" => dict! {"x" => 1.5, "flags" => list![true, false]}},
        "pair" => tuple![1, "two"],
    }
}

/// Containers deeper than this only receive scalars.
const MAX_DEPTH: usize = 4;
/// Containers larger than this shrink rather than grow.
const MAX_LEN: usize = 8;

fn scalar(rng: &mut Rng) -> Value {
    match rng.below(7) {
        0 => Value::None,
        1 => Value::Bool(rng.chance(50)),
        2 => Value::Int(rng.below(2001) as i64 - 1000),
        3 => Value::Float((rng.below(1_000_000) as f64 - 500_000.0) / 64.0),
        4 => Value::str(format!("s{}", rng.below(1000))),
        5 => tuple![rng.below(10), format!("t{}", rng.below(10))],
        _ => Value::str("é\u{1f600}\n\"q\""),
    }
}

/// A value to store at `depth`: sometimes a fresh container, so the structure deepens.
fn value(rng: &mut Rng, depth: usize) -> Value {
    if depth >= MAX_DEPTH || rng.chance(70) {
        return scalar(rng);
    }
    if rng.chance(50) {
        list![scalar(rng)]
    } else {
        let mut d = Dict::new();
        d.insert(key(rng), scalar(rng));
        Value::Dict(d)
    }
}

/// A dict key: mostly strings, sometimes an int (non-str keys travel as tagged dicts in v2).
fn key(rng: &mut Rng) -> Value {
    if rng.chance(85) {
        Value::str(format!("k{}", rng.below(12)))
    } else {
        Value::Int(rng.below(5) as i64)
    }
}

/// An index of a sequence of `len > 0` items, negative half of the time.
fn index(rng: &mut Rng, len: usize) -> i64 {
    let i = rng.below(len) as i64;
    if rng.chance(50) { i - len as i64 } else { i }
}

/// Picks a list or dict of the structure: the path to it and its length.
fn pick_container(rng: &mut Rng, root: &Value) -> (Vec<Value>, bool, usize) {
    let mut path = Vec::new();
    let mut node = root;
    loop {
        let children: Vec<(Value, &Value)> = match node {
            Value::Dict(d) => d
                .iter()
                .filter(|(_, v)| matches!(v, Value::List(_) | Value::Dict(_)))
                .map(|(k, v)| (k.clone(), v))
                .collect(),
            Value::List(items) => items
                .iter()
                .enumerate()
                .filter(|(_, v)| matches!(v, Value::List(_) | Value::Dict(_)))
                .map(|(i, v)| (Value::Int(i as i64), v))
                .collect(),
            _ => Vec::new(),
        };
        if children.is_empty() || !rng.chance(60) {
            break;
        }
        let (mut k, child) = children[rng.below(children.len())].clone();
        if let (Value::Int(i), Value::List(items)) = (&k, node)
            && rng.chance(30)
        {
            k = Value::Int(*i - items.len() as i64);
        }
        path.push(k);
        node = child;
    }
    let (is_list, len) = match node {
        Value::List(items) => (true, items.len()),
        Value::Dict(d) => (false, d.len()),
        _ => (false, 0),
    };
    (path, is_list, len)
}

/// Applies one random valid change to `n` (whose root is a dict).
pub fn random_change(n: &Notifier, rng: &mut Rng) -> sync_struct::Result<()> {
    let (path, is_list, len) = n.with(|root| pick_container(rng, root))?;
    let depth = path.len() + 1;
    let node = n.at_path(path);
    if is_list {
        let grow = len < MAX_LEN && (len == 0 || rng.chance(55));
        if grow {
            if rng.chance(50) {
                node.append(value(rng, depth))
            } else {
                let i = rng.below(len + 3) as i64 - 1;
                node.insert(i, value(rng, depth))
            }
        } else {
            match rng.below(3) {
                0 => node.pop(index(rng, len)).map(drop),
                1 => node.delitem(index(rng, len)),
                _ => node.setitem(index(rng, len), value(rng, depth)),
            }
        }
    } else {
        let k = key(rng);
        let exists = node.with(|d| d.as_dict().is_some_and(|d| d.contains_key(&k)))?;
        if exists && (len >= MAX_LEN || rng.chance(35)) {
            node.delitem(k)
        } else {
            node.setitem(k, value(rng, depth))
        }
    }
}
