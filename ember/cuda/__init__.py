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


def _require_cupy():
    cupy = cupy_or_none()
    if cupy is None:
        raise AssertionError("Torch not compiled with CUDA enabled")
    return cupy


def get_device_capability(device=None):
    cupy = _require_cupy()
    cc = cupy.cuda.Device(_index(device)).compute_capability  # a string such as "90"
    return int(cc[:-1]), int(cc[-1])


def get_device_name(device=None):
    cupy = _require_cupy()
    name = cupy.cuda.runtime.getDeviceProperties(_index(device))["name"]
    return name.decode() if isinstance(name, bytes) else name


def is_bf16_supported(including_emulation=True):
    """bfloat16 needs compute capability 8.0 (Ampere) or later; False without a GPU."""
    if not is_available():
        return False
    return including_emulation or get_device_capability()[0] >= 8


def synchronize(device=None):
    cupy = cupy_or_none()
    if cupy is not None:
        cupy.cuda.Stream.null.synchronize()


# ---------------------------------------------------------------- random state

def manual_seed(seed):
    from .._random import cuda_generator
    cuda_generator(current_device()).manual_seed(seed)


def manual_seed_all(seed):
    from .._random import manual_seed_all_cuda
    manual_seed_all_cuda(seed)


def seed():
    from .._random import cuda_generator
    cuda_generator(current_device()).seed()


def seed_all():
    from .._random import cuda_generator
    for index in range(device_count()):
        cuda_generator(index).seed()


def initial_seed():
    from .._random import cuda_generator
    return cuda_generator(current_device()).initial_seed()


def _index(device):
    if device is None or device == "cuda":
        return current_device()
    if isinstance(device, int):
        return device
    return getattr(device, "index", None) or int(str(device).split(":")[-1])


def get_rng_state(device="cuda"):
    from .._random import cuda_generator
    return cuda_generator(_index(device)).get_state()


def set_rng_state(new_state, device="cuda"):
    from .._random import cuda_generator
    cuda_generator(_index(device)).set_state(new_state)


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states):
    for i, state in enumerate(new_states):
        set_rng_state(state, i)


from . import amp, memory  # noqa: E402,F401
from .memory import (empty_cache, max_memory_allocated, max_memory_reserved,  # noqa: E402,F401
                     mem_get_info, memory_allocated, memory_reserved, memory_stats,
                     reset_max_memory_allocated, reset_peak_memory_stats)
