"""ember.save / ember.load in PyTorch's own checkpoint format.

A checkpoint is an uncompressed zip archive: ``<name>/data.pkl`` is a protocol-2 pickle in
which every tensor is written as ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, hooks)`` and every storage as a persistent id
``('storage', torch.<Type>Storage, key, location, numel)``; the storage bytes live in
``<name>/data/<key>``, little-endian. Tensors that share memory share one storage, so
views stay views across a save and load. Files written here load in PyTorch with
``torch.load(..., weights_only=True)``, and PyTorch's files load here.
"""
import collections
import contextlib
import io
import os
import pickle
import struct
import tempfile
import zipfile

import numpy as np

from . import _dtype as dtypes
from ._device import CPU, device as device_cls
from ._tensor import Size, Tensor

_STORAGE_NAMES = {
    dtypes.float32: "FloatStorage", dtypes.float64: "DoubleStorage",
    dtypes.float16: "HalfStorage", dtypes.bfloat16: "BFloat16Storage",
    dtypes.int64: "LongStorage", dtypes.int32: "IntStorage", dtypes.int16: "ShortStorage",
    dtypes.int8: "CharStorage", dtypes.uint8: "ByteStorage", dtypes.bool: "BoolStorage",
    dtypes.complex64: "ComplexFloatStorage", dtypes.complex128: "ComplexDoubleStorage",
}
_STORAGE_DTYPES = {name: d for d, name in _STORAGE_NAMES.items()}
_ALIGNMENT = 64


# ---------------------------------------------------------------- writing

class _TorchName:
    """A global written into the pickle under torch's name (torch need not exist)."""
    _cache = {}

    def __new__(cls, module, name):
        key = (module, name)
        if key not in cls._cache:
            obj = super().__new__(cls)
            obj.module, obj.name = module, name
            cls._cache[key] = obj
        return cls._cache[key]

    def __call__(self, *args):
        # Only a name to write; pickle insists that a reduce function be callable.
        raise TypeError(f"{self.module}.{self.name} is a name written into checkpoints")


class _StorageRef:
    __slots__ = ("key", "dtype", "numel", "location")

    def __init__(self, key, dtype, numel, location):
        self.key, self.dtype, self.numel, self.location = key, dtype, numel, location


class _Pickler(pickle._Pickler):
    # NOTE: the pure-Python pickler, since it lets us write torch's global names.

    def __init__(self, file, storages):
        super().__init__(file, protocol=2)
        self.storages = storages  # key -> contiguous NumPy array, in save order
        self._storage_keys = {}   # id(root array) -> (key, root array)

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, _TorchName):
            self._save_global_name(obj, obj.module, obj.name)
        elif isinstance(obj, dtypes.dtype):
            self._save_global_name(obj, "torch", obj.name)
        else:
            super().save(obj, save_persistent_id)

    def _save_global_name(self, obj, module, name):
        memo = self.memo.get(id(obj))
        if memo is not None:
            self.write(self.get(memo[0]))
            return
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("utf-8"))
        self.memoize(obj)

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", _TorchName("torch", _STORAGE_NAMES[obj.dtype]), obj.key,
                    obj.location, obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, device_cls):
            return (_TorchName("torch", "device"), (str(obj),))
        if isinstance(obj, Size):
            return (_TorchName("torch", "Size"), (tuple(obj),))
        return NotImplemented

    def _reduce_tensor(self, t):
        from .autograd.grad_mode import no_grad
        with no_grad():
            if type(t) is not Tensor and _is_parameter(t):
                plain = t.detach()
                return (_TorchName("torch._utils", "_rebuild_parameter"),
                        (plain, t.requires_grad, collections.OrderedDict()))
            storage, offset = self._storage_of(t)
            return (_TorchName("torch._utils", "_rebuild_tensor_v2"),
                    (storage, offset, tuple(t.shape), t.stride(), t.requires_grad,
                     collections.OrderedDict()))

    def _storage_of(self, t):
        root = t._base if t._base is not None else t
        location = "cpu" if t.device.type == "cpu" else str(t.device)
        array = root.detach().cpu()._data
        if array.flags.c_contiguous:
            known = self._storage_keys.get(id(root._data))
            if known is None:
                key = str(len(self.storages))
                self.storages[key] = array
                known = self._storage_keys[id(root._data)] = (key, array)
            key, array = known
            return (_StorageRef(key, t.dtype, array.size, location),
                    t.storage_offset() if t._base is not None else 0)
        # A base that is itself strided: give this tensor a storage of its own.
        key = str(len(self.storages))
        data = np.ascontiguousarray(t.detach().cpu()._data)
        self.storages[key] = data
        return _StorageRef(key, t.dtype, data.size, location), 0


