"""Scans against torch: cumsum, cumprod, cummax/cummin, logcumsumexp, diff, trapezoid."""
import numpy as np
import pytest

from parity import check, check_raises
import ember
from ember.ops.scan import accumulate

SHAPES_DIMS = [((), 0), ((), -1), ((5,), 0), ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), 1),
               ((0, 3), 0), ((2, 0), 1)]


@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
def test_scans(op, shape, dim):
    check(lambda m, x: getattr(m, op)(x, dim), [shape])
    check(lambda m, x: getattr(x, op)(dim=dim), [shape])


@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int8, ember.int32,
                                   ember.float16, ember.float32])
def test_scan_dtypes(dtype):
    check(lambda m, x: (x.cumsum(1), m.cumprod(x, 0), x.cummax(1), x.cummin(0)), [(3, 4)],
          dtype=dtype, grad=False, low=0.5, high=1.5, rtol=1e-3)
    check(lambda m, x: (x.cumsum(1, dtype=m.float64), m.cumprod(x, 0, dtype=m.int32)),
          [(3, 4)], dtype=dtype, grad=False, low=0.5, high=1.5)


@pytest.mark.parametrize("values", [
    [2.0, 0.0, 3.0, 0.5, 4.0], [2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, 2.0], [1.5, 2.0, 0.0],
    [0.0, 0.0, 0.0], [[1.5, 0.0, -2.0], [0.5, 3.0, 0.0], [0.0, 0.0, 2.0]]])
def test_cumprod_grad_with_zeros(values):
    x = np.array(values)
    check(lambda m, t: m.cumprod(t, -1), inputs=[x])
    check(lambda m, t: m.cumprod(t, 0), inputs=[x])


def test_cummax_ties_and_nan():
    ties = np.array([1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 0.0])
    check(lambda m, x: (m.cummax(x, 0), m.cummin(x, 0)), inputs=[ties], gradcheck=False)
    nans = np.array([[1.0, np.nan, 5.0, np.nan, 1.0], [3.0, 2.0, 2.0, np.nan, 0.0]])
    check(lambda m, x: (m.cummax(x, 1), m.cummin(x, 1)), inputs=[nans], grad=False)
    check(lambda m, x: m.cummax(x, 0), inputs=[np.array([3, 1, 3, 7, 7])], grad=False)


def test_logcumsumexp_is_stable():
    values = np.array([[-1000.0, 0.0, 1000.0], [-np.inf, 2.0, -np.inf], [5.0, -5.0, 1.0]])
    check(lambda m, x: m.logcumsumexp(x, 1), inputs=[values], grad=False)
    check(lambda m, x: m.logcumsumexp(x, 1), inputs=[values[2:]])
    check(lambda m, x: m.logcumsumexp(x, 0), [(4, 3)], dtype=ember.float32)
    check_raises(lambda m, x: m.logcumsumexp(x, 0), NotImplementedError,
                 inputs=[ember.arange(3)])


def test_inplace_and_out():
    check(lambda m, x: (x * 1).cumsum_(1), [(2, 3)])
    check(lambda m, x: (x * 1).cumprod_(0), [(2, 3)])
    out = ember.empty(3)
    assert ember.cumsum(ember.tensor([1.0, 2.0, 3.0]), 0, out=out) is out
    assert out.tolist() == [1.0, 3.0, 6.0]
    values, indices = ember.empty(3), ember.empty(3, dtype=ember.int64)
    ember.cummax(ember.tensor([1.0, 0.0, 2.0]), 0, out=(values, indices))
    assert indices.tolist() == [0, 0, 2]


def test_scan_bad_dims():
    check_raises(lambda m, x: m.cumsum(x, 2), IndexError, "out of range",
                 inputs=[ember.ones(2, 3)])
    check_raises(lambda m, x: m.cummax(x, 1), IndexError, "out of range",
                 inputs=[ember.tensor(1.0)])


