"""safetensors.numpy: NumPy arrays to and from safetensors (bfloat16 via ml_dtypes)."""
import numpy as np

from ... import _dtype as dtypes
from . import _format
from ._format import safe_open

__all__ = ["save", "save_file", "load", "load_file"]


def _arrays(tensor_dict):
    arrays = {}
    for name, array in tensor_dict.items():
        dtype = dtypes._BY_NUMPY.get(np.dtype(array.dtype).newbyteorder("="))
        if dtype not in _format.CODES:
            raise ValueError(f"safetensors has no dtype for {array.dtype} (array `{name}`)")
        arrays[name] = (dtype, np.asarray(array))
    return arrays


def save(tensor_dict, metadata=None):
    return _format.to_bytes(_arrays(tensor_dict), metadata)


def save_file(tensor_dict, filename, metadata=None):
    _format.to_file(_arrays(tensor_dict), filename, metadata)


def load(data):
    return {name: np.array(a, copy=True) for name, a in _format.load_arrays(data).items()}


def load_file(filename):
    with safe_open(filename, framework="np") as f:
        return f.get_tensors()
