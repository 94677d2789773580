"""Special functions on backend arrays: erf, erfc, erfinv, lgamma, digamma, polygamma.

NumPy has none of them. ``special_fn(name, xp)`` returns the function for arrays of
the array module ``xp``: ``cupyx.scipy.special`` for CuPy, ``scipy.special`` when SciPy
is installed (it is optional), else ember's own NumPy implementations below
(``FALLBACK``), which reach about 1e-13 relative accuracy in float64 away from the
functions' zeros. Every function takes and returns float64 arrays (callers cast);
polygamma takes ``(n, x)`` with a Python int n.

The fallbacks are series, continued fractions and asymptotic expansions written from
the textbook formulas (Abramowitz & Stegun ch. 6-7), evaluated branch-free: each branch
runs on the whole array with its inputs clipped into its range and ``where`` picks.
"""
import math

import numpy

_SQRT_PI = math.sqrt(math.pi)
_LOG_PI = math.log(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

# Bernoulli numbers B_2, B_4, ..., B_30 (exact fractions as floats).
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330, 854513 / 138, -236364091 / 2730, 8553103 / 6,
              -23749461029 / 870, 8615841276005 / 14322]


def _quiet(fn):
    """Unselected branches may overflow or divide by zero: silence those warnings."""
    def wrapped(*args):
        with numpy.errstate(all="ignore"):
            return fn(*args)
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


# ---------------------------------------------------------------- erf, erfc, erfinv

_ERF_SPLIT = 1.5  # below: power series; above: continued fraction for erfc


def _erf_series(x):
    """erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (2n+1)!! (all terms positive)."""
    x2 = x * x
    term = x.copy()
    total = x.copy()
    for n in range(1, 40):
        term = term * (2 * x2) / (2 * n + 1)
        total = total + term
    return (2 / _SQRT_PI) * numpy.exp(-x2) * total


def _erfc_fraction(x):
    """erfc(x) for x >= 1.5: exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))."""
    x = numpy.minimum(x, 30.0)  # erfc underflows to 0 well before; keeps inf out
    tail = x.copy()
    for k in range(100, 0, -1):
        tail = x + (k / 2) / tail
    # exp(-x^2) with x^2 split so that rounding it does not cost ~x^2 ulps: xh*xh is exact.
    xh = numpy.round(x * 4096) / 4096
    gauss = numpy.exp(-xh * xh) * numpy.exp(-(x - xh) * (x + xh))
    return gauss / (_SQRT_PI * tail)


@_quiet
def erf(x):
    ax = numpy.abs(x)
    small = ax < _ERF_SPLIT
    series = _erf_series(numpy.where(small, x, 0.0))
    tail = 1 - _erfc_fraction(numpy.where(small, _ERF_SPLIT, ax))
    return numpy.where(small, series, numpy.copysign(tail, x))


@_quiet
def erfc(x):
    ax = numpy.abs(x)
    small = ax < _ERF_SPLIT
    near = 1 - _erf_series(numpy.where(small, x, 0.0))
    far = _erfc_fraction(numpy.where(small, _ERF_SPLIT, ax))
    return numpy.where(small, near, numpy.where(x > 0, far, 2 - far))


@_quiet
def erfinv(y):
    """Winitzki's closed-form estimate, then Halley steps on erf (erfc in the tails)."""
    a = 0.147
    ay = numpy.abs(y)
    log_term = numpy.log((1 - ay) * (1 + ay))
    first = 2 / (math.pi * a) + log_term / 2
    x = numpy.sqrt(numpy.sqrt(first * first - log_term / a) - first)
    tail = ay > 0.5
    one_minus = 1 - ay  # exact for ay >= 0.5
    for _ in range(3):
        # Residual erf(x) - |y|, from erfc where erf is close to 1 (no cancellation).
        residual = numpy.where(tail, one_minus - erfc(x), erf(x) - ay)
        slope = (2 / _SQRT_PI) * numpy.exp(-x * x)
        step = residual / slope
        x = x - step / (1 + x * step)  # Halley: f'' / f' = -2x for erf
    x = numpy.where(ay == 1, numpy.inf, x)
    x = numpy.where(ay > 1, numpy.nan, x)
    return numpy.copysign(x, y)


# ---------------------------------------------------------------- Hurwitz zeta

