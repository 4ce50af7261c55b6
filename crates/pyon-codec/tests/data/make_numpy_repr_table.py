#!/usr/bin/env python3
"""Writes numpy_repr_table.jsonl: numpy's own repr of ~140 arrays and scalars.

Each line is {"name": ..., "pyon": <PYON v2 encoding of the value>, "repr": <repr(value)>}.
Run with the project's virtualenv (numpy 2, default print options), from this folder:

    ../../../../target/pyenv/bin/python make_numpy_repr_table.py > numpy_repr_table.jsonl

(`cargo xtask pyenv` makes target/pyenv.) The encoding follows PROTOCOLS.md section 2:
{"__jsonclass__": ["nparray", [shape, dtype.str, base64 of the C-order bytes]]} and
{"__jsonclass__": ["npscalar", [dtype.str, base64 of the bytes]]}.
"""

import base64
import json

import numpy as np


def enc(v):
    if isinstance(v, np.ndarray):
        data = base64.b64encode(np.ascontiguousarray(v).tobytes()).decode()
        return {"__jsonclass__": ["nparray", [list(v.shape), v.dtype.str, data]]}
    if isinstance(v, np.generic):
        data = base64.b64encode(v.tobytes()).decode()
        return {"__jsonclass__": ["npscalar", [v.dtype.str, data]]}
    raise TypeError(type(v))


