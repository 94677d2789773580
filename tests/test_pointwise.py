"""Elementwise math against torch: values, result dtypes, gradients (gradcheck in
float64), special points, in-place/out= forms, operators and bad input.
"""
import math

import numpy as np
import pytest

from parity import assert_same, check, check_raises, random_array, to_torch, torch
import ember
from ember.backend import special

SHAPES = [(2, 3), (), (0, 3)]
INF, NAN = math.inf, math.nan

# Unary functions with a float result, and an input range inside their domain.
UNARY_FLOAT = {
    "exp": (-2, 2), "exp2": (-2, 2), "expm1": (-2, 2), "log": (0.2, 3), "log2": (0.2, 3),
    "log10": (0.2, 3), "log1p": (-0.8, 3), "sqrt": (0.2, 3), "rsqrt": (0.2, 3),
    "reciprocal": (0.3, 2), "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2),
    "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "atan": (-3, 3), "sinh": (-2, 2),
    "cosh": (-2, 2), "tanh": (-2, 2), "asinh": (-3, 3), "acosh": (1.2, 3),
    "atanh": (-0.9, 0.9), "arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9), "arctan": (-3, 3),
    "arcsinh": (-3, 3), "arccosh": (1.2, 3), "arctanh": (-0.9, 0.9), "sigmoid": (-4, 4),
    "sinc": (-2, 2), "erf": (-2.5, 2.5), "erfc": (-2.5, 2.5), "erfinv": (-0.9, 0.9),
    "lgamma": (0.2, 5), "digamma": (0.2, 5), "logit": (0.05, 0.95), "deg2rad": (-3, 3),
    "rad2deg": (-3, 3),
}
# Unary functions that keep their input's dtype.
UNARY_SAME = {
    "abs": (-2, 2), "sign": (-2, 2), "sgn": (-2, 2), "relu": (-2, 2), "floor": (-3, 3),
    "ceil": (-3, 3), "round": (-3, 3), "trunc": (-3, 3), "fix": (-3, 3), "frac": (-3, 3),
    "square": (-2, 2), "positive": (-2, 2), "nan_to_num": (-2, 2), "neg": (-2, 2),
}
UNARY = {**UNARY_FLOAT, **UNARY_SAME}
# Torch rejects these for complex input (the rest support it).
NO_COMPLEX = {"erf", "erfc", "erfinv", "lgamma", "digamma", "logit", "deg2rad", "rad2deg",
              "sign", "relu", "floor", "ceil", "round", "trunc", "fix", "frac"}
DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int32, ember.int64, ember.float16,
          ember.bfloat16, ember.float32, ember.complex64]


def outcome(fn, module, *args):
    """fn's result, or the exception it raised."""
    try:
        return fn(module, *args)
    except Exception as exc:  # noqa: BLE001 - compared with torch's below
        return exc


def same_outcome(fn, *arrays, rtol=1e-5, atol=1e-6, dtype=None):
    """ember and torch agree: same exception type, or same values and dtype."""
    e_in = [ember.tensor(a, dtype=dtype) if isinstance(a, np.ndarray) else a for a in arrays]
    t_in = [to_torch(e) for e in e_in]
    expected = outcome(fn, torch, *t_in)
    got = outcome(fn, ember, *e_in)
    if isinstance(expected, Exception):
        assert isinstance(got, type(expected)), f"torch raised {expected!r}, ember gave {got!r}"
        return
    if isinstance(got, Exception):
        raise got
    assert_same(got, expected, rtol, atol)


def _low_precision(dtype):
    return dtype in (ember.float16, ember.bfloat16)


# ---------------------------------------------------------------- unary functions

def unary(name):
    if name == "sgn":
        # torch's gradient of sgn on real input is a ZeroTensor that has no .numpy();
        # adding x * 0 makes it a plain zero tensor, unchanged in value.
        return lambda m, x: m.sgn(x) + x * 0
    return lambda m, x: getattr(m, name)(x)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_grads(name, shape):
    low, high = UNARY[name]
    check(unary(name), [shape], low=low, high=high)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_method_and_inplace(name):
    low, high = UNARY[name]
    check(lambda m, x: getattr(x, name)() + x * 0, [(3, 2)], low=low, high=high)
    if name in ("positive", "square") or not hasattr(torch.Tensor, name + "_"):
        return
    # torch has no derivative for the in-place inverse hyperbolic functions.
    grad = name not in ("acosh", "asinh", "atanh", "arccosh", "arcsinh", "arctanh")
    check(lambda m, x: getattr(x * 1, name + "_")() + x * 0, [(3, 2)], low=low, high=high,
          grad=grad)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_result_dtypes(name, dtype):
    rng = np.random.default_rng(1)
    low, high = UNARY[name]
    array = random_array((7,), dtype, rng, low, high)
    if name in ("digamma", "lgamma", "polygamma") and dtype.category == 1:
        array = np.abs(array) + 1  # torch's values at poles are arbitrary
    tol = 2e-2 if _low_precision(dtype) else 1e-5
    same_outcome(lambda m, x: getattr(m, name)(x), array, rtol=tol, atol=tol, dtype=dtype)


