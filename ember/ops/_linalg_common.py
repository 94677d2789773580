"""Shared pieces of the linear-algebra ops: torch's input checks and messages,
LinAlgError and the error paths that find which matrix (and which pivot) failed,
small matrix helpers (mH, triangles, diagonals) and the saved outputs of
multi-output primitives.
"""
from .. import _dtype as dtypes
from .._tensor import Tensor
from ..backend import cpu_backend
from ._util import type_name, xp_of

# NOTE: CuPy raises NumPy's LinAlgError too, so this one class covers both backends.
LAPACK_ERROR = cpu_backend.xp.linalg.LinAlgError


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix is singular or not positive-definite."""


# ---------------------------------------------------------------- input checks

def check_matrix(name, A, arg="A"):
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")


def check_square(name, A, arg="A"):
    check_matrix(name, A, arg)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def check_float(name, A):
    """LAPACK-backed ops take float32/64 and complex64/128 only."""
    if not (A._dtype.is_floating_point or A._dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {type_name(A._dtype)}")
    if A._dtype in (dtypes.float16, dtypes.bfloat16):
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got "
                           f"{type_name(A._dtype)}")


def check_same_dtype(name, A, B, a="A", b="B"):
    if A._dtype is not B._dtype:
        raise RuntimeError(f"{name}: Expected {a} and {b} to have the same dtype, but found "
                           f"{a} of type {type_name(A._dtype)} and {b} of type "
                           f"{type_name(B._dtype)} instead")


def square_float(name, A):
    check_square(name, A)
    check_float(name, A)


def shape_str(shape):
    return "x".join(str(s) for s in shape)


# ---------------------------------------------------------------- failures

def raise_for_info(info, batched, message):
    """Raise LinAlgError for the first batch element whose LAPACK-style info is > 0.

    info: a host integer array over the batch; message(code) -> torch's sentence.
    """
    for index, code in enumerate(info.reshape(-1).tolist()):
        if code > 0:
            prefix = f"(Batch element {index}): " if batched else ""
            head, _, tail = message(code).partition(": ")
            raise LinAlgError(f"{head}: {prefix}{tail}")


def lu_info(xp, a):
    """LAPACK getrf's info for each matrix: 1 + the index of the first zero pivot of
    an LU factorization with partial pivoting, or 0. Only run once a solver failed."""
    n = a.shape[-1]
    batch = a.shape[:-2]
    a = a.reshape((-1, n, n)).copy()
    info = xp.zeros(a.shape[0], dtype=xp.int64)
    rows = xp.arange(a.shape[0])
    for k in range(n):
        p = xp.argmax(xp.abs(a[:, k:, k]), axis=1) + k
        top = a[rows, k].copy()
        a[rows, k] = a[rows, p]
        a[rows, p] = top
        pivot = a[:, k, k]
        zero = pivot == 0
        info = xp.where((info == 0) & zero, k + 1, info)
        factors = a[:, k + 1:, k] / xp.where(zero, 1, pivot)[:, None]
        a[:, k + 1:, k + 1:] -= factors[:, :, None] * a[:, k, None, k + 1:]
    return to_host(xp, info).reshape(batch)


def cholesky_factor(xp, a):
    """Cholesky by columns, for the error path: returns (L, info) where info is the
    order of the first leading minor that is not positive-definite (0 if none)."""
    n = a.shape[-1]
    batch = a.shape[:-2]
    a = a.reshape((-1, n, n))
    L = xp.zeros_like(a)
    info = xp.zeros(a.shape[0], dtype=xp.int64)
    for k in range(n):
        row = L[:, k, :k]
        d = a[:, k, k].real - (row * row.conj()).real.sum(-1)
        bad = ~(d > 0)
        info = xp.where((info == 0) & bad, k + 1, info)
        pivot = xp.sqrt(xp.where(bad, 1, d))
        L[:, k, k] = pivot
        below = a[:, k + 1:, k] - xp.matmul(L[:, k + 1:, :k], row.conj()[:, :, None])[..., 0]
        L[:, k + 1:, k] = below / pivot[:, None]
    return L.reshape(batch + (n, n)), to_host(xp, info).reshape(batch)


def to_host(xp, array):
    """A host (NumPy) copy of a small array, to read error codes."""
    if xp is cpu_backend.xp:
        return array
    return xp.asnumpy(array)


def all_finite(xp, array):
    return bool(xp.isfinite(array).all())


# ---------------------------------------------------------------- matrix helpers

def mT(x):
    return x.transpose(-2, -1)


def conj(x):
    return x.conj() if x.is_complex() else x


def mH(x):
    return conj(x.transpose(-2, -1))


def real(x):
    return x.real if x.is_complex() else x


def _triangle_mask(x, k, lower):
    xp = xp_of(x)
    rows, cols = x.shape[-2], x.shape[-1]
    mask = xp.tri(rows, cols, k, dtype=bool)
    if not lower:
        mask = ~xp.tri(rows, cols, k - 1, dtype=bool)
    return Tensor._make(mask, x._device)


def tril(x, k=0):
    from .pointwise import where
    return where(_triangle_mask(x, k, True), x, 0.0)


def triu(x, k=0):
    from .pointwise import where
    return where(_triangle_mask(x, k, False), x, 0.0)


def eye_like(x, n=None):
    from .creation import eye
    return eye(x.shape[-1] if n is None else n, dtype=x._dtype, device=x._device)


def diagonal(x, offset=0, dim1=-2, dim2=-1):
    """Diagonals over dims (dim1, dim2), moved last (a copy, unlike Tensor.diagonal)."""
    from .creation import arange
    from ._util import wrap_dim
    dim1, dim2 = wrap_dim(dim1, x.ndim), wrap_dim(dim2, x.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if (dim1, dim2) != (x.ndim - 2, x.ndim - 1):
        x = x.permute([d for d in range(x.ndim) if d not in (dim1, dim2)] + [dim1, dim2])
    rows, cols = x.shape[-2], x.shape[-1]
    k = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    index = arange(k, device=x._device)
    return x[..., index - min(offset, 0), index + max(offset, 0)]


def diag_embed(v):
    """Square matrices with v on their diagonals."""
    return v.unsqueeze(-1) * eye_like(v)


def batch_shape(*tensors):
    from ._util import broadcast_shapes
    return broadcast_shapes(*(t.shape[:-2] for t in tensors))


def defined(grad):
    """Whether an output's gradient can be nonzero (the engine passes zeros for
    outputs that got none; formulas like the SVD's divide by gaps that may be 0)."""
    return grad is not None and bool(xp_of(grad).any(grad._data))


# ---------------------------------------------------------------- saved outputs

def save_outputs(ctx, device, *arrays):
    """Keep a multi-output primitive's outputs for its backward (see outputs)."""
    ctx._out = arrays
    ctx._out_device = device


def outputs(ctx):
    """The forward outputs as tensors attached to ctx, so double backward reaches them
    (Primitive.output does this for single outputs)."""
    ctx.saved_tensors  # raises torch's error once the graph was freed
    result = []
    for nr, array in enumerate(ctx._out):
        t = Tensor._make(array, ctx._out_device)
        if array.dtype.kind in "fc":
            t.grad_fn = ctx
            t._requires_grad = True
            t._output_nr = nr
        result.append(t)
    return result
