//! Python's `pprint.pformat(x, width=80)` of values.
//!
//! [`pformat`] follows CPython's `PrettyPrinter` (3.11) step by step: a value whose one-line
//! form fits in the remaining width is written on one line; otherwise dicts, lists, tuples and
//! sets are broken one item per line with PrettyPrinter's indentation, strings are split at
//! whitespace into adjacent literals (inside parentheses at the top level) and bytes into
//! 4-byte groups. Dicts are sorted by key and broken sets by element, with PrettyPrinter's
//! `_safe_key` order (values of different, unordered types compare by type name). A set on one
//! line keeps its iteration order, as Python's `repr` does: here, the order in which it was
//! received. numpy arrays are printed as numpy 2's `repr`.

use super::order::{safe_cmp, sorted_items};
use super::repr::{Dicts, repr, str_repr, write_repr};
use crate::Value;

/// The default line width of `pprint`.
pub const PPRINT_WIDTH: usize = 80;

/// `pprint.pformat(v)`: what `pprint.pprint(v)` prints, without the final newline.
pub fn pformat(v: &Value) -> String {
    pformat_width(v, PPRINT_WIDTH)
}

/// `pprint.pformat(v, width=width)`.
pub fn pformat_width(v: &Value, width: usize) -> String {
    let mut p = Printer {
        width: width as isize,
        out: String::new(),
    };
    p.format(v, 0, 0, 0);
    p.out
}

fn len(s: &str) -> isize {
    s.chars().count() as isize
}

struct Printer {
    width: isize,
    out: String,
}

impl Printer {
    /// `PrettyPrinter._format`.
    fn format(&mut self, v: &Value, indent: isize, allowance: isize, level: usize) {
        let mut rep = String::new();
        write_repr(&mut rep, v, Dicts::Sorted);
        let max_width = self.width - indent - allowance;
        if len(&rep) > max_width {
            let level = level + 1;
            match v {
                Value::Dict(d) => {
                    self.out.push('{');
                    if !d.is_empty() {
                        let mut entries: Vec<(&Value, &Value)> = d.iter().collect();
                        entries.sort_by(|a, b| safe_cmp(a.0, b.0));
                        self.dict_items(&entries, indent, allowance + 1, level);
                    }
                    self.out.push('}');
                    return;
                }
                Value::OrderedDict(d) if !d.is_empty() => {
                    self.out.push_str("OrderedDict(");
                    let items = Value::List(
                        d.iter()
                            .map(|(k, v)| Value::Tuple(vec![k.clone(), v.clone()]))
                            .collect(),
                    );
                    self.format(&items, indent + 12, allowance + 1, level);
                    self.out.push(')');
                    return;
                }
                Value::List(items) => {
                    self.out.push('[');
                    let refs: Vec<&Value> = items.iter().collect();
                    self.items(&refs, indent, allowance + 1, level);
                    self.out.push(']');
                    return;
                }
                Value::Tuple(items) => {
                    self.out.push('(');
                    let end = if items.len() == 1 { ",)" } else { ")" };
                    let refs: Vec<&Value> = items.iter().collect();
                    self.items(&refs, indent, allowance + end.len() as isize, level);
                    self.out.push_str(end);
                    return;
                }
                Value::Set(items) if !items.is_empty() => {
                    self.out.push('{');
                    self.items(&sorted_items(items), indent, allowance + 1, level);
                    self.out.push('}');
                    return;
                }
                Value::Str(s) if !s.is_empty() => {
                    self.string(s, indent, allowance, level);
                    return;
                }
                Value::Bytes(b) if b.len() > 4 => {
                    self.bytes(b, indent, allowance, level);
                    return;
                }
                _ => {}
            }
        }
        self.out.push_str(&rep);
    }

