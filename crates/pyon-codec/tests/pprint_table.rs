//! `pformat` against Python's own `pprint.pformat` on a table of ~150 values.
//!
//! `data/pprint_table.jsonl` was made with `python3 data/make_pprint_table.py >
//! data/pprint_table.jsonl` (CPython 3.11, no numpy): each row holds a value in PYON v2 and the
//! text `pprint.pformat` gave for it. Rerun the script to regenerate it.

#[test]
fn pformat_matches_python_on_every_row() {
    let table = include_str!("data/pprint_table.jsonl");
    let mut failures = Vec::new();
    let mut rows = 0;
    for line in table.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = row["name"].as_str().unwrap();
        let value = pyon_codec::decode(row["pyon"].as_str().unwrap()).unwrap();
        let want = row["pformat"].as_str().unwrap();
        let got = pyon_codec::pformat(&value);
        if got != want {
            failures.push(format!("{name}:\n--- python\n{want}\n--- rust\n{got}"));
        }
        rows += 1;
    }
    assert!(rows >= 150, "only {rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
