//! The `sipyco_pyon` command-line contract, run as a real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sipyco_pyon"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The tool may exit (usage error) before reading its input: a broken pipe is fine here.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> &str {
    std::str::from_utf8(&o.stdout).unwrap()
}

fn stderr(o: &Output) -> &str {
    std::str::from_utf8(&o.stderr).unwrap()
}

#[test]
fn convert_reads_either_version_and_writes_one_line() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["convert"],
            "  (1, 'a', b'\\x00')\n",
            "{\"__jsonclass__\":[\"tuple\",[[1,\"a\",{\"__jsonclass__\":[\"bytes\",[\"AA==\"]]}]]]}\n",
        ),
        (&["convert"], "{\"a\": [1, 2.5]}", "{\"a\":[1,2.5]}\n"),
        (
            &["convert", "--to", "v1"],
            "{\"__jsonclass__\":[\"set\",[[1]]]}",
            "{1}\n",
        ),
        (
            &["convert", "--to", "v1", "--pretty"],
            "{\"b\":1,\"a\":2}",
            "{\n    \"a\": 2,\n    \"b\": 1\n}\n",
        ),
        (&["convert", "--pretty"], "[1]", "[\n    1\n]\n"),
        (&["convert", "--from", "v1"], "[1, 2]", "[1,2]\n"),
        (
            &["convert", "--from", "v2", "--to", "v1"],
            "[1,{\"x\":null}]",
            "[1, {\"x\": null}]\n",
        ),
    ];
    for (args, input, want) in cases {
        let o = run(args, input);
        assert!(o.status.success(), "{args:?} {input}: {}", stderr(&o));
        assert_eq!(stdout(&o), *want, "{args:?} {input}");
    }
}

#[test]
fn invalid_input_is_one_line_with_a_position_and_status_1() {
    for (args, input) in [
        (&["convert"][..], "[1, __import__('os')]"),
        (&["convert", "--from", "v2"], "(1, 2)"),
        (&["convert"], ""),
    ] {
        let o = run(args, input);
        assert_eq!(o.status.code(), Some(1), "{input}");
        assert_eq!(stdout(&o), "");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("line 1 column"), "{err}");
    }
    let o = run(&["convert", "--to", "v3"], "1");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn convert_reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.pyon");
    std::fs::write(&p, "Fraction(6, 8)").unwrap();
    let o = run(&["convert", p.to_str().unwrap()], "");
    assert_eq!(stdout(&o), "{\"__jsonclass__\":[\"Fraction\",[3,4]]}\n");
    let o = run(
        &["convert", dir.path().join("missing").to_str().unwrap()],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing"));
}

#[test]
fn upgrade_keeps_the_original_and_refuses_to_clobber_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("datasets.pyon");
    let v1_text = "{\"b\": (1, 2), \"a\": nparray((2, ), \"<i4\", b\"AQAAAAIAAAA=\")}";
    std::fs::write(&p, v1_text).unwrap();
    let o = run(&["upgrade", p.to_str().unwrap()], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let backup = dir.path().join("datasets.pyon_v1");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), v1_text);
    let upgraded = std::fs::read_to_string(&p).unwrap();
    assert!(
        upgraded.starts_with("{\n    \"b\": {\n        \"__jsonclass__\""),
        "{upgraded}"
    );
    assert_eq!(
        pyon_codec::decode(&upgraded).unwrap(),
        pyon_codec::v1::decode(v1_text).unwrap()
    );

    // A second upgrade must refuse and change nothing.
    std::fs::write(&p, "[1]").unwrap();
    let o = run(&["upgrade", p.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("exists"));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "[1]");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), v1_text);
}

#[test]
fn upgrade_of_invalid_v1_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.pyon");
    std::fs::write(&p, "[1, 2").unwrap();
    let o = run(&["upgrade", p.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.path().join("bad.pyon_v1").exists());
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "[1, 2");
}

