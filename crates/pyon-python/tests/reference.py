"""Test oracles, written from PROTOCOLS.md and checked against the golden rows.

- ``literal(text)``: the Python value of PYON v1 text (or a ``repr``), parsed with
  ``ast`` and built from a fixed set of names; nothing is ever evaluated.
- ``ref_encode(x, pretty)`` / ``ref_decode(text)``: PYON v2 as sipyco's ``json``-based
  codec writes and reads it (``json.dumps`` with a wrapping pass and a ``default``
  hook; ``json.loads`` with an ``object_hook``).
- ``same(a, b)``: strict equality: same types all the way down, arrays by dtype,
  shape and bytes, floats by bits (NaN equals NaN, -0.0 differs from 0.0).
"""

import ast
import base64
import json
import math
import struct
from collections import OrderedDict
from fractions import Fraction

import numpy as np

# ---------------------------------------------------------------------------
# Safe literal evaluation (v1 text and reprs)


def _np_scalar_ctor(name):
    return lambda *args: getattr(np, name)(*args)


def _nparray(shape, dtype, data):
    flat = np.frombuffer(base64.b64decode(data), dtype)
    return flat.reshape(shape).copy()


def _npscalar(dtype, data):
    return np.frombuffer(base64.b64decode(data), dtype)[0]


_NAMES = {
    "null": None,
    "true": True,
    "false": False,
    "None": None,
    "True": True,
    "False": False,
    "inf": math.inf,
    "nan": math.nan,
}

_CALLS = {
    "slice": slice,
    "Fraction": Fraction,
    "OrderedDict": OrderedDict,
    "nparray": _nparray,
    "npscalar": _npscalar,
    "set": set,
}

_NP_ATTRS = {
    "True_": np.True_,
    "False_": np.False_,
}


def _fix_surrogates(s):
    # v1 strings are JSON strings: a surrogate pair means one character above U+FFFF.
    return s.encode("utf-16", "surrogatepass").decode("utf-16")


def _eval(node):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return _fix_surrogates(node.value)
        return node.value
    if isinstance(node, ast.Name):
        return _NAMES[node.id]
    if isinstance(node, ast.Tuple):
        return tuple(_eval(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [_eval(e) for e in node.elts]
    if isinstance(node, ast.Set):
        return {_eval(e) for e in node.elts}
    if isinstance(node, ast.Dict):
        return {_eval(k): _eval(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        # Only `re ± imj`: built part by part so that a -0.0 imaginary part survives.
        re, im = _eval(node.left), _eval(node.right)
        assert isinstance(im, complex) and im.real == 0
        return complex(re, im.imag if isinstance(node.op, ast.Add) else -im.imag)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        assert node.value.id == "np"
        return _NP_ATTRS[node.attr]
    if isinstance(node, ast.Call) and not node.keywords:
        args = [_eval(a) for a in node.args]
        f = node.func
        if isinstance(f, ast.Name):
            return _CALLS[f.id](*args)
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np":
            return _np_scalar_ctor(f.attr)(*args)
    raise ValueError(f"not a PYON literal: {ast.dump(node)}")


def literal(text):
    """The value of PYON v1 text or of a simple repr; never evaluates code."""
    return _eval(ast.parse(text, mode="eval").body)


# ---------------------------------------------------------------------------
# Reference PYON v2 codec

_TAG = "__jsonclass__"

_NP_SCALAR_TYPES = tuple(
    getattr(np, n)
    for n in (
        "bool_", "bytes_", "str_", "int8", "int16", "int32", "int64", "uint8",
        "uint16", "uint32", "uint64", "float16", "float32", "float64",
        "complex64", "complex128", "timedelta64", "datetime64", "void",
    )
)


class _Tagged:
    """A value json cannot write itself: a tag name and its argument list."""

    def __init__(self, name, args):
        self.name, self.args = name, args


def _prepare(x):
    """Containers json knows, made explicit: tuples and non-str-key dicts become tags."""
    if isinstance(x, dict):
        assert _TAG not in x
        if all(isinstance(k, str) for k in x):
            return {k: _prepare(v) for k, v in x.items()}
        return _Tagged("dict", [[[_prepare(k), _prepare(v)] for k, v in x.items()]])
    if isinstance(x, list):
        return [_prepare(v) for v in x]
    if isinstance(x, tuple):
        return _Tagged("tuple", [[_prepare(v) for v in x]])
    return x


def _b64(data):
    return base64.b64encode(bytes(data)).decode()


def _default(x):
    if isinstance(x, _Tagged):
        return {_TAG: [x.name, x.args]}
    t = type(x)
    if t is complex:
        return {_TAG: ["complex", [x.real, x.imag]]}
    if t is bytes:
        return {_TAG: ["bytes", [_b64(x)]]}
    if t is set:
        return {_TAG: ["set", [[_prepare(v) for v in x]]]}
    if t is slice:
        return {_TAG: ["slice", [_prepare(x.start), _prepare(x.stop), _prepare(x.step)]]}
    if t is Fraction:
        return {_TAG: ["Fraction", [x.numerator, x.denominator]]}
    if t is np.ndarray:
        data = np.ascontiguousarray(x).tobytes()
        return {_TAG: ["nparray", [list(x.shape), x.dtype.str, _b64(data)]]}
    if t in _NP_SCALAR_TYPES:
        return {_TAG: ["npscalar", [x.dtype.str, _b64(x.tobytes())]]}
    raise TypeError(f"`{x!r}`: Object of type `{t.__name__}` is not PYON encodable")


def ref_encode(x, pretty=False):
    if pretty:
        return json.dumps(_prepare(x), default=_default, indent=4)
    return json.dumps(_prepare(x), default=_default, separators=(",", ":"))


def _decode_nparray(shape, dtype, data):
    return np.frombuffer(base64.b64decode(data), dtype).reshape(shape, copy=True)


_DECODERS = {
    "tuple": tuple,
    "dict": dict,
    "complex": complex,
    "bytes": base64.b64decode,
    "set": set,
    "slice": slice,
    "Fraction": Fraction,
    "OrderedDict": OrderedDict,
    "nparray": _decode_nparray,
    "npscalar": lambda dtype, data: np.frombuffer(base64.b64decode(data), dtype)[0],
}


def _hook(obj):
    if _TAG not in obj:
        return obj
    name, args = obj[_TAG]
    if name not in _DECODERS:
        raise TypeError(f"Object of type `{name}` is not PYON decodable")
    return _DECODERS[name](*args)


def ref_decode(text):
    return json.loads(text, object_hook=_hook)


# ---------------------------------------------------------------------------
# Strict comparison


def _float_bits(f):
    return struct.pack("<d", f) if not math.isnan(f) else b"nan"


def same(a, b):
    """Equal values of the same types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return _float_bits(a) == _float_bits(b)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        if len(a) != len(b) or list(a.keys()) != list(b.keys()):
            return False
        return all(same(a[k], b[k]) for k in a)
    if isinstance(a, set):
        return a == b
    if isinstance(a, slice):
        return same(a.start, b.start) and same(a.stop, b.stop) and same(a.step, b.step)
    if isinstance(a, np.ndarray):
        return (
            a.dtype.str == b.dtype.str
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
        )
    if isinstance(a, np.generic):
        return a.dtype.str == b.dtype.str and a.tobytes() == b.tobytes()
    return a == b
