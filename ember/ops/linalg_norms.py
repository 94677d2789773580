"""Norms of torch.linalg: vector_norm (a primitive), matrix_norm and norm (composites)."""
import builtins
import math

from .. import _dtype as dtypes
from ..autograd.graph import Primitive
from ._linalg_common import check_float, check_matrix
from ._util import cast, normalize_dims, type_name, wrap_dim, write_out, xp_of
from ..amp.autocast_mode import autocast_call, state as amp_state

_INF = math.inf


def _unreduce(t, dims, keepdim):
    """Put reduced dims back as size 1 so t broadcasts against the input."""
    if keepdim:
        return t
    for d in dims:
        t = t.unsqueeze(d)
    return t


def _safe_divide(numerator, denominator):
    """numerator / denominator, 0 where the denominator is 0 (torch's masked_fill)."""
    from .pointwise import where
    zero = denominator == 0
    return where(zero, 0.0, numerator / where(zero, 1.0, denominator))


class VectorNorm(Primitive):
    # NOTE: a primitive: the composite sqrt(sum(x * x)) has a nan gradient at 0, and
    # the inf norm splits its gradient evenly between ties, as torch's does.
    grad_fn_name = "LinalgVectorNormBackward0"
    save_output = True

    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.ord, ctx.dims, ctx.keepdim = ord, dims, keepdim
        xp = xp_of(x)
        a = xp.abs(x._data)
        if ord == _INF:
            return a.max(axis=dims, keepdims=keepdim)
        if ord == -_INF:
            return a.min(axis=dims, keepdims=keepdim)
        if ord == 0:
            return (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
        if ord == 1:
            return a.sum(axis=dims, keepdims=keepdim)
        if ord == 2:
            return xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        if ord < 0:
            # a zero entry makes the sum infinite and the norm 0 (without a warning)
            zero = a == 0
            powers = xp.where(zero, xp.inf, xp.where(zero, 1, a) ** ord)
        else:
            powers = a ** ord
        return powers.sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        ord = ctx.ord
        norm = _unreduce(ctx.output(), ctx.dims, ctx.keepdim)
        grad = _unreduce(grad, ctx.dims, ctx.keepdim)
        if ord == 0:
            return None  # torch: no gradient at all (counting nonzeros is flat)
        if ord == 1:
            return x.sgn() * grad
        if ord == 2:
            return x * _safe_divide(grad, norm)
        if ord in (_INF, -_INF):
            ties = (x.abs() == norm).to(grad.dtype)
            return x.sgn() * ties * (grad / ties.sum(list(ctx.dims), keepdim=True))
        from .pointwise import where
        zero = x == 0
        magnitude = where(zero, 1.0, x.abs())
        scaled = where(zero, 0.0, x.sgn() * magnitude ** (ord - 1))
        if ord < 1:
            return scaled * (grad * norm ** (1 - ord))
        return scaled * _safe_divide(grad, norm ** (ord - 1))


def _check_norm_dtype(name, x, dtype):
    if dtype is None:
        return
    if x.is_complex() and not dtype.is_complex:
        raise RuntimeError(f"{name}: dtype should be complex for complex inputs, but got "
                           f"{type_name(dtype)}")
    if not x.is_complex() and dtype.is_complex:
        raise RuntimeError(f"{name}: dtype should be real for real inputs, but got "
                           f"{type_name(dtype)}")
    if dtypes.promote_types(x._dtype, dtype) is not dtype:
        raise RuntimeError(f"{name}: the dtype of the input ({type_name(x._dtype)}) should be "
                           f"convertible without narrowing to the specified dtype "
                           f"({type_name(dtype)})")


def _check_identity(x, ord, dims, full):
    """max and min have no identity: an empty reduction has no inf norm."""
    if ord not in (_INF, -_INF):
        return
    label = "inf" if ord > 0 else "-inf"
    if full and x.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {label} norm on an empty "
                           "tensor because the operation does not have an identity")
    for d in dims:
        if x.shape[d] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {label} norm on the "
                               f"dimension {d}because this dimension is empty and the "
                               "operation does not have an identity")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    if amp_state.active:
        return autocast_call("linalg_vector_norm", vector_norm,
                             x, ord=ord, dim=dim, keepdim=keepdim, dtype=dtype, out=out)
    name = "linalg.vector_norm"
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not str")
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {type_name(x._dtype)}")
    _check_norm_dtype(name, x, dtype)
    if dtype is not None:
        x = cast(x, dtype)
    full = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    dims = tuple(range(x.ndim)) if full else normalize_dims(dim, builtins.max(x.ndim, 1))
    if x.ndim == 0:
        dims = ()
    _check_identity(x, ord, dims, full)
    result = VectorNorm.apply(x, float(ord), dims, keepdim)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- matrix norms