SPECIAL_VALUES = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 1e-310, 1e300, -1e300,
                           INF, -INF, NAN])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_special_values(name):
    values = SPECIAL_VALUES
    if name == "digamma":
        values = values[np.abs(values) < 1e300]  # float rounding makes huge values integers
    same_outcome(lambda m, x: getattr(m, name)(x), values, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", sorted(set(UNARY_FLOAT) - NO_COMPLEX))
def test_unary_complex(name):
    rng = np.random.default_rng(2)
    z = rng.uniform(0.2, 0.9, (2, 3)) + 1j * rng.uniform(-0.9, 0.9, (2, 3))
    check(lambda m, x: getattr(m, name)(x), inputs=[z], dtype=ember.complex128)


def test_unary_inplace_keeps_integer_dtype_error():
    check_raises(lambda m, x: x.sin_(), RuntimeError, "can't be cast",
                 inputs=[ember.tensor([1, 2])])


def test_unary_out():
    out = ember.empty(3)
    result = ember.exp2(ember.tensor([0.0, 1.0, 2.0]), out=out)
    assert result is out and out.tolist() == [1.0, 2.0, 4.0]
    check_raises(lambda m, x: m.sqrt(x, out=m.zeros(3, dtype=m.int64)), RuntimeError,
                 inputs=[ember.ones(3)])


def test_unary_rejects_non_tensor():
    check_raises(lambda m: m.sin(2.0), TypeError)


def test_polygamma():
    for n in (0, 1, 2, 4):
        check(lambda m, x: m.polygamma(n, x), [(2, 3)], low=0.2, high=4)
        check(lambda m, x: x.polygamma(n), [(4,)], low=-3.9, high=-0.1)
    check(lambda m, x: m.polygamma(1, x), [(3,)], dtype=ember.float32, low=0.2, high=3)
    same_outcome(lambda m, x: m.polygamma(2, x), np.arange(1, 5), dtype=ember.int64)
    check_raises(lambda m, x: m.polygamma(-1, x), RuntimeError, inputs=[ember.ones(2)])


def test_mvlgamma():
    check(lambda m, x: m.mvlgamma(x, 3), [(2, 3)], low=1.5, high=4)
    check(lambda m, x: x.mvlgamma(1), [(4,)], low=0.2, high=4)
    # Out of the domain (x <= (p-1)/2), torch 2.13 returns inf/nan rather than raising.
    check(lambda m, x: m.mvlgamma(x, 3), inputs=[np.array([0.5, 1.0, 2.0])], grad=False)


@pytest.mark.parametrize("eps", [None, 0.1])
def test_logit_eps_and_domain(eps):
    x = np.array([-0.5, 0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0, 1.5])
    check(lambda m, t: m.logit(t, eps), inputs=[x], gradcheck=False)
    check(lambda m, t: m.logit(t, eps), inputs=[np.array([0.2, 0.5, 0.7])])


def test_gradients_at_special_points():
    zeros = np.array([0.0, 1.0, -2.0])
    check(lambda m, x: m.sinc(x), inputs=[zeros], gradcheck=False)
    check(lambda m, x: m.abs(x) + m.sign(x) + m.relu(x), inputs=[zeros], gradcheck=False)
    check(lambda m, x: m.floor(x) + m.ceil(x) + m.round(x) + m.trunc(x), inputs=[zeros],
          gradcheck=False)
    check(lambda m, x: m.nan_to_num(m.log(x)), inputs=[np.array([0.0, -1.0, 2.0])],
          gradcheck=False)


def test_double_backward():
    for fn in (ember.erf, ember.erfinv, ember.lgamma, ember.digamma, ember.sinc, ember.tan,
               ember.rsqrt, ember.atanh):
        x = ember.tensor([0.3, 0.6], dtype=ember.float64, requires_grad=True)
        assert ember.autograd.gradgradcheck(fn, (x,))
    for fn in (ember.atan2, ember.hypot, ember.xlogy, ember.logaddexp, ember.fmod,
               lambda a, b: ember.lerp(a, b, b)):
        a = ember.tensor([0.3, 1.6], dtype=ember.float64, requires_grad=True)
        b = ember.tensor([0.7, 0.45], dtype=ember.float64, requires_grad=True)
        assert ember.autograd.gradgradcheck(fn, (a, b))


def test_round_decimals_and_half_even():
    check(lambda m, x: m.round(x), inputs=[np.array([0.5, 1.5, 2.5, -0.5, -2.5, 3.7])],
          gradcheck=False)
    for decimals in (2, -2, 0):
        check(lambda m, x: m.round(x, decimals=decimals),
              inputs=[np.array([1.2345, 1234.5, 0.125, -1250.0, 77.7])], gradcheck=False)
        check(lambda m, x: x.round(decimals=decimals),
              inputs=[np.array([1.2345, 1234.5, 1250.0], dtype=np.float32)])
    check_raises(lambda m, x: m.round(x, decimals=1), NotImplementedError,
                 inputs=[ember.tensor([1, 2])])


def test_nan_to_num_options():
    x = np.array([NAN, INF, -INF, 1.0])
    check(lambda m, t: m.nan_to_num(t, nan=2.0, posinf=9.0, neginf=-9.0), inputs=[x],
          gradcheck=False)
    for dtype in (ember.float16, ember.bfloat16, ember.float32):
        same_outcome(lambda m, t: m.nan_to_num(t), x, dtype=dtype, rtol=1e-2)
    check(lambda m, t: m.nan_to_num(t, posinf=5.0),
          inputs=[np.array([complex(INF, NAN), complex(1, -INF)])], grad=False)


def test_bad_unary_input():
    check_raises(lambda m, x: m.abs(x), NotImplementedError, "abs_cpu",
                 inputs=[ember.tensor([True])])
    check_raises(lambda m, x: m.relu(x), RuntimeError, "Boolean", inputs=[ember.tensor([True])])
    check_raises(lambda m, x: m.sign(x), RuntimeError, "sgn", inputs=[ember.tensor([1j])])
    check_raises(lambda m, x: m.floor(x), RuntimeError, "complex", inputs=[ember.tensor([1j])])
    check_raises(lambda m, x: m.frac(x), NotImplementedError, "frac_cpu",
                 inputs=[ember.tensor([1])])
    check_raises(lambda m, x: m.erf(x), NotImplementedError, "erf", inputs=[ember.tensor([1j])])
    check_raises(lambda m, x: m.positive(x), RuntimeError, "bool",
                 inputs=[ember.tensor([True])])
    check_raises(lambda m, x: m.deg2rad(x), RuntimeError, "complex",
                 inputs=[ember.tensor([1j])])


# ---------------------------------------------------------------- special-function fallbacks

def _grid(name):
    rng = np.random.default_rng(3)
    if name == "erfinv":
        return np.concatenate([rng.uniform(-1, 1, 400), 1 - 10.0 ** -rng.uniform(1, 15, 50),
                               [-1.0, 1.0, 0.0, 1.5, NAN]])
    wide = rng.uniform(-30, 30, 400)
    return np.concatenate([wide, rng.uniform(-6, 6, 400), 10.0 ** rng.uniform(-300, 300, 50),
                           [0.5, 1.0, 2.0, 3.0, INF, NAN, -INF]])


@pytest.mark.parametrize("use_scipy", [False, True])
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_special_functions_against_torch(name, use_scipy):
    if use_scipy:
        pytest.importorskip("scipy")
        fn = special.special_fn(name, np)
    else:
        fn = special.FALLBACK[name]
    x = _grid(name)
    expected = getattr(torch, name)(torch.from_numpy(x)).numpy()
    # Near the zeros of lgamma and digamma only absolute accuracy is meaningful.
    atol = 1e-13 * np.maximum(1, np.abs(expected)) if name in ("lgamma", "digamma") else 0
    assert_close_elementwise(fn(x), expected, rtol=1e-12, atol=atol, x=x)


def assert_close_elementwise(got, expected, rtol, atol, x):
    """Like assert_allclose, with a per-element atol; subnormal results may flush to 0."""
    assert np.array_equal(np.isnan(got), np.isnan(expected)), x[np.isnan(got) ^ np.isnan(expected)]
    ok = np.isnan(expected) | (got == expected) | \
        (np.abs(got - expected) <= rtol * np.abs(expected) + atol + 1e-300)
    assert ok.all(), list(zip(x[~ok], got[~ok], expected[~ok]))


@pytest.mark.parametrize("use_scipy", [False, True])
@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_against_torch(n, use_scipy):
    if use_scipy:
        pytest.importorskip("scipy")
        fn = special.special_fn("polygamma", np)
    else:
        fn = special.FALLBACK["polygamma"]
    rng = np.random.default_rng(n)
    x = np.concatenate([rng.uniform(0, 30, 300), rng.uniform(-8, 0, 200),
                        10.0 ** rng.uniform(-5, 8, 50), [NAN]])
    expected = torch.polygamma(n, torch.from_numpy(x)).numpy()
    # torch's own trigamma (n = 1) is only accurate to about 1e-10.
    assert_close_elementwise(fn(n, x), expected, rtol=1e-9 if n == 1 else 1e-11, atol=0, x=x)


def test_special_fallback_float32_wrapper():
    wrapped = special._in_float64(special.FALLBACK["erf"])
    x = np.array([0.1, 1.0, 3.0], dtype=np.float32)
    out = wrapped(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, torch.erf(torch.from_numpy(x)).numpy(), rtol=1e-6)


# ---------------------------------------------------------------- binary functions

PAIRS = [[(2, 3), (2, 3)], [(2, 3), (3,)], [(2, 1), (1, 3)], [(), (2,)], [(0, 3), (3,)]]
BINARY = {  # name -> (low, high) of both inputs
    "atan2": (-2, 2), "hypot": (-2, 2), "fmax": (-2, 2), "fmin": (-2, 2),
    "copysign": (-2, 2), "xlogy": (0.2, 3), "logaddexp": (-2, 2), "logaddexp2": (-2, 2),
    "maximum": (-2, 2), "minimum": (-2, 2), "float_power": (0.5, 2), "arctan2": (-2, 2),
}


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_grads(name, shapes):
    low, high = BINARY[name]
    check(lambda m, a, b: getattr(m, name)(a, b), shapes, low=low, high=high)


def _divisor_inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-5, 5, shapes[0])
    b = rng.uniform(0.7, 2, shapes[1]) * rng.choice([-1, 1], shapes[1])
    return [a, b]


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("op", [
    lambda m, a, b: m.fmod(a, b), lambda m, a, b: m.remainder(a, b),
    lambda m, a, b: a % b, lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    lambda m, a, b: m.div(a, b, rounding_mode="floor"), lambda m, a, b: a.fmod(b),
    lambda m, a, b: a.remainder(b),
])
def test_division_family(op, shapes):
    check(op, inputs=_divisor_inputs(shapes))