def _is_parameter(t):
    try:
        from .nn.parameter import Parameter
    except ImportError:
        return False
    return isinstance(t, Parameter)


def _zip_entry(zf, name, data):
    """Write an uncompressed entry whose data starts on a 64-byte boundary, as torch's
    writer does (that is what lets torch memory-map the file)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header_end = zf.fp.tell() + 30 + len(name.encode("utf-8")) + 4
    pad = (-header_end) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    zf.writestr(info, data)


def _write_archive(fileobj, archive, pickled, storages):
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED) as zf:
        _zip_entry(zf, f"{archive}/data.pkl", pickled)
        _zip_entry(zf, f"{archive}/.format_version", b"1")
        _zip_entry(zf, f"{archive}/.storage_alignment", str(_ALIGNMENT).encode())
        _zip_entry(zf, f"{archive}/byteorder", b"little")
        for key, array in storages.items():
            little = array.astype(array.dtype.newbyteorder("<"), copy=False)
            _zip_entry(zf, f"{archive}/data/{key}", little.tobytes())
        _zip_entry(zf, f"{archive}/version", b"3\n")
        _zip_entry(zf, f"{archive}/.data/serialization_id",
                   str(int.from_bytes(os.urandom(16), "little")).encode())


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save obj to a path, os.PathLike or binary file object in PyTorch's format."""
    buffer = io.BytesIO()
    storages = {}
    _Pickler(buffer, storages).dump(obj)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        archive = os.path.splitext(os.path.basename(path))[0] or "archive"
        folder = os.path.dirname(os.path.abspath(path))
        # NOTE: written to a temporary file beside the target, then renamed, so a crash
        # never leaves a half-written checkpoint.
        fd, tmp = tempfile.mkstemp(prefix=".ember-save-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(out, archive, buffer.getvalue(), storages)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    else:
        _write_archive(f, "archive", buffer.getvalue(), storages)


# ---------------------------------------------------------------- reading

class _StorageType:
    def __init__(self, dtype):
        self.dtype = dtype


class _LoadedStorage:
    """The bytes of one storage as a flat typed NumPy array, plus where it lived."""

    def __init__(self, array, location):
        self.array = array
        self.location = location
        self.root = None  # the Tensor standing for the whole storage, made on demand


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    array = storage.array
    itemsize = array.dtype.itemsize
    size, stride = tuple(size), tuple(stride)
    if array.size == 0 or 0 in size:
        t = Tensor._make(np.zeros(size, dtype=array.dtype), CPU)
    else:
        view = np.ndarray(size, dtype=array.dtype, buffer=array,
                          offset=storage_offset * itemsize,
                          strides=tuple(s * itemsize for s in stride))
        if storage.root is None:
            storage.root = Tensor._make(array, CPU)
        t = Tensor._make(view, CPU)
        t._set_view_of(storage.root,
                       lambda base: base.as_strided(size, stride, storage_offset))
    t = _to_location(t, storage.location)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _to_location(t, location):
    if location == "cpu":
        return t
    from . import cuda
    if not cuda.is_available():
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but ember.cuda.is_available() "
            "is False. If you are running on a CPU-only machine, please use ember.load with "
            "map_location=ember.device('cpu') to map your storages to the CPU.")
    return t.to(location)


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_from_type_v2(func, new_type, args, state):
    result = func(*args)
    if new_type is not Tensor and isinstance(new_type, type) and issubclass(new_type, Tensor):
        result = new_type._from_tensor(result, result.requires_grad)
    return result


_SAFE = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Tensor"): Tensor,
    ("torch", "device"): device_cls,
    ("torch", "Size"): Size,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "slice"): slice,
    ("builtins", "complex"): complex,
}
for _d in dtypes.all_dtypes:
    _SAFE[("torch", _d.name)] = _d
for _name, _d in _STORAGE_DTYPES.items():
    _SAFE[("torch", _name)] = _StorageType(_d)

_user_safe_globals = {}