def _hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (q + k)^-s for s > 1 with integral or real s, any real q
    that is not a non-positive integer: direct terms until q + k >= a threshold, then
    the Euler-Maclaurin tail.
    """
    s = numpy.asarray(s, dtype=numpy.float64)
    q = numpy.asarray(q, dtype=numpy.float64)
    start = 12.0 + numpy.max(s, initial=0.0) / 2
    lowest = numpy.min(numpy.where(numpy.isfinite(q), q, start), initial=start)
    # NOTE: the direct sum needs about (start - q) steps; very negative q costs time.
    steps = int(max(0.0, math.ceil(start - lowest)))
    total = numpy.zeros(numpy.broadcast(s, q).shape)
    a = q
    for _ in range(steps):
        add = a < start
        total = total + numpy.where(add, numpy.power(numpy.where(add, a, 1.0), -s), 0.0)
        a = numpy.where(add, a + 1, a)
    tail = a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    rising = s.copy()  # s (s+1) ... (s + 2j - 2)
    power = a ** (-s - 1)
    factorial = 2.0
    for j, bernoulli in enumerate(_BERNOULLI[:12], start=1):
        tail = tail + bernoulli / factorial * rising * power
        rising = rising * (s + 2 * j - 1) * (s + 2 * j)
        power = power / (a * a)
        factorial = factorial * (2 * j + 1) * (2 * j + 2)
    return total + tail


# ---------------------------------------------------------------- lgamma

# lgamma(2 + z) = (1 - gamma) z + sum_{k>=2} (-1)^k (zeta(k) - 1) / k z^k, |z| <= 1/2.
_EULER = 0.57721566490153286061
_K = numpy.arange(2, 40, dtype=numpy.float64)
_LGAMMA2_COEFFS = ((-1.0) ** _K * _hurwitz_zeta(_K, 2.0) / _K)[::-1]


def _lgamma_near2(z):
    total = numpy.zeros_like(z)
    for c in _LGAMMA2_COEFFS:
        total = (total + c) * z
    return (total + (1 - _EULER)) * z


def _lgamma_stirling(x):
    """x >= 8: (x - 1/2) log x - x + log(2 pi)/2 + sum B_2k / (2k (2k-1) x^(2k-1))."""
    inv = 1 / x
    inv2 = inv * inv
    series = numpy.zeros_like(x)
    for k in range(10, 0, -1):
        series = series * inv2 + _BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
    return (x - 0.5) * numpy.log(x) - x + _HALF_LOG_2PI + series * inv


def _lgamma_positive(x):
    """lgamma for x > 0 (other entries give garbage that callers mask)."""
    big = x >= 8
    stirling = _lgamma_stirling(numpy.where(big, x, 8.0))
    # 2.5 <= x < 8: lgamma(x) = lgamma(x - m) + log((x-1)(x-2)...(x-m)), x - m in [1.5, 2.5).
    m = numpy.floor(numpy.where(big, 0.0, x) - 1.5)
    product = numpy.ones_like(x)
    for j in range(1, 7):
        product = numpy.where(j <= m, product * (x - j), product)
    mid = numpy.where(m >= 1, _lgamma_near2(x - m - 2) + numpy.log(product), 0.0)
    # 1.5 <= x < 2.5: the series; 0.5 <= x < 1.5: lgamma(x + 1) - log(x);
    # 0 < x < 0.5: lgamma(x + 2) - log(x + 1) - log(x).
    near = _lgamma_near2(x - 2)
    below = _lgamma_near2(x - 1) - numpy.log1p(x - 1)
    tiny = _lgamma_near2(x) - numpy.log1p(x) - numpy.log(x)
    return numpy.where(big, stirling, numpy.where(
        x >= 2.5, mid, numpy.where(x >= 1.5, near, numpy.where(x >= 0.5, below, tiny))))


def _sinpi_abs(x):
    """|sin(pi x)|, exact argument reduction (x - round(x) is exact in floating point)."""
    return numpy.sin(math.pi * numpy.abs(x - numpy.round(x)))


@_quiet
def lgamma(x):
    positive = x > 0
    direct = _lgamma_positive(numpy.where(positive, x, 1.0))
    # Reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x) for x <= 0.
    reflected_x = numpy.where(positive, 0.0, x)
    reflected = _LOG_PI - numpy.log(_sinpi_abs(reflected_x)) - \
        _lgamma_positive(1 - reflected_x)
    out = numpy.where(positive, direct, reflected)
    return numpy.where(numpy.isinf(x), numpy.inf, out)


# ---------------------------------------------------------------- digamma, polygamma

def _digamma_asymptotic(x):
    """x >= 10: log x - 1/(2x) - sum B_2k / (2k x^2k)."""
    inv2 = 1 / (x * x)
    series = numpy.zeros_like(x)
    for k in range(8, 0, -1):
        series = (series + _BERNOULLI[k - 1] / (2 * k)) * inv2
    return numpy.log(x) - 0.5 / x - series


def _digamma_positive(x):
    # psi(x) = psi(x + m) - sum_{j<m} 1/(x + j), shifting x up to at least 10.
    shifted = x.copy()
    correction = numpy.zeros_like(x)
    for _ in range(10):
        low = shifted < 10
        correction = correction + numpy.where(low, 1 / shifted, 0.0)
        shifted = numpy.where(low, shifted + 1, shifted)
    return _digamma_asymptotic(shifted) - correction


@_quiet
def digamma(x):
    positive = x > 0
    direct = _digamma_positive(numpy.where(positive, x, 1.0))
    # Reflection: psi(x) = psi(1 - x) - pi / tan(pi x); tan has period 1.
    negative_x = numpy.where(positive, 0.5, x)
    reduced = negative_x - numpy.round(negative_x)
    reflected = _digamma_positive(1 - negative_x) - math.pi / numpy.tan(math.pi * reduced)
    out = numpy.where(positive, direct, reflected)
    out = numpy.where((x <= 0) & (reduced == 0), numpy.nan, out)
    # NOTE: torch's convention: psi(+0) = -inf, psi(-0) = +inf.
    out = numpy.where(x == 0, numpy.copysign(numpy.inf, -x), out)
    return numpy.where(x == numpy.inf, numpy.inf, out)


@_quiet
def polygamma(n, x):
    """The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 1."""
    if n == 0:
        return digamma(x)
    pole = (x <= 0) & (x == numpy.floor(x))
    finite = numpy.where(pole | ~numpy.isfinite(x), 1.0, x)
    sign = 1.0 if n % 2 else -1.0
    out = sign * math.factorial(n) * _hurwitz_zeta(float(n + 1), finite)
    out = numpy.where(pole, sign * numpy.inf, out)
    out = numpy.where(x == numpy.inf, sign * 0.0, out)
    return numpy.where(numpy.isnan(x) | (x == -numpy.inf), numpy.nan, out)


FALLBACK = dict(erf=erf, erfc=erfc, erfinv=erfinv, lgamma=lgamma, digamma=digamma,
                polygamma=polygamma)

_SCIPY_NAMES = dict(erf="erf", erfc="erfc", erfinv="erfinv", lgamma="gammaln",
                    digamma="psi", polygamma="polygamma")


def _scipy_special():
    try:
        import scipy.special
    except ImportError:
        return None
    return scipy.special


def special_fn(name, xp):
    """The special function ``name`` for arrays of module xp (numpy or cupy)."""
    if xp is not numpy:
        import cupyx.scipy.special
        return _with_torch_conventions(name, getattr(cupyx.scipy.special, _SCIPY_NAMES[name]),
                                       xp)
    library = _scipy_special()
    if library is None:
        return _in_float64(FALLBACK[name])
    return _with_torch_conventions(name, getattr(library, _SCIPY_NAMES[name]), xp)


def _in_float64(fn):
    """The fallbacks compute in float64; results come back in the input's dtype."""
    def wrapped(*args):
        x = args[-1]
        out = fn(*args[:-1], numpy.asarray(x, dtype=numpy.float64))
        return out.astype(x.dtype, copy=False)
    return wrapped


def _with_torch_conventions(name, fn, xp):
    """SciPy's values at a few special points differ from torch's; follow torch."""
    if name == "erfinv":
        return lambda y: xp.copysign(fn(y), y)  # erfinv(-0.0) is -0.0
    if name == "lgamma":
        def lgamma_fn(x):
            out = fn(x)
            # lgamma(-inf) is +inf; SciPy gives inf for subnormal x, torch -log(x).
            out = xp.where(xp.isinf(x), xp.inf, out)
            with numpy.errstate(all="ignore"):
                return xp.where((x > 0) & (x < 1e-300), -xp.log(x), out)
        return lgamma_fn
    if name == "polygamma":
        def polygamma_fn(n, x):
            out = fn(n, x)
            return xp.where(x == -xp.inf, xp.nan, out) if n else out
        return polygamma_fn
    return fn
