"""Sharing CPU tensors between processes without copying them.

``share_memory_(t)`` moves t's array into a shared-memory segment (an anonymous
``memfd``, or an unlinked file in /dev/shm) in place. When multiprocessing pickles a
tensor (a Queue's put, a spawned Process's arguments) the tensor is shared first and
only a duplicate of the segment's file descriptor travels, with the shape, strides and
offset: the receiver maps the same memory, so writes on either side are seen by both.
Like torch's file_descriptor strategy, the sending process must be alive when the
receiver unpickles.

NOTE: ember views are NumPy views of one array, so sharing a view shares its base and
rebuilds that view on it; other views taken earlier keep the private memory.
"""
import mmap
import os
import tempfile
import weakref
from multiprocessing.reduction import DupFd, ForkingPickler

import numpy

from .. import _dtype as dtypes
from .._device import CPU
from .._storage import _owner
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

__all__ = ["share_memory_", "is_shared", "init_reductions"]

# id(mmap) -> (weak reference to the mmap, the segment's file descriptor)
_segments = {}


def _anonymous_fd():
    if hasattr(os, "memfd_create"):
        return os.memfd_create("ember-shared", 0)
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
    fd, path = tempfile.mkstemp(prefix="ember-shared-", dir=folder)
    os.unlink(path)
    return fd


def _track(mapped, fd):
    """Keep fd open as long as the mapping lives (it is what gets sent to others)."""
    key = id(mapped)

    def release(_ref):
        _segments.pop(key, None)
        os.close(fd)
    _segments[key] = (weakref.ref(mapped, release), fd)
    return mapped


def _new_segment(nbytes):
    fd = _anonymous_fd()
    size = max(nbytes, 1)   # mmap cannot map zero bytes
    os.ftruncate(fd, size)
    return _track(mmap.mmap(fd, size), fd)


def _segment_of(array):
    """(mmap, fd) behind a shared array, or None for private memory."""
    mapped = _owner(array).base
    if isinstance(mapped, mmap.mmap):
        entry = _segments.get(id(mapped))
        if entry is not None and entry[0]() is mapped:
            return mapped, entry[1]
    return None


def is_shared(tensor):
    """Whether the tensor's memory is shared between processes (always for CUDA, as torch)."""
    return tensor.device.type != "cpu" or _segment_of(tensor._data) is not None


def share_memory_(tensor):
    """Move the tensor's memory into shared memory, in place; returns the tensor."""
    if is_shared(tensor):
        return tensor
    base = tensor._base
    if base is not None:
        share_memory_(base)
        with no_grad():
            tensor._data = tensor._view_fn(base)._data
        return tensor
    array = tensor._data
    shared = numpy.ndarray(array.shape, array.dtype, buffer=_new_segment(array.nbytes))
    shared[...] = array
    tensor._data = shared
    return tensor


# ---------------------------------------------------------------- pickling for multiprocessing

def _rebuild_tensor(cls, dup_fd, size, shape, strides, offset, dtype_name, requires_grad):
    fd = dup_fd.detach()
    mapped = _track(mmap.mmap(fd, size), fd)
    array = numpy.ndarray(shape, dtypes._BY_NAME[dtype_name].numpy, buffer=mapped,
                          offset=offset, strides=strides)
    tensor = Tensor._make(array, CPU)
    if cls is not Tensor:
        return cls(tensor, requires_grad)
    tensor.requires_grad = requires_grad
    return tensor


def _reduce_tensor(tensor):
    if tensor.requires_grad and tensor.grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
            "autograd does not support crossing process boundaries.  If you just want to "
            "transfer the data, call detach() on the tensor before serializing (e.g., putting "
            "it on the queue).")
    if tensor.device.type != "cpu":
        # NOTE: no CUDA IPC yet: a GPU tensor travels as a pickled copy.
        return tensor.__reduce_ex__(2)
    share_memory_(tensor)
    mapped, fd = _segment_of(tensor._data)
    array = tensor._data
    offset = array.__array_interface__["data"][0] - \
        numpy.frombuffer(mapped, numpy.uint8).__array_interface__["data"][0]
    return _rebuild_tensor, (type(tensor), DupFd(fd), len(mapped), array.shape, array.strides,
                             offset, tensor.dtype.name, tensor.requires_grad)


def init_reductions():
    """Register the tensor reductions with multiprocessing's pickler (done at import)."""
    from ..nn.parameter import Parameter
    for cls in (Tensor, Parameter):
        ForkingPickler.register(cls, _reduce_tensor)
