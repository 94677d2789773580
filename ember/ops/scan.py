"""Scans along a dim: cumsum, cumprod, cummax/cummin, logcumsumexp; diff and the
trapezoid rule.
"""
from .. import _dtype as dtypes
from ..autograd.grad_mode import state as grad_state
from ..autograd.graph import Primitive
from . import rearrange
from ._util import apply_inplace, cast, type_name, wrap_dim, write_out, xp_of
from .reduction import (acc_dtype, return_type, single_dim, sum_dtype, take_along_dim,
                        wrap_array, write_out_tuple)
from ..amp.autocast_mode import autocast_call, state as amp_state


def accumulate(xp, ufunc, data, axis):
    """ufunc.accumulate along axis; a log-step scan where the backend lacks it."""
    try:
        return ufunc.accumulate(data, axis=axis)
    except NotImplementedError:  # CuPy accumulates only add and multiply
        pass
    # Hillis-Steele: after the step of size s, out[i] combines data[i - 2s + 1 .. i].
    out = data
    n = data.shape[axis]
    step = 1
    while step < n:
        head = xp.take(out, xp.arange(step), axis=axis)
        tail = ufunc(xp.take(out, xp.arange(n - step), axis=axis),
                     xp.take(out, xp.arange(step, n), axis=axis))
        out = xp.concatenate([head, tail.astype(out.dtype, copy=False)], axis=axis)
        step *= 2
    return out


def flip(x, dim):
    return rearrange.flip(x, (dim,)) if x.ndim else x


def _reverse_cumsum(x, dim):
    return flip(cumsum(flip(x, dim), dim), dim)


def _scan_input(input, dim, dtype):
    """The wrapped dim, and input cast to the result dtype (ints scan in int64)."""
    dim = single_dim(dim, input.ndim)
    return cast(input, sum_dtype(input, dtype)), dim


def _on_1d(fn, input, *args):
    """Run a scan on a 0-d tensor as on one element, giving a 0-d result back."""
    result = fn(input.reshape(1), 0, *args)
    if isinstance(result, tuple):
        return type(result)(*(r.reshape(()) for r in result))
    return result.reshape(())


# ---------------------------------------------------------------- cumsum, cumprod

class Cumsum(Primitive):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        data = x._data
        return data.cumsum(axis=dim, dtype=acc_dtype(data)).astype(data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.dim)


def cumsum(input, dim, *, dtype=None, out=None):
    if amp_state.active:
        return autocast_call("cumsum", cumsum, input, dim=dim, dtype=dtype, out=out)
    x, dim = _scan_input(input, dim, dtype)
    result = Cumsum.apply(x, dim) if x.ndim else _on_1d(Cumsum.apply, x)
    return result if out is None else write_out(out, result)


