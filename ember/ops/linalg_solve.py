"""Linear systems and what derives from them: inv, solve, solve_triangular, det,
slogdet, pinv and matrix_exp (torch.linalg's names; torch.* aliases live in linalg.py).

Each primitive's backward is written with these same ops, so double backward works.
"""
import math

from .. import _dtype as dtypes
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._linalg_common import (LAPACK_ERROR, LinAlgError, all_finite, check_float,
                             check_matrix, check_same_dtype, conj, eye_like,
                             lu_info, mH, mT, outputs, raise_for_info, save_outputs,
                             shape_str, square_float, to_host, tril, triu)
from ._util import broadcast_shapes, sum_to, type_name, write_out, xp_of
from .reduction import return_type, write_out_tuple
from ..amp.autocast_mode import autocast_call, state as amp_state

linalg_slogdet = return_type("linalg_slogdet", ["sign", "logabsdet"])
slogdet_type = return_type("slogdet", ["sign", "logabsdet"])
linalg_inv_ex = return_type("linalg_inv_ex", ["inverse", "info"])
linalg_solve_ex = return_type("linalg_solve_ex", ["result", "info"])
triangular_solve_type = return_type("triangular_solve", ["solution", "cloned_coefficient"])


def _broadcast_batch(xp, a, b):
    """a and b broadcast to one batch shape (their last two dims kept)."""
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return (xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:]))


def _singular_message(name):
    return lambda code: f"{name}: The solver failed because the input matrix is singular."


def _inv_message(name):
    return lambda code: (f"{name}: The diagonal element {code} is zero, the inversion could "
                         "not be completed because the input matrix is singular.")


def _run_lapack(xp, compute, a, *args):
    """compute(a, *args), or None where LAPACK reported a singular matrix.

    NOTE: CuPy reports no error by default but returns non-finite values, which
    count as a failure when the input was finite.
    """
    try:
        out = compute(a, *args)
    except LAPACK_ERROR:
        return None
    if not all_finite(xp, out) and all_finite(xp, a):
        return None
    return out


def _raise_singular(xp, a, batched, message):
    info = lu_info(xp, a)
    raise_for_info(info, batched, message)
    # Rounding made the pivots differ from LAPACK's: blame the last one.
    info[...] = a.shape[-1]
    raise_for_info(info, batched, message)


# ---------------------------------------------------------------- inv

class Inv(Primitive):
    # NOTE: a primitive: LAPACK's getri, and the gradient needs only the output.
    grad_fn_name = "LinalgInvExBackward0"
    save_output = True

    @staticmethod
    def forward(ctx, A, name="linalg.inv"):
        xp = xp_of(A)
        out = _run_lapack(xp, xp.linalg.inv, A._data)
        if out is None:
            _raise_singular(xp, A._data, A.ndim > 2, _inv_message(name))
        return out

    @staticmethod
    def backward(ctx, grad):
        inverse_h = mH(ctx.output())
        return -(inverse_h @ grad @ inverse_h)


def inv(A, *, out=None):
    if amp_state.active:
        return autocast_call("linalg_inv", inv, A, out=out)
    square_float("linalg.inv", A)
    result = Inv.apply(A)
    return result if out is None else write_out(out, result)


def inv_ex(A, *, check_errors=False, out=None):
    if amp_state.active:
        return autocast_call("linalg_inv_ex", inv_ex, A, check_errors=check_errors, out=out)
    square_float("linalg.inv", A)
    xp = xp_of(A)
    try:
        result = Inv.apply(A, "linalg.inv_ex")
        info = xp.zeros(A.shape[:-2], dtype=xp.int32)
    except LinAlgError:
        if check_errors:
            raise
        info = xp.asarray(lu_info(xp, A._data), dtype=xp.int32)
        result = _nan_like(A, A.shape)
    return write_out_tuple(out, linalg_inv_ex(result, Tensor._make(info, A._device)))


def _nan_like(A, shape):
    """What a failed factorization returns (torch leaves LAPACK's partial output)."""
    return Tensor._make(xp_of(A).full(shape, math.nan, dtype=A._dtype.numpy), A._device)


# ---------------------------------------------------------------- solve

