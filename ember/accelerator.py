"""ember.accelerator: the device-agnostic accelerator API (torch.accelerator).

ember's only accelerator is CUDA (through CuPy); without one, queries answer "none"
and the functions that need a device raise torch's error.
"""
import contextlib

from . import cuda
from ._device import device as _device
from .cuda import memory as _memory

__all__ = ["current_accelerator", "current_device_index", "device_count", "device_index",
           "empty_cache", "is_available", "max_memory_allocated", "max_memory_reserved",
           "memory_allocated", "memory_reserved", "reset_peak_memory_stats",
           "set_device_index", "synchronize"]

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    return cuda.is_available()


def current_accelerator(check_available=False):
    """ember.device('cuda') when a GPU is usable, else None."""
    return _device("cuda") if cuda.is_available() else None


def device_count():
    return cuda.device_count() if cuda.is_available() else 0


def _require():
    if not cuda.is_available():
        raise RuntimeError(_NONE)


def _as_index(device):
    return _memory._index(device)


def current_device_index():
    _require()
    return cuda.current_device()


def set_device_index(device, /):
    _require()
    if device is not None:
        cuda.set_device(_as_index(device))


def synchronize(device=None, /):
    _require()
    cuda.synchronize(device)


@contextlib.contextmanager
def device_index(device, /):
    """Within the block, ``device`` is the current accelerator (None: no change)."""
    if device is None:
        yield
        return
    _require()
    previous = cuda.current_device()
    cuda.set_device(device)
    try:
        yield
    finally:
        cuda.set_device(previous)


def empty_cache():
    _require()
    _memory.empty_cache()


def memory_allocated(device_index=None, /):
    _require()
    return _memory.memory_allocated(device_index)


def max_memory_allocated(device_index=None, /):
    _require()
    return _memory.max_memory_allocated(device_index)


def memory_reserved(device_index=None, /):
    _require()
    return _memory.memory_reserved(device_index)


def max_memory_reserved(device_index=None, /):
    _require()
    return _memory.max_memory_reserved(device_index)


def reset_peak_memory_stats(device_index=None, /):
    _require()
    _memory.reset_peak_memory_stats(device_index)
