"""Reductions: sum, mean, prod, std/var, max/min, logsumexp, norm, all/any, softmax.

Shared here and used by scan.py and sorting.py: ``return_type`` (torch.return_types-like
named tuples), ``reduce_dims`` (torch's dim argument as array axes), ``expand_back`` and
``take_along_dim`` (the differentiable selection behind max(dim), sort, median...).
"""
import builtins
import collections
import math
import operator
import warnings

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._util import (acc_dtype, cast, expand_array, normalize_dims, output_array, sum_array,
                    type_name, wrap_dim, write_out, xp_of)
from ..amp.autocast_mode import autocast_call, state as amp_state


# ---------------------------------------------------------------- shared helpers

class return_types:
    """ember.return_types: the named tuples returned by max(dim), sort, topk, ..."""


def _return_type_repr(self):
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"ember.return_types.{type(self).__name__}(\n{fields})"


def return_type(name, fields):
    """A named tuple registered as ember.return_types.<name> (repr and pickling)."""
    cls = collections.namedtuple(name, fields)
    cls.__repr__ = _return_type_repr
    cls.__module__ = __name__
    cls.__qualname__ = "return_types." + name
    setattr(return_types, name, cls)
    return cls


def write_out_tuple(out, results):
    """out= for ops returning several tensors: out is a tuple of tensors."""
    if out is None:
        return results
    if len(out) != len(results):
        raise TypeError(f"expected out to be a tuple of {len(results)} tensors")
    return type(results)(*(write_out(o, r) for o, r in zip(out, results)))


def reduce_dims(dim, ndim):
    """torch's dim argument (None, int or sequence; empty means all) as array axes.

    A 0-d tensor accepts dim 0 or -1 and reduces over no axis.
    """
    if _all_dims(dim):
        return tuple(range(ndim))
    dims = normalize_dims(dim, ndim)
    return dims if ndim else ()


def _all_dims(dim):
    return dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0)


def single_dim(dim, ndim):
    """An int dim wrapped for a tensor of ndim dims (0-d tensors take 0 or -1)."""
    try:
        dim = operator.index(dim)
    except TypeError:
        raise TypeError(f"dim must be an int, not {type(dim).__name__}") from None
    return wrap_dim(dim, ndim)


def expand_back(grad, shape, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced dims of ``shape``."""
    if not keepdim and dims and dims != tuple(range(len(dims))):
        # Reduced dims that are not leading ones must be re-inserted as size 1 first;
        # leading ones are restored by broadcasting alone.
        grad = grad.reshape([1 if i in dims else s for i, s in enumerate(shape)])
    if grad.shape == shape:
        return grad
    return grad.expand(shape)


def kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def reduced_shape(shape, dims, keepdim):
    if keepdim:
        return kept_shape(shape, dims)
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def wrap_array(array, like):
    """A backend array as a (non-differentiable) tensor on like's device."""
    return Tensor._make(array, like._device)


def take_along_dim(x, index, dim):
    """x's elements at ``index`` (an int64 array shaped like x but along dim).

    Differentiable: the gradient scatters (adds) back to the taken positions, which
    is torch's convention for max(dim), sort, topk, median(dim), kthvalue, mode...
    """
    xp = xp_of(x)
    if x.ndim == 0:
        return x.expand(index.shape)
    key = []
    for axis in range(x.ndim):
        if axis == dim:
            key.append(wrap_array(index, x))
            continue
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        key.append(wrap_array(xp.arange(x.shape[axis]).reshape(shape), x))
    return x[tuple(key)]


def check_nonempty_dims(name, x, dims, full):
    """torch refuses max-like reductions over an empty dim (they have no identity)."""
    if full and x.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' "
                           "argument.")
    for d in dims:
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def float_compute(x):
    """Half-precision inputs compute in float32 (torch accumulates them in float)."""
    if x._dtype is dtypes.float16 or x._dtype is dtypes.bfloat16:
        return cast(x, dtypes.float32)
    return x


def _is_floating(x):
    return x._dtype.is_floating_point or x._dtype.is_complex


def _where(condition, a, b):
    from .pointwise import where
    return where(condition, a, b)


# ---------------------------------------------------------------- sum, mean, prod

