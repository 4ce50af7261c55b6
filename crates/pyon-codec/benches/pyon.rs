//! `cargo xtask bench pyon`: PYON throughput beside the reference crates, in one run.
//!
//! Prints one `name value` line per figure:
//! - mixed corpus (`tests/corpus`, or `$SIPYCO_CORPUS_DIR`): PYON v2 decode/encode beside
//!   `serde_json` parsing/serialising the same text into/from `serde_json::Value`, `sonic-rs`
//!   parsing it into `sonic_rs::Value` and `simd-json` into its owned value (from a fresh copy
//!   of the text each time, since it parses in place), PYON v1 decode/encode, in MB/s of PYON
//!   text; and cloning and dropping the decoded [`Value`], which parses nothing: the share of
//!   decoding that making and freeing the tree costs any decoder into `Value`;
//! - an 80 MB float64 array: PYON v2 encode/decode beside the `base64` crate alone on the same
//!   bytes, in GB/s of array data;
//! - `sipyco_pyon convert FILE` of that array's document, the whole process (output to the null
//!   device), beside decoding and encoding it in this process, in ms.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use pyon_codec::{NdArray, Value, v1, v2};

/// Best time of several runs lasting at least `budget` in total: [`best_each`] of one job.
fn best<T>(budget: Duration, mut f: impl FnMut() -> T) -> Duration {
    let [t] = best_each(budget, [&mut || drop(black_box(f()))]);
    t
}

/// The best time of each job over rounds that run every job once, in turn, until `budget` is
/// spent (at least 3 rounds, at most 1000).
fn best_each<const N: usize>(budget: Duration, mut jobs: [&mut dyn FnMut(); N]) -> [Duration; N] {
    let start = Instant::now();
    let mut best = [Duration::MAX; N];
    let mut rounds = 0;
    while rounds < 3 || (start.elapsed() < budget && rounds < 1000) {
        for (job, b) in jobs.iter_mut().zip(&mut best) {
            let t = Instant::now();
            job();
            *b = (*b).min(t.elapsed());
        }
        rounds += 1;
    }
    best
}

fn rate(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64()
}

