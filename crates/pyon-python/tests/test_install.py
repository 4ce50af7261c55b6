"""sipyco_rs.install() patches sipyco.pyon in place (a stand-in sipyco made here)."""

import sys
import types

import sipyco_rs
from sipyco_rs import pyon


def python_encode(x, pretty=False):
    raise AssertionError("the Python encoder ran")


def python_decode(s):
    raise AssertionError("the Python decoder ran")


def make_sipyco(monkeypatch):
    """A package `sipyco` with a module `pyon`, and a module that uses it as pc_rpc does."""
    package = types.ModuleType("sipyco")
    package.__path__ = []
    module = types.ModuleType("sipyco.pyon")
    module.encode, module.decode = python_encode, python_decode
    module.store_file = module.load_file = python_encode
    package.pyon = module
    monkeypatch.setitem(sys.modules, "sipyco", package)
    monkeypatch.setitem(sys.modules, "sipyco.pyon", module)

    user = types.ModuleType("stand_in_pc_rpc")
    exec(
        "from sipyco import pyon\n"
        "def send(obj):\n"
        "    return pyon.encode(obj)\n"
        "def receive(line):\n"
        "    return pyon.decode(line)\n",
        user.__dict__,
    )
    return module, user


def test_install_patches_sipyco_pyon(monkeypatch):
    module, user = make_sipyco(monkeypatch)
    assert sipyco_rs.install() is True
    for name in ("encode", "decode", "store_file", "load_file"):
        assert getattr(module, name) is getattr(pyon, name)
    # A module that imported sipyco.pyon before install() uses ours now.
    assert user.send((1, "x")) == '{"__jsonclass__":["tuple",[[1,"x"]]]}'
    assert user.receive('{"__jsonclass__":["tuple",[[1,"x"]]]}') == (1, "x")
    assert module._sipyco_rs_originals["encode"] is python_encode


def test_install_twice_keeps_the_originals(monkeypatch):
    module, _ = make_sipyco(monkeypatch)
    assert sipyco_rs.install() and sipyco_rs.install()
    assert module._sipyco_rs_originals["decode"] is python_decode


def test_install_without_sipyco_says_so(monkeypatch):
    # None in sys.modules makes `import sipyco` raise ImportError.
    monkeypatch.setitem(sys.modules, "sipyco", None)
    monkeypatch.delitem(sys.modules, "sipyco.pyon", raising=False)
    assert sipyco_rs.install() is False
