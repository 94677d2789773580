"""Matrix decompositions: cholesky, qr, eigh, eig, svd (torch.linalg's names), each a
primitive over the backend's LAPACK with the standard matrix-calculus backward,
written with ember ops so double backward works.
"""
from .._tensor import Tensor
from ..autograd.graph import Primitive
from ._linalg_common import (LAPACK_ERROR, LinAlgError, all_finite, check_float,
                             check_matrix, cholesky_factor, conj, defined, diag_embed,
                             diagonal, eye_like, mH, outputs, raise_for_info, real,
                             save_outputs, square_float, tril)
from ._util import write_out, xp_of
from .linalg_solve import solve, solve_triangular
from .reduction import return_type, write_out_tuple
from ..amp.autocast_mode import autocast_call, state as amp_state

linalg_cholesky_ex = return_type("linalg_cholesky_ex", ["L", "info"])
linalg_qr = return_type("linalg_qr", ["Q", "R"])
linalg_eigh = return_type("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_eig = return_type("linalg_eig", ["eigenvalues", "eigenvectors"])
linalg_svd = return_type("linalg_svd", ["U", "S", "Vh"])
svd_type = return_type("svd", ["U", "S", "V"])
qr_type = return_type("qr", ["Q", "R"])


# ---------------------------------------------------------------- cholesky

def _not_pd_message(name):
    return lambda order: (f"{name}: The factorization could not be completed because the "
                          f"input is not positive-definite (the leading minor of order "
                          f"{order} is not positive-definite).")


class Cholesky(Primitive):
    # NOTE: a primitive: LAPACK's potrf; lower factor only (upper is its mH).
    grad_fn_name = "LinalgCholeskyExBackward0"
    save_output = True

    @staticmethod
    def forward(ctx, A, name):
        xp = xp_of(A)
        try:
            out = xp.linalg.cholesky(A._data)
        except LAPACK_ERROR:
            out = None
        if out is None or not all_finite(xp, out) and all_finite(xp, A._data):
            _, info = cholesky_factor(xp, A._data)
            raise_for_info(info, A.ndim > 2, _not_pd_message(name))
            if out is None:
                # Rounding let our factorization pass where LAPACK's failed.
                info[...] = A.shape[-1]
                raise_for_info(info, A.ndim > 2, _not_pd_message(name))
        return out

    @staticmethod
    def backward(ctx, grad):
        # A = L L^H: gA = L^{-H} Phi L^{-1}, Phi half the Hermitian matrix whose lower
        # triangle is that of L^H gL.
        L = ctx.output()
        phi = tril(mH(L) @ grad)
        phi = 0.5 * (phi + mH(tril(phi, -1)))
        grad_a = solve_triangular(mH(L), phi, upper=True)
        return solve_triangular(L, grad_a, upper=False, left=False), None


def _cholesky(A, upper, name):
    return mH(Cholesky.apply(mH(A), name)) if upper else Cholesky.apply(A, name)


def cholesky(A, *, upper=False, out=None):
    if amp_state.active:
        return autocast_call("linalg_cholesky", cholesky, A, upper=upper, out=out)
    square_float("linalg.cholesky", A)
    result = _cholesky(A, upper, "linalg.cholesky")
    return result if out is None else write_out(out, result)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    if amp_state.active:
        return autocast_call("linalg_cholesky_ex", cholesky_ex,
                             A, upper=upper, check_errors=check_errors, out=out)
    square_float("linalg.cholesky", A)
    xp = xp_of(A)
    try:
        L = _cholesky(A, upper, "linalg.cholesky_ex")
        info = xp.zeros(A.shape[:-2], dtype=xp.int32)
    except LinAlgError:
        if check_errors:
            raise
        partial, info = cholesky_factor(xp, (mH(A) if upper else A)._data)
        info = xp.asarray(info, dtype=xp.int32)
        L = Tensor._make(partial, A._device)
        L = mH(L) if upper else L
    return write_out_tuple(out, linalg_cholesky_ex(L, Tensor._make(info, A._device)))


def cholesky_deprecated(input, upper=False, *, out=None):
    """torch.cholesky (deprecated in torch in favour of linalg.cholesky)."""
    if amp_state.active:
        return autocast_call("cholesky", cholesky_deprecated, input, upper=upper, out=out)
    square_float("cholesky", input)
    result = _cholesky(input, upper, "cholesky")
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- qr

class QR(Primitive):
    # NOTE: a primitive: LAPACK's Householder QR (geqrf/orgqr), whose signs torch keeps.
    grad_fn_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, A, mode):
        xp = xp_of(A)
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(A._data, mode="r")
            q = xp.zeros((0,), dtype=A._dtype.numpy)
        else:
            q, r = xp.linalg.qr(A._data, mode=mode)
        ctx.save_for_backward()
        save_outputs(ctx, A._device, q, r)
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        Q, R = outputs(ctx)
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when "
                "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                "differentiate through linalg.qr.")
        m, n = Q.shape[-2], R.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_backward_tall(grad_q, grad_r, Q, R), None
        # A = [X | Y] with X = Q R1 square and Y = Q R2: Y feeds Q's gradient.
        from .shape import cat
        Y = Q @ R[..., m:]
        grad_r2 = grad_r[..., m:]
        grad_x = _qr_backward_tall(grad_q + Y @ mH(grad_r2), grad_r[..., :m], Q, R[..., :m])
        return cat([grad_x, Q @ grad_r2], -1), None


