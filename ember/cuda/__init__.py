"""ember.cuda: GPU queries and controls, backed by CuPy when it is installed."""
from ..backend import cupy_or_none

_current = 0


def is_available():
    return cupy_or_none() is not None


def device_count():
    cupy = cupy_or_none()
    return 0 if cupy is None else cupy.cuda.runtime.getDeviceCount()


def current_device():
    return _current


def set_device(device):
    global _current
    index = device if isinstance(device, int) else (device.index or 0) \
        if hasattr(device, "index") else int(str(device).split(":")[-1] or 0)
    _current = index
    cupy = cupy_or_none()
    if cupy is not None:
        cupy.cuda.Device(index).use()


def synchronize(device=None):
    cupy = cupy_or_none()
    if cupy is not None:
        cupy.cuda.Stream.null.synchronize()