    /// `PrettyPrinter._format_items` (not compact).
    fn items(&mut self, items: &[&Value], indent: isize, allowance: isize, level: usize) {
        let indent = indent + 1;
        let delim = format!(",\n{}", " ".repeat(indent as usize));
        for (i, item) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            if i > 0 {
                self.out.push_str(&delim);
            }
            self.format(item, indent, if last { allowance } else { 1 }, level);
        }
    }

    /// `PrettyPrinter._format_dict_items`.
    fn dict_items(
        &mut self,
        items: &[(&Value, &Value)],
        indent: isize,
        allowance: isize,
        level: usize,
    ) {
        let indent = indent + 1;
        let delim = format!(",\n{}", " ".repeat(indent as usize));
        for (i, (k, v)) in items.iter().enumerate() {
            let last = i + 1 == items.len();
            let mut rep = String::new();
            write_repr(&mut rep, k, Dicts::Sorted);
            self.out.push_str(&rep);
            self.out.push_str(": ");
            self.format(
                v,
                indent + len(&rep) + 2,
                if last { allowance } else { 1 },
                level,
            );
            if !last {
                self.out.push_str(&delim);
            }
        }
    }

    /// `PrettyPrinter._pprint_str`.
    fn string(&mut self, s: &str, mut indent: isize, mut allowance: isize, level: usize) {
        let mut chunks: Vec<String> = Vec::new();
        let lines = splitlines(s);
        if level == 1 {
            indent += 1;
            allowance += 1;
        }
        let max_width = self.width - indent;
        let mut max_width1 = max_width;
        let mut last_rep = String::new();
        for (i, line) in lines.iter().enumerate() {
            let rep = str_repr(line);
            let last_line = i + 1 == lines.len();
            if last_line {
                max_width1 -= allowance;
            }
            if len(&rep) <= max_width1 {
                chunks.push(rep.clone());
            } else {
                let parts = word_parts(line);
                let mut max_width2 = max_width;
                let mut current = String::new();
                for (j, part) in parts.iter().enumerate() {
                    let candidate = format!("{current}{part}");
                    if j + 1 == parts.len() && last_line {
                        max_width2 -= allowance;
                    }
                    if len(&str_repr(&candidate)) > max_width2 {
                        if !current.is_empty() {
                            chunks.push(str_repr(&current));
                        }
                        current = (*part).to_owned();
                    } else {
                        current = candidate;
                    }
                }
                if !current.is_empty() {
                    chunks.push(str_repr(&current));
                }
            }
            last_rep = rep;
        }
        if chunks.len() == 1 {
            self.out.push_str(&last_rep);
            return;
        }
        if level == 1 {
            self.out.push('(');
        }
        for (i, chunk) in chunks.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
                self.out.push_str(&" ".repeat(indent.max(0) as usize));
            }
            self.out.push_str(chunk);
        }
        if level == 1 {
            self.out.push(')');
        }
    }

    /// `PrettyPrinter._pprint_bytes` and `_wrap_bytes_repr`.
    fn bytes(&mut self, b: &[u8], mut indent: isize, mut allowance: isize, level: usize) {
        let parens = level == 1;
        if parens {
            indent += 1;
            allowance += 1;
            self.out.push('(');
        }
        let brepr = |b: &[u8]| repr(&Value::Bytes(b.to_vec()));
        let mut width = self.width - indent;
        let last = b.len() / 4 * 4;
        let mut reps = Vec::new();
        let mut current: Vec<u8> = Vec::new();
        for (i, part) in b.chunks(4).enumerate() {
            let i = i * 4;
            let candidate = [current.as_slice(), part].concat();
            if i == last {
                width -= allowance;
            }
            if len(&brepr(&candidate)) > width {
                if !current.is_empty() {
                    reps.push(brepr(&current));
                }
                current = part.to_vec();
            } else {
                current = candidate;
            }
        }
        if !current.is_empty() {
            reps.push(brepr(&current));
        }
        for (i, rep) in reps.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
                self.out.push_str(&" ".repeat(indent.max(0) as usize));
            }
            self.out.push_str(rep);
        }
        if parens {
            self.out.push(')');
        }
    }
}

/// Python's `str.isspace` for one character (what `\s` matches in `re`).
fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\x1c'..='\x1f')
}

/// `re.findall(r'\S*\s*', line)` without its final empty match.
fn word_parts(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let word = rest.find(is_space).unwrap_or(rest.len());
        let space_end = rest[word..]
            .find(|c: char| !is_space(c))
            .map_or(rest.len(), |p| word + p);
        parts.push(&rest[..space_end]);
        rest = &rest[space_end..];
    }
    parts
}

/// Python's `str.splitlines(keepends=True)`.
fn splitlines(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if is_break {
            let mut end = i + c.len_utf8();
            if c == '\r' && it.peek().map(|&(_, n)| n) == Some('\n') {
                it.next();
                end += 1;
            }
            lines.push(&s[start..end]);
            start = end;
        }
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dict, dict, list, tuple};

    #[test]
    fn reprs() {
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(
            str_repr("\u{0}\u{7f}\u{e9}\u{a0}\u{2028}\u{1f600}"),
            "'\\x00\\x7f\u{e9}\\xa0\\u2028\u{1f600}'"
        );
        assert_eq!(repr(&tuple![1]), "(1,)");
        assert_eq!(repr(&Value::Set(vec![])), "set()");
        assert_eq!(repr(&dict! {"b" => 1, "a" => 2}), "{'b': 1, 'a': 2}");
        assert_eq!(pformat(&dict! {"b" => 1, "a" => 2}), "{'a': 2, 'b': 1}");
        assert_eq!(repr(&Value::OrderedDict(Dict::new())), "OrderedDict()");
    }

    #[test]
    fn recorded_wrapping() {
        let v = list![0, 1, 2];
        assert_eq!(pformat_width(&v, 5), "[0,\n 1,\n 2]");
        let long = Value::str("x".repeat(100));
        assert_eq!(pformat(&long), format!("'{}'", "x".repeat(100)));
    }

    #[test]
    fn helpers() {
        assert_eq!(word_parts("ab  cd e"), ["ab  ", "cd ", "e"]);
        assert_eq!(splitlines("a\nb\r\nc"), ["a\n", "b\r\n", "c"]);
    }
}
