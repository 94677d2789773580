"""Special functions: erf, erfc, erfinv, lgamma, digamma, polygamma, mvlgamma.

The kernels come from ``ember.backend.special`` (SciPy/CuPy when present, ember's
own NumPy implementations otherwise). NOTE: primitives because no composite of
NumPy functions computes them; each derivative is again a special function (or an
exp), so double backward works.
"""
import math

from ..autograd.graph import Primitive
from ..backend.special import special_fn
from ._util import apply_inplace, write_out, xp_of
from .pointwise_base import (_float_input, inplace, not_implemented, require_tensor,
                             run_kernel, unary_function, unary_primitive)

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _special_kernel(name):
    def kernel(xp, a):
        return special_fn(name, xp)(a).astype(a.dtype, copy=False)
    return kernel


Erf = unary_primitive("Erf", _special_kernel("erf"),
                      lambda x: (-x * x).exp() * _TWO_OVER_SQRT_PI)
Erfc = unary_primitive("Erfc", _special_kernel("erfc"),
                       lambda x: (-x * x).exp() * -_TWO_OVER_SQRT_PI)
Erfinv = unary_primitive("Erfinv", _special_kernel("erfinv"),
                         lambda y: (y * y).exp() / _TWO_OVER_SQRT_PI, True)
Lgamma = unary_primitive("Lgamma", _special_kernel("lgamma"), lambda x: digamma(x))
Digamma = unary_primitive("Digamma", _special_kernel("digamma"), lambda x: polygamma(1, x))

erf = unary_function(Erf, "erf", complex_kernel="erf_vml_cpu")
erfc = unary_function(Erfc, "erfc", complex_kernel="erfc_vml_cpu")
erfinv = unary_function(Erfinv, "erfinv", complex_kernel="erfinv_vml_cpu")
lgamma = unary_function(Lgamma, "lgamma", complex_kernel="lgamma_vml_cpu")
digamma = unary_function(Digamma, "digamma", complex_kernel="digamma")


class Polygamma(Primitive):
    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n

        def kernel(xp, a):
            return special_fn("polygamma", xp)(n, a).astype(a.dtype, copy=False)
        return run_kernel(kernel, xp_of(x), x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * polygamma(ctx.n + 1, x)


def polygamma(n, input, *, out=None):
    require_tensor(input, "polygamma", position=2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = _float_input(input)
    if x._dtype.is_complex:
        raise not_implemented("polygamma" if n else "digamma", x._dtype)
    result = Polygamma.apply(x, int(n))
    return result if out is None else write_out(out, result)


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma: sum_j lgamma(x - j/2) + p (p-1)/4 log(pi)."""
    require_tensor(input, "mvlgamma")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _float_input(input)
    result = lgamma(x)
    for j in range(1, p):
        result = result + lgamma(x - j / 2)
    result = result + p * (p - 1) / 4 * math.log(math.pi)
    return result if out is None else write_out(out, result)


_FUNCTIONS = dict(erf=erf, erfc=erfc, erfinv=erfinv, lgamma=lgamma, digamma=digamma)

TENSOR_METHODS = dict(
    _FUNCTIONS, **{name + "_": inplace(fn) for name, fn in _FUNCTIONS.items()},
    polygamma=lambda self, n: polygamma(n, self),
    polygamma_=lambda self, n: apply_inplace(self, lambda x: polygamma(n, x)),
    mvlgamma=mvlgamma, mvlgamma_=inplace(mvlgamma),
)

__all__ = list(_FUNCTIONS) + ["polygamma", "mvlgamma"]