@pytest.mark.parametrize("shapes", PAIRS[:3], ids=str)
def test_floor_divide_values(shapes):
    check(lambda m, a, b: a // b, inputs=_divisor_inputs(shapes), grad=False)
    check(lambda m, a, b: m.floor_divide(a, b), inputs=_divisor_inputs(shapes), grad=False)


def test_division_signs_and_zeros():
    a = np.array([5.0, -5.0, 0.0, -0.0, 7.5, -7.5, 1e300, INF, 3.0, -3.0])
    b = np.array([0.0, 3.0, -3.0, 3.0, -2.0, 2.0, 1e-3, 2.0, INF, INF])
    for op in (lambda m, x, y: x % y, lambda m, x, y: x // y, lambda m, x, y: m.fmod(x, y),
               lambda m, x, y: m.div(x, y, rounding_mode="trunc")):
        got = op(ember, ember.tensor(a), ember.tensor(b))
        expected = op(torch, torch.tensor(a), torch.tensor(b))
        assert_same(got, expected)
        number = ~np.isnan(got.numpy())
        assert np.array_equal(np.signbit(got.numpy()[number]),
                              np.signbit(expected.numpy()[number]))


@pytest.mark.parametrize("op", [
    lambda m, a, b: a % b, lambda m, a, b: a // b, lambda m, a, b: m.fmod(a, b),
    lambda m, a, b: m.div(a, b, rounding_mode="trunc"), lambda m, a, b: 7 // b,
    lambda m, a, b: -7 % b, lambda m, a, b: a % 3, lambda m, a, b: a // -3,
])
def test_integer_division(op):
    a = np.array([-7, 7, -8, 8, 0, 5], dtype=np.int64)
    b = np.array([2, -2, 3, -3, 4, -5], dtype=np.int64)
    check(op, inputs=[a, b], grad=False)
    check(op, inputs=[a.astype(np.int8), b.astype(np.int8)], grad=False)


def test_integer_division_by_zero():
    for op in (lambda m, a, b: a % b, lambda m, a, b: a // b, lambda m, a, b: m.fmod(a, b),
               lambda m, a, b: m.div(a, b, rounding_mode="floor"), lambda m, a, b: 2 % b):
        check_raises(op, RuntimeError, "ZeroDivisionError",
                     inputs=[ember.tensor([1, 2]), ember.tensor([1, 0])])


def test_division_gradients_and_errors():
    x = ember.ones(2, requires_grad=True)
    for y in (x // 2, 3 % x):
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::"):
            y.sum().backward()
    check_raises(lambda m, a: m.div(a, 2, rounding_mode="up"), RuntimeError, "rounding_mode",
                 inputs=[ember.ones(2)])
    check_raises(lambda m, a: a % a, NotImplementedError, "remainder_cpu",
                 inputs=[ember.tensor([True])])
    check_raises(lambda m, a: m.fmod(a, a), NotImplementedError, inputs=[ember.tensor([1j])])


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
def test_lerp(shapes):
    check(lambda m, a, b: m.lerp(a, b, 0.3), shapes)
    check(lambda m, a, b: m.lerp(a, b, 0.8), shapes)
    check(lambda m, a, b, w: m.lerp(a, b, w), shapes + [shapes[1]], low=-0.5, high=1.5)
    check(lambda m, a, b: a.lerp(b, 1.0), shapes)


def test_lerp_errors():
    check_raises(lambda m, a, b: m.lerp(a, b, 0.5), RuntimeError, "expected dtype",
                 inputs=[ember.ones(2), ember.ones(2, dtype=ember.float64)])
    check_raises(lambda m, a, b: m.lerp(a, b, 0.5), NotImplementedError, "lerp_kernel",
                 inputs=[ember.ones(2, dtype=ember.int64), ember.ones(2, dtype=ember.int64)])


@pytest.mark.parametrize("shapes", [[(2, 3)] * 3, [(2, 3), (3,), (2, 1)], [(), (2,), ()],
                                    [(0, 3), (3,), (1, 3)]], ids=str)
def test_addcmul_addcdiv(shapes):
    check(lambda m, a, b, c: m.addcmul(a, b, c), shapes)
    check(lambda m, a, b, c: m.addcmul(a, b, c, value=-0.5), shapes)
    check(lambda m, a, b, c: m.addcdiv(a, b, c, value=2), shapes, low=0.5, high=2)
    check(lambda m, a, b, c: a.addcdiv(b, c), shapes, low=0.5, high=2)


def test_addc_dtypes_and_errors():
    ints = [np.arange(1, 4)] * 3
    check(lambda m, a, b, c: m.addcmul(a, b, c, value=2), inputs=ints, grad=False)
    check_raises(lambda m, a, b, c: m.addcdiv(a, b, c), RuntimeError, "Integer division",
                 inputs=[ember.ones(2), ember.ones(2, dtype=ember.int64),
                         ember.ones(2, dtype=ember.int64)])


def test_xlogy_special_points():
    x = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 0.0])
    y = np.array([0.0, 2.0, INF, 0.0, 3.0, NAN])
    check(lambda m, a, b: m.xlogy(a, b), inputs=[x, y], gradcheck=False)
    check(lambda m, a: m.xlogy(a, 2.0), inputs=[np.array([0.0, 1.5])])
    check(lambda m, b: m.xlogy(2, b), inputs=[np.array([0.5, 1.5])])
    same_outcome(lambda m, a, b: m.xlogy(a, b), np.arange(3), np.arange(3), dtype=ember.int64)