class Solve(Primitive):
    # NOTE: a primitive: LAPACK's gesv (one LU) beats inv(A) @ B in speed and accuracy.
    grad_fn_name = "LinalgSolveExBackward0"
    save_output = True

    @staticmethod
    def forward(ctx, A, B, name="torch.linalg.solve"):
        xp = xp_of(A)
        ctx.save_for_backward(A)
        ctx.b_shape = B.shape
        a, b = _broadcast_batch(xp, A._data, B._data)
        out = _run_lapack(xp, xp.linalg.solve, a, b)
        if out is None:
            _raise_singular(xp, a, a.ndim > 2, _singular_message(name))
        return out

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        grad_b = Solve.apply(mH(A), grad)
        grad_a = None
        if ctx.needs_input_grad[0]:
            grad_a = sum_to(-(grad_b @ mH(ctx.output())), A.shape)
        return grad_a, sum_to(grad_b, ctx.b_shape)


def _is_vector_rhs(A, B):
    # NOTE: torch's rule: B is a (batch of) vector(s) when it is 1-D or has A's
    # shape without its last dim.
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def _solve_checked(name, A, B, left):
    """Validate A and B; returns (B as matrices, is_vector)."""
    square_float(name, A)
    check_same_dtype(name, A, B)
    vector = _is_vector_rhs(A, B)
    # NOTE: torch makes a vector a column even for XA = B (where it rarely fits).
    matrices = B.unsqueeze(-1) if vector else B
    check_matrix(name, matrices, "B")
    n = A.shape[-1]
    if (matrices.shape[-2] if left else matrices.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {equation} "
                           f"({shape_str(A.shape[-2:])} and {shape_str(matrices.shape[-2:])})")
    return matrices, vector


def _solve(A, B, left, name):
    matrices, vector = _solve_checked("linalg.solve", A, B, left)
    if left:
        result = Solve.apply(A, matrices, name)
    else:
        result = mT(Solve.apply(mT(A), mT(matrices), name))
    return result.squeeze(-1) if vector else result


def solve(A, B, *, left=True, out=None):
    if amp_state.active:
        return autocast_call("linalg_solve", solve, A, B=B, left=left, out=out)
    result = _solve(A, B, left, "torch.linalg.solve")
    return result if out is None else write_out(out, result)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    matrices, vector = _solve_checked("linalg.solve", A, B, left)
    xp = xp_of(A)
    batch = broadcast_shapes(A.shape[:-2], matrices.shape[:-2])
    try:
        result = _solve(A, B, left, "torch.linalg.solve_ex")
        info = xp.zeros(batch, dtype=xp.int32)
    except LinAlgError:
        if check_errors:
            raise
        info = xp.asarray(lu_info(xp, xp.broadcast_to(A._data, batch + A.shape[-2:])),
                          dtype=xp.int32)
        shape = batch + matrices.shape[-2:]
        result = _nan_like(A, shape[:-1] if vector else shape)
    return write_out_tuple(out, linalg_solve_ex(result, Tensor._make(info, A._device)))


# ---------------------------------------------------------------- triangular systems

def _substitute(xp, a, b, upper, unitriangular):
    """Solve a X = b for triangular a by substitution, row by row.

    NOTE: like LAPACK's trsm, a zero on the diagonal gives inf/nan rather than an error.
    """
    a, b = _broadcast_batch(xp, a, b)
    n = a.shape[-1]
    x = xp.zeros(b.shape, dtype=b.dtype)
    for i in (range(n - 1, -1, -1) if upper else range(n)):
        known = slice(i + 1, n) if upper else slice(0, i)
        rhs = b[..., i, :] - xp.matmul(a[..., i:i + 1, known], x[..., known, :])[..., 0, :]
        x[..., i, :] = rhs if unitriangular else rhs / a[..., i, i, None]
    return x