class Cumprod(Primitive):
    # NOTE: a primitive: the gradient must stay right where inputs are zero, which
    # the usual reverse_cumsum(g * out) / x cannot give.
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.save_for_backward(x)
        data = x._data
        return data.cumprod(axis=dim, dtype=acc_dtype(data)).astype(data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        out = ctx.output()
        if x.is_complex():
            x, out = x.conj(), out.conj()
        # NOTE: like torch, the O(n) formula is exact in value but its own derivative
        # with respect to a zero input is not, so when this backward is itself being
        # differentiated (create_graph) and there are zeros, use the O(n^2) one.
        if grad_state.enabled and bool((x._data == 0).any()):
            return _cumprod_grad_twice_differentiable(x, grad, ctx.dim)
        return _cumprod_grad(x, out, grad, ctx.dim)


def _cumprod_grad(x, out, grad, dim):
    """d/dx_i sum_j g_j out_j = sum_{j>=i} g_j prod_{k<=j, k!=i} x_k, zero-safe.

    Before the first zero along dim that is reverse_cumsum(g * out)_i / x_i; at the
    first zero it is the same sum with that zero replaced by one; after it, zero.
    """
    from .pointwise import where
    zeros_so_far = (x._data == 0).cumsum(axis=dim)
    before = wrap_array(zeros_so_far == 0, x)
    first = wrap_array((x._data == 0) & (zeros_so_far == 1), x)
    one, zero = x.new_ones(()), x.new_zeros(())
    before_zero = _reverse_cumsum(grad * out, dim) / where(before, x, one)
    at_zero = _reverse_cumsum(grad * cumprod(where(first, one, x), dim), dim)
    return where(before, before_zero, where(first, at_zero, zero))


def _cumprod_grad_twice_differentiable(x, grad, dim):
    """sum_{j>=i} g_j prod_{k<=j, k!=i} x_k as a polynomial of x (no division)."""
    from .pointwise import where
    from .reduction import sum
    last = x.ndim - 1
    x, grad = x.transpose(dim, last), grad.transpose(dim, last)
    n = x.shape[-1]
    xp = xp_of(x)
    own = wrap_array(xp.eye(n, dtype=bool), x)
    later = wrap_array(xp.triu(xp.ones((n, n), dtype=bool)), x).to(x.dtype)
    # row i: x with x_i replaced by 1, so its cumprod omits x_i
    omitted = cumprod(where(own, x.new_ones(()), x.unsqueeze(-2).expand(*x.shape[:-1], n, n)),
                      -1)
    result = sum(grad.unsqueeze(-2) * omitted * later, -1)
    return result.transpose(dim, last)


def cumprod(input, dim, *, dtype=None, out=None):
    if amp_state.active:
        return autocast_call("cumprod", cumprod, input, dim=dim, dtype=dtype, out=out)
    x, dim = _scan_input(input, dim, dtype)
    result = Cumprod.apply(x, dim) if x.ndim else _on_1d(Cumprod.apply, x)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- cummax, cummin

cummax_type = return_type("cummax", ["values", "indices"])
cummin_type = return_type("cummin", ["values", "indices"])


def _running_extreme(input, dim, ufunc_name, result_type, out):
    """Running max/min with the index where it was (last) reached.

    NaN propagates, and a later NaN (or a later equal value) moves the index, as torch
    does. The values are taken at those indices, so the gradient goes there.
    """
    dim = single_dim(dim, input.ndim)
    if input.ndim == 0:
        return write_out_tuple(out, _on_1d(
            lambda x, d: _running_extreme(x, d, ufunc_name, result_type, None), input))
    xp = xp_of(input)
    data = input._data
    ufunc = getattr(xp, ufunc_name)
    if data.size == 0:
        index = xp.zeros(data.shape, dtype=xp.int64)
    else:
        running = accumulate(xp, ufunc, data, dim)
        reached = (data == running) | (data != data)
        shape = [1] * data.ndim
        shape[dim] = data.shape[dim]
        positions = xp.arange(data.shape[dim], dtype=xp.int64).reshape(shape)
        index = accumulate(xp, xp.maximum, xp.where(reached, positions, 0), dim)
    values = take_along_dim(input, index, dim)
    return write_out_tuple(out, result_type(values, wrap_array(index, input)))


def cummax(input, dim, *, out=None):
    return _running_extreme(input, dim, "maximum", cummax_type, out)


def cummin(input, dim, *, out=None):
    return _running_extreme(input, dim, "minimum", cummin_type, out)


# ---------------------------------------------------------------- logcumsumexp

class Logcumsumexp(Primitive):
    # NOTE: a primitive: log(cumsum(exp(x - max))) underflows to -inf for early
    # elements far below the max; a running logaddexp stays exact.
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        ctx.save_for_backward(x)
        xp = xp_of(x)
        data = x._data
        if data.size == 0:
            return data.copy()
        work = data.astype(acc_dtype(data), copy=False)
        return accumulate(xp, xp.logaddexp, work, dim).astype(data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        # grad_i = sum_{j>=i} g_j exp(x_i - out_j), summed in log space separately for
        # the positive and the negative parts of g (so no exp overflows). The log of a
        # zero part is the lowest finite float, not -inf, so that -inf - -inf never
        # makes a NaN, here or in the double backward.
        from .pointwise import exp, log, where
        (x,) = ctx.saved_tensors
        out = ctx.output()
        dim = ctx.dim
        lowest = grad.new_full((), dtypes.finfo(grad._dtype).min)
        one = grad.new_ones(())
        positive = wrap_array(grad._data > 0, grad)
        negative = wrap_array(grad._data < 0, grad)
        log_pos = where(positive, log(where(positive, grad, one)), lowest)
        log_neg = where(negative, log(where(negative, -grad, one)), lowest)
        pos = exp(_reverse_logcumsumexp(log_pos - out, dim) + x)
        neg = exp(_reverse_logcumsumexp(log_neg - out, dim) + x)
        return pos - neg


def _reverse_logcumsumexp(x, dim):
    return flip(Logcumsumexp.apply(flip(x, dim), dim), dim)


def logcumsumexp(input, dim, *, out=None):
    dim = single_dim(dim, input.ndim)
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                  f"'{type_name(input._dtype)}'")
    if input.ndim == 0:
        result = _on_1d(Logcumsumexp.apply, input)
    else:
        result = Logcumsumexp.apply(input, dim)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- diff

def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    from .pointwise import ne
    from .shape import cat, narrow
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    parts = []
    for extra in (prepend, input, append):
        if extra is None:
            continue
        if extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as "
                               "input")
        parts.append(extra)
    x = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        size = x.shape[dim]
        if size == 0:
            break
        later, earlier = narrow(x, dim, 1, size - 1), narrow(x, dim, 0, size - 1)
        x = ne(later, earlier) if x._dtype is dtypes.bool else later - earlier
    return x if out is None else write_out(out, x)