def test_python_scalars_keep_full_precision():
    check(lambda m, a: m.xlogy(a, 0.1) + m.copysign(a, -0.1) + m.fmod(a, 0.1) + a % 0.3,
          inputs=[np.array([0.37, 1.73])], rtol=1e-15, atol=0)


def test_binary_special_points():
    a = np.array([1.0, 2.0, NAN, 3.0, 0.0, 0.0, -0.0])
    b = np.array([1.0, 1.0, 2.0, NAN, 0.0, 2.0, -1.0])
    for name in ("fmax", "fmin", "maximum", "minimum", "atan2", "copysign", "hypot"):
        check(lambda m, x, y: getattr(m, name)(x, y), inputs=[a, b], gradcheck=False)
    check(lambda m, x, y: m.clamp(x, y, y + 1), inputs=[a, b], gradcheck=False)
    check(lambda m, x, y: m.clamp(x, min=y), inputs=[a, b], gradcheck=False)
    check(lambda m, x, y: m.clamp(x, max=y), inputs=[a, b], gradcheck=False)
    check(lambda m, x: m.logaddexp(x, x), inputs=[np.array([INF, -INF, 1.0])],
          gradcheck=False)


BINARY_DTYPE_OPS = {
    "atan2": lambda m, a, b: m.atan2(a, b), "hypot": lambda m, a, b: m.hypot(a, b),
    "fmax": lambda m, a, b: m.fmax(a, b), "copysign": lambda m, a, b: m.copysign(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b), "fmod": lambda m, a, b: m.fmod(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b), "floordiv": lambda m, a, b: a // b,
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "float_power": lambda m, a, b: m.float_power(a, b),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b), "maximum": lambda m, a, b: m.maximum(a, b),
    "heaviside": lambda m, a, b: m.heaviside(a, b), "ldexp": lambda m, a, b: m.ldexp(a, b),
    "bitwise_and": lambda m, a, b: a & b, "bitwise_or": lambda m, a, b: a | b,
    "bitwise_xor": lambda m, a, b: a ^ b, "lshift": lambda m, a, b: a << b,
    "rshift": lambda m, a, b: a >> b, "logical_and": lambda m, a, b: m.logical_and(a, b),
    "logical_xor": lambda m, a, b: m.logical_xor(a, b), "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: a < b, "isclose": lambda m, a, b: m.isclose(a, b),
    "clamp": lambda m, a, b: m.clamp(a, b, b + 1),
}
DTYPE_PAIRS = [(ember.int64, ember.int64), (ember.int32, ember.float32),
               (ember.bool, ember.bool), (ember.uint8, ember.int8),
               (ember.float16, ember.float16), (ember.bfloat16, ember.float32),
               (ember.complex64, ember.complex64), (ember.float64, ember.float32)]


