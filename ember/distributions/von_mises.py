"""VonMises(loc, concentration): the circular normal distribution on [-pi, pi)."""
import math

import ember

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]

_SPLIT = 20.0  # below: the power series of I_nu; above: its asymptotic expansion
_SERIES_TERMS = 45
_ASYMPTOTIC_TERMS = 22


def _asymptotic_coefficients(order):
    """c_k of I_nu(x) ~ e^x / sqrt(2 pi x) sum_k c_k x^-k: c_k = -c_(k-1) (4 nu^2 -
    (2k - 1)^2) / (8k)."""
    coefficients = [1.0]
    for k in range(1, _ASYMPTOTIC_TERMS):
        coefficients.append(-coefficients[-1] * (4 * order * order - (2 * k - 1) ** 2) / (8 * k))
    return coefficients


def _log_bessel_series(x, order):
    """log I_nu(x) = nu log(x/2) + logsumexp_k (2k log(x/2) - log k! - log (k + nu)!)."""
    k = ember.arange(_SERIES_TERMS, dtype=x.dtype, device=x.device)
    log_factorials = ember.tensor([math.lgamma(i + 1) + math.lgamma(i + order + 1)
                                   for i in range(_SERIES_TERMS)], dtype=x.dtype,
                                  device=x.device)
    log_half = (x / 2).clamp(min=ember.finfo(x.dtype).tiny).log()
    terms = 2 * k * log_half.unsqueeze(-1) - log_factorials
    return ember.logsumexp(terms, dim=-1) + order * log_half


def _log_bessel_asymptotic(x, order):
    coefficients = ember.tensor(_asymptotic_coefficients(order), dtype=x.dtype,
                                device=x.device)
    k = ember.arange(_ASYMPTOTIC_TERMS, dtype=x.dtype, device=x.device)
    total = (coefficients * x.reciprocal().unsqueeze(-1) ** k).sum(-1)
    return x - 0.5 * (2 * math.pi * x).log() + total.log()


def _log_modified_bessel_fn(x, order=0):
    """log I_order(x) for x > 0, order 0 or 1, accurate to ~1e-15 relative."""
    if order not in (0, 1):
        raise AssertionError(f"order must be 0 or 1, got {order}")
    # Each branch sees inputs clamped into its own range, so the one not taken stays
    # finite and contributes a zero (not NaN) gradient.
    small = _log_bessel_series(x.clamp(max=_SPLIT), order)
    large = _log_bessel_asymptotic(x.clamp(min=_SPLIT), order)
    return ember.where(x < _SPLIT, small, large)


def _rejection_sample(loc, concentration, proposal_r, shape):
    """Best & Fisher's (1979) wrapped-Cauchy envelope rejection sampler."""
    x = ember.zeros(shape, dtype=loc.dtype, device=loc.device)
    done = ember.zeros(shape, dtype=ember.bool, device=loc.device)
    while not done.all():
        u1, u2, u3 = ember.rand((3,) + tuple(shape), dtype=loc.dtype,
                                device=loc.device).unbind()
        z = ember.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        x = ember.where(accept & ~done, (u3 - 0.5).sign() * f.acos(), x)
        done = done | accept
    return (x + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(VonMises, _instance)
        return self._expand_params(new, batch_shape, "loc", "concentration")

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * ember.cos(value - self.loc) - math.log(2 * math.pi)
                - _log_modified_bessel_fn(self.concentration, order=0))

    @lazy_property
    def _loc(self):
        return self.loc.to(ember.double)

    @lazy_property
    def _concentration(self):
        return self.concentration.to(ember.double)

    @lazy_property
    def _proposal_r(self):
        kappa = self._concentration
        tau = 1 + (1 + 4 * kappa ** 2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        proposal_r = (1 + rho ** 2) / (2 * rho)
        # For tiny kappa the formula cancels catastrophically; use its Taylor expansion.
        return ember.where(kappa < 1e-5, 1 / kappa + kappa, proposal_r)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        with ember.no_grad():
            return _rejection_sample(self._loc, self._concentration, self._proposal_r,
                                     shape).to(self.loc.dtype)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        # The circular variance 1 - I_1(kappa) / I_0(kappa).
        return 1 - (_log_modified_bessel_fn(self.concentration, order=1)
                    - _log_modified_bessel_fn(self.concentration, order=0)).exp()
