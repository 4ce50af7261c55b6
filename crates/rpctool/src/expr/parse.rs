//! A recursive-descent parser of the argument grammar, with Python's operator precedence.

use pyon_codec::Value;

use super::lex::{Tok, Token, tokenize};
use crate::Error;

/// Deepest nesting of brackets and operators accepted.
pub const MAX_DEPTH: usize = 100;

/// Longest expression accepted, in characters.
pub const MAX_LEN: usize = 1 << 20;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Lit(Value),
    Name(String, usize),
    Attr(Box<Expr>, String, usize),
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr)>,
        at: usize,
    },
    Unary(&'static str, Box<Expr>, usize),
    Binary(&'static str, Box<Expr>, Box<Expr>, usize),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
}

/// Parses a whole expression (a bare `a, b` is a tuple, as in Python's `eval`).
pub(crate) fn parse(text: &str) -> Result<Expr, Error> {
    if text.chars().count() > MAX_LEN {
        return Err(Error::syntax(0, "expression too long"));
    }
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    if p.peek() == &Tok::End {
        return Err(Error::syntax(0, "empty expression"));
    }
    let e = p.expr_list(&[Tok::End])?;
    p.expect_end()?;
    Ok(e)
}

/// Positional and keyword arguments of a call.
type CallArgs = (Vec<Expr>, Vec<(String, Expr)>);

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    /// The token `ahead` places after the current one; the last token, `End`, repeats forever.
    fn token(&self, ahead: usize) -> &Token {
        const END: &Token = &Token {
            kind: Tok::End,
            at: 0,
        };
        self.tokens
            .get(self.pos + ahead)
            .or(self.tokens.last())
            .unwrap_or(END)
    }

    fn peek(&self) -> &Tok {
        &self.token(0).kind
    }

    fn at(&self) -> usize {
        self.token(0).at
    }

    fn next(&mut self) -> Token {
        let t = self.token(0).clone();
        if t.kind != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn unexpected(&self) -> Error {
        let what = match self.peek() {
            Tok::End => "unexpected end of expression".to_owned(),
            Tok::Op(o) => format!("unexpected `{o}`"),
            Tok::Name(n) => format!("unexpected name `{n}`"),
            Tok::Lit(_) => "unexpected literal".to_owned(),
        };
        Error::syntax(self.at(), what)
    }

    fn expect(&mut self, op: &str) -> Result<(), Error> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(Error::syntax(self.at(), format!("expected `{op}`")).or_unexpected(self))
        }
    }

    fn expect_end(&self) -> Result<(), Error> {
        if self.peek() == &Tok::End {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::syntax(self.at(), "expression nested too deeply"));
        }
        Ok(())
    }

    /// `a, b, c` up to one of `ends`: one expression, or a tuple if there is a comma.
    fn expr_list(&mut self, ends: &[Tok]) -> Result<Expr, Error> {
        let first = self.expr()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(",") {
            if ends.contains(self.peek()) {
                break;
            }
            items.push(self.expr()?);
        }
        Ok(Expr::Tuple(items))
    }

    fn expr(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        let r = self.arith();
        self.depth -= 1;
        r
    }

    fn arith(&mut self) -> Result<Expr, Error> {
        let mut left = self.term()?;
        loop {
            let at = self.at();
            let op = if self.eat("+") {
                "+"
            } else if self.eat("-") {
                "-"
            } else {
                return Ok(left);
            };
            let right = self.term()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), at);
        }
    }

    fn term(&mut self) -> Result<Expr, Error> {
        let mut left = self.factor()?;
        loop {
            let at = self.at();
            let op = match self.peek() {
                Tok::Op(o @ ("*" | "/" | "//" | "%")) => *o,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.factor()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right), at);
        }
    }

    fn factor(&mut self) -> Result<Expr, Error> {
        let at = self.at();
        let op = match self.peek() {
            Tok::Op(o @ ("+" | "-" | "~")) => *o,
            _ => return self.power(),
        };
        self.pos += 1;
        self.enter()?;
        let operand = self.factor();
        self.depth -= 1;
        Ok(Expr::Unary(op, Box::new(operand?), at))
    }

    fn power(&mut self) -> Result<Expr, Error> {
        let base = self.primary()?;
        let at = self.at();
        if self.eat("**") {
            self.enter()?;
            let exponent = self.factor();
            self.depth -= 1;
            return Ok(Expr::Binary("**", Box::new(base), Box::new(exponent?), at));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let mut e = self.atom()?;
        loop {
            let at = self.at();
            if self.eat(".") {
                match self.next().kind {
                    Tok::Name(n) => e = Expr::Attr(Box::new(e), n, at),
                    _ => return Err(Error::syntax(at, "expected a name after `.`")),
                }
            } else if self.eat("(") {
                self.enter()?;
                let (args, kwargs) = self.call_args()?;
                self.depth -= 1;
                e = Expr::Call {
                    func: Box::new(e),
                    args,
                    kwargs,
                    at,
                };
            } else if self.is_op("[") {
                return Err(Error::syntax(at, "subscripts are not supported"));
            } else {
                return Ok(e);
            }
        }
    }

    fn call_args(&mut self) -> Result<CallArgs, Error> {
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Expr)> = Vec::new();
        while !self.eat(")") {
            let at = self.at();
            let keyword = match (self.peek(), &self.token(1).kind) {
                (Tok::Name(n), Tok::Op("=")) => Some(n.clone()),
                _ => None,
            };
            if let Some(name) = keyword {
                self.pos += 2;
                if kwargs.iter().any(|(k, _)| *k == name) {
                    return Err(Error::syntax(
                        at,
                        format!("keyword argument repeated: {name}"),
                    ));
                }
                kwargs.push((name, self.expr()?));
            } else {
                if !kwargs.is_empty() {
                    return Err(Error::syntax(
                        at,
                        "positional argument follows keyword argument",
                    ));
                }
                args.push(self.expr()?);
            }
            if !self.eat(",") {
                self.expect(")")?;
                break;
            }
        }
        Ok((args, kwargs))
    }

    fn atom(&mut self) -> Result<Expr, Error> {
        let t = self.next();
        match t.kind {
            Tok::Lit(v) => self.concat(v),
            Tok::Name(n) => Ok(match n.as_str() {
                "None" => Expr::Lit(Value::None),
                "True" => Expr::Lit(Value::Bool(true)),
                "False" => Expr::Lit(Value::Bool(false)),
                _ => Expr::Name(n, t.at),
            }),
            Tok::Op("(") => {
                self.enter()?;
                let r = if self.eat(")") {
                    Ok(Expr::Tuple(Vec::new()))
                } else {
                    let e = self.expr_list(&[Tok::Op(")")])?;
                    self.expect(")").map(|()| e)
                };
                self.depth -= 1;
                r
            }
            Tok::Op("[") => {
                self.enter()?;
                let items = self.items("]");
                self.depth -= 1;
                Ok(Expr::List(items?))
            }
            Tok::Op("{") => {
                self.enter()?;
                let r = self.dict_or_set();
                self.depth -= 1;
                r
            }
            Tok::End => Err(self.unexpected()),
            _ => {
                self.pos -= 1;
                Err(self.unexpected())
            }
        }
    }

    /// Adjacent string literals are one literal, as in Python: `'it''s'` is `'its'`.
    fn concat(&mut self, first: Value) -> Result<Expr, Error> {
        let mut v = first;
        while matches!(v, Value::Str(_) | Value::Bytes(_)) {
            let Tok::Lit(next @ (Value::Str(_) | Value::Bytes(_))) = self.peek().clone() else {
                break;
            };
            v = match (v, next) {
                (Value::Str(mut a), Value::Str(b)) => {
                    a.push_str(&b);
                    Value::Str(a)
                }
                (Value::Bytes(mut a), Value::Bytes(b)) => {
                    a.extend(b);
                    Value::Bytes(a)
                }
                _ => {
                    return Err(Error::syntax(
                        self.at(),
                        "cannot mix bytes and nonbytes literals",
                    ));
                }
            };
            self.pos += 1;
        }
        Ok(Expr::Lit(v))
    }

    fn items(&mut self, close: &str) -> Result<Vec<Expr>, Error> {
        let mut items = Vec::new();
        while !self.eat(close) {
            items.push(self.expr()?);
            if !self.eat(",") {
                self.expect(close)?;
                break;
            }
        }
        Ok(items)
    }

    fn dict_or_set(&mut self) -> Result<Expr, Error> {
        if self.eat("}") {
            return Ok(Expr::Dict(Vec::new()));
        }
        let first = self.expr()?;
        if !self.eat(":") {
            let mut items = vec![first];
            if self.eat(",") {
                items.extend(self.items("}")?);
            } else {
                self.expect("}")?;
            }
            return Ok(Expr::Set(items));
        }
        let mut pairs = vec![(first, self.expr()?)];
        loop {
            if !self.eat(",") {
                self.expect("}")?;
                break;
            }
            if self.eat("}") {
                break;
            }
            let k = self.expr()?;
            self.expect(":")?;
            pairs.push((k, self.expr()?));
        }
        Ok(Expr::Dict(pairs))
    }
}