def _qr_backward_tall(grad_q, grad_r, Q, R):
    """gA = (gQ + Q copyltu(M)) R^{-H} with M = R gR^H - gQ^H Q (m >= n)."""
    M = R @ mH(grad_r) - mH(grad_q) @ Q
    lower = tril(M, -1)
    # copyltu: the Hermitian matrix holding M's strict lower triangle, with the real
    # part of its diagonal.
    copied = lower + mH(lower) + diag_embed(real(diagonal(M)))
    b = grad_q + Q @ copied
    return solve_triangular(mH(R), b, upper=False, left=False)


def qr(A, mode="reduced", *, out=None):
    if amp_state.active:
        return autocast_call("linalg_qr", qr, A, mode=mode, out=out)
    check_matrix("linalg.qr", A)
    check_float("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    return write_out_tuple(out, linalg_qr(*QR.apply(A, mode)))


def qr_deprecated(input, some=True, *, out=None):
    """torch.qr(input, some=True): reduced or complete QR."""
    return write_out_tuple(out, qr_type(*qr(input, "reduced" if some else "complete")))


# ---------------------------------------------------------------- eigh

def _gap_matrix(values):
    """E[..., i, j] = values_j - values_i, with ones on the diagonal (never divided by)."""
    return values.unsqueeze(-2) - values.unsqueeze(-1) + eye_like(values)


class Eigh(Primitive):
    # NOTE: a primitive: LAPACK's syevd; eigenvalues ascending, as torch returns them.
    grad_fn_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, A, uplo):
        w, v = xp_of(A).linalg.eigh(A._data, UPLO=uplo)
        ctx.save_for_backward()
        save_outputs(ctx, A._device, w, v)
        return w, v

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        # gA = V (diag(gL) + skew(V^H gV) / 2E) V^H: the Hermitian part of the
        # first-order perturbation of the eigenvectors.
        values, V = outputs(ctx)
        inner = 0 if grad_values is None else diag_embed(grad_values.to(V.dtype))
        if defined(grad_vectors):
            vhgv = mH(V) @ grad_vectors
            _check_phase_invariance(vhgv, "linalg.eigh")
            inner = inner + 0.5 * (vhgv - mH(vhgv)) / _gap_matrix(values)
        return V @ inner @ mH(V), None


def _check_phase_invariance(vhgv, name):
    """Complex eigen/singular vectors are defined up to a phase; a loss that depends
    on it has no gradient (torch raises the same error)."""
    if not vhgv.is_complex():
        return
    xp = xp_of(vhgv)
    imaginary = xp.abs(xp.diagonal(vhgv._data, 0, -2, -1).imag)
    scale = float(xp.abs(vhgv._data).max()) if vhgv.numel() else 0.0
    if bool((imaginary > 1e-6 * max(1.0, scale)).any()):
        raise RuntimeError(
            f"{name}: The eigenvectors in the complex case are specified up to multiplication "
            "by e^{i phi}. The specified loss function depends on this quantity, so it is "
            "ill-defined.")


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L", *, out=None):
    if amp_state.active:
        return autocast_call("linalg_eigh", eigh, A, UPLO=UPLO, out=out)
    square_float("linalg.eigh", A)
    _check_uplo(UPLO)
    return write_out_tuple(out, linalg_eigh(*Eigh.apply(A, UPLO)))


def eigvalsh(A, UPLO="L", *, out=None):
    if amp_state.active:
        return autocast_call("linalg_eigvalsh", eigvalsh, A, UPLO=UPLO, out=out)
    square_float("linalg.eigvalsh", A)
    _check_uplo(UPLO)
    result = Eigh.apply(A, UPLO)[0]
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- eig

class Eig(Primitive):
    # NOTE: a primitive: LAPACK's geev; results are complex even for real input.
    grad_fn_name = "LinalgEigBackward0"

    @staticmethod
    def forward(ctx, A):
        xp = xp_of(A)
        complex_type = A._dtype.to_complex().numpy
        w, v = xp.linalg.eig(A._data)
        ctx.real_input = not A.is_complex()
        ctx.save_for_backward()
        w, v = w.astype(complex_type), v.astype(complex_type)
        save_outputs(ctx, A._device, w, v)
        return w, v

    @staticmethod
    def backward(ctx, grad_values, grad_vectors):
        # gA = V^{-H} (diag(gL) + (V^H gV - V^H V Re diag(V^H gV)) / conj(E)) V^H
        values, V = outputs(ctx)
        V_h = mH(V)
        inner = 0 if grad_values is None else diag_embed(grad_values)
        if defined(grad_vectors):
            vhgv = V_h @ grad_vectors
            _check_phase_invariance(vhgv, "linalg.eig")
            off = vhgv - (V_h @ V) * real(diagonal(vhgv)).unsqueeze(-2)
            off = off / _gap_matrix(conj(values))
            inner = inner + off * (1 - eye_like(values))
        grad = solve(V_h, inner @ V_h)
        return real(grad) if ctx.real_input else grad