@pytest.mark.parametrize("dtypes", DTYPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY_DTYPE_OPS))
def test_binary_result_dtypes(name, dtypes):
    rng = np.random.default_rng(4)
    a = random_array((6,), dtypes[0], rng, 0.5, 3)
    b = random_array((6,), dtypes[1], rng, 0.5, 3)
    if dtypes[1].category == 1:
        b = np.abs(b) % 4 + 1  # a nonzero divisor, a valid shift
    fn = BINARY_DTYPE_OPS[name]
    e_in = [ember.tensor(a, dtype=dtypes[0]), ember.tensor(b, dtype=dtypes[1])]
    tol = 2e-2 if any(_low_precision(d) for d in dtypes) else 1e-5
    expected = outcome(fn, torch, *[to_torch(e) for e in e_in])
    got = outcome(fn, ember, *e_in)
    if isinstance(expected, Exception):
        assert isinstance(got, type(expected)), f"torch raised {expected!r}, ember gave {got!r}"
    else:
        assert not isinstance(got, Exception), got
        assert_same(got, expected, tol, tol)


@pytest.mark.parametrize("scalar", [2, 2.5, True, 300])
@pytest.mark.parametrize("dtype", [ember.int64, ember.bool, ember.float16, ember.float32,
                                   ember.uint8], ids=str)
