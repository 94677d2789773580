"""Array backends: NumPy for the CPU, CuPy for NVIDIA GPUs.

Every op reaches its array library through ``backend_for(device).xp``. The few
places where NumPy and CuPy differ are methods of the Backend classes, so no other
file needs to ask "is this cupy?".
"""
import numpy

from .. import _config

# NOTE: torch computes inf/nan silently (log(0), 0/0); NumPy would print a RuntimeWarning
# from deep inside ember for each. Ops check what torch checks themselves.
numpy.seterr(all="ignore")


class Backend:
    """The interface an op sees: ``xp`` plus a handful of shims."""

    name = "base"
    xp = None

    def scatter_add(self, target, index, values):
        """target[index] += values, accumulating over repeated indices."""
        raise NotImplementedError

    def synchronize(self):
        pass

    def to_numpy(self, array):
        raise NotImplementedError

    def data_ptr(self, array):
        raise NotImplementedError

    def reshape_view(self, array, shape):
        """A reshaped view sharing memory, or None when that needs a copy."""
        view = array.view()
        try:
            view.shape = shape
        except AttributeError:
            return None
        return view

    def from_numpy(self, array):
        raise NotImplementedError


class NumpyBackend(Backend):
    name = "cpu"
    xp = numpy

    def scatter_add(self, target, index, values):
        numpy.add.at(target, index, values)

    def to_numpy(self, array):
        return array

    def data_ptr(self, array):
        return array.__array_interface__["data"][0]

    def from_numpy(self, array):
        return array


class CupyBackend(Backend):
    name = "cuda"

    def __init__(self, cupy):
        self.xp = cupy
        self._cupyx = None

    def scatter_add(self, target, index, values):
        if self._cupyx is None:
            import cupyx
            self._cupyx = cupyx
        self._cupyx.scatter_add(target, index, values)

    def synchronize(self):
        self.xp.cuda.Stream.null.synchronize()

    def to_numpy(self, array):
        return self.xp.asnumpy(array)

    def data_ptr(self, array):
        return array.data.ptr

    def from_numpy(self, array):
        return self.xp.asarray(array)


cpu_backend = NumpyBackend()
_cuda_backend = None


def cupy_or_none():
    """CuPy if it is installed and sees a GPU, else None (never raises)."""
    if _config.DISABLE_CUDA:
        return None
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return None
        return cupy
    except Exception:
        return None


def cuda_backend():
    global _cuda_backend
    if _cuda_backend is None:
        cupy = cupy_or_none()
        if cupy is None:
            raise AssertionError(
                "Torch not compiled with CUDA enabled: ember found no usable CuPy/GPU "
                "(install the 'cuda' extra: pip install ember[cuda])")
        _cuda_backend = CupyBackend(cupy)
    return _cuda_backend


def backend_for(device):
    return cpu_backend if device.type == "cpu" else cuda_backend()


def device_of_array(array):
    """The ember device an array lives on (NumPy arrays and scalars: the CPU)."""
    from .._device import CPU, device
    if isinstance(array, (numpy.ndarray, numpy.generic)) or _cuda_backend is None:
        return CPU
    return device("cuda", array.device.id)


def array_module_of(array):
    """The backend that owns an array (numpy for anything that is not CuPy)."""
    if isinstance(array, numpy.ndarray) or _cuda_backend is None:
        return cpu_backend
    return _cuda_backend if isinstance(array, _cuda_backend.xp.ndarray) else cpu_backend
