"""F.pad in its four modes: constant, reflect, replicate and circular.

Negative padding crops, and cropping comes first: the reflected, replicated or wrapped
values are taken from the cropped tensor, as torch does.
"""
import builtins

from .._tensor import Tensor
from ..autograd.graph import Primitive
from ..ops._util import xp_of
from ..ops.shape import cat
from ._conv_take import take

_MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Primitive):
    """x placed inside a tensor filled with ``value``; pads are (lo, hi) >= 0 per dim."""
    # NOTE: a primitive: one allocation and one copy, where a composite would cat up to
    # six pieces; its backward is a slice of the gradient.
    grad_fn_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value):
        data = x._data
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(data.shape, pads))
        out = xp_of(x).full(shape, value, dtype=data.dtype)
        ctx.interior = tuple(slice(lo, lo + n) for n, (lo, _) in zip(data.shape, pads))
        out[ctx.interior] = data
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.interior]


def _check_pad_arg(pad):
    for i, p in enumerate(pad):
        if isinstance(p, Tensor):
            p = p.item()
        if isinstance(p, builtins.bool) or not isinstance(p, int):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {i}")
    return [int(p) for p in pad]


def _pairs_by_dim(pad, ndim):
    """torch's pad list (last dim first, lo then hi) -> {dim: (lo, hi)}."""
    return {ndim - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)}


def _crop(x, dim, lo, hi):
    """Apply the negative parts of (lo, hi) to dim."""
    start = -lo if lo < 0 else 0
    stop = x.shape[dim] + (hi if hi < 0 else 0)
    if start == 0 and stop == x.shape[dim]:
        return x
    if stop - start < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    return x.narrow(dim, start, stop - start)


def _constant_pad(x, pad, value):
    pairs = _pairs_by_dim(pad, x.ndim)
    for dim, (lo, hi) in pairs.items():
        x = _crop(x, dim, lo, hi)
    if not builtins.any(lo > 0 or hi > 0 for lo, hi in pairs.values()):
        return x.clone()    # torch never returns a view of the input
    full = tuple((builtins.max(lo, 0), builtins.max(hi, 0))
                 for lo, hi in (pairs.get(d, (0, 0)) for d in range(x.ndim)))
    return ConstantPad.apply(x, full, 0 if value is None else value)


def _take(x, dim, indices):
    return take(x, dim, xp_of(x).asarray(indices, dtype="int64"))


def _edges(x, dim, lo, hi, mode):
    """The pieces added before and after x along dim (cropping already applied)."""
    n = x.shape[dim]
    before, after = [], []
    if mode == "reflect":
        if lo:
            before.append(_take(x, dim, list(range(lo, 0, -1))))
        if hi:
            after.append(_take(x, dim, list(range(n - 2, n - 2 - hi, -1))))
    elif mode == "replicate":
        if lo:
            before.append(x.narrow(dim, 0, 1).expand(*_sized(x, dim, lo)))
        if hi:
            after.append(x.narrow(dim, n - 1, 1).expand(*_sized(x, dim, hi)))
    else:
        if lo:
            before.append(x.narrow(dim, n - lo, lo))
        if hi:
            after.append(x.narrow(dim, 0, hi))
    return before, after


def _sized(x, dim, size):
    shape = list(x.shape)
    shape[dim] = size
    return shape


_NON_CONSTANT_HELP = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _check_non_constant(x, pad, mode):
    nd = len(pad) // 2
    if nd not in (1, 2, 3) or x.ndim not in (nd + 1, nd + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {x.ndim}D "
                                  f"input tensor.\n{_NON_CONSTANT_HELP}")
    if mode == "circular":
        return
    # A batch of 0 is fine; every other dim must be non-empty.
    checked = x.shape[1:] if x.ndim == nd + 2 else x.shape
    if not builtins.all(checked):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with possibly 0 "
                           "batch size and other non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    if mode == "reflect":
        for dim, (lo, hi) in _pairs_by_dim(pad, x.ndim).items():
            if lo >= x.shape[dim] or hi >= x.shape[dim]:
                raise RuntimeError("Argument #4: Padding size should be less than the "
                                   f"corresponding input dimension, but got: padding ({lo}, "
                                   f"{hi}) at dimension {dim} of input {list(x.shape)}")


def _non_constant_pad(x, pad, mode):
    _check_non_constant(x, pad, mode)
    grown = False
    for dim, (lo, hi) in _pairs_by_dim(pad, x.ndim).items():
        x = _crop(x, dim, lo, hi)
        lo, hi = builtins.max(lo, 0), builtins.max(hi, 0)
        if mode == "circular" and (lo > x.shape[dim] or hi > x.shape[dim]):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        before, after = _edges(x, dim, lo, hi, mode)
        if before or after:
            x = cat(before + [x] + after, dim)
            grown = True
    return x if grown else x.clone()    # torch never returns a view of the input


def pad(input, pad, mode="constant", value=None):
    """Pad the trailing dims of input: ``pad`` = (last_lo, last_hi, prev_lo, prev_hi, ...)."""
    pad = _check_pad_arg(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return _constant_pad(input, pad, value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    return _non_constant_pad(input, pad, mode)
