"""Random values: our bytes are Python's bytes, and decoding gives Python's objects."""

import math
import random
from collections import OrderedDict
from fractions import Fraction

import numpy as np
import pytest

from reference import ref_decode, ref_encode, same
from sipyco_rs import pyon

DTYPES = ["<f8", "<f4", "<f2", ">f8", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "|u1",
          "|b1", "<c16", "<c8", "<U3", "|S2", "<M8[ns]", "<m8[s]"]
SCALARS = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
           np.uint32, np.uint64, np.float16, np.float32, np.complex64, np.complex128]


def rand_float(r):
    return r.choice([
        r.uniform(-1e3, 1e3), r.random(), r.uniform(-1, 1) * 10 ** r.randint(-320, 308),
        0.0, -0.0, math.inf, -math.inf, 1e16, 1e-7, 123456789.0,
    ])


def rand_str(r):
    alphabet = "ab \"'\\\n\t\r\x00\x1f\x7f\u00e9\u269b\U0001f600_"
    return "".join(r.choice(alphabet) for _ in range(r.randint(0, 8)))


def rand_int(r):
    return r.choice([r.randint(-100, 100), r.randint(-2**63, 2**63 - 1),
                     r.randint(-10**40, 10**40), 2**63, -2**63 - 1, 2**64 - 1])


def rand_array(r):
    dtype = np.dtype(r.choice(DTYPES))
    shape = tuple(r.randint(0, 3) for _ in range(r.randint(0, 3)))
    raw = bytes(r.getrandbits(8) for _ in range(int(np.prod(shape, dtype=int)) * dtype.itemsize))
    a = np.frombuffer(raw, dtype).reshape(shape).copy()
    if dtype.kind == "b":
        a = a.astype(bool)
    if a.ndim == 2 and r.random() < 0.5:
        a = np.asfortranarray(a)
    if a.ndim >= 1 and a.shape[0] > 1 and r.random() < 0.3:
        a = a[::2]  # not contiguous
    return a


def rand_key(r):
    return r.choice([
        lambda: rand_str(r), lambda: rand_int(r), lambda: r.random(), lambda: None,
        lambda: r.random() < 0.5, lambda: (rand_int(r), rand_str(r)),
        lambda: Fraction(r.randint(-9, 9), r.randint(1, 9)), lambda: complex(r.random(), 1),
        lambda: bytes([r.getrandbits(8)]),
    ])()


def rand_value(r, depth=0):
    leaves = [
        lambda: None, lambda: r.random() < 0.5, lambda: rand_int(r), lambda: rand_float(r),
        lambda: rand_str(r), lambda: bytes(r.getrandbits(8) for _ in range(r.randint(0, 9))),
        lambda: complex(rand_float(r), rand_float(r)),
        lambda: Fraction(rand_int(r), r.randint(1, 10**20)),
        lambda: slice(r.choice([None, 1, -2]), r.choice([None, 10]), r.choice([None, 2, "x"])),
        lambda: rand_array(r),
        lambda: r.choice(SCALARS)(r.randint(0, 100)),
        lambda: np.float64(rand_float(r)),
        lambda: np.str_(rand_str(r)),
    ]
    if depth >= 4:
        return r.choice(leaves)()
    n = r.randint(0, 4)
    containers = [
        lambda: [rand_value(r, depth + 1) for _ in range(n)],
        lambda: tuple(rand_value(r, depth + 1) for _ in range(n)),
        lambda: {rand_str(r): rand_value(r, depth + 1) for _ in range(n)},
        lambda: {rand_key(r): rand_value(r, depth + 1) for _ in range(n)},
        lambda: {rand_key(r) for _ in range(n)},
        lambda: OrderedDict((rand_key(r), rand_value(r, depth + 1)) for _ in range(n)),
        lambda: OrderedDict((rand_str(r), rand_value(r, depth + 1)) for _ in range(n)),
    ]
    return r.choice(leaves + containers * 2)()


@pytest.mark.parametrize("seed", range(300))
def test_random_values_match_python(seed):
    r = random.Random(seed)
    x = rand_value(r)
    for pretty in (False, True):
        text = ref_encode(x, pretty)
        assert pyon.encode(x, pretty) == text
        got, want = pyon.decode(text), ref_decode(text)
        assert same(got, want), (got, want)


def test_decoded_arrays_own_writable_aligned_data():
    a = np.arange(12, dtype="<f8").reshape(3, 4)
    b = pyon.decode(pyon.encode(a))
    assert b.flags.writeable and b.flags.aligned and b.flags.c_contiguous
    b[0, 0] = 5.0
    assert b[0, 0] == 5.0


def test_ordered_dicts_keep_their_own_order():
    od = OrderedDict([("a", 1), ("b", 2), (3, 4)])
    od.move_to_end("a")
    assert pyon.encode(od) == ref_encode(od)
    assert pyon.decode('{"__jsonclass__":["OrderedDict",[[["b",1],[2,3]]]]}') == OrderedDict(
        [("b", 1), (2, 3)]
    )
    assert type(pyon.decode('{"__jsonclass__":["OrderedDict",[[]]]}')) is OrderedDict
