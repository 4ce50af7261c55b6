#!/usr/bin/env bash
# Seeds the fuzz corpora from the golden recordings (one file per encoding) and the corpus.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/pyon_v2_decode corpus/pyon_v1_decode
python3 - <<'PY'
import json, hashlib, pathlib
for src in ["../tests/golden/head/pyon/values.jsonl", "../tests/golden/v1/pyon/values.jsonl"]:
    for line in open(src):
        row = json.loads(line)
        for key, target in [("v2", "pyon_v2_decode"), ("v2_pretty", "pyon_v2_decode"),
                            ("v1", "pyon_v1_decode"), ("v1_pretty", "pyon_v1_decode")]:
            text = row.get(key)
            if text:
                name = hashlib.sha1(text.encode()).hexdigest()
                pathlib.Path(f"corpus/{target}/{name}").write_text(text)
for line in open("../tests/golden/head/pyon/v2_rejects.jsonl"):
    text = json.loads(line)["input"]
    pathlib.Path(f"corpus/pyon_v2_decode/{hashlib.sha1(text.encode()).hexdigest()}").write_text(text)
PY
echo "seeded: $(ls corpus/pyon_v2_decode | wc -l) v2, $(ls corpus/pyon_v1_decode | wc -l) v1 inputs"