def add_safe_globals(safe_globals):
    """Allow these classes/functions in weights_only loads."""
    for item in safe_globals:
        obj, name = (item if isinstance(item, tuple) else (item, None))
        key = (obj.__module__, name or obj.__qualname__)
        _user_safe_globals[key] = obj


def clear_safe_globals():
    _user_safe_globals.clear()


def get_safe_globals():
    return list(_user_safe_globals.values())


class safe_globals:
    """Context manager: add_safe_globals for the duration of a with block."""

    def __init__(self, globals_list):
        self.globals_list = globals_list

    def __enter__(self):
        self.saved = dict(_user_safe_globals)
        add_safe_globals(self.globals_list)

    def __exit__(self, *exc):
        _user_safe_globals.clear()
        _user_safe_globals.update(self.saved)


def _ember_module_for(module):
    """torch.nn.modules.linear -> ember.nn.modules.linear (full-model pickles)."""
    if module == "torch" or module.startswith("torch."):
        return "ember" + module[len("torch"):]
    return module


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, load_storage, weights_only):
        super().__init__(file, encoding="utf-8")
        self.load_storage = load_storage
        self.weights_only = weights_only

    def find_class(self, module, name):
        found = _SAFE.get((module, name)) or _user_safe_globals.get((module, name))
        if found is not None:
            return found
        if self.weights_only:
            raise pickle.UnpicklingError(
                "Weights only load failed. This file can still be loaded, to do so you have "
                "two options, do those steps only if you trust the source of the checkpoint. "
                "(1) Re-running `ember.load` with `weights_only` set to `False` will likely "
                "succeed, but it can result in arbitrary code execution. (2) Alternatively, "
                "to load with `weights_only=True` please check the recommended steps in the "
                f"following error message.\nWeightsUnpickler error: Unsupported global: "
                f"GLOBAL {module}.{name} was not an allowed global by default. Please use "
                f"`ember.serialization.add_safe_globals([{name}])` or the "
                f"`ember.serialization.safe_globals([{name}])` context manager to allowlist "
                "this global if you trust this class/function.")
        return super().find_class(_ember_module_for(module), name)

    def persistent_load(self, pid):
        kind, storage_type, key, location, numel = pid[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id kind {kind!r}")
        dtype = storage_type.dtype if isinstance(storage_type, _StorageType) else dtypes.uint8
        return self.load_storage(key, dtype, location)


def _map_location(location, map_location):
    if map_location is None:
        return location
    if isinstance(map_location, dict):
        return str(map_location.get(location, location))
    if callable(map_location):
        return location  # applied to the storage afterwards
    return str(device_cls(map_location) if not isinstance(map_location, device_cls)
               else map_location)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Load an object saved by ember.save or torch.save (zip format)."""
    opened = None
    if isinstance(f, (str, os.PathLike)):
        opened = f = open(os.fspath(f), "rb")
    try:
        if not zipfile.is_zipfile(f):
            raise RuntimeError("ember.load reads PyTorch's zip checkpoints (PyTorch >= 1.6); "
                               "this file is in the legacy format, which ember does not read.")
        f.seek(0)
        with zipfile.ZipFile(f) as zf:
            names = zf.namelist()
            pkl = next((n for n in names if n.endswith("/data.pkl") or n == "data.pkl"), None)
            if pkl is None:
                raise RuntimeError("checkpoint has no data.pkl record")
            prefix = pkl[:-len("data.pkl")]
            byteorder = zf.read(prefix + "byteorder").decode() \
                if prefix + "byteorder" in names else "little"
            loaded = {}

            def load_storage(key, dtype, location):
                if key not in loaded:
                    raw = zf.read(f"{prefix}data/{key}")
                    np_dtype = dtype.numpy.newbyteorder("<" if byteorder == "little" else ">")
                    array = np.frombuffer(bytearray(raw), dtype=np_dtype)
                    if not array.dtype.isnative:
                        array = array.astype(array.dtype.newbyteorder("="))
                    storage = _LoadedStorage(array, _map_location(location, map_location))
                    if callable(map_location) and not isinstance(map_location, dict):
                        result = map_location(storage, location)
                        storage = result if isinstance(result, _LoadedStorage) else storage
                    loaded[key] = storage
                return loaded[key]

            unpickler = _Unpickler(io.BytesIO(zf.read(pkl)), load_storage, weights_only)
            return unpickler.load()
    finally:
        if opened is not None:
            opened.close()