impl Error {
    /// At the end of the input, "unexpected end" says more than "expected `)`".
    fn or_unexpected(self, p: &Parser) -> Error {
        match p.peek() {
            Tok::End => p.unexpected(),
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(matches!(parse("1, 2").unwrap(), Expr::Tuple(v) if v.len() == 2));
        assert!(matches!(parse("(1,)").unwrap(), Expr::Tuple(v) if v.len() == 1));
        assert!(matches!(parse("(1)").unwrap(), Expr::Lit(Value::Int(1))));
        assert!(matches!(parse("{}").unwrap(), Expr::Dict(v) if v.is_empty()));
        assert!(matches!(parse("{1}").unwrap(), Expr::Set(v) if v.len() == 1));
        assert!(matches!(parse("{1: 2,}").unwrap(), Expr::Dict(v) if v.len() == 1));
        assert!(matches!(parse("'it''s'").unwrap(), Expr::Lit(Value::Str(s)) if s == "its"));
        assert!(
            matches!(parse("f(1, x=2)").unwrap(), Expr::Call { args, kwargs, .. } if args.len() == 1 && kwargs.len() == 1)
        );
    }

    #[test]
    fn errors() {
        let cases = [
            ("", "empty expression"),
            ("1 +", "unexpected end of expression"),
            ("[1, 2", "unexpected end of expression"),
            ("(1 2)", "expected `)`"),
            ("f(x=1, 2)", "positional argument follows keyword argument"),
            ("'a' b'c'", "cannot mix bytes and nonbytes literals"),
            ("x[0]", "subscripts are not supported"),
            ("1 == 2", "unexpected `=`"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).unwrap_err().to_string().contains("too deeply"));
        let deep = "-".repeat(500) + "1";
        assert!(parse(&deep).unwrap_err().to_string().contains("too deeply"));
    }
}