_MATRIX_ORDS = ("fro", "nuc", _INF, -_INF, 1, -1, 2, -2)


def _matrix_dims(A, dim):
    name = "linalg.matrix_norm"
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        shown = " ".join(str(d) for d in dim) if isinstance(dim, (tuple, list)) else dim
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {shown}")
    dims = (wrap_dim(dim[0], A.ndim), wrap_dim(dim[1], A.ndim))
    if dims[0] == dims[1]:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return dims


def _spectral(A, ord, dims, keepdim):
    """Norms from the singular values: nuclear (sum), 2 (largest), -2 (smallest)."""
    from .linalg_decomp import svdvals
    rest = [d for d in range(A.ndim) if d not in dims]
    values = svdvals(A.permute(rest + list(dims)))
    if ord == "nuc" or values.shape[-1] == 0:
        result = values.sum(-1)
    else:
        result = values[..., 0] if ord == 2 else values[..., -1]
    if keepdim:
        for d in sorted(dims):
            result = result.unsqueeze(d)
    return result


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    if amp_state.active:
        return autocast_call("linalg_matrix_norm", matrix_norm,
                             A, ord=ord, dim=dim, keepdim=keepdim, dtype=dtype, out=out)
    name = "linalg.matrix_norm"
    check_matrix(name, A)
    if not (A._dtype.is_floating_point or A._dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {type_name(A._dtype)}")
    dims = _matrix_dims(A, dim)
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{name}: Order {ord} not supported.")
    _check_norm_dtype(name, A, dtype)
    if dtype is not None:
        A = cast(A, dtype)
    if ord == "fro":
        result = vector_norm(A, 2, dims, keepdim)
    elif ord in ("nuc", 2, -2):
        check_float(name, A)
        result = _spectral(A, ord, dims, keepdim)
    else:
        # 1 / -1: max / min column sum; inf / -inf: max / min row sum.
        summed, extreme = (dims[0], dims[1]) if ord in (1, -1) else (dims[1], dims[0])
        sums = vector_norm(A, 1, summed, keepdim=True)
        result = vector_norm(sums, _INF if ord > 0 else -_INF, extreme, keepdim=True)
        if not keepdim:
            result = result.squeeze(builtins.max(dims)).squeeze(builtins.min(dims))
    return result if out is None else write_out(out, result)


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """torch.linalg.norm: a vector norm over one dim, a matrix norm over two."""
    if amp_state.active:
        return autocast_call("linalg_norm", norm,
                             A, ord=ord, dim=dim, keepdim=keepdim, out=out, dtype=dtype)
    name = "linalg.norm"
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is not None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"{name}: If dim is not specified but ord is, the input must be "
                               f"1D or 2D. Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError(f"{name}: If dim is specified, it must be of length 1 or 2. Got "
                           f"{list(dim)}")
    if dim is not None and len(dim) == 2:
        result = matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    elif isinstance(ord, str):
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(d) for d in (dim or ()))}".rstrip())
    else:
        result = vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    return result if out is None else write_out(out, result)
