"""What HalfNormal and HalfCauchy share: |X| for X from a distribution symmetric
about 0 with a ``scale``, so that density, cdf and icdf fold onto [0, inf)."""
import math

import ember

from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform


class _HalfDistribution(TransformedDistribution):
    # torch's HalfCauchy (not HalfNormal) casts log_prob's value to scale's dtype/device.
    _cast_log_prob_value = False

    def __init__(self, base_dist, validate_args=None):
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mode(self):
        return ember.zeros_like(self.scale)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        if self._cast_log_prob_value:
            value = ember.as_tensor(value, dtype=self.scale.dtype, device=self.scale.device)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return ember.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)