# ---------------------------------------------------------------- trapezoid rule

def _spacing(y, x, dx, dim):
    """The sample spacing along dim: a Python number or a tensor broadcastable to y."""
    if x is None:
        return 1 if dx is None else dx
    if x.ndim == 1:
        spacing = diff(x)
        shape = [1] * y.ndim
        shape[dim] = spacing.shape[0]
        return spacing.reshape(shape)
    return diff(x, dim=dim)


def _trapezoid_parts(y, x, dx, dim, name):
    from .shape import narrow
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "x and dx")
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, y.ndim)
    size = y.shape[dim]
    if x is not None and x.ndim == 1 and x.shape[0] != size:
        raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
    return dim, size, narrow


def trapezoid(y, x=None, *, dx=None, dim=-1):
    from .reduction import sum
    dim, size, narrow = _trapezoid_parts(y, x, dx, dim, "trapezoid")
    if size == 0:
        # Like torch: plain zeros, outside the graph.
        shape = y.shape[:dim] + y.shape[dim + 1:]
        dtype = y._dtype if y._dtype.is_floating_point or y._dtype.is_complex else \
            dtypes.get_default_dtype()
        return wrap_array(xp_of(y).zeros(shape, dtype=dtype.numpy), y)
    spacing = _spacing(y, x, dx, dim)
    if x is None:
        ends = narrow(y, dim, 0, 1).squeeze(dim) + narrow(y, dim, size - 1, 1).squeeze(dim)
        return (sum(y, dim) - ends * 0.5) * spacing
    pairs = narrow(y, dim, 0, size - 1) + narrow(y, dim, 1, size - 1)
    return sum(spacing * pairs, dim) / 2.0


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    dim, size, narrow = _trapezoid_parts(y, x, dx, dim, "cumulative_trapezoid")
    if size == 0:
        return cast(y, dtypes.promote_types(y._dtype, dtypes.get_default_dtype()))
    spacing = _spacing(y, x, dx, dim)
    pairs = narrow(y, dim, 0, size - 1) + narrow(y, dim, 1, size - 1)
    return cumsum((spacing / 2.0) * pairs, dim)


def _inplace_scan(fn):
    def method(self, dim, *, dtype=None):
        return apply_inplace(self, fn, dim, dtype=dtype)
    return method


TENSOR_METHODS = dict(
    cumsum=cumsum, cumprod=cumprod, cumsum_=_inplace_scan(cumsum),
    cumprod_=_inplace_scan(cumprod), cummax=cummax, cummin=cummin,
    logcumsumexp=logcumsumexp, diff=diff,
)

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "trapezoid",
           "trapz", "cumulative_trapezoid"]
