"""`cargo xtask bench pyon-python`: sipyco_rs.pyon as Python calls, beside orjson and json.

Prints one `name value` line per figure. Every figure is measured in this run, on the same
text: the benchmark corpus (PYON v2, which is JSON) and an 80 MB float64 array in PYON v2.
Throughput is MB/s of that text (10^6 bytes), best of several runs taken round-robin. `orjson` and `json` parse
the text into plain JSON objects (dicts, lists, strings) and write that tree back; sipyco_rs
builds and writes the Python values (tuples, numpy arrays, sets, ...). `sipyco_python` is
sipyco's own json-based codec (the oracle of the tests, tests/reference.py) on the same values.
Ratios are printed beside the figures: `decode_vs_orjson` is our decode speed over
`orjson.loads`', `encode_vs_orjson` ours over `orjson.dumps`'.
"""

import gc
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import orjson

from sipyco_rs import pyon

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from reference import ref_decode, ref_encode  # noqa: E402


def best_seconds(calls, repeats):
    """The best time of each call, taken round-robin so that a busy moment of the machine
    falls on all of them alike rather than on whichever was being timed."""
    best = {name: float("inf") for name in calls}
    for _ in range(repeats):
        for name, f in calls.items():
            gc.collect()
            t0 = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def corpus_text():
    folder = os.environ.get("SIPYCO_CORPUS_DIR")
    path = Path(folder) if folder else HERE.parents[2] / "tests" / "corpus"
    return (path / "mixed.v2.pyon").read_text(encoding="utf-8").strip()


def measure(label, text, repeats):
    value = pyon.decode(text)
    plain = json.loads(text)
    assert pyon.encode(value) == text or label == "corpus"  # sets may reorder in the corpus
    mb = len(text.encode()) / 1e6
    calls = {
        "decode_sipyco_rs": lambda: pyon.decode(text),
        "decode_orjson": lambda: orjson.loads(text),
        "decode_json": lambda: json.loads(text),
        "decode_sipyco_python": lambda: ref_decode(text),
        "encode_sipyco_rs": lambda: pyon.encode(value),
        "encode_orjson": lambda: orjson.dumps(plain),
        "encode_json": lambda: json.dumps(plain, separators=(",", ":")),
        "encode_sipyco_python": lambda: ref_encode(value),
    }
    rate = {name: mb / t for name, t in best_seconds(calls, repeats).items()}
    print(f"{label}_text_MB {mb:.1f}")
    for name, r in rate.items():
        print(f"{label}_{name}_MBps {r:.0f}")
    print(f"{label}_decode_vs_orjson {rate['decode_sipyco_rs'] / rate['decode_orjson']:.2f}")
    print(f"{label}_encode_vs_orjson {rate['encode_sipyco_rs'] / rate['encode_orjson']:.2f}")
    print(
        f"{label}_decode_vs_sipyco_python "
        f"{rate['decode_sipyco_rs'] / rate['decode_sipyco_python']:.2f}"
    )
    print(
        f"{label}_encode_vs_sipyco_python "
        f"{rate['encode_sipyco_rs'] / rate['encode_sipyco_python']:.2f}"
    )
    sys.stdout.flush()


def main():
    measure("corpus", corpus_text(), repeats=40)
    array = np.random.default_rng(0).random(10_000_000)  # 80 MB of float64
    measure("array80MB", pyon.encode(array), repeats=3)


if __name__ == "__main__":
    main()
