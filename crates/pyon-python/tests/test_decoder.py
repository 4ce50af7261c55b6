"""The decoder against Python's json + sipyco's hook on odd input: same values, same
exception classes, and for bad text the same message and position."""

import json
import math
import random
import struct

import pytest

from reference import ref_decode, same
from sipyco_rs import pyon

CASES = [
    # arrays: the compact wire form (fast path) and forms that take the general path
    '{"__jsonclass__":["nparray",[[2],"<f8","AAAA"]]}',
    '{"__jsonclass__":["nparray",[[1],"<f8","AAAAAAAA8D8="]]}',
    '{"__jsonclass__":["nparray",[[1],"<f8","AAAAAAAA\\u0038D8="]]}',
    '{"__jsonclass__":["nparray",[[1],"<f8","AAAAAAAA8D8="]],"x":1}',
    '{"__jsonclass__":["nparray",[[1],"<f8","AAAA AAAA8D8="]]}',
    '{"__jsonclass__":["nparray",[[1],"<f8"]]}',
    '{"__jsonclass__":["nparray",[[1,2],"<i2","AQACAAMABAA="]]}',
    '{"__jsonclass__":["npscalar",["<i4","BQAAAA=="]]}',
    # tags called as Python calls them
    '{"__jsonclass__":["tuple",[1]]}',
    '{"__jsonclass__":["tuple"]}',
    '{"__jsonclass__":"ab"}',
    '{"__jsonclass__":[1,[]]}',
    '{"__jsonclass__":["Fraction",[1,0]]}',
    '{"__jsonclass__":["dict",[[[[1],2]]]]}',
    '{"__jsonclass__":["set",[[[1]]]]}',
    '{"__jsonclass__":["slice",[1,2,3,4]]}',
    '{"__jsonclass__":["bytes",["YQ"]]}',
    '{"__jsonclass__":["complex",["1+2j"]]}',
    '{"x":1,"__jsonclass__":["tuple",[[1]]]}',
    # tags in the compact wire form (built without the intermediate dict) and near misses
    '{"__jsonclass__":["tuple",[[1,2]]]}',
    '{"__jsonclass__":["tuple",[]]}',
    '{"__jsonclass__":["tuple",[[1,2]]],"x":1}',
    '{"__jsonclass__":["tuple",[[1,2]],3]}',
    '{"__jsonclass__":["tuple",[[1,2]]]',
    '{"__jsonclass__":["tuple",[[1,2]] ]}',
    '{"__jsonclass__":["tu\\u0070le",[[1]]]}',
    '{"__jsonclass__":["foo",[]]}',
    '{"__jsonclass__":["set",[[1,[2]]]]}',
    '{"__jsonclass__":["dict",[[[1,{"__jsonclass__":["tuple",[[2]]]}]]]]}',
    '[{"__jsonclass__":["Fraction",[6,4]]},{"__jsonclass__":["slice",[null,3,null]]}]',
    '{"__jsonclass__":["nparray",[[2],"<f8","AAAA"]],"x":1}',
    '{"__jsonclass__":["nparray",[2,"<i4","AQAAAAIAAAA="]]}',
    # plain JSON
    '{"a":1,"a":2}',
    '  {"a" : [ 1 , 2 ] ,\n "b":{}}  ',
    '[1e5,-0,1E+2,-0.5e-3,123456789012345678901234567890,-Infinity,NaN]',
    '"\\u00e9\\ud83d\\ude00\\n\\/"',
    # bad text
    '[1,2,]',
    '"abc',
    '"a\x01"',
    '"\\x"',
    '"\\u12"',
    "-",
    "1e",
    "[1 2]",
    '{"a":1,}',
    '{1:2}',
    '{"a" 1}',
    "tru",
    "[",
    # strings past the first 32 bytes (scanned a word at a time, then in vectorised blocks)
    *('"' + "x" * n + "\x01" + "y" * 5 + '"' for n in (7, 8, 31, 32, 33, 95, 96, 97, 200)),
    *('"' + "x" * n + '\\n' + "y" * 40 + '"' for n in (31, 32, 33, 100)),
    '"' + "x" * 100,
    # keys of every length around the cached ones' word boundaries, repeated and near misses
    "[" + ",".join('{"%s":%d}' % ("k" * n, n) for n in range(0, 70)) + "," +
    ",".join('{"%s":%d}' % ("k" * n, n) for n in range(0, 70)) + "]",
    '[{"precision":1},{"precisioN":2},{"precision\\u0000":3},{"precision":4}]',
    '[{"0123456789abcdef":1},{"0123456789abcdeg":2},{"0123456789abcdef0":3}]',
    # \u escapes at the end of the text, and lone surrogates in text that Python rejects anyway
    '"\\u0041',
    '"\\ud83d',
    '"\\ud83d\\',
    '"\\ud83d\\ude0',
    '"\\ud83d\\ude00',
    '"\\ud83d\\u0041',
    '["\\ud800",1 2]',
    '{"\\udc00":1,}',
    '["x\\ud800\\u00e9", "\\q"]',
]


