"""Helpers shared by the distributions: parameter broadcasting, probs <-> logits,
lazily computed parameters, and small shape utilities (torch.distributions.utils).
"""
import functools
import numbers

import ember

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "tril_matrix_to_vec", "vec_to_tril_matrix"]


def broadcast_all(*values):
    """Broadcast tensors and numbers together; numbers take the first tensor's dtype
    and device (the default dtype when there is no tensor)."""
    if not all(isinstance(v, (ember.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or "
                         "objects implementing __torch_function__.")
    if not all(isinstance(v, ember.Tensor) for v in values):
        options = dict(dtype=ember.get_default_dtype())
        for value in values:
            if isinstance(value, ember.Tensor):
                options = dict(dtype=value.dtype, device=value.device)
                break
        values = [v if isinstance(v, ember.Tensor) else ember.tensor(v, **options)
                  for v in values]
    return ember.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device):
    return ember.randn(tuple(shape), dtype=dtype, device=device)


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` rightmost dimensions of value."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Log-odds (binary) or unnormalised log-probabilities along the last dim -> probs."""
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp into [eps, 1 - eps] so that logs of probabilities stay finite."""
    eps = ember.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(clamped) - ember.log1p(-clamped)
    return ember.log(clamped)


def _check_one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _set_probs_or_logits(dist, probs, logits, *others):
    """Store whichever of ``probs`` / ``logits`` is given (exactly one must be) on
    ``dist``, under its own name and as ``dist._param``, broadcast together with
    ``others``; the other one is then derived lazily. Returns the broadcast ``others``
    (they come first in the broadcast, so a number parameter takes their dtype)."""
    _check_one_of(probs, logits)
    name, given = ("probs", probs) if probs is not None else ("logits", logits)
    *others, dist._param = broadcast_all(*others, given)
    setattr(dist, name, dist._param)
    return others


def _expand_probs_or_logits(dist, new, shape):
    """The expand() step for probs / logits: ``new`` gets whichever of them ``dist``
    holds (given or already derived), expanded to ``shape``."""
    if "probs" in dist.__dict__:
        new.probs = new._param = dist.probs.expand(shape)
    if "logits" in dist.__dict__:
        new.logits = new._param = dist.logits.expand(shape)


class lazy_property:
    """A parameter computed on first access and then stored on the instance.

    It is a non-data descriptor: the stored instance attribute shadows it afterwards.
    The value is computed with grad enabled, so that e.g. ``probs`` derived from
    ``logits`` carries the graph even when first read under ``no_grad``.
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What the class attribute looks like: a property to documentation tools, a
    lazy_property to Distribution's argument validation (which skips those not yet
    computed)."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def _tril_mask(n, diag, device):
    arange = ember.arange(n, device=device)
    return arange < arange.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular entries (below diagonal ``diag``) of a (batch of) D x D
    matrices, in row order."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag, mat.device)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of tril_matrix_to_vec: vectors -> lower-triangular matrices."""
    # D is the positive root of D**2 + (1 + 2 diag) D - |diag| (diag + 1) - 2 len = 0.
    b = 1 + 2 * diag
    n = (-b + (b * b + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > ember.finfo(vec.dtype).eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be "
                         "expressed as the lower triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(tuple(vec.shape[:-1]) + (n, n))
    mat[..., _tril_mask(n, diag, vec.device)] = vec
    return mat


class _BinaryProbsLogits:
    """Mixin: a success probability ``probs`` and its log-odds ``logits``, each
    computed lazily from the other (the one given is stored by _set_probs_or_logits)."""

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)


class _RelaxedParams:
    """Mixin for a relaxed distribution built as a transform of ``base_dist``: its
    ``temperature``, ``logits`` and ``probs`` are those of the base distribution."""

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs


class _LocationScale:
    """Mixin: the constructor of a location-scale family (Normal, Cauchy, Laplace):
    ``loc`` and ``scale`` broadcast together, their shape the batch shape."""

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.size(), validate_args=validate_args)


class _CategoricalParams:
    """Mixin for a distribution built on a Categorical, ``self._categorical``: its
    ``probs``, ``logits`` and ``param_shape`` are the Categorical's."""

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape

    def _expand_categorical(self, new, batch_shape):
        """The rest of expand(): ``new`` gets the Categorical expanded to batch_shape."""
        batch_shape = ember.Size(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        return self._finish_expand(new, batch_shape, self.event_shape)
