"""PYON v2 as ``sipyco.pyon`` reads and writes it, coded in Rust.

- ``encode(obj, pretty=False)``: the PYON text of ``obj`` (``pretty`` is
  ``json.dumps(indent=4)``); ``TypeError`` for a value PYON cannot carry.
- ``decode(text)``: the Python value; ``json.JSONDecodeError`` for bad text.
- ``store_file(filename, obj)``: pretty PYON, written atomically.
- ``load_file(filename)``: the value of a PYON v2 file.
"""

from ._native import decode, encode, load_file, store_file

__all__ = ["encode", "decode", "store_file", "load_file"]
