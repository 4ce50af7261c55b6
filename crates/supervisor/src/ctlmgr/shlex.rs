//! Splitting a command line like a POSIX shell, without running one (Python's
//! `shlex.split`): whitespace separates words, `'...'` is literal, `"..."` keeps everything
//! but `\"` and `\\`, a backslash outside quotes takes the next character as it is.

/// Split `line` into words.
///
/// # Errors
///
/// `no closing quotation` or `no escaped character` (Python's messages, lower-case).
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\\' => {
                let escaped = chars.next().ok_or("no escaped character")?;
                word.get_or_insert_with(String::new).push(escaped);
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err("no closing quotation".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(w) = word {
        words.push(w);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // Expected values are what Python 3.11's shlex.split returns.
        let cases: &[(&str, Result<&[&str], &str>)] = &[
            (
                "aqctl_foo -p 3253 --bind ::1",
                Ok(&["aqctl_foo", "-p", "3253", "--bind", "::1"]),
            ),
            ("  spaced\tout \n ", Ok(&["spaced", "out"])),
            ("'a b' \"c d\"", Ok(&["a b", "c d"])),
            ("a'b c'd", Ok(&["ab cd"])),
            ("'' \"\"", Ok(&["", ""])),
            (r#""say \"hi\" \\ \n""#, Ok(&[r#"say "hi" \ \n"#])),
            (r"a\ b \'c", Ok(&["a b", "'c"])),
            (r"'no \escape'", Ok(&[r"no \escape"])),
            ("$HOME `x` ;|&", Ok(&["$HOME", "`x`", ";|&"])),
            ("", Ok(&[])),
            ("'open", Err("no closing quotation")),
            ("\"open", Err("no closing quotation")),
            ("end\\", Err("no escaped character")),
        ];
        for (line, expected) in cases {
            let got = split(line);
            let expected = expected
                .map(|words| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>())
                .map_err(str::to_owned);
            assert_eq!(got, expected, "{line}");
        }
    }
}