class SolveTriangular(Primitive):
    # NOTE: a primitive: substitution costs O(n^2) per column where LU costs O(n^3),
    # and it reads only the given triangle.
    grad_fn_name = "LinalgSolveTriangularBackward0"
    save_output = True

    @staticmethod
    def forward(ctx, A, B, upper, unitriangular):
        ctx.save_for_backward(A)
        ctx.upper, ctx.unitriangular, ctx.b_shape = upper, unitriangular, B.shape
        return _substitute(xp_of(A), A._data, B._data, upper, unitriangular)

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        grad_b = SolveTriangular.apply(mH(A), grad, not ctx.upper, ctx.unitriangular)
        grad_a = None
        if ctx.needs_input_grad[0]:
            grad_a = -(grad_b @ mH(ctx.output()))
            offset = int(ctx.unitriangular)
            grad_a = triu(grad_a, offset) if ctx.upper else tril(grad_a, -offset)
            grad_a = sum_to(grad_a, A.shape)
        return grad_a, sum_to(grad_b, ctx.b_shape), None, None


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    name = "linalg.solve_triangular"
    check_matrix(name, A)
    check_matrix(name, B, "B")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    check_float(name, A)
    check_same_dtype(name, A, B)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {equation} "
                           f"({shape_str(A.shape[-2:])} and {shape_str(B.shape[-2:])})")
    if left:
        result = SolveTriangular.apply(A, B, upper, unitriangular)
    else:
        result = mT(SolveTriangular.apply(mT(A), mT(B), not upper, unitriangular))
    return result if out is None else write_out(out, result)


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """torch.triangular_solve: solves A X = input (A^T X = input with transpose)."""
    if amp_state.active:
        return autocast_call("triangular_solve", triangular_solve,
                             input, A=A, upper=upper, transpose=transpose, unitriangular=unitriangular, out=out)
    coefficient = mT(A) if transpose else A
    solution = solve_triangular(coefficient, input, upper=upper != bool(transpose),
                                unitriangular=unitriangular)
    batch = solution.shape[:-2]
    results = triangular_solve_type(solution, A.expand(batch + A.shape[-2:]).clone())
    return write_out_tuple(out, results)


class CholeskySolve(Primitive):
    """X = A^{-1} B for A = L L^H given L (or U^H U given U when upper), by two
    triangular substitutions. Like torch's, its gradient treats the factor as a full
    matrix: the unused triangle gets gradient too (what A = L L^H would give it)."""
    save_output = True

    @staticmethod
    def forward(ctx, B, factor, upper):
        ctx.save_for_backward(factor)
        ctx.upper, ctx.b_shape = upper, B.shape
        xp, f = xp_of(B), factor._data
        f_h = xp.swapaxes(f, -1, -2)
        f_h = f_h.conj() if f_h.dtype.kind == "c" else f_h
        lower, upper_factor = (f_h, f) if upper else (f, f_h)
        return _substitute(xp, upper_factor, _substitute(xp, lower, B._data, False, False),
                           True, False)

    @staticmethod
    def backward(ctx, grad):
        (factor,) = ctx.saved_tensors
        grad_b = CholeskySolve.apply(grad, factor, ctx.upper)
        grad_factor = None
        if ctx.needs_input_grad[1]:
            common = grad_b @ mH(ctx.output())
            common = common + mH(common)
            grad_factor = -(factor @ common) if ctx.upper else -(common @ factor)
            grad_factor = sum_to(grad_factor, factor.shape)
        return sum_to(grad_b, ctx.b_shape), grad_factor, None


