#!/usr/bin/env python3
"""Writes pprint_table.jsonl: Python's own pprint.pformat of ~170 values.

Each line is {"name": ..., "pyon": <PYON v2 encoding of the value>, "pformat": <text>}.
Run with any python3 (no sipyco, no numpy needed), from this folder:

    python3 make_pprint_table.py > pprint_table.jsonl

The PYON v2 encoder below follows PROTOCOLS.md section 2 (tuples, sets, bytes, complex,
non-str-keyed dicts, OrderedDict, Fraction as __jsonclass__ objects). A set is encoded in its
iteration order, so the Rust side sees the order that Python's repr used.
"""

import base64
import collections
import fractions
import json
import pprint
import sys


def tag(name, args):
    return {"__jsonclass__": [name, args]}


def enc(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, complex):
        return tag("complex", [v.real, v.imag])
    if isinstance(v, bytes):
        return tag("bytes", [base64.b64encode(v).decode()])
    if isinstance(v, tuple):
        return tag("tuple", [[enc(x) for x in v]])
    if isinstance(v, list):
        return [enc(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return tag("set", [[enc(x) for x in v]])
    if isinstance(v, fractions.Fraction):
        return tag("Fraction", [v.numerator, v.denominator])
    if isinstance(v, collections.OrderedDict):
        return tag("OrderedDict", [[[enc(k), enc(x)] for k, x in v.items()]])
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {k: enc(x) for k, x in v.items()}
        return tag("dict", [[[enc(k), enc(x)] for k, x in v.items()]])
    raise TypeError(type(v))


def values():
    yield "none", None
    yield "true", True
    yield "int", 42
    yield "negint", -7
    yield "bigint", 2**100
    yield "negbigint", -(3**90)
    yield "float", 2.5
    yield "float_third", 1 / 3
    yield "float_big", 1e16
    yield "float_small", 1e-7
    yield "float_negzero", -0.0
    yield "float_inf", float("inf")
    yield "float_nan", float("nan")
    yield "complex", 1 + 2j
    yield "complex_imag", 2j
    yield "complex_negzero", complex(-0.0, -1.0)
    yield "str_empty", ""
    yield "str_plain", "hello"
    yield "str_quote", "it's"
    yield "str_both_quotes", "it's \"quoted\""
    yield "str_escapes", "tab\there\nnewline\\backslash\r\x00\x7f"
    yield "str_unicode", "caf\u00e9 \u269b \U0001f600"
    yield "str_nonprintable", "\u00a0\u00ad\u2028\u200b\ufeff"
    yield "bytes_empty", b""
    yield "bytes_short", b"ab"
    yield "bytes_escapes", b"\x00\x01\xfe\xff'\"\n\t\\"
    yield "bytes_quote", b"it's"
    yield "tuple_empty", ()
    yield "tuple_one", (1,)
    yield "tuple_two", (1, "a")
    yield "list_empty", []
    yield "dict_empty", {}
    yield "set_empty", set()
    yield "set_ints", {1, 2, 3}
    yield "set_strs_one", {"only"}
    yield "fraction", fractions.Fraction(3, 4)
    yield "ordereddict_empty", collections.OrderedDict()
    yield "ordereddict", collections.OrderedDict([("b", 1), ("a", 2)])
    yield "dict_sorted", {"b": 1, "a": 2, "c": 3}
    yield "dict_mixed_keys", {"k": [1, 2], 3: (4,)}
    yield "dict_num_keys", {2.5: "x", 1: "y", True: "z", -3: "w"}
    yield "dict_tuple_keys", {(2, 1): "a", (1, 2): "b", (1,): "c"}
    yield "dict_none_key", {None: 1, "a": 2, 1: 3}
    yield "dict_nested_unsorted", [{"z": 1, "a": 2}, ({"y": 1, "b": 2},)]
    yield "recorded_dict", {"a" * 30: list(range(10)), "b" * 30: {"nested": ["x" * 50, "y" * 20]}}
    yield "list_40", list(range(40))
    yield "tuple_40", tuple(range(40))
    yield "tuple_one_long", ("x" * 90,)
    yield "set_30", set(range(100, 130))
    yield "set_strs_long", {"s%02d" % i for i in range(30)}
    yield "set_mixed_long", {1, 2.5, "a" * 40, "b" * 40, (1, 2)}
    yield "floats_long", [i / 7 for i in range(20)]
    yield "bigints_long", [2**i for i in range(60, 70)]
    yield "complex_long", [complex(i, -i) for i in range(15)]
    yield "strs_long", ["word%d" % i for i in range(20)]
    yield "str_100", "x" * 100
    yield "str_words", "the quick brown fox jumps over the lazy dog " * 4
    yield "str_lines", "first line\nsecond line which is rather long, longer than the first one\nthird\n"
    yield "str_lines_long", ("line with several words " * 5 + "\n") * 3
    yield "str_quote_long", ("it's a word " * 12).strip()
    yield "str_in_list", ["the quick brown fox jumps over the lazy dog " * 3]
    yield "str_in_dict", {"key": "the quick brown fox jumps over the lazy dog " * 3}
    yield "str_in_tuple_nested", (1, ("alpha beta gamma delta epsilon zeta eta theta " * 3, 2))
    yield "bytes_long", bytes(range(64))
    yield "bytes_text_long", b"the quick brown fox jumps over the lazy dog " * 3
    yield "bytes_in_list", [b"\x00" * 40, b"abc"]
    yield "bytes_in_dict", {"data": bytes(range(100, 180))}
    yield "nested_lists", [[1, 2, 3] * 5, [4, 5, 6] * 5, ["a", "b"] * 8]
    yield "nested_dicts", {"outer%d" % i: {"inner%d" % j: j * 1.5 for j in range(4)} for i in range(4)}
    yield "deep", [[[[[[[[["deep" * 10]]]]]]]]]
    yield "deep_dict", {"a": {"b": {"c": {"d": {"e": {"f": list(range(30))}}}}}}
    yield "long_key", {"k" * 70: "v" * 20, "short": 1}
    yield "long_key_nested", {"k" * 40: {"m" * 30: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}}
    yield "mixed_record", {
        "name": "attenuator",
        "channels": [{"id": i, "db": i * 0.25, "on": i % 2 == 0, "tags": ("a", "b")} for i in range(4)],
        "serial": b"\x01\x02\x03\x04\x05",
        "range": (0.0, 31.5),
        "note": None,
    }
    yield "tuples_in_list", [(i, str(i), float(i)) for i in range(12)]
    yield "dict_values_wrap", {i: "value number %d" % i for i in range(10)}
    yield "dict_int_keys_unsorted", {10: "a", 2: "b", 33: "c", -1: "d", 0: "e"}
    yield "set_in_dict", {"s": {3, 1, 2}, "t": set()}
    yield "ordereddict_long", collections.OrderedDict((str(i) * 10, i) for i in range(8))
    yield "ordereddict_in_list", [collections.OrderedDict([("x", 1)]), 2]
    yield "fractions_long", [fractions.Fraction(i, 7) for i in range(1, 12)]
    yield "empty_containers", [[], (), {}, set(), "", b""]
    yield "empty_containers_long", [[], (), {}, set(), "", b"", collections.OrderedDict()] * 4
    yield "unicode_long", ["\u00e9t\u00e9 \u269b " * 6, "\u4e2d\u6587" * 20]
    yield "floats_special_long", [float("inf"), float("-inf"), float("nan"), -0.0, 1e300, 5e-324] * 3
    for width_probe in range(70, 86, 3):
        yield "list_width_%d" % width_probe, ["x" * (width_probe - 6)]
        yield "str_width_%d" % width_probe, "y" * (width_probe - 2)
        yield "tuple_width_%d" % width_probe, tuple("z" * ((width_probe - 10) // 2) for _ in range(2))
        yield "dict_width_%d" % width_probe, {"key": "w" * (width_probe - 10)}
        yield "bytes_width_%d" % width_probe, b"b" * (width_probe - 3)
    for n in (5, 9, 13, 17, 21, 25, 29):
        yield "ints_%d" % n, list(range(10**6, 10**6 + n))
        yield "nested_pairs_%d" % n, [[i, i * i] for i in range(n)]
        yield "dict_n_%d" % n, {"k%d" % i: [i] * (n // 4 + 1) for i in range(n // 3 + 1)}
    yield "str_spaces_only", " " * 100
    yield "str_leading_spaces", " " * 50 + "word " * 12
    yield "str_tabs_words", "\t".join(["column"] * 15)
    yield "str_no_space_long_in_list", ["a" * 120]
    yield "str_crlf", "line one\r\nline two\r\n" * 5
    yield "bool_list", [True, False] * 20
    yield "none_list", [None] * 30
    yield "negative_numbers", [-1, -2.5, -(2**70), complex(-1, -1)] * 5
    yield "dict_bool_keys", {False: 0, True: 1}
    yield "list_of_sets", [{1, 2}, {3}, {"a" * 30, "b" * 30}]
    yield "tuple_of_dicts", ({"a": 1}, {"b": [1] * 30})
    yield "dict_sorted_mixed_numbers", {3: "c", 1.5: "a", 2: "b", -0.5: "z"}
    yield "dict_bytes_keys", {b"b": 1, b"a": 2, b"c" * 40: 3}
    yield "dict_str_and_bytes_keys", {"s": 1, b"b": 2, 3: 3}
    yield "set_of_tuples", {(1, 2), (0, 5), (1, 1)}
    yield "set_of_tuples_long", {(i, "t" * 10) for i in range(8)}
    yield "dict_complex_keys", {1j: "a", 2: "b"}


def main():
    out = sys.stdout
    for name, v in values():
        line = {"name": name, "pyon": json.dumps(enc(v), allow_nan=True), "pformat": pprint.pformat(v)}
        out.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
