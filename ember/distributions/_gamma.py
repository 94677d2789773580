"""Standard Gamma draws with an implicit reparameterisation gradient.

A Gamma(alpha, 1) sample x = F^-1(u; alpha) has no closed-form inverse CDF, but for a
fixed u the implicit function theorem gives

    dx/dalpha = -(dF/dalpha)(x; alpha) / f(x; alpha),

F the regularised lower incomplete gamma P(alpha, x) and f the density. Draws come
from NumPy's gamma sampler through an ember Generator; the derivative is computed on
the host in float64: P (or its complement Q) from its power series (or continued
fraction), dP/dalpha by a central difference in alpha (relative accuracy ~1e-8).
"""
import numpy

import ember
from ember._random import generator_for
from ember.autograd.graph import Primitive
from ember.backend.special import special_fn
from ember.ops._util import backend_of

_lgamma = special_fn("lgamma", numpy)
_MAX_TERMS = 100000  # enough for alpha up to ~1e8 (terms needed grow like sqrt(alpha))
_REL_STEP = 1e-5     # relative step of the central difference in alpha


def _log_series_p(a, x):
    """log P(a, x) = a log x - x - lgamma(a + 1) + log sum_n x^n / ((a+1)...(a+n))."""
    term = numpy.ones_like(x)
    total = numpy.ones_like(x)
    for n in range(1, _MAX_TERMS):
        term = term * x / (a + n)
        total = total + term
        if not (term > 1e-17 * total).any():
            break
    with numpy.errstate(divide="ignore"):
        return a * numpy.log(x) - x - _lgamma(a + 1) + numpy.log(total)


def _log_fraction_q(a, x):
    """log Q(a, x) = a log x - x - lgamma(a) - log of the continued fraction
    x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...)), by Lentz's
    method (good for x >= a + 1)."""
    tiny = 1e-300
    b = x + 1 - a
    c = numpy.full_like(x, 1 / tiny)
    d = 1 / b
    h = d.copy()
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = numpy.where(numpy.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = numpy.where(numpy.abs(c) < tiny, tiny, c)
        d = 1 / d
        delta = d * c
        h = h * delta
        if not (numpy.abs(delta - 1) > 1e-15).any():
            break
    return a * numpy.log(x) - x - _lgamma(a) + numpy.log(h)


def standard_gamma_grad(x, alpha):
    """d x / d alpha for standard Gamma samples x (host float64 arrays)."""
    x = numpy.asarray(x, dtype=numpy.float64)
    shape = x.shape
    alpha = numpy.broadcast_to(numpy.asarray(alpha, dtype=numpy.float64), shape)
    x, alpha = x.ravel(), alpha.ravel()
    log_pdf = (alpha - 1) * numpy.log(x) - x - _lgamma(alpha)
    h = _REL_STEP * alpha
    grad = numpy.empty_like(x)
    lower = x < alpha + 1  # the series for P converges fast here, the fraction for Q above
    for mask, log_tail, sign in ((lower, _log_series_p, -1.0), (~lower, _log_fraction_q, 1.0)):
        if not mask.any():
            continue
        a, xs, lp, step = alpha[mask], x[mask], log_pdf[mask], h[mask]
        # (tail(a + h) - tail(a - h)) / (2 h pdf), each tail divided by the pdf in log
        # space: both may underflow on their own (tiny x, far tails).
        diff = numpy.exp(log_tail(a + step, xs) - lp) - numpy.exp(log_tail(a - step, xs) - lp)
        grad[mask] = sign * diff / (2 * step)
    return grad.reshape(shape)


class _StandardGamma(Primitive):
    """Gamma(concentration, 1) draws."""
    # NOTE: a primitive: a random draw has no composite, and its gradient (the implicit
    # reparameterisation above) comes from the host, not from ember ops. Like torch's,
    # it is not differentiable twice.
    grad_fn_name = "StandardGammaBackward0"

    @staticmethod
    def forward(ctx, concentration, generator):
        backend = backend_of(concentration)
        alpha = backend.to_numpy(concentration._data).astype(numpy.float64)
        gen = generator_for(concentration._device, generator)
        dtype = concentration.dtype.numpy
        host = []

        def draw(rng):
            # Tiny concentrations underflow to 0; keep samples in the open support.
            values = numpy.maximum(rng.standard_gamma(alpha).astype(dtype),
                                   numpy.finfo(dtype).tiny)
            host.append(values)
            return values

        array = gen._draw(concentration._device, draw)
        ctx.alpha, ctx.draws = alpha, host[0]
        return array

    @staticmethod
    def backward(ctx, grad):
        dx_dalpha = standard_gamma_grad(ctx.draws, ctx.alpha)
        local = ember.tensor(dx_dalpha, dtype=grad.dtype, device=grad.device)
        return grad * local, None


def _standard_gamma(concentration, generator=None):
    """Gamma(concentration, 1) samples of concentration's shape, reparameterised."""
    return _StandardGamma.apply(concentration, generator)


def _regularized_lower(a, x):
    """P(a, x) on host float64 arrays (a > 0; x >= 0, inf allowed)."""
    a, x = numpy.broadcast_arrays(numpy.asarray(a, numpy.float64),
                                  numpy.asarray(x, numpy.float64))
    out = numpy.zeros(a.shape)
    lower = (x < a + 1) & (x > 0)
    upper = (x >= a + 1) & numpy.isfinite(x)
    if lower.any():
        out[lower] = numpy.exp(_log_series_p(a[lower], x[lower]))
    if upper.any():
        out[upper] = -numpy.expm1(_log_fraction_q(a[upper], x[upper]))
    out[x == numpy.inf] = 1.0
    out[numpy.isnan(a) | numpy.isnan(x) | (x < 0)] = numpy.nan
    return out


class _GammaInc(Primitive):
    """The regularised lower incomplete gamma function P(a, x) (torch.special.gammainc)."""
    # NOTE: a primitive: NumPy has no incomplete gamma; the series / continued fraction
    # run on the host. Its derivative in x is the Gamma(a, 1) density; like torch's,
    # the one in a is not implemented.
    grad_fn_name = "SpecialGammaincBackward0"

    @staticmethod
    def forward(ctx, a, x):
        backend = backend_of(x)
        values = _regularized_lower(backend.to_numpy(a._data), backend.to_numpy(x._data))
        ctx.save_for_backward(a, x)
        return backend.from_numpy(values.astype(x.dtype.numpy))

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        density = ((a - 1) * x.log() - x - a.lgamma()).exp()
        return None, grad * density


def gammainc(a, x):
    """P(a, x) = gamma(a, x) / Gamma(a), the CDF of Gamma(a, 1) at x."""
    a, x = ember.broadcast_tensors(a, x)
    return _GammaInc.apply(a, x)
