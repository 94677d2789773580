"""The safetensors file format: writing it, checking it, and reading it lazily.

A file is an 8-byte little-endian header length N, N bytes of JSON (padded with spaces
so the data starts on an 8-byte boundary), then the raw little-endian bytes of every
tensor. The header maps each name to ``{"dtype": "F32", "shape": [...], "data_offsets":
[begin, end]}`` (offsets into the data, which the tensors cover end to end), plus an
optional ``"__metadata__"`` of string pairs.

NOTE: the format is read and written here rather than through the ``safetensors``
package: its NumPy API has no bfloat16 (NumPy lacks it), and the format is small enough
to own. Files come out byte-identical to the package's (same tensor order, same padding).
"""
import collections
import json
import mmap
import os
import struct
import sys

import numpy as np

from ... import _dtype as dtypes
from ..._device import CPU, device as device_cls
from ..._tensor import Tensor

# The dtype codes ember has, in the order the reference writer lays tensors out (by
# dtype code, then by name).
CODES = collections.OrderedDict([
    (dtypes.int64, "I64"), (dtypes.float64, "F64"), (dtypes.complex64, "C64"),
    (dtypes.float32, "F32"), (dtypes.int32, "I32"), (dtypes.bfloat16, "BF16"),
    (dtypes.float16, "F16"), (dtypes.int16, "I16"), (dtypes.int8, "I8"),
    (dtypes.uint8, "U8"), (dtypes.bool, "BOOL"),
])
_DTYPES = {code: d for d, code in CODES.items()}
_RANK = {d: rank for rank, d in enumerate(CODES)}
_MAX_HEADER = 100_000_000  # the reference reader's limit: refuse absurd lengths early


class SafetensorError(Exception):
    """A malformed safetensors file or buffer."""


# ---------------------------------------------------------------- writing

def check_metadata(metadata):
    if metadata is None:
        return
    for key, value in metadata.items():
        for item in (key, value):
            if not isinstance(item, str):
                raise TypeError(f"argument 'metadata': '{type(item).__name__}' object is not "
                                "an instance of 'str'")


def serialize(arrays, metadata):
    """The header (length prefix included) and the flat byte arrays that follow it.

    ``arrays`` maps names to (ember dtype, host NumPy array in C order).
    """
    check_metadata(metadata)
    order = sorted(arrays, key=lambda name: (_RANK[arrays[name][0]], name))
    header = {} if metadata is None else {"__metadata__": dict(metadata)}
    chunks, offset = [], 0
    for name in order:
        dtype, array = arrays[name]
        little = array.astype(array.dtype.newbyteorder("<"), copy=False)
        # NOTE: flattened first: ascontiguousarray turns a 0-d array into a 1-d one.
        chunk = np.ascontiguousarray(little.reshape(-1)).view(np.uint8)
        header[name] = {"dtype": CODES[dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + chunk.nbytes]}
        chunks.append(chunk)
        offset += chunk.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, chunks


def to_bytes(arrays, metadata):
    header, chunks = serialize(arrays, metadata)
    return b"".join([header] + [c.tobytes() for c in chunks])


def to_file(arrays, filename, metadata):
    header, chunks = serialize(arrays, metadata)
    with open(os.fspath(filename), "wb") as out:
        out.write(header)
        for chunk in chunks:
            out.write(chunk.data)


# ---------------------------------------------------------------- reading

