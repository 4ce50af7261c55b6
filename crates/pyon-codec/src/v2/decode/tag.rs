//! Type tags: the value of a `__jsonclass__` key, built as early as its parts allow.

use super::*;

impl<'a> Parser<'a> {
    /// At a string that is the name of a tag (first in its `[name, args]` list) and needs no
    /// unescaping: reads it in place, keeping the `&str` in the list's frame, and returns the
    /// placeholder (an empty str) to put in the list. The list is only ever used by
    /// [`Parser::build_tag`], which takes the name from the frame, or puts it back in the list
    /// when it leaves the list as it is.
    pub(super) fn tag_name(&mut self, stack: &mut [Frame<'a>]) -> Option<Value> {
        let Some(Frame::Array {
            first,
            tag_list: true,
            name,
        }) = stack.last_mut()
        else {
            return None;
        };
        if self.items.len() != *first {
            return None;
        }
        let from = self.pos + 1;
        let end = crate::scan::string_stop(self.s, from, b'"');
        if self.s.get(end) != Some(&b'"') {
            return None;
        }
        *name = Some(&self.text[from..end]);
        self.pos = end + 1;
        Some(Value::Str(String::new()))
    }

    /// At the end of a tag's list (`items[first..]`, `name` if read in place): when it is
    /// `[name, args]` with the name of a built-in type, builds the value from the parts (the
    /// object is the frame on top of `stack`); `None` leaves the list, with its name, to
    /// [`Parser::finish_tag`]. Registered custom types are left too: their checks run only for
    /// the tag that wins.
    pub(super) fn build_tag(
        &mut self,
        stack: &[Frame<'a>],
        first: usize,
        name: Option<&'a str>,
    ) -> Option<Result<Value>> {
        let builtin = match (stack.last(), &self.items[first..]) {
            (Some(Frame::Object { .. }), [Value::Str(owned), Value::List(_)]) => {
                crate::construct::is_builtin(name.unwrap_or(owned))
            }
            _ => false,
        };
        if !builtin {
            // Left as a list: a name read in place goes back into it.
            if let Some(name) = name {
                self.items[first] = Value::Str(name.to_owned());
            }
            return None;
        }
        let Some(&Frame::Object { start, .. }) = stack.last() else {
            return None;
        };
        let (Some(Value::List(args)), Some(Value::Str(owned))) =
            (self.items.pop(), self.items.pop())
        else {
            return None;
        };
        let decoded = self.drop_decoded(start);
        Some(from_jsonclass(name.unwrap_or(&owned), args, decoded))
    }

    /// Takes the base64 decoded for the tagged object that starts at `start`, if any.
    pub(super) fn drop_decoded(&mut self, start: usize) -> Option<Vec<u8>> {
        match self.decoded.last() {
            Some(&(s, _)) if s == start => self.decoded.pop().map(|(_, d)| d),
            _ => None,
        }
    }

    /// At a string that is the base64 argument of a tag (`{"__jsonclass__": ["nparray",
    /// [shape, dtype, HERE]]}`, or `["bytes", [HERE]]`), decodes it straight from the input:
    /// large arrays are mostly that string, and this spares copying it into a `String` that
    /// would only be decoded and dropped. Returns the placeholder (an empty str) to put in the
    /// args, with the data kept in `decoded` for [`Parser::finish_tag`]; `None` (nothing
    /// consumed) when the string is elsewhere or is not canonical base64 (the general path
    /// then parses it and reports any error).
    ///
    /// The placeholder can only reach `from_jsonclass` of that very tag: the args list is the
    /// second item of the tag's `[name, args]` list, which is used as a whole or not at all,
    /// and a later `__jsonclass__` key in the object drops the data.
    pub(super) fn base64_arg(&mut self, stack: &[Frame<'_>]) -> Option<Value> {
        let [
            ..,
            Frame::Object {
                key: None, start, ..
            },
            Frame::Array {
                first: tag, name, ..
            },
            Frame::Array { first: args, .. },
        ] = stack
        else {
            return None;
        };
        if *args != tag + 1 {
            return None;
        }
        let name = match name {
            Some(name) => name,
            None => self.items[*tag].as_str()?,
        };
        let arg = match name {
            "nparray" => 2,
            "bytes" => 0,
            _ => return None,
        };
        if self.items.len() - args != arg {
            return None;
        }
        // The first `"` ends the string unless an escape comes first, and then the text is not
        // base64 anyway: valid base64 has no `\`, no `"` and no control character.
        let from = self.pos + 1;
        let end = from + memchr::memchr(b'"', &self.s[from..])?;
        let data = crate::construct::b64decode_strict(&self.s[from..end])?;
        self.decoded.push((*start, data));
        self.pos = end + 1;
        Some(Value::Str(String::new()))
    }

    /// The value of a type-tagged object from its `__jsonclass__` value.
    pub(super) fn finish_tag(
        &self,
        tag: Value,
        start: usize,
        decoded: Option<Vec<u8>>,
    ) -> Result<Value> {
        let tag_items = match tag {
            Value::List(items) if items.len() == 2 => items,
            _ => {
                return Err(self.err_at(
                    Error::data(format!("{JSONCLASS} needs a [name, args] list")),
                    start,
                ));
            }
        };
        let mut it = tag_items.into_iter();
        let (name, args) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
        let (Value::Str(name), Value::List(args)) = (name, args) else {
            return Err(self.err_at(
                Error::data(format!("{JSONCLASS} needs a str name and a list of args")),
                start,
            ));
        };
        from_jsonclass(&name, args, decoded).map_err(|e| self.err_at(e, start))
    }
}