class Sum(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        data = x._data
        ctx.shape, ctx.dims, ctx.keepdim = data.shape, dims, keepdim
        if data.dtype.kind == "f" and data.dtype.itemsize >= 4:  # (sum_array's own case)
            return data.sum(axis=dims, keepdims=keepdim)
        return sum_array(data, dims, keepdim)

    def name(self):
        return "SumBackward0" if self.dims == tuple(range(len(self.shape))) and \
            not self.keepdim else "SumBackward1"

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)

    @staticmethod
    def array_backward(ctx, grad):
        return expand_array(_kept_dims(grad, ctx.shape, ctx.dims, ctx.keepdim), ctx.shape)


def _kept_dims(grad, shape, dims, keepdim):
    """A reduced gradient array with its reduced dims back as size 1 (expand_back's
    first step), ready to broadcast to shape."""
    if not keepdim and dims and dims != tuple(range(len(dims))):
        return grad.reshape(kept_shape(shape, dims))
    return grad


_ALL_DIMS = [tuple(range(n)) for n in range(8)]  # dim=None as axes, for ndim < 8


def sum_dtype(x, dtype):
    if dtype is not None:
        return dtype
    if x._dtype.category <= dtypes.INTEGRAL:
        return dtypes.int64
    return x._dtype


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if amp_state.active:
        return autocast_call("sum", sum,
                             input, dim=dim, keepdim=keepdim, dtype=dtype, out=out)
    dims = _ALL_DIMS[input._data.ndim] if dim is None and input._data.ndim < 8 else \
        reduce_dims(dim, input.ndim)
    if dtype is not None or input._dtype.category < dtypes.FLOATING:
        input = cast(input, sum_dtype(input, dtype))
    result = Sum.apply(input, dims, keepdim)
    return result if out is None else write_out(out, result)


def _nan_mask(x):
    """A bool tensor, True where x is NaN (all False for non-float dtypes)."""
    return wrap_array(x._data != x._data, x)


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if _is_floating(input):
        input = _where(_nan_mask(input), input.new_zeros(()), input)
    return sum(input, dim, keepdim, dtype=dtype, out=out)


class Mean(Primitive):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        data = x._data
        ctx.shape, ctx.dims, ctx.keepdim = data.shape, dims, keepdim
        count = math.prod(data.shape[d] for d in dims)
        ctx.count = count
        if count == 0:
            shape = reduced_shape(data.shape, dims, keepdim)
            return xp_of(x).full(shape, float("nan"), dtype=data.dtype)
        total = data.sum(axis=dims, keepdims=keepdim, dtype=acc_dtype(data))
        return (total / count).astype(data.dtype, copy=False)

    def name(self):
        return "MeanBackward0" if self.dims == tuple(range(len(self.shape))) and \
            not self.keepdim else "MeanBackward1"

    @staticmethod
    def backward(ctx, grad):
        # An empty input has an empty gradient: nothing to divide.
        scaled = grad / ctx.count if ctx.count else grad
        return expand_back(scaled, ctx.shape, ctx.dims, ctx.keepdim)

    @staticmethod
    def array_backward(ctx, grad):
        scaled = grad / ctx.count if ctx.count else grad
        if scaled.dtype != grad.dtype:  # NumPy widens bfloat16 by a Python number
            scaled = scaled.astype(grad.dtype)
        return expand_array(_kept_dims(scaled, ctx.shape, ctx.dims, ctx.keepdim), ctx.shape)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dtype is not None:
        input = cast(input, dtype)
    if not _is_floating(input):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: " + type_name(input._dtype))
    result = Mean.apply(input, reduce_dims(dim, input.ndim), keepdim)
    return result if out is None else write_out(out, result)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if dtype is not None:
        input = cast(input, dtype)
    if not _is_floating(input):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {type_name(input._dtype)}")
    not_nan = wrap_array(input._data == input._data, input)
    count = sum(not_nan, dim, keepdim)
    result = nansum(input, dim, keepdim) / count
    return result if out is None else write_out(out, result)


class Prod(Primitive):
    # NOTE: a primitive: the gradient must stay right where inputs are zero (one zero:
    # the product of the others; several: zero), which result / input cannot give.
    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        axis = tuple(range(x.ndim)) if dim is None else (dim,)
        data = x._data
        result = data.prod(axis=axis, keepdims=keepdim, dtype=acc_dtype(data))
        return result.astype(data.dtype, copy=False)

    def name(self):
        return "ProdBackward0" if self.dim is None else "ProdBackward1"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.dim is None:
            others = _prod_of_others(x.reshape(-1), 0).reshape(x.shape)
            dims = tuple(range(x.ndim))
        else:
            others = _prod_of_others(x, ctx.dim)
            dims = (ctx.dim,)
        if others.is_complex():
            others = others.conj()
        return expand_back(grad, x.shape, dims, ctx.keepdim) * others