fn line(name: &str, value: f64) {
    println!("{name} {value:.2}");
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("SIPYCO_CORPUS_DIR")
        .map(PathBuf::from)
        .filter(|p| p.join("mixed.v2.pyon").exists())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus"))
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let dir = corpus_dir();
    let t2 = std::fs::read_to_string(dir.join("mixed.v2.pyon")).expect("corpus v2");
    let t1 = std::fs::read_to_string(dir.join("mixed.v1.pyon")).expect("corpus v1");
    let (t2, t1) = (t2.trim(), t1.trim());
    let budget = Duration::from_secs(2);

    let value = v2::decode(t2).expect("corpus decodes");
    let json: serde_json::Value = serde_json::from_str(t2).expect("serde_json parses the corpus");

    // The reference parsers and serialisers run in turn with ours, round after round, so that
    // the ratios compare runs made under the same load.
    let [v2_dec, sj_dec, sonic_dec, simd_dec, tree] = best_each(
        4 * budget,
        [
            &mut || drop(black_box(v2::decode(t2).unwrap())),
            &mut || {
                drop(black_box(
                    serde_json::from_str::<serde_json::Value>(t2).unwrap(),
                ))
            },
            &mut || {
                drop(black_box(
                    sonic_rs::from_str::<sonic_rs::Value>(t2).unwrap(),
                ))
            },
            &mut || {
                let mut copy = t2.as_bytes().to_vec();
                drop(black_box(simd_json::to_owned_value(&mut copy).unwrap()))
            },
            &mut || drop(black_box(black_box(&value).clone())),
        ],
    )
    .map(|t| rate(t2.len(), t));
    let sj_text = serde_json::to_string(&json).unwrap();
    let [v2_enc, sj_enc] = best_each(
        2 * budget,
        [
            &mut || drop(black_box(v2::encode(&value).unwrap())),
            &mut || drop(black_box(serde_json::to_string(&json).unwrap())),
        ],
    );
    let (v2_enc, sj_enc) = (rate(t2.len(), v2_enc), rate(sj_text.len(), sj_enc));
    let v1_dec = rate(t1.len(), best(budget, || v1::decode(t1).unwrap()));
    let v1_enc = rate(t1.len(), best(budget, || v1::encode(&value).unwrap()));

    line("pyon_v2_decode_mb_s", v2_dec / 1e6);
    line("serde_json_parse_mb_s", sj_dec / 1e6);
    line("pyon_v2_decode_vs_serde_json", v2_dec / sj_dec);
    line("sonic_rs_parse_mb_s", sonic_dec / 1e6);
    line("pyon_v2_decode_vs_sonic_rs", v2_dec / sonic_dec);
    line("simd_json_parse_mb_s", simd_dec / 1e6);
    line("pyon_v2_decode_vs_simd_json", v2_dec / simd_dec);
    line("pyon_value_clone_drop_mb_s", tree / 1e6);
    line("pyon_value_clone_drop_share_of_decode", v2_dec / tree);
    line("pyon_v2_encode_mb_s", v2_enc / 1e6);
    line("serde_json_serialize_mb_s", sj_enc / 1e6);
    line("pyon_v2_encode_vs_serde_json", v2_enc / sj_enc);
    line("pyon_v1_decode_mb_s", v1_dec / 1e6);
    line("pyon_v1_decode_vs_v2_decode", v1_dec / v2_dec);
    line("pyon_v1_encode_mb_s", v1_enc / 1e6);

    // 80 MB of float64.
    let n = 10_000_000usize;
    let data: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
    let arr = ndarray::Array1::from(data);
    let value = Value::from(NdArray::from_ndarray(&arr));
    let Value::Array(a) = &value else {
        unreachable!()
    };
    let raw = a.data().to_vec();
    let budget = Duration::from_secs(3);
    let enc = best(budget, || v2::encode(&value).unwrap());
    let b64_enc = best(budget, || STANDARD.encode(&raw));
    let text = v2::encode(&value).unwrap();
    let b64_text = STANDARD.encode(&raw);
    let dec = best(budget, || v2::decode(&text).unwrap());
    let b64_dec = best(budget, || STANDARD.decode(&b64_text).unwrap());
    line("pyon_array80mb_encode_gb_s", rate(raw.len(), enc) / 1e9);
    line("base64_encode_gb_s", rate(raw.len(), b64_enc) / 1e9);
    line(
        "pyon_array80mb_encode_vs_base64",
        b64_enc.as_secs_f64() / enc.as_secs_f64(),
    );
    line("pyon_array80mb_decode_gb_s", rate(raw.len(), dec) / 1e9);
    line("base64_decode_gb_s", rate(raw.len(), b64_dec) / 1e9);
    line(
        "pyon_array80mb_decode_vs_base64",
        b64_dec.as_secs_f64() / dec.as_secs_f64(),
    );
    line("pyon_array80mb_encode_ms", enc.as_secs_f64() * 1e3);
    line("pyon_array80mb_decode_ms", dec.as_secs_f64() * 1e3);

    // The whole `sipyco_pyon convert` process against the same work done in this process.
    let in_process = best(budget, || v2::encode(&v2::decode(&text).unwrap()).unwrap());
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("array80mb.pyon");
    std::fs::write(&file, &text).expect("write the array document");
    drop((text, value));
    let process = best(budget, || {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_sipyco_pyon"))
            .arg("convert")
            .arg(&file)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run sipyco_pyon");
        assert!(status.success(), "sipyco_pyon convert failed");
    });
    line(
        "pyon_array80mb_decode_encode_ms",
        in_process.as_secs_f64() * 1e3,
    );
    line(
        "sipyco_pyon_convert_array80mb_ms",
        process.as_secs_f64() * 1e3,
    );
    line(
        "sipyco_pyon_convert_vs_in_process",
        process.as_secs_f64() / in_process.as_secs_f64(),
    );
}
