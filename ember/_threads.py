"""set_num_threads / get_num_threads: the size of the BLAS thread pool.

NumPy's OpenBLAS is found among the loaded libraries and its thread count set through
its C API; where none is found the value is only recorded.
"""
import ctypes
import os

_SETTERS = ("openblas_set_num_threads", "scipy_openblas_set_num_threads64_",
            "openblas_set_num_threads64_", "scipy_openblas_set_num_threads")
_GETTERS = ("openblas_get_num_threads", "scipy_openblas_get_num_threads64_",
            "openblas_get_num_threads64_", "scipy_openblas_get_num_threads")
_libraries = None
_requested = None


def _blas_libraries():
    global _libraries
    if _libraries is None:
        import numpy  # noqa: F401  (loads its BLAS)
        _libraries = []
        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        except OSError:
            paths = set()
        for path in sorted(paths):
            try:
                _libraries.append(ctypes.CDLL(path))
            except OSError:
                pass
    return _libraries


def _call(names, *args):
    for lib in _blas_libraries():
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                return fn(*args)
    return None


def set_num_threads(n):
    global _requested
    if int(n) <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _requested = int(n)
    _call(_SETTERS, ctypes.c_int(_requested))


def get_num_threads():
    count = _call(_GETTERS)
    if count is not None:
        return int(count)
    return _requested or int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))


def get_num_interop_threads():
    return 1


def set_num_interop_threads(n):
    pass
