//! The text layer against Python's own output, on tables recorded from Python:
//!
//! - `data/pprint_table.jsonl`: `pprint.pformat` of ~170 values (CPython 3.11, no numpy), made
//!   by `python3 data/make_pprint_table.py > data/pprint_table.jsonl`;
//! - `data/numpy_repr_table.jsonl`: numpy's `repr` of ~140 arrays and scalars (numpy 2.4,
//!   default print options), made by `data/make_numpy_repr_table.py` run with the project's
//!   virtualenv (`cargo xtask pyenv`).
//!
//! Each row holds a value in PYON v2 and the text Python gave for it. Rerun a script to
//! regenerate its table.

use pyon_codec::Value;

/// Compares `show(value)` with the recorded text in the field `field` of every row.
fn check_table(table: &str, field: &str, min_rows: usize, show: fn(&Value) -> String) {
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in table.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = row["name"].as_str().unwrap();
        let value = pyon_codec::decode(row["pyon"].as_str().unwrap()).unwrap();
        let want = row[field].as_str().unwrap();
        let got = show(&value);
        if got != want {
            failures.push(format!("{name}:\n--- python\n{want}\n--- rust\n{got}"));
        }
        rows += 1;
    }
    assert!(rows >= min_rows, "only {rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn pformat_matches_python_on_every_row() {
    let table = include_str!("data/pprint_table.jsonl");
    check_table(table, "pformat", 150, pyon_codec::pformat);
}

#[test]
fn repr_matches_numpy_on_every_row() {
    let table = include_str!("data/numpy_repr_table.jsonl");
    check_table(table, "repr", 130, pyon_codec::repr);
}
