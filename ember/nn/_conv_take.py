"""Take: gather along one dim with a fixed index vector (the taps of interpolation,
reflection padding, adaptive windows), and its adjoint.

The adjoint adds each gradient slice back to the position it was read from. Indices
repeat (upsampling reads an input row several times), so instead of a per-element
scatter-add it splits the index vector into passes in which every position occurs at
most once, and adds each pass with one vectorised gather-add.
"""
from ..autograd.graph import Primitive
from ..ops._util import xp_of


def _unique_passes(xp, index):
    """[(sources, targets)]: index[sources] == targets, targets unique within a pass."""
    order = xp.argsort(index)
    ordered = index[order]
    rank = xp.arange(index.shape[0]) - xp.searchsorted(ordered, ordered, side="left")
    count = int(rank.max()) + 1 if index.shape[0] else 0
    return [(order[rank == r], ordered[rank == r]) for r in range(count)]


class Take(Primitive):
    """out = x.index_select(dim, index)."""
    # NOTE: a primitive so that its gradient is TakeAdjoint (a few unique-index passes)
    # rather than advanced indexing's per-element scatter-add.
    grad_fn_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.dim, ctx.index, ctx.size = dim, index, x.shape[dim]
        return xp_of(x).take(x._data, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return TakeAdjoint.apply(grad, ctx.dim, ctx.index, ctx.size)


class TakeAdjoint(Primitive):
    """out (size along dim) = sum of grad's slices at the positions index sends them to."""
    # NOTE: a primitive: the adjoint of Take (see there).

    @staticmethod
    def forward(ctx, grad, dim, index, size):
        ctx.dim, ctx.index = dim, index
        xp = xp_of(grad)
        g = grad._data
        shape = list(g.shape)
        shape[dim] = size
        out = xp.zeros(shape, dtype=g.dtype)
        lead = (slice(None),) * dim
        for sources, targets in _unique_passes(xp, index):
            out[lead + (targets,)] += xp.take(g, sources, axis=dim)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Take.apply(grad, ctx.dim, ctx.index)


def take(x, dim, index):
    """x's slices along dim at ``index`` (a backend int array), differentiably."""
    return Take.apply(x, dim % x.ndim, index)
