"""Parametrizations built on ``parametrize``: orthogonal, weight_norm, spectral_norm.

State_dict keys follow torch: ``parametrizations.weight.original`` (spectral_norm,
orthogonal), ``parametrizations.weight.original0/1`` (weight_norm's g and v), and the
spectral norm's power-iteration vectors ``parametrizations.weight.0._u/_v``.
"""
import itertools
from enum import Enum, auto

from ... import _dtype as dtypes
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.creation import eye
from ...ops.shape import cat
from .. import functional as F
from ..modules.module import Module
from . import parametrize

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# ---------------------------------------------------------------- orthogonal

def _householder_product(vectors, tau):
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H with v_i the i-th
    column of ``vectors`` below the diagonal and a unit diagonal (LAPACK's orgqr), as a
    differentiable composite."""
    n, k = vectors.shape[-2], vectors.shape[-1]
    identity = eye(n, dtype=vectors.dtype, device=vectors.device)
    below = vectors.tril(-1) + identity[:, :k]
    q = identity[:, :k].expand(vectors.shape).clone()
    for i in range(k - 1, -1, -1):
        v = below[..., :, i:i + 1]
        q = q - (v * tau[..., i:i + 1].unsqueeze(-1)).matmul(v.mH.matmul(q))
    return q


def _qr_positive(a):
    """Q of the QR decomposition with R's diagonal made positive (torch's
    geqrf + householder_product + sign fix)."""
    from ...linalg import qr
    q, r = qr(a)
    return q * r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _is_orthogonal(q):
    n, k = q.shape[-2], q.shape[-1]
    identity = eye(k, dtype=q.dtype, device=q.device)
    eps = 10.0 * n * dtypes.finfo(q.dtype).eps
    return bool((q.mH @ q).allclose(identity, atol=eps))


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    """Maps an unconstrained matrix to an orthogonal one (or a matrix with orthonormal
    columns/rows when it is not square)."""

    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            q = self._skew_map(X, n, k)
        else:
            a = X.tril(-1)
            tau = 2.0 / (1.0 + (a * a).sum(-2))
            q = _householder_product(a, tau)
            # NOTE: torch scales by the integer part of X's diagonal (int() truncates).
            q = q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            q = self.base @ q
        return q.mT if transposed else q

    def _skew_map(self, X, n, k):
        X = X.tril()
        if n != k:
            X = cat([X, X.new_zeros((n, n - k)).expand(*X.shape[:-2], -1, -1)], -1)
        a = X - X.mH
        if self.orthogonal_map == _OrthMaps.matrix_exp:
            q = a.matrix_exp()
        else:
            from ...linalg import solve
            identity = eye(n, dtype=a.dtype, device=a.device)
            q = solve(identity - a * 0.5, identity + a * 0.5)
        return q[..., :k] if n != k else q

    @no_grad()
    def right_inverse(self, Q):
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError("It is not possible to assign to the matrix "
                                          "exponential or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            a = _householder_vectors(Q)
            return a.mT if transpose else a
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _qr_positive(Q)
        else:
            from ...ops.random import randn
            noise = randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype, device=Q.device)
            Q = _qr_positive(cat([Q, noise], -1))
        self.base = Q
        neg_identity = q_init.new_zeros(q_init.shape)
        neg_identity.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return neg_identity


def _householder_vectors(Q):
    """geqrf's packed reflectors of Q, with the diagonal replaced by the signs of R's
    diagonal (flipped where tau == 0), as torch's right_inverse without trivialization."""
    from ...ops._util import xp_of
    xp = xp_of(Q)
    data = Q._data
    packed = xp.empty_like(data)
    taus = xp.empty(data.shape[:-2] + (data.shape[-1],), dtype=data.dtype)
    for index in itertools.product(*map(range, data.shape[:-2])):
        h, tau = xp.linalg.qr(data[index], mode="raw")
        packed[index] = h.T
        taus[index] = tau
    diag = xp.sign(xp.diagonal(packed, axis1=-2, axis2=-1)) * xp.where(taus == 0.0, -1.0, 1.0)
    idx = xp.arange(packed.shape[-1])
    packed[..., idx, idx] = diag
    return Tensor._make(packed, Q.device)


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Parametrize module.<name> as an orthogonal (or semi-orthogonal) matrix."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of "
                         f"{weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


# ---------------------------------------------------------------- weight norm

def _norm_except_dim(v, dim):
    """The 2-norm of v over every dimension but dim (kept as size 1); the whole
    tensor's norm when dim is -1."""
    if dim == -1:
        return v.norm()
    dims = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(2, dims, keepdim=True)


def _weight_norm(v, g, dim):
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Parametrize module.<name> as g * v / ||v|| (original0 = g, original1 = v)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def load_legacy_keys(state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs):
        # Checkpoints of the legacy weight_norm name the tensors <name>_g and <name>_v.
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(load_legacy_keys)
    return module


# ---------------------------------------------------------------- spectral norm

class _SpectralNorm(Module):
    """weight / sigma, sigma the largest singular value of weight (as a matrix with dim
    first) estimated by power iteration on the buffers _u, _v (one step per training
    forward)."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                             f"{ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    @no_grad()
    def _power_method(self, weight_mat, n_power_iterations):
        for _ in range(n_power_iterations):
            self._u = F.normalize(weight_mat.mv(self._v), dim=0, eps=self.eps, out=self._u)
            self._v = F.normalize(weight_mat.mH.mv(self._u), dim=0, eps=self.eps, out=self._v)

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = u.vdot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Parametrize module.<name> as weight / sigma(weight)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
