//! `repr` of numpy arrays and scalars against numpy's own on a table of ~110 values.
//!
//! `data/numpy_repr_table.jsonl` was made with numpy 2.4 (default print options) by
//! `data/make_numpy_repr_table.py`, run with the project's virtualenv (`cargo xtask pyenv`):
//! each row holds a value in PYON v2 and the text `repr` gave for it. Rerun the script to
//! regenerate it.

#[test]
fn repr_matches_numpy_on_every_row() {
    let table = include_str!("data/numpy_repr_table.jsonl");
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in table.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = row["name"].as_str().unwrap();
        let value = pyon_codec::decode(row["pyon"].as_str().unwrap()).unwrap();
        let want = row["repr"].as_str().unwrap();
        let got = pyon_codec::repr(&value);
        if got != want {
            failures.push(format!("{name}:\n--- numpy\n{want}\n--- rust\n{got}"));
        }
        rows += 1;
    }
    assert!(rows >= 100, "only {rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