/// Large documents come through a pipe, a redirected file and a named file alike, byte for
/// byte what the library writes (the tool reads a pipe in large blocks, reusing its input
/// buffer for the output, and maps a large file, named or redirected).
#[test]
fn convert_of_a_large_document_by_every_input_path() {
    let list: Vec<pyon_codec::Value> = (0..300_000)
        .map(|i| pyon_codec::Value::from(format!("s{i}")))
        .collect();
    let value = pyon_codec::Value::List(list);
    let v1_text = pyon_codec::v1::encode(&value).unwrap();
    let want = pyon_codec::v2::encode(&value).unwrap() + "\n";
    assert!(v1_text.len() > 3 << 20, "{}", v1_text.len());

    let piped = run(&["convert"], &v1_text);
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert!(stdout(&piped) == want, "piped output differs");

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.pyon");
    std::fs::write(&p, &v1_text).unwrap();
    let named = run(&["convert", p.to_str().unwrap()], "");
    assert!(stdout(&named) == want, "named file output differs");

    let redirected = Command::new(env!("CARGO_BIN_EXE_sipyco_pyon"))
        .arg("convert")
        .stdin(std::fs::File::open(&p).unwrap())
        .output()
        .unwrap();
    assert!(redirected.status.success(), "{}", stderr(&redirected));
    assert!(stdout(&redirected) == want, "redirected output differs");

    // Standard input that a caller has already read into is read from where it stands (a
    // mapping would start at the beginning of the file).
    let skipped = dir.path().join("after-a-header.pyon");
    std::fs::write(&skipped, format!("header line\n{v1_text}")).unwrap();
    let mut input = std::fs::File::open(&skipped).unwrap();
    std::io::Seek::seek(&mut input, std::io::SeekFrom::Start(12)).unwrap();
    let rest = Command::new(env!("CARGO_BIN_EXE_sipyco_pyon"))
        .arg("convert")
        .stdin(input)
        .output()
        .unwrap();
    assert!(rest.status.success(), "{}", stderr(&rest));
    assert!(stdout(&rest) == want, "output after the header differs");
}

#[test]
fn invalid_utf8_is_an_error_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("latin1.pyon");
    std::fs::write(&p, b"[\"caf\xe9\"]").unwrap();
    let o = run(&["convert", p.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("latin1.pyon") && err.contains("UTF-8"),
        "{err}"
    );
    assert_eq!(stdout(&o), "");
}

/// A large file (mapped, not read) that is not UTF-8 gets the same message, with the position
/// of the first bad byte.
#[test]
fn invalid_utf8_in_a_large_file_names_the_file_and_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("large-latin1.pyon");
    let mut text = b"[".to_vec();
    text.resize(2 << 20, b' ');
    let at = text.len() + 4;
    text.extend_from_slice(b"\"caf\xe9\"]");
    std::fs::write(&p, &text).unwrap();
    let o = run(&["convert", p.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "sipyco_pyon: {}: stream did not contain valid UTF-8 (byte {at})\n",
            p.display()
        )
    );
    assert_eq!(stdout(&o), "");
}

/// A document with large arrays converts to exactly the library's text in both versions and
/// layouts (their base64 goes out in pieces, straight from the decoded value), and a reader
/// that goes away early is not an error.
#[test]
fn convert_of_large_arrays_writes_the_library_text() {
    let n = 1_500_000usize;
    let floats = ndarray::Array1::from((0..n).map(|i| i as f64 * 0.5).collect::<Vec<_>>());
    let value = pyon_codec::Value::List(vec![
        pyon_codec::Value::from(pyon_codec::NdArray::from_ndarray(&floats)),
        pyon_codec::Value::Bytes(vec![7; 200_001]),
        pyon_codec::Value::from("end"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("arrays.pyon");
    std::fs::write(&p, pyon_codec::v2::encode(&value).unwrap()).unwrap();
    let file = p.to_str().unwrap();
    for (args, want) in [
        (vec![], pyon_codec::v2::encode(&value).unwrap()),
        (
            vec!["--pretty"],
            pyon_codec::v2::encode_pretty(&value).unwrap(),
        ),
        (vec!["--to", "v1"], pyon_codec::v1::encode(&value).unwrap()),
        (
            vec!["--to", "v1", "--pretty"],
            pyon_codec::v1::encode_pretty(&value).unwrap(),
        ),
    ] {
        let o = run(&[&["convert"], &args[..], &[file]].concat(), "");
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o) == want + "\n", "{args:?}: output differs");
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_sipyco_pyon"))
        .args(["convert", file])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}
