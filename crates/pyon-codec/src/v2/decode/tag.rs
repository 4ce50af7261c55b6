//! Type tags: the value of a `__jsonclass__` key, built as early as its parts allow.

use super::*;

impl Parser<'_> {
    /// At a string that is the name of a tag (first in its `[name, args]` list) and needs no
    /// unescaping: reads it in place, keeping its range in the list's frame, and pushes the
    /// placeholder (an empty str) in the list; `false` (nothing done) for any other string.
    /// The list is only ever used by [`Parser::build_from_args`] and [`Parser::build_tag`],
    /// which take the name from the frame, or put it back in the list when they leave the list
    /// as it is.
    #[inline]
    pub(super) fn tag_name(&mut self, stack: &mut [Frame]) -> bool {
        let Some(Frame::Array {
            first,
            tag_list: true,
            name,
            ..
        }) = stack.last_mut()
        else {
            return false;
        };
        if self.items.len() != *first {
            return false;
        }
        let from = self.pos + 1;
        let end = crate::scan::string_stop(self.s, from, b'"');
        if self.s.get(end) != Some(&b'"') {
            return false;
        }
        *name = Some((from, end));
        self.pos = end + 1;
        self.items.push_empty_str();
        true
    }

    /// The name of the tag list whose items start at `first`: read in place, or the first item.
    fn name_of(&self, first: usize, name: Option<(usize, usize)>) -> Option<&str> {
        match name {
            Some((from, to)) => Some(self.text_of(from, to)),
            None => self.items.get(first)?.as_str(),
        }
    }

    /// At the end of an array (`items[first..]`) that is the args of a tag list with the name
    /// of a built-in type (`{"__jsonclass__": [name, HERE]}`): builds the value from the args
    /// right where they are, into the tag list's first slot, in place of the name, and says
    /// so in the list's frame, or keeps the error there (see [`Frame::Array`]). `false`
    /// (nothing done) for any other array.
    #[inline]
    pub(super) fn build_from_args(&mut self, stack: &mut [Frame], first: usize) -> bool {
        let [
            ..,
            Frame::Object { start, .. },
            Frame::Array {
                first: tag,
                tag_list: true,
                name,
                built,
            },
        ] = stack
        else {
            return false;
        };
        // Only the list's second item is its args, and only while nothing was built from
        // them: once built, they no longer take a slot, so a third item starts where they did.
        if *tag + 1 != first || self.items.len() < first || built.is_some() {
            return false;
        }
        let start = *start;
        if !self
            .name_of(*tag, *name)
            .is_some_and(crate::construct::is_builtin)
        {
            return false;
        }
        // An escaped name was unescaped into the list's first item: taken out (the list is
        // dropped with the tag) so that the args below it can be taken off the stack.
        let owned = match name {
            Some(_) => None,
            None => self.items.get_mut(*tag).map(std::mem::take),
        };
        let name = match (*name, &owned) {
            (Some((from, to)), _) => self.text_of(from, to),
            (None, Some(Value::Str(s))) => s.as_str(),
            _ => return false,
        };
        let decoded = self.drop_decoded(start);
        // The value takes the list's first slot, the name's (see `Tag`).
        let Some((slot, args)) = self.items.tail_mut(*tag).split_first_mut() else {
            return false;
        };
        *built = Some(
            match crate::construct::from_jsonclass_on(name, args, decoded) {
                Ok(v) => {
                    *slot = v;
                    Ok(())
                }
                Err(e) => Err(Box::new(e)),
            },
        );
        self.items.truncate(first);
        true
    }
    /// At the end of a tag's list (`items[first..]`, `name` if read in place) whose args were
    /// not built when they ended (an empty args list): when it is `[name, args]` with the name
    /// of a built-in type, builds the value from the parts (the object is the frame on top of
    /// `stack`); `None` leaves the list, with its name, to [`Parser::finish_tag`]. Registered
    /// custom types are left too: their checks run only for the tag that wins.
    pub(super) fn build_tag(
        &mut self,
        stack: &[Frame],
        first: usize,
        name: Option<(usize, usize)>,
    ) -> Option<Parsed<Value>> {
        let in_place = name.map(|(from, to)| self.text_of(from, to));
        let builtin = match (stack.last(), self.items.tail(first)) {
            (Some(Frame::Object { .. }), [Value::Str(owned), Value::List(_)]) => {
                crate::construct::is_builtin(in_place.unwrap_or(owned))
            }
            _ => false,
        };
        if !builtin {
            // Left as a list: a name read in place goes back into it.
            if let (Some(name), Some(slot)) = (in_place, self.items.get_mut(first)) {
                *slot = Value::Str(name.into());
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
        Some(from_jsonclass(in_place.unwrap_or(&owned), args, decoded).map_err(Box::new))
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
    /// would only be decoded and dropped. Pushes the placeholder (an empty str) in the args,
    /// with the data kept in `decoded` for [`Parser::finish_tag`]; `false` (nothing consumed)
    /// when the string is elsewhere or is not canonical base64 (the general path then parses
    /// it and reports any error).
    ///
    /// The placeholder can only reach `from_jsonclass` of that very tag: the args list is the
    /// second item of the tag's `[name, args]` list, which is used as a whole or not at all,
    /// and a later `__jsonclass__` key in the object drops the data.
    pub(super) fn base64_arg(&mut self, stack: &[Frame]) -> bool {
        let Some((start, end, data)) = self.base64_at(stack) else {
            return false;
        };
        self.decoded.push((start, data));
        self.pos = end + 1;
        self.items.push_empty_str();
        true
    }

    /// [`Parser::base64_arg`]'s checks and decoding: the start of the tagged object, the
    /// closing quote and the data.
    fn base64_at(&self, stack: &[Frame]) -> Option<(usize, usize, Vec<u8>)> {
        let [
            ..,
            Frame::Object {
                tag_next: true,
                start,
                ..
            },
            Frame::Array {
                first: tag,
                name,
                built: None,
                ..
            },
            Frame::Array { first: args, .. },
        ] = stack
        else {
            return None;
        };
        if *args != tag + 1 {
            return None;
        }
        let arg = match self.name_of(*tag, *name)? {
            "nparray" => 2,
            "bytes" => 0,
            _ => return None,
        };
        if self.items.len() != args + arg {
            return None;
        }
        // The first `"` ends the string unless an escape comes first, and then the text is not
        // base64 anyway: valid base64 has no `\`, no `"` and no control character.
        let from = self.pos + 1;
        let end = from + memchr::memchr(b'"', self.rest(from))?;
        let data = crate::construct::b64decode_strict(self.s.get(from..end)?)?;
        Some((*start, end, data))
    }

    /// The value of a type-tagged object from its `__jsonclass__` value.
    pub(super) fn finish_tag(
        &self,
        tag: Value,
        start: usize,
        decoded: Option<Vec<u8>>,
    ) -> Parsed<Value> {
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