def values():
    nan, inf = float("nan"), float("inf")
    # Floats: positional and scientific notation, padding, precision 8, non-finite values.
    yield "f8_ints", np.array([1.0, 2.0])
    yield "f8_pad", np.array([1.5, 10.25])
    yield "f8_neg", np.array([-1.0, 2.0])
    yield "f8_third", np.array([1 / 3])
    yield "f8_thirds", np.array([1 / 3, 2 / 3, 10 / 3])
    yield "f8_small_sci", np.array([1e-5, 1.0])
    yield "f8_small_sci2", np.array([1e-5, 1.5])
    yield "f8_big_sci", np.array([1e10])
    yield "f8_edge_1e8", np.array([1e8 - 1, 1.0])
    yield "f8_edge_1e8b", np.array([1e8])
    yield "f8_ratio", np.array([1.0, 1001.0])
    yield "f8_ratio_ok", np.array([1.0, 999.0])
    yield "f8_nan", np.array([nan, 1.0])
    yield "f8_neginf", np.array([-inf, 1.5])
    yield "f8_inf_nan", np.array([inf, -inf, nan])
    yield "f8_nonfinite_sci", np.array([inf, 1e-7])
    yield "f8_zero", np.array([0.0])
    yield "f8_negzero", np.array([-0.0, 1.0])
    yield "f8_zeros", np.zeros(3)
    yield "f8_pi", np.array([np.pi, np.e])
    yield "f8_long_digits", np.array([0.1 + 0.2, 1.0])
    yield "f8_tiny", np.array([5e-324, 1.0])
    yield "f8_huge", np.array([1.7976931348623157e308])
    yield "f8_mixed_sci", np.array([1.5e-10, 2.25e12, -3.0])
    yield "f8_round", np.array([0.123456789, 1.0])
    yield "f8_round_up", np.array([0.999999999, 1.0])
    yield "f8_many", np.linspace(0, 1, 11)
    yield "f8_wrap", np.arange(25) * 1.25
    yield "f8_2d", np.array([[1.5, 2.0], [3.0, 4.0]])
    yield "f8_3d", np.arange(12.0).reshape(2, 3, 2)
    yield "f8_summary", np.arange(2000) * 0.5
    yield "f8_summary_2d", np.arange(3000.0).reshape(100, 30)
    yield "f8_0d", np.array(1.0)
    yield "f8_0d_third", np.array(1 / 3)
    yield "f8_0d_nan", np.array(nan)
    yield "f8_be", np.array([1.5, 2.0], dtype=">f8")
    yield "f4", np.array([0.1], dtype=np.float32)
    yield "f4_many", np.array([0.1, 1 / 3, 1e-3, 2.5], dtype=np.float32)
    yield "f4_sci", np.array([1e-6, 1.0], dtype=np.float32)
    yield "f4_0d", np.array(1.5, dtype=np.float32)
    yield "f4_be", np.array([0.5, 3.0], dtype=">f4")
    yield "f4_cutoff", np.array([999999.0, 1.0], dtype=np.float32)
    yield "f4_cutoff_exp", np.array([1e6, 1.0], dtype=np.float32)
    yield "f4_exact_digits", np.array([1e-5, 0.3, 0.12345678], dtype=np.float32)
    yield "f4_exact_digits2", np.array([1e-7, 0.1, 1 / 3], dtype=np.float32)
    yield "f2", np.array([0.5, 1.5], dtype=np.float16)
    yield "f2_digits", np.array([0.1, 1 / 3, 2 / 3, 0.3], dtype=np.float16)
    yield "f2_extremes", np.array([65504, 6e-8, 6.1e-5, 1e-4], dtype=np.float16)
    yield "f2_big", np.array([1000, 2049, 3.14], dtype=np.float16)
    yield "f2_all", np.arange(-2000, 2000, 7).astype(np.float16) / np.float16(9)
    yield "f2_nonfinite", np.array([np.inf, np.nan, -1.0], dtype=np.float16)
    yield "f2_be", np.array([0.1, 2.0], dtype=">f2")
    # Integers of every width, signed and unsigned, both byte orders.
    yield "i8", np.array([1, 10, 100])
    yield "i8_neg", np.array([-1, 10])
    yield "i8_extremes", np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max])
    yield "i8_wrap", np.arange(30)
    yield "i8_summary", np.arange(2000)
    yield "i8_summary_2d", np.arange(4000).reshape(4, 1000)
    yield "i8_2d", np.array([[1, 2], [3, 4]])
    yield "i8_3d", np.arange(24).reshape(2, 3, 4)
    yield "i8_0d", np.array(5)
    yield "i8_empty", np.array([], dtype=np.int64)
    yield "i8_empty_2d", np.zeros((0, 3), dtype=np.int64)
    yield "i4", np.array([1, 2], dtype=np.int32)
    yield "i4_wrap", np.arange(20, dtype=np.int32)
    yield "i4_2d", np.array([[1, 2], [3, 4]], dtype=np.int32)
    yield "i2", np.array([-300, 300], dtype=np.int16)
    yield "i1", np.array([-128, 127], dtype=np.int8)
    yield "u1", np.array([1, 2], dtype=np.uint8)
    yield "u2", np.array([65535], dtype=np.uint16)
    yield "u4", np.array([0, 4294967295], dtype=np.uint32)
    yield "u8", np.array([0, 18446744073709551615], dtype=np.uint64)
    yield "i4_be", np.array([1, -2], dtype=">i4")
    yield "u2_be", np.array([258], dtype=">u2")
    # Complex numbers.
    yield "c16", np.array([1 + 2j, 3 - 4.5j])
    yield "c16_one", np.array([1 + 2j])
    yield "c16_sci", np.array([1e-7 + 1j, 2 + 3e10j])
    yield "c16_nonfinite", np.array([complex(inf, nan), 1 + 1j])
    yield "c16_0d", np.array(1 - 1j)
    yield "c8", np.array([1 + 0.5j], dtype=np.complex64)
    yield "c16_be", np.array([1 + 2j], dtype=">c16")
    # Booleans.
    yield "bool", np.array([True, False])
    yield "bool_true", np.array([True, True])
    yield "bool_0d", np.array(True)
    yield "bool_2d", np.array([[True, False], [False, True]])
    yield "bool_empty", np.array([], dtype=bool)
    # Strings and bytes.
    yield "U", np.array(["a", "bc"])
    yield "U_quote", np.array(["it's", 'say "hi"'])
    yield "U_unicode", np.array(["caf\u00e9", "\u269b"])
    yield "U_empty_str", np.array(["", "x"])
    yield "U_0d", np.array("abc")
    yield "S", np.array([b"a", b"bc"])
    yield "S_escape", np.array([b"\x00\xff", b"ok"])
    # Empty arrays of each kind.
    yield "f8_empty", np.array([])
    yield "f8_empty_2d", np.zeros((0, 3))
    yield "f8_empty_3d", np.zeros((2, 0, 3))
    yield "f4_empty", np.array([], dtype=np.float32)
    # Scalars.
    yield "s_f8", np.float64(1.5)
    yield "s_f8_big", np.float64(1e16)
    yield "s_f8_small", np.float64(1e-5)
    yield "s_f8_third", np.float64(1 / 3)
    yield "s_f8_int", np.float64(3.0)
    yield "s_f8_nan", np.float64(nan)
    yield "s_f8_neginf", np.float64(-inf)
    yield "s_f8_negzero", np.float64(-0.0)
    yield "s_f4", np.float32(0.1)
    yield "s_f4_third", np.float32(1 / 3)
    yield "s_f4_big", np.float32(1e20)
    yield "s_f4_int", np.float32(2.0)
    yield "s_f4_below_cutoff", np.float32(999999.0)
    yield "s_f4_cutoff", np.float32(1e6)
    yield "s_f4_1e15", np.float32(1e15)
    yield "s_f4_tenthousandth", np.float32(1e-4)
    yield "s_f4_small", np.float32(2.5e-3)
    yield "s_f8_1e15", np.float64(1e15)
    yield "s_f2", np.float16(9.0)
    yield "s_f2_tenth", np.float16(0.1)
    yield "s_f2_third", np.float16(1 / 3)
    yield "s_f2_max", np.float16(65504)
    yield "s_f2_tiny", np.float16(6e-8)
    yield "s_f2_small", np.float16(1e-4)
    yield "s_f2_999", np.float16(999)
    yield "s_f2_1000", np.float16(1000)
    yield "s_f2_2048", np.float16(2048)
    yield "s_i8", np.int64(-5)
    yield "s_i4", np.int32(5)
    yield "s_i2", np.int16(-7)
    yield "s_i1", np.int8(3)
    yield "s_u1", np.uint8(255)
    yield "s_u8", np.uint64(18446744073709551615)
    yield "s_c16", np.complex128(1 + 2j)
    yield "s_c16_imag", np.complex128(2j)
    yield "s_c16_neg", np.complex128(-1.5 - 0.5j)
    yield "s_c8", np.complex64(1 + 0.5j)
    yield "s_true", np.bool_(True)
    yield "s_false", np.bool_(False)


def main():
    for name, v in values():
        line = {"name": name, "pyon": json.dumps(enc(v)), "repr": repr(v)}
        print(json.dumps(line))


main()
