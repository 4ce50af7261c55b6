//! The command line beyond the recording: argument forms, argspec shapes, IPv6, and every
//! failure path (one line on stderr, a non-zero status, no Rust backtrace).

mod common;

use common::{Servers, assert_one_line_error, run, stderr, stdout};
use pyon_codec::Value;
use rpc_core::{ArgSpec, DynamicTarget, Server};

#[test]
fn call_argument_forms() {
    let servers = Servers::new();
    let port = servers.single().port().to_string();
    let cases = [
        ("-5", "-5\n"),
        ("0x10 + 0b1 + 0o7", "24\n"),
        ("-7 // 2, -7 % 2, 7 / 2, 2 ** -2", "(-4, 1, 3.5, 0.25)\n"),
        ("'a' \"b\" '''c'''", "'abc'\n"),
        ("'tab\\there'", "'tab\\there'\n"),
        ("\"it's\"", "\"it's\"\n"),
        (
            "[1, (2,), {3}, {'k': None}, b'x', 1.5e-7]",
            "[1, (2,), {3}, {'k': None}, b'x', 1.5e-07]\n",
        ),
        ("[0] * 3 + [1]", "[0, 0, 0, 1]\n"),
        ("{}", "{}\n"),
        ("set()", "set()\n"),
        ("float('nan')", "nan\n"),
        (
            "np.array([[1.5, 2], [3, 4]])",
            "array([[1.5, 2. ],\n       [3. , 4. ]])\n",
        ),
        (
            "np.array([1, 2], dtype='int32')",
            "array([1, 2], dtype=int32)\n",
        ),
        (
            "np.array([True, False], dtype=bool)",
            "array([ True, False])\n",
        ),
        (
            "np.array([1, 2], dtype=np.complex128)",
            "array([1.+0.j, 2.+0.j])\n",
        ),
        ("np.float32(0.1)", "np.float32(0.1)\n"),
        ("None", ""),
    ];
    for (arg, want) in cases {
        let out = run(&["127.0.0.1", &port, "call", "echo", arg]);
        assert_eq!(stdout(&out), want, "{arg}: {}", stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{arg}");
    }
}

#[test]
fn list_methods_renders_every_argspec_shape() {
    let servers = Servers::new();
    let shapes = DynamicTarget::builder("Shapes")
        .method(
            "everything",
            ArgSpec::new()
                .arg("a")
                .arg_with_default("b", "it's")
                .varargs("args")
                .kwonly("k")
                .kwonly_with_default("scale", 1)
                .varkw("kw")
                .annotation("a", "int")
                .annotation("scale", "int")
                .annotation("args", "float")
                .returns("list"),
            Some("First line.\n  indented\n\nlast"),
            |_| async { Ok(Value::None) },
        )
        .method(
            "defaults",
            ArgSpec::new()
                .arg_with_default("x", pyon_codec::list![1, 2.5])
                .arg_with_default("y", Value::Bytes(b"\x00".to_vec())),
            None,
            |_| async { Ok(Value::None) },
        )
        .method(
            "star_only",
            ArgSpec::new().kwonly("only"),
            None,
            |_| async { Ok(Value::None) },
        )
        .build();
    let addr = servers.start(Server::builder().target("shapes", shapes).build());
    let out = run(&["127.0.0.1", &addr.port().to_string(), "list-methods"]);
    assert_eq!(
        stdout(&out),
        "defaults(self, x=[1, 2.5], y=b'\\x00')\n\n\
         everything(self, a: 'int', b=\"it's\", *args, k, scale: 'int' = 1, **kw) -> 'list'\n    \
         First line.\n      indented\n\n    last\n\n\
         star_only(self, *, only)\n\n"
    );
}

#[test]
fn ipv6_literal() {
    let servers = Servers::new();
    let server = Server::builder().target("only", common::lda()).build();
    let Some(addr) = servers.start_on(server, "::1") else {
        eprintln!("no IPv6 loopback here: nothing to check");
        return;
    };
    let out = run(&["::1", &addr.port().to_string(), "call", "get_attenuation"]);
    assert_eq!(stdout(&out), "5.0\n");
}

#[test]
fn connection_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = run(&["127.0.0.1", &port.to_string(), "list-targets"]);
    assert_one_line_error(&out, 1, "cannot connect to 127.0.0.1");
}

#[test]
fn target_errors() {
    let servers = Servers::new();
    let port = servers.golden().port().to_string();
    let out = run(&["127.0.0.1", &port, "list-methods", "-t", "nope"]);
    assert_one_line_error(&out, 1, "no target `nope` (targets: demo lda)");
    let out = run(&["127.0.0.1", &port, "list-methods"]);
    assert_one_line_error(&out, 1, "server has multiple targets: demo lda");
}

#[test]
fn unknown_method() {
    let servers = Servers::new();
    let port = servers.single().port().to_string();
    let out = run(&["127.0.0.1", &port, "call", "no_such_method"]);
    assert_one_line_error(&out, 1, "no method `no_such_method`");
}

#[test]
fn remote_exceptions() {
    let servers = Servers::new();
    let port = servers.golden().port().to_string();
    let cases = [
        ("fail_value", "ValueError: bad value 42"),
        ("fail_key", "KeyError: \"'missing'\""),
        (
            "fail_custom",
            "sipyco.packed_exceptions.GenericRemoteException: \
             Demo.fail_custom.<locals>.DeviceFault: laser unlocked",
        ),
    ];
    for (method, last) in cases {
        let out = run(&["127.0.0.1", &port, "call", "-t", "demo", method]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert_eq!(err.lines().last(), Some(last), "{err}");
        assert!(err.starts_with("Remote traceback"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn bad_arguments_exit_2_without_connecting() {
    // No server at all: the argument is refused before any connection.
    let deep = "[".repeat(500);
    let cases = [
        (
            "1 +",
            "argument 2 `1 +`: unexpected end of expression at column 4",
        ),
        (
            "__import__('os')",
            "NameError: name '__import__' is not defined",
        ),
        ("x[0]", "subscripts are not supported"),
        ("1/0", "ZeroDivisionError: division by zero"),
        ("f'{x}'", "f-strings are not supported"),
        ("lambda: 1", "unexpected"),
        (deep.as_str(), "nested too deeply"),
    ];
    for (arg, want) in cases {
        let out = run(&["127.0.0.1", "1", "call", "echo", "1", arg]);
        assert_one_line_error(&out, 2, want);
        assert!(stderr(&out).contains("argument 2"), "{}", stderr(&out));
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["127.0.0.1"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["127.0.0.1", "notaport", "list-targets"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["127.0.0.1", "1", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
