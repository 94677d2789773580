"""ember.linalg: torch.linalg's namespace.

The primitives live in ember/ops/linalg_*.py; this module gathers them under torch's
names and adds the composites built on them (lstsq, matrix_rank, cond, tensorinv...).
"""
import math

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..ops._linalg_common import LinAlgError, check_float, check_matrix, check_square
from ..ops._linalg_common import diagonal as _diagonal
from ..ops._util import broadcast_shapes, type_name, write_out, xp_of
from ..ops.linalg import linalg_cross as cross
from ..ops.linalg import matmul, matrix_power, multi_dot
from ..ops.linalg_decomp import (cholesky, cholesky_ex, eig, eigh, eigvals, eigvalsh, qr, svd,
                                 svdvals)
from ..ops.linalg_norms import matrix_norm, norm, vector_norm
from ..ops.linalg_solve import (_eps_rtol, _tolerances, det, inv, inv_ex, matrix_exp, pinv,
                                slogdet, solve, solve_ex, solve_triangular)
from ..ops.reduction import return_type
from ..amp.autocast_mode import autocast_call, state as amp_state

linalg_lstsq = return_type("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def vecdot(x, y, *, dim=-1, out=None):
    if amp_state.active:
        return autocast_call("linalg_vecdot", vecdot, x, y=y, dim=dim, out=out)
    if x._dtype is not y._dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {type_name(x._dtype)} and y of type "
                           f"{type_name(y._dtype)} instead")
    result = (x.conj() * y if x.is_complex() else x * y).sum(dim)
    return result if out is None else write_out(out, result)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    # NOTE: a copy; torch returns a view (Tensor.diagonal).
    return _diagonal(A, offset, dim1, dim2)


# ---------------------------------------------------------------- least squares, rank

def _lstsq_checked(A, B, driver):
    name = "torch.linalg.lstsq"
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError(f"{name}: other must have at least 1 dimension.")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {type_name(A._dtype)} and other's dtype "
                           f"{type_name(B._dtype)}")
    check_float(name, A)
    if not (A.ndim >= B.ndim and A.ndim - B.ndim <= 1):
        raise RuntimeError(f"{name}: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    vector = B.ndim == A.ndim - 1
    matrices = B.unsqueeze(-1) if vector else B
    if matrices.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2)")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of "
                           f"({', '.join(_DRIVERS)})")
    broadcast_shapes(A.shape[:-2], matrices.shape[:-2])
    return matrices, vector, driver


def lstsq(A, B, rcond=None, *, driver=None):
    """Least squares by the pseudo-inverse (the minimum-norm solution, as LAPACK gives).

    Outputs follow torch on the CPU: rank for gelsy/gelsd/gelss, singular values for
    gelsd/gelss, residuals for the drivers other than gelsy when m > n and every
    matrix has full rank; the outputs a driver does not compute are empty.
    """
    if amp_state.active:
        return autocast_call("linalg_lstsq", lstsq, A, B=B, rcond=rcond, driver=driver)
    matrices, vector, driver = _lstsq_checked(A, B, driver)
    m, n = A.shape[-2], A.shape[-1]
    xp = xp_of(A)
    real = A._dtype.to_real()
    rcond = _eps_rtol(A) if rcond is None or rcond < 0 else rcond
    values = xp.linalg.svd(A.detach()._data, compute_uv=False)
    ranks = (values > rcond * _largest(xp, values)[..., None]).sum(-1).astype(xp.int64)
    solution = pinv(A, rtol=rcond, atol=0.0) @ matrices
    empty = Tensor._make(xp.zeros((0,), dtype=real.numpy), A._device)
    # NOTE: torch's residuals are an output of the solver's node even when empty.
    residuals = solution.reshape(-1)[:0]
    residuals = residuals.real if residuals.is_complex() else residuals
    if driver != "gelsy" and m > n and bool((ranks == n).all()):
        error = A @ solution - matrices
        residuals = (error.abs() ** 2 if error.is_complex() else error * error).sum(-2)
    if vector:
        solution = solution.squeeze(-1)
    rank = Tensor._make(ranks, A._device) if driver != "gels" else \
        Tensor._make(xp.zeros((0,), dtype=xp.int64), A._device)
    singular = Tensor._make(values, A._device) if driver in ("gelsd", "gelss") else empty
    return linalg_lstsq(solution, residuals, rank, singular)


def _largest(xp, values):
    """The largest singular value of each matrix (0 for empty ones)."""
    if values.shape[-1] == 0:
        return xp.zeros(values.shape[:-1], dtype=values.dtype)
    return values.max(-1)


def _spectrum(A, hermitian):
    """Singular values (absolute eigenvalues when hermitian), no gradient."""
    xp = xp_of(A)
    if hermitian:
        return xp.abs(xp.linalg.eigvalsh(A.detach()._data))
    return xp.linalg.svd(A.detach()._data, compute_uv=False)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    if amp_state.active:
        return autocast_call("linalg_matrix_rank", matrix_rank,
                             A, tol=tol, hermitian=hermitian, atol=atol, rtol=rtol, out=out)
    check_matrix("linalg.matrix_rank", A)
    if not (A._dtype in (dtypes.float32, dtypes.float64) or A._dtype.is_complex):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol, _eps_rtol(A))
    xp = xp_of(A)
    values = _spectrum(A, hermitian)
    threshold = xp.maximum(atol, rtol * _largest(xp, values))
    rank = (values > threshold[..., None]).sum(-1).astype(xp.int64)
    result = Tensor._make(rank, A._device)
    return result if out is None else write_out(out, result)


def cond(A, p=None, *, out=None):
    """Condition number: ratio of extreme singular values for p in (None, 2, -2),
    else norm(A, p) * norm(inv(A), p)."""
    if amp_state.active:
        return autocast_call("linalg_cond", cond, A, p=p, out=out)
    if p not in (None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    check_matrix("linalg.cond", A)
    if p in (None, 2, -2):
        values = svdvals(A)
        ratio = values[..., 0] / values[..., -1]
        result = 1 / ratio if p == -2 else ratio
    else:
        check_square(f"linalg.cond(ord={p})", A)
        result = matrix_norm(A, p) * matrix_norm(inv(A), p)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- tensor equations

def tensorinv(A, ind=2, *, out=None):
    if amp_state.active:
        return autocast_call("linalg_tensorinv", tensorinv, A, ind=ind, out=out)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    front, back = A.shape[:ind], A.shape[ind:]
    rows, cols = math.prod(front), math.prod(back)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{cols} != {rows}")
    result = inv(A.reshape(rows, cols)).reshape(back + front)
    return result if out is None else write_out(out, result)


def tensorsolve(A, B, dims=None, *, out=None):
    if amp_state.active:
        return autocast_call("linalg_tensorsolve", tensorsolve, A, B=B, dims=dims, out=out)
    if dims is not None:
        moved = [d % A.ndim for d in dims]
        A = A.permute([d for d in range(A.ndim) if d not in moved] + moved)
    unknown = A.shape[B.ndim:]
    result = solve(A.reshape(B.numel(), math.prod(unknown)), B.reshape(-1)).reshape(unknown)
    return result if out is None else write_out(out, result)


__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "det", "slogdet", "inv",
           "inv_ex", "solve", "solve_ex", "cholesky", "cholesky_ex", "qr", "svd", "svdvals",
           "eigh", "eigvalsh", "eig", "eigvals", "pinv", "lstsq", "matrix_rank",
           "matrix_power", "matrix_exp", "multi_dot", "solve_triangular", "cross", "vecdot",
           "diagonal", "cond", "tensorinv", "tensorsolve", "matmul"]
