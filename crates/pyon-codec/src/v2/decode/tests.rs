use super::*;

#[test]
fn errors_have_positions() {
    let e = decode("[1, 2").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected `,` or `]`, found end of input at line 1 column 6"
    );
    let e = decode("{\"a\" 1}").unwrap_err();
    assert_eq!(e.to_string(), "expected `:` at line 1 column 6");
    let e = decode("[\n  01]").unwrap_err();
    assert_eq!((e.line(), e.column()), (Some(2), Some(4)));
    // Numbers: where their grammar stops them (the float parser itself would read on).
    for (text, want) in [
        ("[1.]", "expected digit after `.` at line 1 column 4"),
        ("[1.e5]", "expected digit after `.` at line 1 column 4"),
        (
            "1.",
            "expected digit after `.`, found end of input at line 1 column 3",
        ),
        ("[1e]", "expected exponent digits at line 1 column 4"),
        ("[1.5e+]", "expected exponent digits at line 1 column 7"),
        (
            "-2.5E-",
            "expected exponent digits, found end of input at line 1 column 7",
        ),
        ("[1.5.3]", "expected `,` or `]` at line 1 column 5"),
        ("[1e5e5]", "expected `,` or `]` at line 1 column 5"),
        ("[-.5]", "expected digit at line 1 column 3"),
        ("[1.5f]", "expected `,` or `]` at line 1 column 5"),
    ] {
        assert_eq!(decode(text).unwrap_err().to_string(), want, "{text}");
    }
}

