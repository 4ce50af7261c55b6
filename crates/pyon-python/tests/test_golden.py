"""Every golden row of the Python library through sipyco_rs.pyon."""

import json
import os
from pathlib import Path

import pytest

from reference import literal, ref_decode, ref_encode, same
from sipyco_rs import pyon

GOLDEN = Path(__file__).resolve().parents[3] / "tests" / "golden" / "head" / "pyon"


def rows(name):
    with open(GOLDEN / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


VALUES = rows("values.jsonl")
REJECTS = rows("v2_rejects.jsonl")

# sipyco's v2 does not give these back as they went in: an OrderedDict is a dict subclass, so
# it travels as a dict; numpy.float64 is a float subclass, so it travels as a float.
NOT_ROUND_TRIPPED = {"ordereddict", "ordereddict_empty", "npscalar_float64"}


def original(row):
    """The recorded value: from its v1 text, or its repr where v1 refuses it or is ambiguous
    (v1 writes an empty set as `{}`, which reads back as a dict)."""
    if row["v1"] is None or row["repr"] == "set()":
        return literal(row["repr"])
    return literal(row["v1"])


def test_golden_files_are_all_there():
    assert len(VALUES) >= 80
    assert len(REJECTS) >= 16


@pytest.mark.parametrize("row", VALUES, ids=[r["name"] for r in VALUES])
def test_encode_gives_the_recorded_bytes(row):
    x = original(row)
    assert pyon.encode(x) == row["v2"]
    assert pyon.encode(x, pretty=True) == row["v2_pretty"]
    assert pyon.encode(x, True) == row["v2_pretty"]


@pytest.mark.parametrize("row", VALUES, ids=[r["name"] for r in VALUES])
def test_the_reference_codec_agrees_with_the_recording(row):
    # The oracle used by the random tests must itself be right on every recorded value.
    x = original(row)
    assert ref_encode(x) == row["v2"]
    assert ref_encode(x, pretty=True) == row["v2_pretty"]


@pytest.mark.parametrize("row", VALUES, ids=[r["name"] for r in VALUES])
def test_decode_gives_python_objects_back(row):
    for text in (row["v2"], row["v2_pretty"]):
        got = pyon.decode(text)
        assert same(got, ref_decode(text)), (got, ref_decode(text))
        if row["name"] not in NOT_ROUND_TRIPPED:
            assert same(got, original(row))
            assert repr(got) == row["repr"]
        # Re-encoding what we decoded gives the recorded bytes again.
        assert pyon.encode(got) == row["v2"]


def test_the_asymmetric_rows_decode_as_python_decodes_them():
    by_name = {r["name"]: r for r in VALUES}
    assert type(pyon.decode(by_name["ordereddict"]["v2"])) is dict
    assert repr(pyon.decode(by_name["ordereddict"]["v2"])) == "{2: 'a', 1: 'b', 0: 'c'}"
    assert type(pyon.decode(by_name["npscalar_float64"]["v2"])) is float


EXCEPTIONS = {
    "JSONDecodeError": json.JSONDecodeError,
    "TypeError": TypeError,
    "ValueError": ValueError,
    "RecursionError": RecursionError,
}


def reject_input(row):
    text = row["input"]
    if text.endswith("...(200000 chars)"):
        prefix = text[: -len("...(200000 chars)")]
        assert set(prefix) == {"["}
        text = "[" * 200000
    return text


@pytest.mark.parametrize("row", REJECTS, ids=[r["input"][:30] for r in REJECTS])
def test_rejects_raise_what_python_raises(row):
    text = reject_input(row)
    verdict = row["python"]
    if verdict == "accepted":
        assert same(pyon.decode(text), ref_decode(text))
        return
    name = verdict.removeprefix("rejected: ")
    with pytest.raises(Exception) as info:
        pyon.decode(text)
    # The exact class, not a subclass: JSONDecodeError is a ValueError, and must not pass
    # for one (nor the other way round).
    assert type(info.value) is EXCEPTIONS[name], repr(info.value)


def test_decode_errors_carry_json_positions():
    with pytest.raises(json.JSONDecodeError) as info:
        pyon.decode('{"a": [1,\n  2 x]}')
    e = info.value
    assert (e.lineno, e.colno) == (2, 5)
    assert e.pos == 14
    assert e.doc == '{"a": [1,\n  2 x]}'


@pytest.mark.parametrize(
    "value, exc",
    [
        (object(), TypeError),
        (frozenset([1]), TypeError),
        (bytearray(b"x"), TypeError),
        (type("S", (set,), {})([1]), TypeError),
        (range(3), TypeError),
        ({"__jsonclass__": 1}, AssertionError),
        ({1: 2, "__jsonclass__": 1}, AssertionError),
    ],
)
def test_unsupported_values_raise_what_python_raises(value, exc):
    with pytest.raises(Exception) as ours:
        pyon.encode(value)
    with pytest.raises(Exception) as theirs:
        ref_encode(value)
    assert type(ours.value) is exc
    assert type(theirs.value) is exc
    if exc is TypeError:
        assert str(ours.value) == str(theirs.value)


def test_reference_cycles_are_value_errors():
    a = []
    a.append(a)
    with pytest.raises(ValueError, match="Circular reference"):
        pyon.encode(a)
    d = {}
    d["self"] = [d]
    with pytest.raises(ValueError, match="Circular reference"):
        pyon.encode(d)
    # The same object twice, but not inside itself, is no cycle.
    x = [1]
    assert pyon.encode([x, x]) == "[[1],[1]]"


def test_deep_nesting_is_a_recursion_error():
    deep = []
    for _ in range(100000):
        deep = [deep]
    with pytest.raises(RecursionError):
        pyon.encode(deep)


def test_corpus_round_trips():
    corpus = GOLDEN.parents[2] / "corpus" / "mixed.v2.pyon"
    text = corpus.read_text(encoding="utf-8").strip()
    value = pyon.decode(text)
    assert same(value, ref_decode(text))
    # Sets come back in this process's hash order, so the bytes are compared with what
    # Python writes for the same objects, not with the recording.
    assert pyon.encode(value) == ref_encode(value)
    assert pyon.encode(value, pretty=True) == ref_encode(value, pretty=True)