def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solves A X = input for A = L L^H given its Cholesky factor L (input2)."""
    if amp_state.active:
        return autocast_call("cholesky_solve", cholesky_solve,
                             input, input2=input2, upper=upper, out=out)
    for tensor, arg in ((input, "b"), (input2, "u")):
        if tensor.ndim < 2:
            raise RuntimeError(f"{arg} should have at least 2 dimensions, but has {tensor.ndim} "
                               "dimensions instead")
    n = input2.shape[-1]
    if input2.shape[-2] != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{input2.shape[-2]} by {n} matrices")
    if input._dtype is not input2._dtype:
        raise RuntimeError("Expected b and A to have the same dtype, but found b of type "
                           f"{type_name(input._dtype)} and A of type "
                           f"{type_name(input2._dtype)} instead.")
    if not (input._dtype.is_floating_point or input._dtype.is_complex) or \
            input._dtype in (dtypes.float16, dtypes.bfloat16):
        raise NotImplementedError(f'"cholesky_solve_cpu" not implemented for '
                                  f"'{type_name(input._dtype)}'")
    if input.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {n} "
                           f"by {n} but each b matrix is {input.shape[-2]} by {input.shape[-1]}")
    result = CholeskySolve.apply(input, input2, upper)
    return result if out is None else write_out(out, result)


def cholesky_inverse(input, upper=False, *, out=None):
    if amp_state.active:
        return autocast_call("cholesky_inverse", cholesky_inverse,
                             input, upper=upper, out=out)
    result = cholesky_solve(eye_like(input).expand(input.shape), input, upper)
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- det, slogdet

def _scaled_inverse_h(A, scale):
    """scale * A^{-H} for a batch of scalars, as a solve (differentiable twice)."""
    identity = eye_like(A)
    return Solve.apply(mH(A), scale.unsqueeze(-1).unsqueeze(-1) * identity)


def _singular_det_grad(A, scale):
    """scale * adj(A)^H through the SVD, which stays finite for singular A.

    NOTE: built on arrays: its own derivative (needed only for double backward at
    a singular matrix) is not tracked.
    """
    xp = xp_of(A)
    u, s, vh = xp.linalg.svd(A._data)
    n = s.shape[-1]
    others = xp.where(xp.eye(n, dtype=bool), 1, s[..., None, :]).prod(-1)
    phase = xp.linalg.det(u) * xp.linalg.det(vh)
    cofactor = xp.matmul(u * others[..., None, :], vh) * xp.conj(phase)[..., None, None]
    return scale.unsqueeze(-1).unsqueeze(-1) * Tensor._make(cofactor, A._device)


class Det(Primitive):
    # NOTE: a primitive: one LU gives det, and the gradient det * A^{-H} needs a
    # separate path at singular matrices.
    grad_fn_name = "LinalgDetBackward0"
    save_output = True

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return xp_of(A).linalg.det(A._data)

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        det = ctx.output()
        scale = grad * conj(det)
        if bool((det._data == 0).any()):
            return _singular_det_grad(A, scale)
        return _scaled_inverse_h(A, scale)


def det(A, *, out=None):
    square_float("linalg.det", A)
    result = Det.apply(A)
    return result if out is None else write_out(out, result)


class Slogdet(Primitive):
    # NOTE: a primitive: LAPACK's LU gives sign and log|det| without overflow.
    grad_fn_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        sign, logabsdet = xp_of(A).linalg.slogdet(A._data)
        save_outputs(ctx, A._device, sign, logabsdet)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):
        (A,) = ctx.saved_tensors
        scale = grad_logabsdet
        if A.is_complex():
            # d sign = sign * i Im(d log det): the sign's gradient enters as an
            # imaginary part of the scale.
            sign = outputs(ctx)[0]
            scale = scale - 1j * (sign * conj(grad_sign)).imag
        return _scaled_inverse_h(A, scale)


def slogdet(A, *, out=None):
    square_float("linalg.slogdet", A)
    return write_out_tuple(out, linalg_slogdet(*Slogdet.apply(A)))


def logdet(input):
    """log(det(A)): nan (with a zero gradient) for a negative determinant."""
    square_float("logdet", input)
    sign, logabsdet = Slogdet.apply(input)
    if input.is_complex():
        return logabsdet + sign.log()
    from .pointwise import where
    return where(sign.detach() < 0, math.nan, logabsdet)


# ---------------------------------------------------------------- pinv

def _pinv_array(xp, a, atol, rtol, hermitian):
    """Pseudo-inverse with singular values at or below max(atol, rtol * largest) dropped."""
    if hermitian:
        w, v = xp.linalg.eigh(a)
        size = xp.abs(w)
        left, right = v, v
    else:
        left, size, vh = xp.linalg.svd(a, full_matrices=False)
        right = vh.conj().swapaxes(-1, -2)
        w = size
    if size.shape[-1] == 0:
        return xp.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), dtype=a.dtype)
    largest = size.max(-1, keepdims=True)
    threshold = xp.maximum(atol[..., None], rtol[..., None] * largest)
    keep = size > threshold
    inverse = xp.where(keep, 1 / xp.where(keep, w, 1), 0).astype(a.dtype)
    return xp.matmul(right * inverse[..., None, :], left.conj().swapaxes(-1, -2))


class Pinv(Primitive):
    # NOTE: a primitive: its closed-form gradient (Golub and Pereyra) holds at repeated
    # singular values, where the SVD's gradient does not.
    grad_fn_name = "LinalgPinvBackward0"
    save_output = True

    @staticmethod
    def forward(ctx, A, atol, rtol, hermitian):
        ctx.save_for_backward(A)
        return _pinv_array(xp_of(A), A._data, atol, rtol, hermitian)

    @staticmethod
    def backward(ctx, grad):
        # d(A+) = -A+ dA A+ + A+ A+^H dA^H (I - A A+) + (I - A+ A) dA^H A+^H A+
        (A,) = ctx.saved_tensors
        p = ctx.output()
        p_h, grad_h = mH(p), mH(grad)
        left = grad_h @ (p @ p_h)
        right = (p_h @ p) @ grad_h
        return (-(p_h @ grad @ p_h) + left - A @ (p @ left)
                + right - right @ (p @ A))


def _tolerances(A, atol, rtol, default_rtol):
    """torch's rule: rtol defaults to eps * max(m, n), or 0 when atol > 0 is given."""
    xp = xp_of(A)
    real = A._dtype.to_real()
    batch = A.shape[:-2]

    def as_array(value):
        data = value._data if isinstance(value, Tensor) else value
        return xp.broadcast_to(xp.asarray(data, dtype=real.numpy), batch)

    if rtol is None:
        positive_atol = atol is not None and bool((xp.asarray(as_array(atol)) > 0).any())
        rtol = 0.0 if positive_atol else default_rtol
    return as_array(0.0 if atol is None else atol), as_array(rtol)