@pytest.mark.parametrize("name", ["xlogy", "copysign", "fmod", "remainder", "floordiv",
                                  "bitwise_and", "lshift", "rshift", "float_power", "clamp"])
def test_binary_scalar_promotion(name, dtype, scalar):
    fn = BINARY_DTYPE_OPS[name]
    array = np.abs(random_array((5,), dtype, np.random.default_rng(5), 0.5, 3))
    if name == "clamp":
        fn = lambda m, a, s: m.clamp(a, min=s)  # noqa: E731
    tol = 2e-2 if _low_precision(dtype) else 1e-5
    same_outcome(lambda m, a: fn(m, a, scalar), array, dtype=dtype, rtol=tol, atol=tol)
    if name not in ("fmod", "clamp", "copysign"):
        same_outcome(lambda m, a: fn(m, scalar, a), array, dtype=dtype, rtol=tol, atol=tol)


# ---------------------------------------------------------------- logical and bitwise

def test_bitwise_values():
    a = np.array([0b1100, -7, 255, 0, 42], dtype=np.int64)
    b = np.array([0b1010, 3, 15, -1, 7], dtype=np.int64)
    for op in (lambda m, x, y: x & y, lambda m, x, y: x | y, lambda m, x, y: x ^ y,
               lambda m, x, y: ~x, lambda m, x, y: m.bitwise_not(x),
               lambda m, x, y: 6 & x, lambda m, x, y: 6 | x, lambda m, x, y: 6 ^ x,
               lambda m, x, y: m.bitwise_and(x, 3), lambda m, x, y: m.bitwise_or(5, y)):
        check(op, inputs=[a, b], grad=False)
    check(lambda m, x, y: (x & y, x | y, x ^ y, ~x), inputs=[a > 2, b > 2], grad=False)