@pytest.mark.parametrize("text", CASES)
def test_decoder_agrees_with_python(text):
    try:
        want = ref_decode(text)
    except Exception as e:  # noqa: BLE001 - any exception class is what is compared
        with pytest.raises(Exception) as ours:
            pyon.decode(text)
        assert type(ours.value) is type(e), (ours.value, e)
        if isinstance(e, json.JSONDecodeError):
            assert (ours.value.msg, ours.value.pos) == (e.msg, e.pos)
        return
    assert same(pyon.decode(text), want)


@pytest.mark.parametrize(
    "text, pos",
    [
        ('"\\ud800"', 1),
        ('["a","x\\udc00y"]', 7),
        ('"\\ud800\\u0041"', 1),
        ('["\\ud83d", "\\udc00"]', 2),
    ],
)
def test_a_lone_surrogate_fails_only_text_that_python_accepts(text, pos):
    """Python keeps a lone surrogate in a str, which sipyco_rs cannot build: it refuses the
    text, at the first one, but only when Python finds no error in it (see the cases above)."""
    assert isinstance(ref_decode(text), (str, list))
    with pytest.raises(json.JSONDecodeError) as e:
        pyon.decode(text)
    assert (e.value.msg, e.value.pos) == ("Unpaired surrogate (not supported by sipyco_rs)", pos)


def _rand_string_text(r):
    """The text of a JSON string of 0 to 150 characters without its closing quote: mostly
    plain, with now and then an escape, a raw control character (bad text) or a non-ASCII
    character, anywhere in it."""
    pieces = []
    for _ in range(r.randint(0, 150)):
        roll = r.random()
        if roll < 0.9:
            pieces.append(r.choice("abcxyz0189 _-.:"))
        elif roll < 0.95:
            pieces.append(r.choice(['\\n', '\\"', '\\\\', '\\u00e9', '\\ud83d\\ude00', '\\/']))
        elif roll < 0.98:
            pieces.append(r.choice("\u00e9\u269b\U0001f600"))
        else:
            pieces.append(r.choice("\x00\x01\x1f\t\n"))
    return '"' + "".join(pieces)


@pytest.mark.parametrize("seed", range(10))
def test_random_strings_and_keys_agree_with_python(seed):
    r = random.Random(seed)
    for _ in range(100):
        strings = [_rand_string_text(r) + '"' for _ in range(r.randint(1, 6))]
        if r.random() < 0.5:
            text = "[" + ",".join(strings) + "]"
        else:
            text = "{" + ",".join(f"{s}:{i}" for i, s in enumerate(strings)) + "}"
        if r.random() < 0.05:
            text = text[: r.randint(0, len(text))]
        test_decoder_agrees_with_python(text)


NUMBER_TEXTS = [
    "0.0", "-0.0", "0e0", "0E-0", "1e400", "-1e400", "1e-400", "1e99999999999999999999",
    "2.2250738585072011e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "9007199254740993.0", "1.7976931348623159e308",
    "1.00000000000000011102230246251565404236316680908203125",
    "123456789012345678901234567890.5", "0." + "0" * 800 + "1", "1" + "0" * 700 + ".0e-700",
    # where Python's grammar stops a number (the float parser itself would read on)
    "1.", "1.e5", "1e", "1e+", "1E-", "-", "-.5", ".5", "01.5", "1.5e5.3", "1ee5", "1e5e5",
    "1.5e", "1.5E+", "-0.", "1.5f", "[1.e5]", "[1e]", "[1.5e+]",
]


@pytest.mark.parametrize("seed", range(4))
def test_numbers_agree_with_python(seed):
    """Floats are read in one pass by the float parser: every value is still Python's, bit
    for bit, and every text Python refuses is refused with its message and position."""
    r = random.Random(seed)
    texts = list(NUMBER_TEXTS) if seed == 0 else []
    for _ in range(2000):
        f = struct.unpack("<d", r.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(f):
            texts += [repr(f), "%.17e" % f, "%.25g" % f]
        digits = "".join(r.choice("0123456789") for _ in range(r.randint(1, 30))).lstrip("0")
        cut = r.randint(0, len(digits))
        exp = r.choice(["", "e%d" % r.randint(0, 700), "E-%d" % r.randint(0, 700)])
        texts.append("%s.%s%s" % (digits[:cut] or "0", digits[cut:] or "0", exp))
    for t in texts:
        for text in (t, "-" + t, "[%s,-%s]" % (t, t)):
            try:
                want = json.loads(text)
            except json.JSONDecodeError as e:
                with pytest.raises(json.JSONDecodeError) as ours:
                    pyon.decode(text)
                assert (ours.value.msg, ours.value.pos) == (e.msg, e.pos), text
                continue
            got = pyon.decode(text)
            assert type(got) is type(want), text
            assert repr(got) == repr(want), text
