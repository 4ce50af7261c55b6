"""sipyco_rs: SiPyCo's PYON codec in Rust, a drop-in for ``sipyco.pyon``.

``sipyco_rs.pyon`` has ``encode(obj, pretty=False)``, ``decode(text)``,
``store_file(filename, obj)`` and ``load_file(filename)``: the same text as
``sipyco.pyon``, the same Python objects back, the same exceptions.
``sipyco_rs.install()`` puts them in place of ``sipyco.pyon``'s own, so that
``pc_rpc``, ``sync_struct`` and the ARTIQ master use them.
"""

from . import pyon

__all__ = ["pyon", "install"]

_FUNCTIONS = ("encode", "decode", "store_file", "load_file")


def install():
    """Replace ``sipyco.pyon``'s functions with ours, in place.

    Modules that did ``from sipyco import pyon`` call ``pyon.encode(...)`` and
    so pick up the replacements. Returns whether ``sipyco.pyon`` could be
    imported (and was patched). The originals stay available as
    ``sipyco.pyon._sipyco_rs_originals``.
    """
    try:
        import sipyco.pyon as target
    except ImportError:
        return False
    if not hasattr(target, "_sipyco_rs_originals"):
        target._sipyco_rs_originals = {
            name: getattr(target, name) for name in _FUNCTIONS if hasattr(target, name)
        }
    for name in _FUNCTIONS:
        setattr(target, name, getattr(pyon, name))
    return True