def parse(buffer):
    """(entries in offset order as (name, dtype, shape, begin, end), metadata, data start)."""
    if len(buffer) < 8:
        raise SafetensorError("Error while deserializing header: header too small")
    (length,) = struct.unpack("<Q", buffer[:8])
    if length > min(_MAX_HEADER, len(buffer) - 8):
        raise SafetensorError("Error while deserializing header: header too large")
    try:
        header = json.loads(bytes(buffer[8:8 + length]).decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError(f"expected an object, got {type(header).__name__}")
        metadata = header.pop("__metadata__", None)
        check_metadata(metadata)
        entries = [_entry(name, info) for name, info in header.items()]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SafetensorError(f"Error while deserializing header: invalid JSON in header: "
                              f"{exc}") from None
    entries.sort(key=lambda e: (e[3], e[4]))
    _check_offsets(entries, len(buffer) - 8 - length)
    return entries, metadata, 8 + length


def _entry(name, info):
    code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
    if code not in _DTYPES:
        raise ValueError(f"ember has no dtype for the safetensors dtype `{code}`")
    if not all(isinstance(n, int) and n >= 0 for n in list(shape) + [begin, end]):
        raise ValueError(f"bad shape or data_offsets for tensor `{name}`")
    return name, _DTYPES[code], tuple(shape), begin, end


def _check_offsets(entries, data_size):
    expected = 0
    for name, dtype, shape, begin, end in entries:
        if begin != expected or end < begin:
            raise SafetensorError(f"Error while deserializing header: invalid offset for "
                                  f"tensor `{name}`")
        if end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise SafetensorError("Error while deserializing header: invalid shape, data "
                                  f"type, or offset for tensor `{name}`")
        expected = end
    if expected != data_size:
        raise SafetensorError("Error while deserializing header: incomplete metadata, file "
                              "not fully covered")


def view(buffer, start, entry):
    """A read-only NumPy view of one tensor's bytes, in native byte order."""
    _, dtype, shape, begin, end = entry
    count = (end - begin) // dtype.itemsize
    array = np.frombuffer(buffer, dtype=dtype.numpy.newbyteorder("<"), count=count,
                          offset=start + begin)
    if sys.byteorder != "little":
        array = array.astype(dtype.numpy)
    return array.reshape(shape)


def to_tensor(array, device=CPU):
    """An ember tensor owning a copy of a host array (the file may close after)."""
    t = Tensor._make(np.array(array, copy=True), CPU)
    return t if device == CPU else t.to(device)


def _as_device(device):
    device = device_cls(device)
    if device.type == "cuda" and device.index is None:
        device = device_cls("cuda", 0)
    return device


class safe_open:
    """A safetensors file opened lazily (memory-mapped): tensors are read as asked.

    ``framework`` is "pt" (ember tensors on ``device``) or "np" (NumPy arrays).
    """

    def __init__(self, filename, framework, device="cpu"):
        if framework not in ("pt", "torch", "np", "numpy"):
            raise ValueError(f"framework {framework!r} is not supported by ember: use 'pt' or "
                             "'np'")
        self._numpy = framework in ("np", "numpy")
        self._device = _as_device(device)
        with open(os.fspath(filename), "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self._map = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_READ) if size else b""
        entries, self._metadata, self._start = parse(memoryview(self._map))
        self._entries = {e[0]: e for e in entries}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if isinstance(self._map, mmap.mmap):
            self._map.close()

    def keys(self):
        return sorted(self._entries)

    def offset_keys(self):
        return list(self._entries)

    def metadata(self):
        return None if self._metadata is None else dict(self._metadata)

    def _entry(self, name):
        entry = self._entries.get(name)
        if entry is None:
            raise SafetensorError(f"File does not contain tensor {name}")
        return entry

    def _wrap(self, array):
        return np.array(array, copy=True) if self._numpy else to_tensor(array, self._device)

    def get_tensor(self, name):
        return self._wrap(view(self._map, self._start, self._entry(name)))

    def get_tensors(self):
        return {name: self.get_tensor(name) for name in self._entries}

    def get_slice(self, name):
        return _Slice(self, self._entry(name))


class _Slice:
    """One tensor of an open file; indexing it copies only the selected part."""

    def __init__(self, owner, entry):
        self._owner, self._entry = owner, entry

    def get_shape(self):
        return list(self._entry[2])

    def get_dtype(self):
        return CODES[self._entry[1]]

    def __getitem__(self, index):
        array = view(self._owner._map, self._owner._start, self._entry)
        return self._owner._wrap(array[index])


def load_arrays(data):
    """{name: NumPy view into data} in offset order."""
    entries, _, start = parse(memoryview(data))
    return {e[0]: view(data, start, e) for e in entries}
