"""Embedding primitives: a row gather and its transpose, a row scatter-add.

Each is the other's backward, so gradients of any order stay two fused kernels:
gather(weight, idx) -> scatter_add(grad, idx) -> gather(gradgrad, idx) -> ...
The scatter-add also serves EmbeddingBag as its per-bag (segment) sum.
"""
from ..autograd.graph import Primitive
from ..ops._util import backend_of, xp_of


class Embedding(Primitive):
    # NOTE: a primitive: the gather's backward must add rows into one table; as an
    # indexing composite every use would allocate and add a full-size zero table.

    @staticmethod
    def forward(ctx, weight, indices, num_weights, scale):
        ctx.save_for_backward(indices, scale)
        ctx.num_weights = num_weights
        return xp_of(weight).take(weight._data, indices._data, axis=0)

    @staticmethod
    def backward(ctx, grad):
        indices, scale = ctx.saved_tensors
        return EmbeddingBackward.apply(grad, indices, ctx.num_weights, scale), None, None, None


class EmbeddingBackward(Primitive):
    """out[indices[i]] += grad[i] * scale[i]: a (num_weights, *row) table (scale optional:
    it zeroes padding rows and divides by index frequency)."""
    # NOTE: a primitive (the scatter-add of Embedding's backward, see above).
    grad_fn_name = "EmbeddingDenseBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, indices, num_weights, scale):
        ctx.save_for_backward(indices, scale)
        ctx.num_weights = num_weights
        idx = indices._data.reshape(-1)
        row_shape = grad.shape[indices.ndim:]
        rows = grad._data.reshape((idx.size,) + tuple(row_shape))
        if scale is not None:
            rows = rows * scale._data.reshape((-1,) + (1,) * len(row_shape))
        out = xp_of(grad).zeros((num_weights,) + tuple(row_shape), dtype=grad._data.dtype)
        _add_rows(grad, out, idx, rows)
        return out

    @staticmethod
    def backward(ctx, grad):
        indices, scale = ctx.saved_tensors
        gathered = Embedding.apply(grad, indices, ctx.num_weights, None)
        if scale is not None:
            # NOTE: like torch's embedding_dense_double_backward, only padding rows are
            # masked here; the frequency scaling is not applied a second time.
            keep = (scale != 0).to(gathered.dtype)
            gathered = gathered * keep.reshape(keep.shape + (1,) * (gathered.ndim - keep.ndim))
        return gathered, None, None, None


def _add_rows(like, out, idx, rows):
    """out[idx[i]] += rows[i], repeated indices accumulating."""
    xp = xp_of(like)
    if idx.size < 2 or not hasattr(xp.add, "reduceat"):
        backend_of(like).scatter_add(out, idx, rows)
        return
    # Sorting the indices and summing each run with one reduceat is several times
    # faster than NumPy's unbuffered add.at.
    order = xp.argsort(idx, kind="stable")
    ordered = idx[order]
    starts = xp.flatnonzero(xp.concatenate((xp.ones(1, dtype=bool), ordered[1:] != ordered[:-1])))
    out[ordered[starts]] += xp.add.reduceat(rows[order], starts, axis=0)


def gradient_scale(indices, num_weights, padding_idx, scale_grad_by_freq, dtype):
    """Per-index factor of the weight gradient: 0 at padding_idx, 1 / (count of the index
    in the batch) with scale_grad_by_freq; None when every factor is 1."""
    if padding_idx < 0 and not scale_grad_by_freq:
        return None
    xp = xp_of(indices)
    idx = indices._data
    factor = xp.ones(idx.shape, dtype=dtype.numpy)
    if scale_grad_by_freq:
        counts = xp.bincount(idx.reshape(-1), minlength=num_weights)
        factor /= counts[idx]
    if padding_idx >= 0:
        factor[idx == padding_idx] = 0
    from .._tensor import Tensor
    return Tensor._make(factor, indices._device)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False):
    """weight[indices] whose weight gradient skips padding_idx and may be frequency-scaled."""
    scale = gradient_scale(indices, weight.shape[0], padding_idx, scale_grad_by_freq,
                           weight.dtype) if weight.requires_grad else None
    return Embedding.apply(weight, indices, weight.shape[0], scale)


def segment_sum(rows, segments, num_segments):
    """out[s] = sum of rows[i] with segments[i] == s (differentiable in rows)."""
    return EmbeddingBackward.apply(rows, segments, num_segments, None)