def _prod_of_others(x, dim):
    """For each element, the product of the other elements along dim (zero-safe)."""
    from .scan import cumprod, flip
    from .shape import cat, narrow
    n = x.shape[dim]
    if n == 0:
        return x
    ones = x.new_ones(kept_shape(x.shape, (dim,)))
    before = cumprod(cat([ones, narrow(x, dim, 0, n - 1)], dim), dim)
    after = flip(cumprod(flip(cat([narrow(x, dim, 1, n - 1), ones], dim), dim), dim), dim)
    return before * after


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if amp_state.active:
        return autocast_call("prod", prod,
                             input, dim=dim, keepdim=keepdim, dtype=dtype, out=out)
    if dim is not None:
        dim = single_dim(dim, input.ndim) if input.ndim else None
    result = Prod.apply(cast(input, sum_dtype(input, dtype)), dim, keepdim)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- std and var

class Root(Primitive):
    # NOTE: a primitive so that the gradient where the result is 0 is 0 (torch's
    # convention for std and p-norms) rather than sqrt's infinity times zero.
    save_output = True

    @staticmethod
    def forward(ctx, x, p):
        ctx.p = p
        xp = xp_of(x)
        if p == 2:
            return xp.sqrt(x._data)
        return xp.power(x._data, 1.0 / p).astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output()
        zero = wrap_array(out._data == 0, out)
        # The masked slots divide by one instead, so no inf/nan arises, even in the
        # double backward.
        safe = _where(zero, out.new_ones(()), out)
        slope = grad / (2 * safe) if ctx.p == 2 else grad * safe ** (1 - ctx.p) / ctx.p
        return _where(zero, grad.new_zeros(()), slope)


def _var_args(name, input, dim, unbiased, correction):
    """torch's std/var overloads: (dim, unbiased, keepdim) or (dim, *, correction)."""
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if not _is_floating(input):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return reduce_dims(dim, input.ndim), correction


