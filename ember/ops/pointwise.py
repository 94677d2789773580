"""Elementwise math, gathered from its topic modules:

  pointwise_base      dtype rules, primitive factories, comparisons, where, max/min, clamp
  pointwise_unary     exp/log families, powers, trigonometric/hyperbolic, sigmoid, logit,
                      sinc, relu, abs, sign
  pointwise_special   erf, erfc, erfinv, lgamma, digamma, polygamma, mvlgamma
  pointwise_rounding  floor, ceil, trunc, round, frac, fmod, remainder, rounded division
  pointwise_binary    atan2, hypot, fmax/fmin, copysign, xlogy, lerp, addcmul/addcdiv,
                      float_power, nan_to_num, isclose/allclose/equal, ...
  pointwise_logical   logical and bitwise ops, shifts, isnan/isinf/..., signbit

This module is the one registered in ``ops.MODULES``: its ``__all__`` and
``TENSOR_METHODS`` are the union of theirs, and it re-exports their names so that
``from .pointwise import where`` keeps working for other op modules.
"""
from . import (pointwise_base, pointwise_binary, pointwise_logical, pointwise_rounding,
               pointwise_special, pointwise_unary)
from .pointwise_base import _float_input, where  # noqa: F401  (used by other modules)
from .pointwise_rounding import _rounded_div  # noqa: F401  (used by arithmetic.div)

_PARTS = (pointwise_base, pointwise_unary, pointwise_special, pointwise_rounding,
          pointwise_binary, pointwise_logical)

TENSOR_METHODS = {}
__all__ = []
for _part in _PARTS:
    TENSOR_METHODS.update(_part.TENSOR_METHODS)
    __all__.extend(_part.__all__)
    globals().update({name: getattr(_part, name) for name in _part.__all__})
del _part
