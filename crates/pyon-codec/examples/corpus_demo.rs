//! Reads a PYON v1 document, converts it to PYON v2, checks the round trip and prints what is in
//! it: the first step of `cargo xtask demo`.
//!
//! ```text
//! cargo run --release -p pyon-codec --example corpus_demo -- tests/corpus/mixed.v1.pyon
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use pyon_codec::{Kind, Value, v1, v2};

fn count(v: &Value, kinds: &mut BTreeMap<Kind, usize>) {
    *kinds.entry(v.kind()).or_default() += 1;
    match v {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            items.iter().for_each(|i| count(i, kinds))
        }
        Value::Dict(d) | Value::OrderedDict(d) => d.iter().for_each(|(k, v)| {
            count(k, kinds);
            count(v, kinds);
        }),
        _ => {}
    }
}

/// Runs `f` enough times to take about 0.3 s and returns MB/s for `bytes` per run.
fn throughput<T>(bytes: usize, mut f: impl FnMut() -> T) -> f64 {
    let start = Instant::now();
    let mut runs = 0u32;
    while runs < 3 || start.elapsed().as_secs_f64() < 0.3 {
        std::hint::black_box(f());
        runs += 1;
    }
    bytes as f64 * f64::from(runs) / start.elapsed().as_secs_f64() / 1e6
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: corpus_demo FILE.v1.pyon");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("corpus_demo: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let text = text.trim();
    let value = match v1::decode(text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("corpus_demo: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (as_v2, back) = match v2::encode(&value).and_then(|t| Ok((v2::decode(&t)?, t))) {
        Ok((back, t)) => (t, back),
        Err(e) => {
            eprintln!("corpus_demo: re-encoding failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    // v2 has no OrderedDict (Python writes it as a dict), so the v1 text is re-created from the
    // original value, and the v2 one is checked for equality with it under Python's `==`.
    let v1_again = v1::encode(&value).unwrap_or_default();
    let round_trip = back.py_eq(&value) && v1_again == text;
    // Python's own v2 encoding of the same document, when it lies beside the input.
    let python_v2 = path
        .strip_suffix(".v1.pyon")
        .and_then(|stem| std::fs::read_to_string(format!("{stem}.v2.pyon")).ok());

    let mut kinds = BTreeMap::new();
    count(&value, &mut kinds);
    println!("PYON codec: {path}");
    println!(
        "  sizes: v1 {} bytes, v2 {} bytes, pretty v2 {} bytes",
        text.len(),
        as_v2.len(),
        v2::encode_pretty(&value).map(|t| t.len()).unwrap_or(0)
    );
    let total: usize = kinds.values().sum();
    let list = kinds
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!("  values: {total} ({list})");
    println!(
        "  round trip v1 -> value -> v2 -> value: {}; v1 re-encoded byte for byte: {}",
        if back.py_eq(&value) {
            "equal"
        } else {
            "DIFFERENT"
        },
        if v1_again == text { "yes" } else { "NO" },
    );
    let same_as_python = python_v2.as_deref().map(|p| p.trim() == as_v2);
    if let Some(same) = same_as_python {
        println!(
            "  our v2 is byte for byte Python's v2 of the same document: {}",
            if same { "yes" } else { "NO" }
        );
    }
    let round_trip = round_trip && same_as_python != Some(false);
    println!(
        "  throughput: v1 decode {:.0} MB/s, v2 encode {:.0} MB/s, v2 decode {:.0} MB/s, v1 encode {:.0} MB/s",
        throughput(text.len(), || v1::decode(text)),
        throughput(as_v2.len(), || v2::encode(&value)),
        throughput(as_v2.len(), || v2::decode(&as_v2)),
        throughput(text.len(), || v1::encode(&value)),
    );
    if round_trip {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