def test_double_backward():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.uniform(0.5, 2.0, (2, 4)), dtype=ember.float64, requires_grad=True)
    z = ember.tensor([[1.0, 0.0, 2.0, 0.5]], dtype=ember.float64, requires_grad=True)
    for fn, arg in [(lambda t: t.cumsum(1), x), (lambda t: t.cumprod(1), x),
                    (lambda t: t.cumprod(1), z), (lambda t: t.logcumsumexp(1), x)]:
        assert ember.autograd.gradgradcheck(fn, (arg,))


class _NoAccumulate:
    """A ufunc without accumulate, as CuPy's maximum/minimum/logaddexp are."""

    def __init__(self, ufunc):
        self.ufunc = ufunc

    def __call__(self, *args):
        return self.ufunc(*args)

    def accumulate(self, *args, **kwargs):
        raise NotImplementedError


@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum, np.logaddexp])
@pytest.mark.parametrize("size", [1, 2, 5, 37])
def test_log_step_scan_matches_accumulate(ufunc, size):
    data = np.random.default_rng(size).normal(size=(3, size))
    for axis in (0, 1):
        np.testing.assert_allclose(accumulate(np, _NoAccumulate(ufunc), data, axis),
                                   ufunc.accumulate(data, axis=axis), rtol=1e-12)


# ---------------------------------------------------------------- diff

@pytest.mark.parametrize("call", [
    lambda m, x: m.diff(x), lambda m, x: x.diff(dim=0), lambda m, x: m.diff(x, n=2),
    lambda m, x: m.diff(x, n=0), lambda m, x: m.diff(x, n=5, dim=1),
    lambda m, x: m.diff(x, 1, 0, prepend=x[:1] * 2, append=x[-1:] - 1),
    lambda m, x: m.diff(x, 2, -1, prepend=x[:, :2]),
])
def test_diff(call):
    check(call, [(3, 4)])


def test_diff_dtypes_and_errors():
    check(lambda m, x: m.diff(x), inputs=[np.array([True, False, False, True])], grad=False)
    check(lambda m, x: m.diff(x), inputs=[np.array([3, 250, 7], dtype=np.uint8)], grad=False)
    check(lambda m, x: m.diff(x), [(0,)])
    check_raises(lambda m, x: m.diff(x), RuntimeError, "one-dimensional",
                 inputs=[ember.tensor(1.0)])
    check_raises(lambda m, x: m.diff(x, -1), RuntimeError, "non-negative",
                 inputs=[ember.ones(3)])
    check_raises(lambda m, x: m.diff(x, prepend=m.ones(2)), RuntimeError, "same dimension",
                 inputs=[ember.ones(2, 3)])


# ---------------------------------------------------------------- trapezoid

@pytest.mark.parametrize("op", ["trapezoid", "cumulative_trapezoid"])
@pytest.mark.parametrize("call", [
    lambda m, f, y: f(y), lambda m, f, y: f(y, dim=0), lambda m, f, y: f(y, dx=0.5),
    lambda m, f, y: f(y, m.tensor([0.0, 0.5, 2.0, 2.5], dtype=y.dtype)),
    lambda m, f, y: f(y, m.tensor([[0.0], [1.0], [3.0]], dtype=y.dtype), dim=0),
])
def test_trapezoid(op, call):
    check(lambda m, y: call(m, getattr(m, op), y), [(3, 4)])


def test_trapezoid_x_gradient_and_edge_cases():
    check(lambda m, y, x: (m.trapezoid(y, x), m.cumulative_trapezoid(y, x)),
          inputs=[np.array([[1.0, 2.0, 4.0]]), np.array([0.0, 0.5, 2.0])])
    check(lambda m, y: (m.trapezoid(y), m.trapz(y, dx=2), m.cumulative_trapezoid(y)),
          inputs=[np.arange(6).reshape(2, 3)], grad=False)
    check(lambda m, y: (m.trapezoid(y), m.cumulative_trapezoid(y)), [(2, 0)])
    check(lambda m, y: (m.trapezoid(y), m.cumulative_trapezoid(y)), [(2, 1)])
    check_raises(lambda m, y: m.trapezoid(y), IndexError, "no dimensions",
                 inputs=[ember.tensor(1.0)])
