"""The Python half of sipyco-rs remote execution (module ``sipyco_rs_rexec``).

Loaded once into the embedded interpreter. Everything here is called from Rust: it runs the
client's code, packs exceptions as ``sipyco.packed_exceptions`` does, and converts numpy
values to and from raw bytes without going through text.
"""

import builtins
import os
import site
import sys
import traceback
import types


def honour_environment():
    """Adds the site-packages of an activated virtualenv or conda env to sys.path, ahead of
    the base interpreter's (as running the env's own python would; PYTHONPATH stays first)."""
    version = "python{}.{}".format(*sys.version_info[:2])
    added = []
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        prefix = os.environ.get(var)
        if not prefix:
            continue
        path = os.path.join(prefix, "lib", version, "site-packages")
        if os.path.isdir(path) and path not in sys.path:
            before = list(sys.path)
            site.addsitedir(path)
            new = [p for p in sys.path if p not in before]
            base = [i for i, p in enumerate(before) if p.endswith("site-packages")]
            at = base[0] if base else len(before)
            sys.path[:] = before[:at] + new + before[at:]
            added.append(path)
    if "sipyco.remote_exec" not in sys.modules:
        # Python's server names the namespace after this module, and some libraries (Numba)
        # look the module up: make it exist even without sipyco installed.
        try:
            import sipyco.remote_exec  # noqa: F401
        except ImportError:
            sys.modules["sipyco.remote_exec"] = types.ModuleType("sipyco.remote_exec")
    return added


def new_namespace(initial):
    namespace = dict(initial)
    namespace["__name__"] = "sipyco.remote_exec"
    return namespace


def add_code(namespace, code):
    exec(code, namespace)


def call(namespace, function, args, kwargs):
    return namespace[function](*args, **kwargs)


class GenericRemoteException(Exception):
    """An exception of a non-built-in class raised by the Rust driver."""


_BUILTIN_EXCEPTIONS = {
    name: obj
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
}


def pack(exc):
    """(class, message, traceback lines) as sipyco.packed_exceptions sends them."""
    cls = type(exc)
    tb = traceback.format_tb(exc.__traceback__)
    if isinstance(exc, GenericRemoteException):
        return "GenericRemoteException", str(exc), tb
    if _BUILTIN_EXCEPTIONS.get(cls.__name__) is cls:
        return cls.__name__, str(exc), tb
    return "GenericRemoteException", "{}: {}".format(cls.__qualname__, exc), tb


def make_exception(cls, message):
    """The exception that an RpcError of class ``cls`` from the driver raises in Python."""
    builtin = _BUILTIN_EXCEPTIONS.get(cls)
    if builtin is not None and not issubclass(builtin, BaseExceptionGroup):
        try:
            return builtin(message)
        except TypeError:
            pass
    return GenericRemoteException(message)


class ControllerDriver:
    """The controller's Rust driver: its methods are the driver's RPC methods."""

    def __init__(self, invoke, names, type_name):
        object.__setattr__(self, "_invoke", invoke)
        object.__setattr__(self, "_names", tuple(sorted(names)))
        object.__setattr__(self, "_type_name", type_name)

    def __getattr__(self, name):
        if name.startswith("__") or name not in self._names:
            raise AttributeError(
                "'{}' object has no attribute '{}'".format(self._type_name, name))
        invoke = self._invoke

        def method(*args, **kwargs):
            return invoke(name, args, kwargs)

        method.__name__ = method.__qualname__ = name
        return method

    def __dir__(self):
        return list(self._names)

    def __repr__(self):
        return "<{} controller driver (Rust)>".format(self._type_name)


def numpy():
    """The numpy module, or None when it cannot be imported."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def array_from_bytes(np, shape, dtype, data):
    """A writable array over ``data`` (a bytearray): no copy."""
    return np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape)


def scalar_from_bytes(np, dtype, data):
    return np.frombuffer(data, dtype=np.dtype(dtype))[0]


def array_parts(np, a):
    """(shape, dtype.str, uint8 view of C-ordered data): the view copies only if needed."""
    if a.dtype.hasobject:
        raise TypeError("numpy arrays of dtype object are not PYON encodable")
    c = np.ascontiguousarray(a)
    return tuple(a.shape), c.dtype.str, c.reshape(-1).view(np.uint8)


def scalar_parts(np, x):
    a = np.asarray(x)
    if a.dtype.hasobject:
        raise TypeError("numpy scalars of dtype object are not PYON encodable")
    return a.dtype.str, a.tobytes()


def interrupt(thread_id):
    """Raises SystemExit in the thread running remote code (at its next Python instruction)."""
    import ctypes
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(SystemExit))