def _var(input, dims, correction, keepdim):
    x = float_compute(input)
    n = math.prod(x.shape[d] for d in dims)
    centered = x - mean(x, dims, keepdim=True)
    if x.is_complex():
        from .pointwise import abs
        squares = abs(centered) ** 2
    else:
        squares = centered * centered
    total = sum(squares, dims, keepdim)
    dof = builtins.max(0, n - correction)
    if dof == 0:
        warnings.warn("std()/var(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return total / dof
    return total / dof


def _out_dtype(result, input):
    target = input._dtype.to_real() if input.is_complex() else input._dtype
    return cast(result, target)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dims, correction = _var_args("var", input, dim, unbiased, correction)
    result = _out_dtype(_var(input, dims, correction, keepdim), input)
    return result if out is None else write_out(out, result)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dims, correction = _var_args("std", input, dim, unbiased, correction)
    result = _out_dtype(Root.apply(_var(input, dims, correction, keepdim), 2), input)
    return result if out is None else write_out(out, result)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dims, correction = _var_args("var_mean", input, dim, unbiased, correction)
    return (_out_dtype(_var(input, dims, correction, keepdim), input),
            mean(input, dims, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dims, correction = _var_args("std_mean", input, dim, unbiased, correction)
    return (_out_dtype(Root.apply(_var(input, dims, correction, keepdim), 2), input),
            mean(input, dims, keepdim))


# ---------------------------------------------------------------- max, min and friends

class SelectReduce(Primitive):
    """A reduction whose result is one of the input values: amax, amin, max(), min(),
    median(), nanmedian().

    NOTE: a primitive because torch splits the gradient evenly among all elements
    equal to the result (ties), which no single-index selection gives.
    """
    save_output = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, reducer, grad_name):
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim, ctx.grad_name = dims, keepdim, grad_name
        return reducer(xp_of(x), x._data, dims, keepdim)

    def name(self):
        return self.grad_name

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        out = ctx.output()
        shape, dims, keepdim = x.shape, ctx.dims, ctx.keepdim
        mask = x._data == expand_back(out, shape, dims, keepdim)._data
        count = mask.sum(axis=dims, keepdims=True)
        share = wrap_array((mask / count).astype(grad._data.dtype), x)
        return expand_back(grad, shape, dims, keepdim) * share


def _amax_data(xp, data, dims, keepdim):
    return data.max(axis=dims, keepdims=keepdim)


def _amin_data(xp, data, dims, keepdim):
    return data.min(axis=dims, keepdims=keepdim)


def amax(input, dim=(), keepdim=False, *, out=None):
    dims = reduce_dims(dim, input.ndim)
    check_nonempty_dims("amax", input, dims, full=_all_dims(dim))
    result = SelectReduce.apply(input, dims, keepdim, _amax_data, "AmaxBackward0")
    return result if out is None else write_out(out, result)


def amin(input, dim=(), keepdim=False, *, out=None):
    dims = reduce_dims(dim, input.ndim)
    check_nonempty_dims("amin", input, dims, full=_all_dims(dim))
    result = SelectReduce.apply(input, dims, keepdim, _amin_data, "AminBackward0")
    return result if out is None else write_out(out, result)


max_type = return_type("max", ["values", "indices"])
min_type = return_type("min", ["values", "indices"])
aminmax_type = return_type("aminmax", ["min", "max"])


def select_along(input, index, dim, keepdim):
    """Values of input at index (an array with size 1 along dim) and the indices."""
    values = take_along_dim(input, index, dim)
    indices = wrap_array(index, input)
    if not keepdim and input.ndim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return values, indices


def _extreme(name, input, dim, keepdim, out, other_fn, full_reducer, arg_fn, result_type):
    if isinstance(dim, Tensor):
        return other_fn(input, dim, out=out)
    if dim is None:
        check_nonempty_dims(name, input, (), full=True)
        result = SelectReduce.apply(input, tuple(range(input.ndim)), False, full_reducer,
                                    name.capitalize() + "Backward1")
        return result if out is None else write_out(out, result)
    dim = single_dim(dim, input.ndim)
    if input.ndim:
        check_nonempty_dims(name, input, (dim,), full=False)
    index = arg_fn(xp_of(input), input._data, dim)
    return write_out_tuple(out, result_type(*select_along(input, index, dim, keepdim)))


def _argmax_keep(xp, data, dim):
    if data.ndim == 0:
        return xp.zeros((), dtype=xp.int64)
    return xp.expand_dims(data.argmax(axis=dim), dim).astype(xp.int64)


def _argmin_keep(xp, data, dim):
    if data.ndim == 0:
        return xp.zeros((), dtype=xp.int64)
    return xp.expand_dims(data.argmin(axis=dim), dim).astype(xp.int64)


def max(input, dim=None, keepdim=False, *, out=None):
    from .pointwise import maximum
    return _extreme("max", input, dim, keepdim, out, maximum, _amax_data, _argmax_keep,
                    max_type)


def min(input, dim=None, keepdim=False, *, out=None):
    from .pointwise import minimum
    return _extreme("min", input, dim, keepdim, out, minimum, _amin_data, _argmin_keep,
                    min_type)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    dims = reduce_dims(dim, input.ndim) if dim is not None else tuple(range(input.ndim))
    if dim is None and input.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    low = SelectReduce.apply(input, dims, keepdim, _amin_data, "AminmaxBackward0")
    high = SelectReduce.apply(input, dims, keepdim, _amax_data, "AminmaxBackward0")
    return write_out_tuple(out, aminmax_type(low, high))


def _arg_extreme(name, input, dim, keepdim, out, arg_fn):
    xp = xp_of(input)
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        index = arg_fn(xp, input._data.reshape(-1), 0).reshape(())
        if keepdim:
            index = index.reshape((1,) * input.ndim)
    else:
        dim = single_dim(dim, input.ndim)
        if input.ndim:
            check_nonempty_dims(name, input, (dim,), full=False)
        index = arg_fn(xp, input._data, dim)
        if not keepdim and input.ndim:
            index = xp.squeeze(index, dim)
    result = wrap_array(index, input)
    return result if out is None else write_out(out, result)


def argmax(input, dim=None, keepdim=False, *, out=None):
    return _arg_extreme("argmax", input, dim, keepdim, out, _argmax_keep)


def argmin(input, dim=None, keepdim=False, *, out=None):
    return _arg_extreme("argmin", input, dim, keepdim, out, _argmin_keep)


# ---------------------------------------------------------------- logsumexp and norm

def _float_input(x):
    if x._dtype.category <= dtypes.INTEGRAL:
        return cast(x, dtypes.get_default_dtype())
    return x


def logsumexp(input, dim, keepdim=False, *, out=None):
    if amp_state.active:
        return autocast_call("logsumexp", logsumexp,
                             input, dim=dim, keepdim=keepdim, out=out)
    from .pointwise import exp, log
    x = _float_input(input)
    dims = reduce_dims(dim, x.ndim)
    xp = xp_of(x)
    if x.numel():
        # The shift by the (finite) max keeps exp from overflowing; it is a constant,
        # so the gradient is softmax's.
        shift = x._data.max(axis=dims, keepdims=True)
        shift = xp.where(xp.isinf(shift), 0, shift).astype(x._data.dtype)
    else:
        shift = xp.zeros(kept_shape(x.shape, dims), dtype=x._data.dtype)
    shift = wrap_array(shift, x)
    result = log(sum(exp(x - shift), dims, keepdim=True)) + shift
    if not keepdim:
        result = result.reshape(reduced_shape(x.shape, dims, False))
    return result if out is None else write_out(out, result)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    if amp_state.active:
        return autocast_call("norm", norm,
                             input, p=p, dim=dim, keepdim=keepdim, out=out, dtype=dtype)
    if dtype is not None:
        input = cast(input, dtype)
    if not _is_floating(input):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(input._dtype)}")
    if isinstance(p, str):
        if p != "fro":
            raise NotImplementedError(f"norm(): p={p!r} (a matrix norm) is not supported; "
                                      "use p='fro' or a number")
        if isinstance(dim, (list, tuple)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(str(d) for d in dim)}")
        p = 2
    elif p is None:
        p = 2
    from .linalg_norms import VectorNorm, _check_identity
    dims = reduce_dims(dim, input.ndim)
    _check_identity(input, builtins.float(p), dims, _all_dims(dim))
    result = VectorNorm.apply(input, builtins.float(p), dims, keepdim)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- all, any, count_nonzero

def _logical_reduce(name, input, dim, keepdim, out):
    data = input._data
    axis = tuple(range(input.ndim)) if dim is None else \
        (normalize_dims(dim, input.ndim) if input.ndim else ())
    result = getattr(data, name)(axis=axis, keepdims=keepdim)
    if input._dtype is dtypes.uint8:
        result = result.astype(data.dtype)
    result = wrap_array(xp_of(input).asarray(result), input)
    return result if out is None else write_out(out, result)


def all(input, dim=None, keepdim=False, *, out=None):
    return _logical_reduce("all", input, dim, keepdim, out)


def any(input, dim=None, keepdim=False, *, out=None):
    return _logical_reduce("any", input, dim, keepdim, out)


def count_nonzero(input, dim=None):
    xp = xp_of(input)
    dims = reduce_dims(dim, input.ndim)
    counts = xp.count_nonzero(input._data, axis=dims) if dims else \
        xp.asarray(input._data != 0)
    return wrap_array(xp.asarray(counts, dtype=xp.int64), input)


# ---------------------------------------------------------------- cov, corrcoef

def _check_weights(name, weights, observations, integral):
    if weights.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {weights.ndim} dimensions")
    kind_ok = weights._dtype.category == dtypes.INTEGRAL if integral else \
        weights._dtype.is_floating_point
    if not kind_ok:
        expected = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {expected} dtype but got {name} "
                           f"with {type_name(weights._dtype)} dtype")
    if weights.numel() != observations:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {weights.numel()} != "
                           f"{observations}")
    if weights.numel() and bool((weights._data < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) of input over its columns (observations)."""
    if input.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    x = _float_input(input.reshape(1, -1) if input.ndim < 2 else input)
    observations = x.shape[1]
    weights = None
    if fweights is not None:
        _check_weights("fweights", fweights, observations, integral=True)
        weights = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, observations, integral=False)
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        total = observations
        average = sum(x, 1) / total
        norm_factor = total - correction
    else:
        total = sum(weights)
        average = sum(x * weights, 1) / total
        norm_factor = total - correction * sum(weights * aweights) / total \
            if aweights is not None and correction != 0 else total - correction
    if float(norm_factor) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0", UserWarning, stacklevel=2)
        norm_factor = 0
    centered = x - average.unsqueeze(1)
    weighted = centered if weights is None else centered * weights
    other = weighted.t().conj() if weighted.is_complex() else weighted.t()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a zero norm_factor gives inf/nan
        return (centered.matmul(other) / norm_factor).squeeze()


def corrcoef(input):
    from .creation import arange
    from .pointwise import clamp, sqrt
    c = cov(input)
    if c.ndim == 0:
        return c / c
    diagonal = arange(c.shape[0], device=c.device)
    variances = c[diagonal, diagonal]
    stddev = sqrt(variances.real if variances.is_complex() else variances)
    c = c / stddev.reshape(-1, 1)
    c = c / stddev.reshape(1, -1)
    return c if c.is_complex() else clamp(c, -1, 1)


# ---------------------------------------------------------------- softmax

class Softmax(Primitive):
    # NOTE: a primitive: on every attention/classifier step, and its fused backward
    # (g - sum(g * y)) * y avoids the exp/sum/div chain of a composite.
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xp = ctx.xp = xp_of(x)  # (array_backward's array module)
        data = x._data
        shifted = data - data.max(axis=dim, keepdims=True)
        e = xp.exp(shifted)
        e /= e.sum(axis=dim, keepdims=True)
        return e

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output()
        return (grad - (grad * y).sum(ctx.dim, keepdim=True)) * y

    @staticmethod
    def array_backward(ctx, grad):
        y = output_array(ctx)
        out = grad * y  # our own temporary: the rest works in place on it
        total = sum_array(out, (ctx.dim,), True)
        ctx.xp.subtract(grad, total, out=out)
        out *= y
        return out


class LogSoftmax(Primitive):
    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        xp = ctx.xp = xp_of(x)  # (array_backward's array module)
        return log_softmax_array(xp, x._data, dim)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output()
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True)

    @staticmethod
    def array_backward(ctx, grad):
        y = output_array(ctx)
        xp = ctx.xp
        out = xp.exp(y)  # our own temporary: the rest works in place on it
        out *= sum_array(grad, (ctx.dim,), True)
        xp.subtract(grad, out, out=out)
        return out


def log_softmax_array(xp, data, dim):
    """log_softmax of a backend array along dim (shifted by the max: exp never overflows)."""
    shifted = data - data.max(axis=dim, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))


def _softmax_input(input, dim, dtype):
    if dtype is not None:
        input = cast(input, dtype)
    elif not _is_floating(input):
        raise RuntimeError(f'"softmax_lastdim_kernel_impl" not implemented for '
                           f"'{type_name(input._dtype)}'")
    if dim is None:
        # NOTE: torch's legacy implicit dim: 0 for 0-D, 1-D and 3-D input, else 1.
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return input, wrap_dim(dim, input.ndim)


def softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    if amp_state.active:
        return autocast_call("softmax", softmax,
                             input, dim=dim, dtype=dtype, _stacklevel=_stacklevel)
    input, dim = _softmax_input(input, dim, dtype)
    if input.ndim == 0:
        return Softmax.apply(input.reshape(1), 0).reshape(())
    return Softmax.apply(input, dim)


def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    if amp_state.active:
        return autocast_call("log_softmax", log_softmax,
                             input, dim=dim, dtype=dtype, _stacklevel=_stacklevel)
    input, dim = _softmax_input(input, dim, dtype)
    if input.ndim == 0:
        return LogSoftmax.apply(input.reshape(1), 0).reshape(())
    return LogSoftmax.apply(input, dim)


TENSOR_METHODS = dict(
    sum=sum, nansum=nansum, mean=mean, nanmean=nanmean, prod=prod, std=std, var=var,
    max=max, min=min, amax=amax, amin=amin, aminmax=aminmax, argmax=argmax, argmin=argmin,
    logsumexp=logsumexp, norm=norm, all=all, any=any, count_nonzero=count_nonzero,
    cov=cov, corrcoef=corrcoef, softmax=softmax, log_softmax=log_softmax,
)

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "std", "var", "std_mean", "var_mean",
           "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "logsumexp", "norm",
           "all", "any", "count_nonzero", "cov", "corrcoef", "softmax", "log_softmax",
           "return_types"]
