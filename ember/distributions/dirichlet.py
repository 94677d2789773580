"""Dirichlet(concentration): distributions on the simplex."""
import ember

from . import constraints
from ._gamma import _standard_gamma
from .exp_family import ExponentialFamily
from ..nn import functional as F

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = ember.Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        return self._finish_expand(new, batch_shape, self.event_shape)

    def rsample(self, sample_shape=()):
        # NOTE: normalised Gamma draws; each draw carries its implicit gradient, so the
        # chain rule through the normalisation gives a valid pathwise gradient (torch
        # instead differentiates the marginal Beta CDFs: the same in expectation).
        gammas = _standard_gamma(self.concentration.expand(self._extended_shape(sample_shape)))
        x = gammas / gammas.sum(-1, True)
        x.detach().clamp_(min=ember.finfo(x.dtype).tiny)
        return x

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (ember.xlogy(self.concentration - 1.0, value).sum(-1)
                + ember.lgamma(self.concentration.sum(-1))
                - ember.lgamma(self.concentration).sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        minus_one = (self.concentration - 1).clamp(min=0.0)
        mode = minus_one / minus_one.sum(-1, True)
        # All concentrations below 1: the density peaks at the vertex of the largest.
        vertex = F.one_hot(mode.argmax(dim=-1), minus_one.shape[-1]).to(mode)
        corner = (self.concentration < 1).all(dim=-1, keepdim=True)
        return ember.where(corner, vertex, mode)

    @property
    def variance(self):
        total = self.concentration.sum(-1, True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def entropy(self):
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (ember.lgamma(self.concentration).sum(-1) - ember.lgamma(a0)
                - (k - a0) * ember.digamma(a0)
                - ((self.concentration - 1.0) * ember.digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        return x.lgamma().sum(-1) - ember.lgamma(x.sum(-1))