def eig(A, *, out=None):
    if amp_state.active:
        return autocast_call("linalg_eig", eig, A, out=out)
    square_float("linalg.eig", A)
    return write_out_tuple(out, linalg_eig(*Eig.apply(A)))


def eigvals(A, *, out=None):
    if amp_state.active:
        return autocast_call("linalg_eigvals", eigvals, A, out=out)
    square_float("linalg.eigvals", A)
    result = Eig.apply(A)[0]
    return result if out is None else write_out(out, result)


# ---------------------------------------------------------------- svd

class SVD(Primitive):
    # NOTE: a primitive: LAPACK's gesdd, as torch uses on the CPU.
    grad_fn_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, A, full_matrices):
        u, s, vh = xp_of(A).linalg.svd(A._data, full_matrices=full_matrices)
        ctx.save_for_backward()
        save_outputs(ctx, A._device, u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        U, S, Vh = outputs(ctx)
        k = S.shape[-1]
        # NOTE: with full_matrices, the columns beyond min(m, n) carry no gradient
        # (torch narrows them away too).
        U, Vh = U[..., :k], Vh[..., :k, :]
        grad_u = grad_u[..., :k] if defined(grad_u) else None
        grad_vh = grad_vh[..., :k, :] if defined(grad_vh) else None
        return _svd_backward(grad_u, grad_s, grad_vh, U, S, Vh), None


def _svd_backward(grad_u, grad_s, grad_vh, U, S, Vh):
    """gA = U [F o skew(U^H gU) S + S F o skew(V^H gV) + diag(gS)] V^H + the parts of
    gU, gV outside the spans of U, V; F_jk = 1 / (s_k^2 - s_j^2)."""
    m, n = U.shape[-2], Vh.shape[-1]
    if grad_s is None:
        grad_s = S.new_zeros(S.shape)
    if grad_u is None and grad_vh is None:
        return (U * grad_s.to(U.dtype).unsqueeze(-2)) @ Vh
    gaps = _gap_matrix(S * S)
    row, col = S.unsqueeze(-1), S.unsqueeze(-2)
    inner = 0
    if grad_u is not None:
        uhgu = mH(U) @ grad_u
        uhgu = uhgu - mH(uhgu)
        inner = inner + uhgu / gaps * col
    grad_v = mH(grad_vh) if grad_vh is not None else None
    if grad_v is not None:
        vhgv = Vh @ grad_v
        vhgv = vhgv - mH(vhgv)
        inner = inner + row * (vhgv / gaps)
    inner = inner + diag_embed(grad_s.to(U.dtype))
    if U.is_complex() and grad_u is not None:
        # the imaginary diagonal of U^H gU (the phase shared by u_j and v_j)
        inner = inner + diag_embed(diagonal(uhgu) / (2 * S))
    if m > n and grad_u is not None:
        scaled = grad_u / col
        return (U @ inner + scaled - U @ (mH(U) @ scaled)) @ Vh
    if m < n and grad_v is not None:
        scaled = grad_v / col
        return U @ (inner @ Vh + mH(scaled) - (mH(scaled) @ mH(Vh)) @ Vh)
    return U @ inner @ Vh


def _check_driver(name, A, driver):
    if driver is not None and A.device.type == "cpu":
        raise RuntimeError(f"torch.linalg.{name}: keyword argument `driver=` is only supported "
                           "on CUDA inputs with cuSOLVER backend.")


def svd(A, full_matrices=True, *, driver=None, out=None):
    if amp_state.active:
        return autocast_call("linalg_svd", svd,
                             A, full_matrices=full_matrices, driver=driver, out=out)
    check_matrix("linalg.svd", A)
    check_float("linalg.svd", A)
    _check_driver("svd", A, driver)
    return write_out_tuple(out, linalg_svd(*SVD.apply(A, full_matrices)))


def svdvals(A, *, driver=None, out=None):
    if amp_state.active:
        return autocast_call("linalg_svdvals", svdvals, A, driver=driver, out=out)
    check_matrix("linalg.svdvals", A)
    check_float("linalg.svdvals", A)
    _check_driver("svd", A, driver)
    result = SVD.apply(A, False)[1]
    return result if out is None else write_out(out, result)


def svd_deprecated(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: returns V (not V^H); without compute_uv, U and V are square zeros."""
    if not compute_uv:
        S = svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        batch = input.shape[:-2]
        U = input.new_zeros(batch + (m, m))
        V = input.new_zeros(batch + (n, n))
        return write_out_tuple(out, svd_type(U, S, V))
    U, S, Vh = svd(input, full_matrices=not some)
    return write_out_tuple(out, svd_type(U, S, mH(Vh)))


__all__ = ["cholesky", "cholesky_ex", "qr", "eigh", "eigvalsh", "eig", "eigvals", "svd",
           "svdvals"]
