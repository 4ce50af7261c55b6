//! Numbers: signs, a literal (or `inf`, `nan`), and for a real number an optional imaginary
//! part joined by `+` or `-`, which makes it complex (`1+2j`, as Python's `repr` writes them).

use num_complex::Complex64;

use super::Parser;
use crate::v1::lex::{self, NumKind};
use crate::{Result, Value};

/// A number literal before its sign is applied.
enum Num {
    Int(Value),
    Float(f64),
    Imag(f64),
}

impl Parser<'_> {
    /// Signs, then a number literal (or `inf`, `nan`, `infj`, `nanj`): whether the sign is
    /// negative, and the literal with the sign applied. `None` when no literal follows the signs.
    fn signed_literal(&mut self) -> Result<Option<(bool, Num)>> {
        let mut neg = false;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'+') => self.pos += 1,
                Some(b'-') => {
                    neg = !neg;
                    self.pos += 1;
                }
                _ => break,
            }
        }
        let start = self.pos;
        let rest = &self.text[start..];
        if rest.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
            let word_len = rest
                .bytes()
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
                .unwrap_or(rest.len());
            let x = match &rest[..word_len] {
                "inf" | "infj" => f64::INFINITY,
                "nan" | "nanj" => f64::NAN,
                _ => return Ok(None),
            };
            let x = if neg { -x } else { x };
            self.pos += word_len;
            self.no_name_after(start)?;
            return Ok(Some((
                neg,
                if word_len == 4 {
                    Num::Imag(x)
                } else {
                    Num::Float(x)
                },
            )));
        }
        let Some((len, kind)) = lex::number(rest) else {
            return Ok(None);
        };
        self.pos += len;
        self.no_name_after(start)?;
        let text = &rest[..len];
        let num = match kind {
            NumKind::Int(radix) => {
                Num::Int(lex::int_value(text, radix, neg).map_err(|e| self.err_at(e, start))?)
            }
            NumKind::Float | NumKind::Imag => {
                let x = lex::float_value(text).map_err(|e| self.err_at(e, start))?;
                let x = if neg { -x } else { x };
                if kind == NumKind::Imag {
                    Num::Imag(x)
                } else {
                    Num::Float(x)
                }
            }
        };
        Ok(Some((neg, num)))
    }

    /// A literal must not run into a name or another number (`1x`, `1.5.`, `1_`).
    fn no_name_after(&self, start: usize) -> Result<()> {
        let bad = match self.peek() {
            None => false,
            Some(b) if b < 0x80 => b.is_ascii_alphanumeric() || b == b'_' || b == b'.',
            Some(_) => self.text[self.pos..]
                .chars()
                .next()
                .is_some_and(lex::is_ident_continue),
        };
        if bad {
            Err(self.syntax_at("invalid number", start))
        } else {
            Ok(())
        }
    }

    /// The fast path of [`Parser::number`] for what encoders write: an optional `-` and a plain
    /// decimal literal (`12`, `-1.5`, `2.5e+16`), not part of a complex number. `None`, with
    /// nothing consumed, sends anything else to the general path.
    fn plain_number(&mut self) -> Result<Option<Value>> {
        let neg = self.peek() == Some(b'-');
        let lit = self.pos + usize::from(neg);
        let Some((len, kind)) = lex::plain_number(self.s.get(lit..).unwrap_or_default()) else {
            return Ok(None);
        };
        let end = lit + len;
        // Not followed by an identifier character (non-ASCII here; `plain_number` checked
        // ASCII), nor by `+`/`-` and an imaginary part.
        let rest = &self.text[end..];
        if rest.chars().next().is_some_and(lex::is_ident_continue)
            || matches!(rest.trim_start().as_bytes().first(), Some(b'+' | b'-'))
        {
            return Ok(None);
        }
        let text = &self.text[lit..end];
        let v = match kind {
            // Errors point at the literal, after its sign, as in the general path.
            lex::NumKind::Int(_) => {
                lex::int_value(text, 10, neg).map_err(|e| self.err_at(e, lit))?
            }
            _ => {
                let x = lex::float_value(text).map_err(|e| self.err_at(e, lit))?;
                Value::Float(if neg { -x } else { x })
            }
        };
        self.pos = end;
        Ok(Some(v))
    }

    /// A number: signs, a literal, and for a real number an optional `+ imaginary` or
    /// `- imaginary` part, which makes it a complex number.
    pub(super) fn number(&mut self) -> Result<Value> {
        if let Some(v) = self.plain_number()? {
            return Ok(v);
        }
        let Some((neg, num)) = self.signed_literal()? else {
            return Err(self.eof_or("expected a number"));
        };
        let re = match num {
            Num::Imag(im) => return Ok(Value::Complex(Complex64::new(0.0, im))),
            Num::Int(v) => v,
            Num::Float(x) => Value::Float(x),
        };
        let after = self.pos;
        self.skip_ws();
        let op = match self.peek() {
            Some(op @ (b'+' | b'-')) => op,
            _ => {
                self.pos = after;
                return Ok(re);
            }
        };
        let op_pos = self.pos;
        self.pos += 1;
        let Some((_, Num::Imag(im))) = self.signed_literal()? else {
            return Err(self.syntax_at(
                format!(
                    "binary `{}` only joins a real and an imaginary number",
                    op as char
                ),
                op_pos,
            ));
        };
        let im = if op == b'-' { -im } else { im };
        let mut re = match re {
            Value::Float(x) => x,
            other => other
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| self.syntax_at("int too large to convert to float", op_pos))?,
        };
        if neg && re == 0.0 {
            re = -0.0;
        }
        Ok(Value::Complex(Complex64::new(re, im)))
    }
}
