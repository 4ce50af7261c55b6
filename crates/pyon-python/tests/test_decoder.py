"""The decoder against Python's json + sipyco's hook on odd input: same values, same
exception classes, and for bad text the same message and position."""

import json

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
