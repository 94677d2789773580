"""default_collate and default_convert: turning samples into batches."""
import collections.abc
import re

import numpy as np

_NP_STRING = re.compile(r"[SaUO]")


def _ember():
    from ... import Tensor, as_tensor, float64, int64, stack, tensor, bool as bool_
    return Tensor, as_tensor, float64, int64, stack, tensor, bool_


def default_convert(data):
    """NumPy arrays (and scalars) to tensors, recursively; everything else unchanged."""
    Tensor, as_tensor, *_ = _ember()
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and _NP_STRING.search(data.dtype.str) is None:
        return as_tensor(data)
    if isinstance(data, np.generic) and _NP_STRING.search(data.dtype.str) is None:
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def _same_mapping(original, items):
    try:
        out = type(original)(items) if not isinstance(original, collections.defaultdict) \
            else collections.defaultdict(original.default_factory, items)
        return out
    except TypeError:
        return items


_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
          "lists; found {}")


def default_collate(batch):
    """Stack a list of samples into a batch, following their structure."""
    Tensor, as_tensor, float64, int64, stack, tensor, bool_ = _ember()
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray) and elem.dtype.kind not in "SaUO":
        if all(isinstance(b, np.ndarray) and b.dtype == elem.dtype and b.shape == elem.shape
               for b in batch):
            # NOTE: one NumPy stack, not a tensor per sample: this runs for every batch.
            return as_tensor(np.stack(batch))
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(elem, np.ndarray) or (isinstance(elem, np.generic) and
                                        _NP_STRING.search(elem.dtype.str)):
        raise TypeError(_ERROR.format(elem.dtype))
    if isinstance(elem, np.generic):
        return as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return tensor(batch, dtype=bool_)
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch, dtype=int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_mapping(elem, {key: default_collate([d[key] for d in batch])
                                    for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERROR.format(type(elem)))
