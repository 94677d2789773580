"""GPU memory statistics (torch.cuda.memory_allocated and friends), from CuPy's pool.

Figures come from CuPy's default memory pool: ``memory_allocated`` is what live arrays
use, ``memory_reserved`` what the pool holds from the driver. CuPy keeps no peak, so the
``max_*`` figures are the largest values seen by these functions (each call, and every
``reset_peak_memory_stats``, samples the pool): a lower bound of the true peak.
Without CuPy or a GPU the figures are 0 and the controls do nothing, as torch's CPU
build answers; ``mem_get_info`` raises there, as torch does.
"""
from ..backend import cupy_or_none, cuda_backend

__all__ = ["memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "empty_cache", "reset_peak_memory_stats",
           "reset_max_memory_allocated", "mem_get_info", "memory_stats"]

_peaks = {}    # device index -> {"allocated": bytes, "reserved": bytes}


def _index(device):
    if device is None:
        from . import current_device
        return current_device()
    if isinstance(device, int):
        return device
    index = getattr(device, "index", None)
    if index is not None:
        return index
    text = str(device)
    return int(text.rsplit(":", 1)[1]) if ":" in text else 0


def _sample(device):
    """(allocated, reserved) bytes of the device now, and its peaks updated."""
    cupy = cupy_or_none()
    if cupy is None:
        return 0, 0, {"allocated": 0, "reserved": 0}
    index = _index(device)
    pool = cupy.get_default_memory_pool()
    with cupy.cuda.Device(index):
        used, held = int(pool.used_bytes()), int(pool.total_bytes())
    peak = _peaks.setdefault(index, {"allocated": 0, "reserved": 0})
    peak["allocated"] = max(peak["allocated"], used)
    peak["reserved"] = max(peak["reserved"], held)
    return used, held, peak


def memory_allocated(device=None):
    return _sample(device)[0]


def max_memory_allocated(device=None):
    return _sample(device)[2]["allocated"]


def memory_reserved(device=None):
    return _sample(device)[1]


def max_memory_reserved(device=None):
    return _sample(device)[2]["reserved"]


def reset_peak_memory_stats(device=None):
    """Peaks start again from the current figures."""
    used, held, peak = _sample(device)
    peak["allocated"], peak["reserved"] = used, held


def reset_max_memory_allocated(device=None):
    reset_peak_memory_stats(device)


def empty_cache():
    """Give the pool's unused blocks back to the driver."""
    cupy = cupy_or_none()
    if cupy is not None:
        cupy.get_default_memory_pool().free_all_blocks()


def memory_stats(device=None):
    """The few torch keys ember can fill (an empty dict without a GPU, as torch's)."""
    if cupy_or_none() is None:
        return {}
    used, held, peak = _sample(device)
    return {"allocated_bytes.all.current": used, "allocated_bytes.all.peak": peak["allocated"],
            "reserved_bytes.all.current": held, "reserved_bytes.all.peak": peak["reserved"]}


def mem_get_info(device=None):
    """(free, total) bytes of the device, from the driver."""
    cupy = cuda_backend().xp
    with cupy.cuda.Device(_index(device)):
        free, total = cupy.cuda.runtime.memGetInfo()
    return int(free), int(total)
