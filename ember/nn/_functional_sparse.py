"""embedding and embedding_bag as functions (lookup tables over a weight matrix)."""
from .. import _dtype as dtypes
from ..autograd.grad_mode import no_grad
from ..ops._util import xp_of
from .._tensor import Tensor
from ._embedding_ops import embedding as _embedding, segment_sum

__all__ = ["embedding", "embedding_bag"]


def _check_indices(indices, op):
    if indices.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{indices.type()} instead (while checking arguments for {op})")


def _check_range(indices, num_weights):
    data = indices._data
    if data.size and (int(data.min()) < 0 or int(data.max()) >= num_weights):
        raise IndexError("index out of range in self")


def _renorm_(weight, indices, max_norm, norm_type):
    """torch.embedding_renorm_: rows used by indices whose norm exceeds max_norm are
    scaled down to it, in place and outside autograd."""
    xp = xp_of(weight)
    with no_grad():
        rows = xp.unique(indices._data.reshape(-1))
        data = weight._data
        norms = (xp.abs(data[rows]) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        data[rows] = data[rows] * scale[:, None].astype(data.dtype)
        weight._vc[0] += 1


def _padding_index(padding_idx, num_weights):
    if padding_idx is None:
        return -1
    if padding_idx > 0:
        assert padding_idx < num_weights, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num_weights, "Padding_idx must be within num_embeddings"
        padding_idx += num_weights
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    # NOTE: sparse=True is accepted; ember has no sparse tensors, the gradient is dense.
    padding_idx = _padding_index(padding_idx, weight.size(0))
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    _check_indices(input, "embedding")
    _check_range(input, weight.shape[0])
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return _embedding(weight, input, padding_idx, scale_grad_by_freq)


_MODES = ("sum", "mean", "max")


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embeddings: bag b holds the rows of
    input[offsets[b]:offsets[b + 1]] (or one bag per row of a 2-D input)."""
    input, offsets, per_sample_weights = _bag_arguments(
        input, weight, offsets, mode, per_sample_weights, scale_grad_by_freq, sparse)
    _check_indices(input, "embedding_bag")
    num_weights = weight.shape[0]
    if padding_idx is not None:
        padding_idx = padding_idx + num_weights if padding_idx < 0 else padding_idx
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    _check_range(input, num_weights)
    bags, keep, num_bags = _bag_layout(input, offsets, include_last_offset, padding_idx)
    xp = xp_of(input)
    kept = Tensor._make(input._data[keep], input._device)
    rows = _embedding(weight, kept, -1, scale_grad_by_freq)
    bag_of = bags[keep]
    if mode == "max":
        return _bag_max(rows, bag_of, num_bags, xp, input._device)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[Tensor._make(keep, input._device)].unsqueeze(1)
    out = segment_sum(rows, Tensor._make(bag_of, input._device), num_bags)
    if mode == "mean":
        counts = xp.bincount(bag_of, minlength=num_bags).clip(min=1)
        out = out / Tensor._make(counts[:, None].astype(weight._data.dtype), input._device)
    return out


def _bag_arguments(input, weight, offsets, mode, per_sample_weights, scale_grad_by_freq,
                   sparse):
    """torch's argument checks; a 2-D input becomes one bag per row."""
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape!r})"
                         " is not None, then it must have the same shape as the input "
                         f"({input.shape!r})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is "
                             "treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets)}")
        from ..ops.creation import arange
        offsets = arange(0, input.numel(), max(input.size(1), 1), dtype=input.dtype,
                         device=input.device)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    return input, offsets, per_sample_weights


def _bag_layout(input, offsets, include_last_offset, padding_idx):
    """(bag of each input position, positions kept, number of bags), on the host arrays."""
    xp = xp_of(input)
    starts = offsets._data.astype(xp.int64)
    length = input.shape[0]
    if starts.size and int(starts[0]) != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the "
                           "mini-batch has to start from position 0. However, got "
                           f"{int(starts[0])}")
    if starts.size and int(starts[-1]) > length:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {length} but "
                           f"got offsets[-1] of {int(starts[-1])}")
    num_bags = starts.size - 1 if include_last_offset else starts.size
    positions = xp.arange(length)
    bags = xp.searchsorted(starts[:num_bags], positions, side="right") - 1
    keep = bags >= 0
    if include_last_offset and starts.size:
        keep &= positions < starts[-1]
    if padding_idx is not None:
        keep &= input._data != padding_idx
    return bags, xp.flatnonzero(keep), max(num_bags, 0)


def _bag_max(rows, bag_of, num_bags, xp, device):
    """Per-bag maxima of rows (0 for an empty bag); the gradient goes to each argmax."""
    from ..ops.shape import cat
    dim = rows.shape[1]
    counts = xp.bincount(bag_of, minlength=num_bags)
    width = int(counts.max()) if counts.size else 0
    if width == 0:
        return rows.new_zeros((num_bags, dim))
    # Slot j of bag b holds the row index of its j-th member; empty slots point at an
    # extra row of -inf that never wins.
    table = xp.full((num_bags, width), rows.shape[0], dtype=xp.int64)
    order = xp.argsort(bag_of, kind="stable")
    first = xp.concatenate([xp.zeros(1, dtype=xp.int64), xp.cumsum(counts)[:-1]])
    slot = xp.arange(order.size) - first[bag_of[order]]
    table[bag_of[order], slot] = order
    padded = cat([rows, rows.new_full((1, dim), float("-inf"))])
    values = _embedding(padded, Tensor._make(table, device)).max(1).values
    filled = Tensor._make((counts > 0)[:, None], device)
    return values.where(filled, values.new_zeros(()))