def test_shifts():
    a = np.array([1, -8, 5, -1, 100, -100], dtype=np.int8)
    b = np.array([0, 1, 7, 8, -1, 70], dtype=np.int8)
    for dtype in (np.int8, np.uint8, np.int32, np.int64):
        x, y = a.astype(dtype), b.astype(dtype)
        check(lambda m, p, q: (p << q, p >> q, m.bitwise_left_shift(p, q),
                               m.bitwise_right_shift(p, q)), inputs=[x, y], grad=False)
        check(lambda m, p: (p << 2, p >> 1, 1 << p.clamp(0, 5), 64 >> p.clamp(0, 5)),
              inputs=[x], grad=False)


def test_logical_ops():
    a = np.array([0.0, 1.5, -2.0, 0.0])
    b = np.array([2, 0, 3, 0])
    for name in ("logical_and", "logical_or", "logical_xor"):
        check(lambda m, x, y: getattr(m, name)(x, y), inputs=[a, b], grad=False)
        check(lambda m, x, y: getattr(x, name)(y), inputs=[b, a], grad=False)
    check(lambda m, x: m.logical_not(x), inputs=[a], grad=False)
    check(lambda m, x: m.logical_and(x, x[:1]), inputs=[np.array([1j, 0j])], grad=False)
    out = ember.empty(4, dtype=ember.float32)
    ember.logical_or(ember.tensor(a), ember.tensor(b), out=out)
    assert out.tolist() == [1.0, 1.0, 1.0, 0.0]
    x = ember.tensor(a)
    assert x.logical_not_() is x and x.tolist() == [1.0, 0.0, 0.0, 1.0]


def test_bitwise_inplace_operators():
    def fn(m, x, y):
        z = x.clone()
        z &= y
        z |= 8
        z ^= y
        z <<= 1
        z >>= 2
        z %= 5
        z //= 2
        return z
    check(fn, inputs=[np.array([13, -6, 7]), np.array([3, 5, 6])], grad=False)

    def float_fn(m, x):
        y = x * 1
        y %= 1.5
        y //= 0.25
        return y
    check(float_fn, inputs=[np.array([2.3, -4.1, 0.7])], grad=False)


def test_bad_bitwise_input():
    floats = ember.tensor([1.5])
    check_raises(lambda m, x: x & x, RuntimeError, "bitwise_and_cpu", inputs=[floats])
    check_raises(lambda m, x: m.bitwise_or(x, 1), RuntimeError, "bitwise_or_cpu",
                 inputs=[floats])
    check_raises(lambda m, x: x << 1, RuntimeError, "lshift_cpu", inputs=[floats])
    check_raises(lambda m, x: ~x, TypeError, "invert", inputs=[floats])
    check_raises(lambda m, x: m.bitwise_not(x), NotImplementedError, inputs=[floats])
    check_raises(lambda m, x: x << x, NotImplementedError, "lshift_cpu",
                 inputs=[ember.tensor([True])])
    check_raises(lambda m, x: x & 1.5, RuntimeError, inputs=[ember.tensor([1])])
    check_raises(lambda m, x: m.logical_and(x, 1), TypeError, inputs=[ember.tensor([1])])


# ---------------------------------------------------------------- classification tests

@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf",
                                  "isreal", "signbit"])
@pytest.mark.parametrize("dtype", DTYPES + [ember.float64], ids=str)
def test_classification(name, dtype):
    values = np.array([0.0, -0.0, 1.5, -2.0, INF, -INF, NAN])
    if dtype.category <= 1:
        values = np.array([0, 1, -2, 3]).astype(dtype.numpy)
    elif dtype.is_complex:
        values = values + 1j * np.array([0, 1, NAN, 0, 0, INF, 0])
    if name == "signbit":
        values = values[:-1]  # the sign of a NaN is arbitrary
    same_outcome(lambda m, x: getattr(m, name)(x), values, dtype=dtype)
    same_outcome(lambda m, x: getattr(x, name)(), values[:0], dtype=dtype)


# ---------------------------------------------------------------- closeness

def test_isclose_allclose_equal():
    a = np.array([1.0, NAN, INF, -INF, 1.0, 0.0])
    b = np.array([1.0 + 1e-6, NAN, INF, INF, 1.1, 1e-9])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.2, "atol": 0}, {"rtol": 0, "atol": 0}):
        check(lambda m, x, y: m.isclose(x, y, **kwargs), inputs=[a, b], grad=False)
        check(lambda m, x, y: m.allclose(x[:1], y[:1], **kwargs), inputs=[a, b], grad=False)
        check(lambda m, x, y: x.isclose(y[:1], **kwargs), inputs=[a, b], grad=False)
    ints = [np.array([1, 2, 3]), np.array([2, 2, 5])]
    check(lambda m, x, y: m.isclose(x, y, rtol=0.5, atol=0), inputs=ints, grad=False)
    check(lambda m, x, y: (m.equal(x, y), m.equal(x, x), x.equal(x[:2])), inputs=ints,
          grad=False)
    check(lambda m, x: m.equal(x, x), inputs=[np.array([NAN])], grad=False)
    check(lambda m, x: m.equal(x, x.double()), inputs=[np.arange(3.0, dtype=np.float32)],
          grad=False)
    check_raises(lambda m, x, y: m.isclose(x, y), RuntimeError, "did not match",
                 inputs=[ember.ones(2), ember.ones(2, dtype=ember.float64)])
    check_raises(lambda m, x: m.isclose(x, x, rtol=-1), RuntimeError, "rtol",
                 inputs=[ember.ones(2)])