def _eps_rtol(A):
    return dtypes.finfo(A._dtype.to_real()).eps * max(A.shape[-2], A.shape[-1])


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    if not isinstance(A, Tensor) or A.ndim < 2 or not (
            A._dtype in (dtypes.float32, dtypes.float64) or A._dtype.is_complex):
        kind = type_name(A._dtype) if isinstance(A, Tensor) else type(A).__name__
        shape = list(A.shape) if isinstance(A, Tensor) else []
        raise RuntimeError(f"linalg.pinv({kind}{{{shape}}}): expected a tensor with 2 or more "
                           "dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        atol, rtol = 0.0, rcond
    atol, rtol = _tolerances(A, atol, rtol, _eps_rtol(A))
    result = Pinv.apply(A, atol, rtol, hermitian)
    return result if out is None else write_out(out, result)


def pinverse(input, rcond=1e-15):
    if amp_state.active:
        return autocast_call("pinverse", pinverse, input, rcond=rcond)
    return pinv(input, rcond=rcond)


# ---------------------------------------------------------------- matrix_exp

# Pade [13/13] coefficients and the norm bound below which it is accurate (Higham 2005).
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(xp, a):
    """exp(a) by scaling and squaring with a [13/13] Pade approximant."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    norm = xp.abs(a).sum(-2).max(-1).astype(xp.float64)
    norm = xp.where(xp.isfinite(norm), xp.maximum(norm, _THETA13), _THETA13)
    squarings = xp.ceil(xp.log2(norm / _THETA13)).astype(xp.int64)
    a = a / (2.0 ** squarings)[..., None, None].astype(a.real.dtype)
    b = _PADE13
    identity = xp.eye(n, dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2)
             + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * identity)
    v = (a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2)
         + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * identity)
    result = xp.linalg.solve(v - u, v + u)
    for step in range(int(to_host(xp, squarings).max(initial=0))):
        result = xp.where((squarings > step)[..., None, None], result @ result, result)
    return result


class MatrixExp(Primitive):
    # NOTE: a primitive: scaling and squaring is far cheaper than a composite series,
    # and the gradient is one more exp of a block matrix.
    grad_fn_name = "LinalgMatrixExpBackward0"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _expm(xp_of(A), A._data)

    @staticmethod
    def backward(ctx, grad):
        # exp([[A^H, G], [0, A^H]]) holds the adjoint of the Frechet derivative
        # in its upper-right block.
        from .shape import cat
        (A,) = ctx.saved_tensors
        n = A.shape[-1]
        a_h = mH(A).expand(grad.shape)
        zero = grad.new_zeros(grad.shape)
        block = cat([cat([a_h, grad], -1), cat([zero, a_h], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


def matrix_exp(A):
    square_float("linalg.matrix_exp", A)
    return MatrixExp.apply(A)


__all__ = ["LinAlgError", "inv", "inv_ex", "solve", "solve_ex", "solve_triangular",
           "triangular_solve", "cholesky_solve", "cholesky_inverse", "det", "slogdet",
           "logdet", "pinv", "pinverse", "matrix_exp"]
