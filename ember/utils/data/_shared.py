"""Moving tensors from worker processes to the main one through shared memory.

A worker copies each tensor's bytes into a file in /dev/shm and sends only its name;
the main process maps the file, unlinks it at once (the mapping keeps the memory alive)
and wraps the mapping as the tensor's array: no pickled copy of the data.
"""
import mmap
import os
import collections.abc
import itertools

import numpy as np

SHM_DIR = "/dev/shm"
_counter = itertools.count()


def available():
    return os.path.isdir(SHM_DIR) and os.access(SHM_DIR, os.W_OK)


class SharedArray:
    """What crosses the queue in place of a tensor."""

    def __init__(self, name, shape, dtype_name, requires_grad):
        self.name, self.shape, self.dtype_name = name, shape, dtype_name
        self.requires_grad = requires_grad


def _share_array(array, prefix):
    name = f"{prefix}{os.getpid()}_{next(_counter)}"
    path = os.path.join(SHM_DIR, name)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, max(array.nbytes, 1))
        with mmap.mmap(fd, max(array.nbytes, 1)) as mapped:
            target = np.ndarray(array.shape, dtype=array.dtype, buffer=mapped)
            target[...] = array
            del target
    finally:
        os.close(fd)
    return name


def to_shared(data, prefix):
    """Replace every CPU tensor in a (nested) batch by a SharedArray handle."""
    from ...import Tensor
    if isinstance(data, Tensor) and data.device.type == "cpu":
        array = np.ascontiguousarray(data.detach()._data)
        return SharedArray(_share_array(array, prefix), array.shape, data.dtype.name,
                           data.requires_grad)
    return _map_structure(data, lambda d: to_shared(d, prefix))


def from_shared(data):
    """Rebuild tensors from SharedArray handles (in the main process)."""
    from ... import Tensor, _dtype
    from ..._device import CPU
    if isinstance(data, SharedArray):
        dtype = _dtype._BY_NAME[data.dtype_name]
        path = os.path.join(SHM_DIR, data.name)
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            mapped = mmap.mmap(fd, size)
        finally:
            os.close(fd)
            os.unlink(path)
        array = np.ndarray(data.shape, dtype=dtype.numpy, buffer=mapped)
        t = Tensor._make(array, CPU)
        if data.requires_grad:
            t.requires_grad_(True)
        return t
    return _map_structure(data, from_shared)


def _map_structure(data, fn):
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: fn(v) for k, v in data.items()})
        except TypeError:
            return {k: fn(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(fn(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(fn(d) for d in data)
    return data


def cleanup(prefix):
    """Unlink shared files a dead worker created but never handed over."""
    try:
        names = os.listdir(SHM_DIR)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix):
            try:
                os.unlink(os.path.join(SHM_DIR, name))
            except OSError:
                pass