# ---------------------------------------------------------------- misc

def test_heaviside():
    x = np.array([-1.5, 0.0, 2.0, NAN, -0.0])
    v = np.array([0.5, 0.25, 0.75, 0.5, 9.0])
    check(lambda m, a, b: m.heaviside(a, b), inputs=[x, v], grad=False)
    check(lambda m, a, b: a.heaviside(b[:1]), inputs=[x, v], grad=False)
    check_raises(lambda m, a: m.heaviside(a, a.double()), RuntimeError, "different dtypes",
                 inputs=[ember.ones(2)])
    y = ember.heaviside(ember.ones(2, requires_grad=True), ember.ones(2))
    with pytest.raises(RuntimeError, match="derivative for aten::heaviside"):
        y.sum().backward()


def test_float_power():
    check(lambda m, a, b: m.float_power(a, b), [(2, 3), (3,)], dtype=ember.float32,
          low=0.5, high=2)
    check(lambda m, a: (m.float_power(a, 2), m.float_power(2, a), a.float_power(-1)),
          inputs=[np.array([1, 2, 3])], grad=False)
    check(lambda m, a: m.float_power(a, 2.5), [(3,)], dtype=ember.complex64, low=0.5, high=2,
          grad=False)
    check_raises(lambda m, a: a.float_power_(2), RuntimeError, "float_power_",
                 inputs=[ember.ones(2)])
    x = ember.ones(2, dtype=ember.float64)
    assert x.float_power_(3) is x


def test_ldexp_and_angle_conversions():
    # NOTE: torch's ldexp gradient for negative integer exponents is 0 (it computes 2**e
    # in integers); ember's is the true derivative, so gradients are compared for e >= 0.
    check(lambda m, a, e: m.ldexp(a, e), inputs=[np.array([1.5, -2.0, 3.0]),
                                                 np.array([1, 0, 3])])
    check(lambda m, a, e: m.ldexp(a, e), inputs=[np.array([1.5, -2.0]), np.array([-1, -3])],
          grad=False)
    check(lambda m, a: (m.deg2rad(a), m.rad2deg(a)), inputs=[np.array([180, -90, 45])],
          grad=False)


def test_clamp_tensor_bounds():
    check(lambda m, x, lo, hi: m.clamp(x, lo, hi), [(2, 3), (3,), (2, 1)])
    check(lambda m, x, lo: m.clamp(x, min=lo), [(2, 3), (3,)])
    check(lambda m, x, lo: x.clamp_min(lo) + x.clamp_max(0.5), [(2, 3), (3,)])
    check(lambda m, x: (x * 1).clamp_min_(0.1).clamp_max_(0.9), [(2, 3)])
    check_raises(lambda m, x: m.clamp(x, 0, 1), NotImplementedError, "complex",
                 inputs=[ember.tensor([1j])])
    check_raises(lambda m, x: m.maximum(x, x), RuntimeError, "complex",
                 inputs=[ember.tensor([1j])])


def test_comparison_complex_and_scalars():
    z = np.array([1 + 1j, 2 + 0j])
    check(lambda m, x: (x == x, x != 1, m.eq(x, x)), inputs=[z], grad=False)
    check_raises(lambda m, x: x < x, NotImplementedError, "lt_cpu",
                 inputs=[ember.tensor(z)])
    check(lambda m, x: (2 < x, x >= 1, x.lt_(1.5)), inputs=[np.array([1.0, 2.0, 3.0])],
          grad=False)


def test_out_argument_for_binary_ops():
    a, b = ember.tensor([1.0, -2.0]), ember.tensor([3.0, 4.0])
    out = ember.empty(2)
    assert ember.atan2(a, b, out=out) is out
    np.testing.assert_allclose(out.numpy(), np.arctan2([1.0, -2.0], [3.0, 4.0]), rtol=1e-6)
    ember.fmod(a, b, out=out)
    assert out.tolist() == [1.0, -2.0]
    with pytest.raises(RuntimeError, match="out="):
        ember.hypot(a.requires_grad_(), b, out=out)