#[test]
fn duplicate_keys_keep_last_value_first_position() {
    let v = decode(r#"{"a":1,"b":2,"a":3}"#).unwrap();
    assert_eq!(crate::encode(&v).unwrap(), r#"{"a":3,"b":2}"#);
    // Keys of one length that share first and last bytes, or only their length: distinct
    // unless their whole texts are equal, in small dicts and in large ones.
    for n in [2, 20] {
        let mut keys: Vec<String> = ["pipeline", "pipxline", "pipelinx", "xipeline", "", "p"]
            .iter()
            .map(|k| k.to_string())
            .collect();
        keys.extend((keys.len()..n).map(|i| format!("k{i}")));
        let mut text: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("\"{k}\":{i}"))
            .collect();
        text.push(r#""pipxline":-1"#.into());
        let v = decode(&format!("{{{}}}", text.join(","))).unwrap();
        let Value::Dict(d) = v else { panic!() };
        assert_eq!(d.len(), keys.len(), "{n}");
        assert_eq!(d.get_str("pipxline"), Some(&Value::Int(-1)));
        assert_eq!(d.get_str("pipeline"), Some(&Value::Int(0)));
    }
}

/// The base64 argument of `bytes` and `nparray` is decoded straight from the input when it
/// is canonical; every case must give what the general path gives.
#[test]
fn base64_arguments_decode_as_python() {
    let bytes = |b: &[u8]| Value::Bytes(b.to_vec());
    let ok = [
        (r#"{"__jsonclass__":["bytes",["QUJD"]]}"#, bytes(b"ABC")),
        // The last tag wins, and a later key is ignored.
        (
            r#"{"__jsonclass__":["bytes",["QUJD"]],"__jsonclass__":["bytes",[""]]}"#,
            bytes(b""),
        ),
        (
            r#"{"__jsonclass__":["bytes",["QUJD"]],"x":{"__jsonclass__":["bytes",["QQ=="]]}}"#,
            bytes(b"ABC"),
        ),
        // Escaped key; an escape inside, or base64 that is not canonical: general path.
        (
            r#"{"__json\u0063lass__":["bytes",["QUJD"]]}"#,
            bytes(b"ABC"),
        ),
        (
            r#"{"__jsonclass__":["bytes",["QUJ\u0044"]]}"#,
            bytes(b"ABC"),
        ),
        (r#"{"__jsonclass__":["bytes",["QUJ"]]}"#, bytes(b"AB")),
        (
            r#"{"__jsonclass__": [ "bytes" , [ "QQ==" ] ] }"#,
            bytes(b"A"),
        ),
        // Not a tag's argument: a plain string.
        (
            r#"["bytes",["QUJD"]]"#,
            Value::List(vec![
                Value::from("bytes"),
                Value::List(vec![Value::from("QUJD")]),
            ]),
        ),
        (
            r#"{"__jsonclass__":["nparray",[[3],"|u1","AQID"]]}"#,
            crate::NdArray::new(vec![3], crate::DType::parse("|u1").unwrap(), vec![1, 2, 3])
                .unwrap()
                .into(),
        ),
    ];
    for (text, want) in ok {
        assert_eq!(decode(text).unwrap(), want, "{text}");
    }
    for text in [
        r#"{"__jsonclass__":["bytes",["QUJD",1]]}"#,
        r#"{"__jsonclass__":["bytes",["QUJD"],1]}"#,
        r#"{"__jsonclass__":["nparray",[[3],"|u1","AQID",1]]}"#,
        r#"{"__jsonclass__":["nparray",[[4],"|u1","AQID"]]}"#,
        r#"{"__jsonclass__":["nparray",[[3],"?x","AQID"]]}"#,
        r#"{"__jsonclass__":["bytes",["QUJD"#,
        r#"{"__jsonclass__":["bytes",["QUJD"]]"#,
    ] {
        assert!(decode(text).is_err(), "{text}");
    }
}

/// Tags of built-in types are built as soon as their `[name, args]` list ends; errors and
/// precedence must stay those of building them when the object ends.
#[test]
fn tags_build_as_when_the_object_ends() {
    crate::register("decode_test.Point").unwrap();
    let tuple = |items: Vec<Value>| Value::Tuple(items);
    for (text, want) in [
        (
            r#"{"__jsonclass__":["tuple",[[1]]]}"#,
            tuple(vec![Value::Int(1)]),
        ),
        (
            r#"{"__jsonclass__":["tu\u0070le",[[1]]]}"#,
            tuple(vec![Value::Int(1)]),
        ),
        (
            r#"{"__jsonclass__": [ "tuple" , [ [ ] ] ] , "x": 1}"#,
            tuple(vec![]),
        ),
        // A registered type keeps its name (read in place, then put back).
        (
            r#"{"__jsonclass__":["decode_test.Point",[1,2]]}"#,
            Value::Custom(Box::new(crate::Custom {
                name: "decode_test.Point".into(),
                args: vec![Value::Int(1), Value::Int(2)],
            })),
        ),
        // The last tag wins, even over one that fails.
        (
            r#"{"__jsonclass__":["tuple",[1,2]],"__jsonclass__":["tuple",[[3]]]}"#,
            tuple(vec![Value::Int(3)]),
        ),
        // Other keys before, after and between tags are ignored, wherever the tag's value
        // was built among them; so are earlier tags, built, raw or of a registered type.
        (
            r#"{"x":1,"y":[2],"__jsonclass__":["tuple",[[4]]],"z":{"a":5}}"#,
            tuple(vec![Value::Int(4)]),
        ),
        (
            r#"{"__jsonclass__":["tuple",[[1]]],"x":"s","__jsonclass__":["set",[[6]]]}"#,
            Value::Set(vec![Value::Int(6)]),
        ),
        (
            r#"{"x":1,"__jsonclass__":["decode_test.Point",[7]],"y":2}"#,
            Value::Custom(Box::new(crate::Custom {
                name: "decode_test.Point".into(),
                args: vec![Value::Int(7)],
            })),
        ),
        (
            r#"{"__jsonclass__":["decode_test.Point",[1]],"x":1,"__jsonclass__":["tuple",[[8]]]}"#,
            tuple(vec![Value::Int(8)]),
        ),
        // Base64 data decoded for one tag is never taken for another.
        (
            r#"{"__jsonclass__":["nparray",[[1],"|u1","AQ=="]],"x":{"__jsonclass__":["bytes",["QUJD"]]}}"#,
            Value::from(
                crate::NdArray::new(vec![1], crate::DType::parse("|u1").unwrap(), vec![1]).unwrap(),
            ),
        ),
        (
            r#"[{"k":{"__jsonclass__":["tuple",[[9]]]},"__jsonclass__":["tuple",[[{"__jsonclass__":["bytes",["QQ=="]]}]]]},{"__jsonclass__":["tuple",[[]]]}]"#,
            Value::List(vec![
                tuple(vec![Value::Bytes(b"A".to_vec())]),
                tuple(vec![]),
            ]),
        ),
    ] {
        assert_eq!(decode(text).unwrap(), want, "{text}");
    }
    for (text, category, message) in [
        (
            r#"{"__jsonclass__":["tuple",[1,2]]}"#,
            crate::Category::Data,
            "tuple takes 1 arguments, got 2 at line 1 column 1",
        ),
        (
            r#"{"x":1, "__jsonclass__":["tuple",[[1]],3]}"#,
            crate::Category::Data,
            "__jsonclass__ needs a [name, args] list at line 1 column 1",
        ),
        (
            r#"{"__jsonclass__":["tuple",5]}"#,
            crate::Category::Data,
            "__jsonclass__ needs a str name and a list of args at line 1 column 1",
        ),
        (
            r#"{"__jsonclass__":["tuple"]}"#,
            crate::Category::Data,
            "__jsonclass__ needs a [name, args] list at line 1 column 1",
        ),
        // A third item that is a list is not taken for the args, whether the args built or
        // failed (found by a differential run against the decoder before tags were built in
        // place), nor is a base64 string in it decoded for them.
        (
            r#"{"__jsonclass__":["dict",["a"],[[2,"a"],[1,"b"],[0,"c"]]]}"#,
            crate::Category::Data,
            "__jsonclass__ needs a [name, args] list at line 1 column 1",
        ),
        (
            r#"{"__jsonclass__":["tuple",[[1]],[[2],[3]]]}"#,
            crate::Category::Data,
            "__jsonclass__ needs a [name, args] list at line 1 column 1",
        ),
        (
            r#"[{"__jsonclass__":["bytes",["QQ=="],["QUJD"]]}]"#,
            crate::Category::Data,
            "__jsonclass__ needs a [name, args] list at line 1 column 2",
        ),
        // A syntax error later in the object comes first.
        (
            r#"{"__jsonclass__":["tuple",[1,2]],"x":]"#,
            crate::Category::Syntax,
            "expected value at line 1 column 38",
        ),
    ] {
        let e = decode(text).unwrap_err();
        assert_eq!(
            (e.category(), e.to_string()),
            (category, message.to_owned()),
            "{text}"
        );
    }
}

#[test]
fn depth_is_bounded() {
    let ok = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    assert!(decode(&ok).is_ok());
    let deep = "[".repeat(200_000);
    assert!(decode(&deep).unwrap_err().message().contains("nesting"));
}

/// Tag args are built off the scratch stack when they end; whatever follows them in the tag
/// list, and whichever tag wins, the result is that of building the whole tag at the end.
#[test]
fn tag_args_built_in_place_keep_python_results() {
    let ok = [
        (
            r#"{"__jsonclass__":["complex",[1,2.5]]}"#,
            Value::Complex(num_complex::Complex64::new(1.0, 2.5)),
        ),
        (
            r#"{"__jsonclass__":["Fraction",[6,-8]]}"#,
            crate::construct::make_fraction(&[Value::Int(-3), Value::Int(4)]).unwrap(),
        ),
        (
            r#"{"__jsonclass__":["slice",[null,5,2]]}"#,
            Value::slice(Value::None, Value::Int(5), Value::Int(2)),
        ),
        (
            r#"{"__jsonclass__":["set",[[1,1.0,true,2]]]}"#,
            Value::Set(vec![Value::Int(1), Value::Int(2)]),
        ),
        // A tag inside the args of another, and one as a later key's value.
        (
            r#"{"a":{"__jsonclass__":["tuple",[[{"__jsonclass__":["tuple",[[]]]}]]]},"b":1}"#,
            crate::dict! {"a" => Value::Tuple(vec![Value::Tuple(vec![])]), "b" => 1},
        ),
        // An earlier tag built in place loses to a later raw one.
        (
            r#"{"__jsonclass__":["tuple",[[1]]],"__jsonclass__":["bytes",["QQ=="]]}"#,
            Value::Bytes(b"A".to_vec()),
        ),
    ];
    for (text, want) in ok {
        assert_eq!(decode(text).unwrap(), want, "{text}");
    }
    for (text, message) in [
        // A built tag followed by a third item (itself a tag built in place).
        (
            r#"{"__jsonclass__":["tuple",[[1]],{"__jsonclass__":["tuple",[[2]]]}]}"#,
            "__jsonclass__ needs a [name, args] list at line 1 column 1",
        ),
        (
            r#"[0, {"__jsonclass__":["complex",[1,2,3]]}]"#,
            "complex takes 1 to 2 arguments, got 3 at line 1 column 5",
        ),
        (
            r#"{"__jsonclass__":["nosuch.Type",[1]]}"#,
            "unknown type name \"nosuch.Type\" at line 1 column 1",
        ),
    ] {
        let e = decode(text).unwrap_err();
        assert_eq!(e.to_string(), message, "{text}");
    }
}

/// The per-thread scratch stacks carry nothing from one call to the next, whether the call
/// failed half-way or grew them past what is kept.
#[test]
fn scratch_stacks_start_empty_every_call() {
    for bad in [
        r#"[1, [2, {"a": 3, "b": "#,
        r#"{"__jsonclass__":["tuple",[[1"#,
        "[1,]",
    ] {
        assert!(decode(bad).is_err(), "{bad}");
        assert_eq!(decode("[7]").unwrap(), Value::List(vec![Value::Int(7)]));
        assert_eq!(decode(r#"{"k":7}"#).unwrap(), crate::dict! {"k" => 7});
    }
    let big = format!("[{}0]", "1,".repeat(100_000));
    let Value::List(items) = decode(&big).unwrap() else {
        panic!("a list")
    };
    assert_eq!(items.len(), 100_001);
    // A list gets a vector of its own size, never the (kept) scratch stack.
    let Value::List(small) = decode("[1,2]").unwrap() else {
        panic!("a list")
    };
    assert_eq!(small.capacity(), 2);
    assert_eq!(
        decode("[[]]").unwrap(),
        Value::List(vec![Value::List(vec![])])
    );
    // Other threads have stacks of their own.
    let handles: Vec<_> = (0..4)
        .map(|i| std::thread::spawn(move || decode(&format!("[{i},{{\"x\":{i}}}]")).unwrap()))
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let i = i as i64;
        assert_eq!(
            h.join().unwrap(),
            Value::List(vec![Value::Int(i), crate::dict! {"x" => i}])
        );
    }
}
