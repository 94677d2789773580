"""Reductions against torch: sum, mean, prod, std/var, max/min, logsumexp, norm, all/any,
cov/corrcoef, softmax; result dtypes, empty and 0-d inputs, gradients and bad input."""
import pickle

import numpy as np
import pytest

from parity import check, check_raises, to_torch, torch
import ember

SHAPES_DIMS = [((), None), ((), 0), ((), -1), ((5,), None), ((5,), 0), ((3, 4), None),
               ((3, 4), 1), ((3, 4), -2), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 1)),
               ((2, 3, 4), []), ((0, 3), 1), ((0, 3), None), ((2, 0, 3), (0, 1))]


# ---------------------------------------------------------------- sum, mean, prod

@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "nansum", "nanmean"])
def test_sum_mean(op, shape, dim, keepdim):
    if dim is None:
        check(lambda m, x: getattr(m, op)(x), [shape])
    else:
        check(lambda m, x: getattr(x, op)(dim, keepdim=keepdim), [shape])


@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int8, ember.int32,
                                   ember.int64, ember.float16, ember.bfloat16, ember.float32])
@pytest.mark.parametrize("op", ["sum", "nansum", "prod"])
def test_sum_prod_dtypes(op, dtype):
    check(lambda m, x: getattr(m, op)(x), [(3, 4)], dtype=dtype, grad=False, low=0.5,
          high=1.5, rtol=1e-2)
    check(lambda m, x: getattr(m, op)(x, 1, keepdim=True), [(3, 4)], dtype=dtype, grad=False,
          low=0.5, high=1.5, rtol=1e-2)
    check(lambda m, x: getattr(m, op)(x, dtype=m.float64), [(3, 4)], dtype=dtype, grad=False,
          low=0.5, high=1.5)


def test_half_sums_accumulate_in_float32():
    values = np.full(4096, 0.1, dtype=np.float32)
    for dtype in (ember.float16, ember.bfloat16):
        check(lambda m, x: (x.sum(), x.mean(), x.cumsum(0)[-1]), inputs=[values], dtype=dtype,
              grad=False, rtol=1e-3)


def test_mean_dtype_and_int_error():
    check(lambda m, x: m.mean(x, dtype=m.float64), inputs=[np.arange(6).reshape(2, 3)],
          grad=False)
    check(lambda m, x: m.mean(x, (0, 1), dtype=m.float32), [(2, 3)], gradcheck=False)
    check_raises(lambda m, x: m.mean(x), RuntimeError, "mean", inputs=[ember.arange(3)])
    check_raises(lambda m, x: m.nanmean(x), RuntimeError, "nanmean", inputs=[ember.arange(3)])


def test_nan_reductions():
    values = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, np.nan]])
    check(lambda m, x: (m.nansum(x, 1), m.nanmean(x, 1), m.nansum(x), x.sum()), inputs=[values],
          grad=False)
    # NOTE: ember's nanmean gradient is 0 on an all-NaN row, where torch's is NaN.
    check(lambda m, x: (m.nansum(x, 1), m.nanmean(x, 1), m.nansum(x)), inputs=[values[:1]],
          gradcheck=False)


@pytest.mark.parametrize("values", [
    [1.5, 0.0, 2.0, -1.0], [1.5, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0], [2.0], [],
    [[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [0.5, 2.0, -1.0]]])
def test_prod_grad_with_zeros(values):
    x = np.array(values, dtype=np.float64)
    check(lambda m, t: m.prod(t), inputs=[x])
    if x.ndim:
        check(lambda m, t: t.prod(-1, keepdim=True), inputs=[x])
    if x.ndim == 2:
        check(lambda m, t: t.prod(0), inputs=[x])


def test_prod_shapes_and_errors():
    check(lambda m, x: m.prod(x, 0), [()])
    check(lambda m, x: m.prod(x, 1), [(2, 0, 3)])
    check(lambda m, x: m.prod(x, dtype=m.int32), [(2, 3)], dtype=ember.int64, grad=False)
    check_raises(lambda m, x: m.prod(x, 2), IndexError, "out of range",
                 inputs=[ember.ones(2, 3)])
    with pytest.raises(TypeError):
        ember.prod(ember.ones(2, 3), (0, 1))


def test_sum_bad_dims():
    x = ember.ones(2, 3)
    check_raises(lambda m, t: t.sum(2), IndexError, "out of range", inputs=[x])
    check_raises(lambda m, t: t.sum((0, 0)), RuntimeError, "multiple times", inputs=[x])
    check_raises(lambda m, t: t.sum(1), IndexError, "out of range",
                 inputs=[ember.tensor(1.0)])


# ---------------------------------------------------------------- std and var

@pytest.mark.parametrize("call", [
    lambda m, x: x.var(), lambda m, x: x.std(), lambda m, x: x.var(1),
    lambda m, x: x.std(0, True, True), lambda m, x: x.var(False),
    lambda m, x: m.std(x, dim=(0, 1), correction=0), lambda m, x: m.var(x, -1, correction=2),
    lambda m, x: m.var(x, dim=0, unbiased=False, keepdim=True),
    lambda m, x: m.var_mean(x, 1), lambda m, x: m.std_mean(x, correction=0, keepdim=True),
    lambda m, x: m.std_mean(x, 0, True, True),
])
def test_std_var(call):
    check(call, [(3, 4)])


def test_std_var_edge_cases():
    with pytest.warns(UserWarning):
        check(lambda m, x: (x.var(), x.std()), [(1,)], grad=False)
    with pytest.warns(UserWarning):
        check(lambda m, x: x.var(0, correction=3), [(2, 2)], grad=False)
    check(lambda m, x: (x.var(), x.std(0)), [()], grad=False)
    # torch's backward for dim=[] is wrong (infinite), so only the values are compared.
    check(lambda m, x: (x.std([]), x.var([], keepdim=True)), [(3, 4)], grad=False)
    # The gradient of std is 0 (not nan) where std is 0, as in torch.
    check(lambda m, x: x.std(1), inputs=[np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])],
          gradcheck=False)
    check(lambda m, x: (x.std(), x.var(1)), [(2, 3)], dtype=ember.complex128)
    check(lambda m, x: (x.std(), x.var(1)), [(2, 30)], dtype=ember.float16, rtol=2e-3,
          atol=1e-3)
    check_raises(lambda m, x: x.std(), RuntimeError, "floating point",
                 inputs=[ember.arange(4)])


# ---------------------------------------------------------------- max, min and friends

@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("shape,dim", [((), 0), ((5,), 0), ((3, 4), 1), ((3, 4), -2),
                                       ((2, 3, 4), 1), ((0, 3), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_dim(op, shape, dim, keepdim):
    check(lambda m, x: getattr(m, op)(x, dim, keepdim), [shape])
    check(lambda m, x: getattr(x, op)(dim=dim, keepdim=keepdim), [shape])


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
def test_full_extremes(op, shape):
    check(lambda m, x: getattr(m, op)(x), [shape])


@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("dim", [0, -1, (0, 2), (), [1]])
def test_amax_amin_dims(op, dim):
    check(lambda m, x: getattr(m, op)(x, dim), [(2, 3, 4)])
    check(lambda m, x: getattr(m, op)(x, dim, keepdim=True), [(2, 3, 4)])


@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int32, ember.float16])
def test_extremes_dtypes(dtype):
    check(lambda m, x: (x.max(), x.min(1), x.amax(0), m.aminmax(x)), [(3, 4)], dtype=dtype,
          grad=False)
    if dtype is not ember.bool:
        check(lambda m, x: (x.argmax(), x.argmin(1)), [(3, 4)], dtype=dtype, grad=False)


def test_max_binary_is_maximum():
    check(lambda m, x, y: (m.max(x, y), m.min(x, y), x.max(y)), [(2, 3), (3,)])


def test_tie_conventions():
    ties = np.array([[1.0, 3.0, 3.0, 0.5], [2.0, 2.0, 2.0, -1.0]])
    # Full max/min and amax/amin split the gradient evenly among the ties...
    check(lambda m, x: (x.max(), x.amax(1), x.amin(0), x.min()), inputs=[ties],
          gradcheck=False)
    # ...while max/min with a dim send it to the returned index.
    check(lambda m, x: (x.max(1), x.min(1), x.argmax(1), x.argmin(0)), inputs=[ties],
          gradcheck=False)
    check(lambda m, x: m.aminmax(x, dim=1), inputs=[ties], gradcheck=False)


def test_nan_propagates():
    values = np.array([[1.0, np.nan, 2.0], [0.0, 3.0, 1.0]])
    check(lambda m, x: (x.max(1), x.amax(1), x.min(), x.argmax(1), x.argmin(1)),
          inputs=[values], grad=False)


@pytest.mark.parametrize("shape,dim", [((), None), ((5,), None), ((3, 4), None), ((3, 4), 1),
                                       ((3, 4), -2), ((), 0), ((0, 3), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin(shape, dim, keepdim):
    check(lambda m, x: (m.argmax(x, dim, keepdim), m.argmin(x, dim=dim, keepdim=keepdim)),
          [shape], grad=False)


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": -1, "keepdim": True}])
def test_aminmax(kwargs):
    check(lambda m, x: m.aminmax(x, **kwargs), [(3, 4)])
    check(lambda m, x: x.aminmax(**kwargs), [(3, 4)])


@pytest.mark.parametrize("call,exc", [
    (lambda m, x: m.max(x), RuntimeError), (lambda m, x: m.max(x, 0), IndexError),
    (lambda m, x: m.amax(x), RuntimeError), (lambda m, x: m.amin(x, (0, 1)), IndexError),
    (lambda m, x: m.argmax(x), IndexError), (lambda m, x: m.argmin(x, 0), IndexError),
    (lambda m, x: m.aminmax(x), RuntimeError), (lambda m, x: m.aminmax(x, dim=0), IndexError),
    (lambda m, x: m.min(x, 2), IndexError),
])
def test_extremes_of_empty(call, exc):
    check_raises(call, exc, inputs=[ember.zeros(0, 3)])


# ---------------------------------------------------------------- logsumexp, norm

@pytest.mark.parametrize("shape,dim", [((), 0), ((5,), 0), ((3, 4), 1), ((3, 4), (0, 1)),
                                       ((2, 3, 4), (-1, 0)), ((0, 3), 0)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(shape, dim, keepdim):
    check(lambda m, x: m.logsumexp(x, dim, keepdim), [shape])


def test_logsumexp_extremes():
    values = np.array([[1000.0, 999.0, -np.inf], [-np.inf, -np.inf, -np.inf],
                       [np.inf, 1.0, 2.0]])
    check(lambda m, x: x.logsumexp(1), inputs=[values], grad=False)
    check(lambda m, x: x.logsumexp(1), inputs=[values[:1]], gradcheck=False)
    check(lambda m, x: m.logsumexp(x, 0), inputs=[np.arange(5)], grad=False)


@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 0.5, 0, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim", [None, 1, (0, 1), -1])
def test_norm(p, dim):
    keepdim = dim == 1
    check(lambda m, x: m.norm(x, p, dim, keepdim), [(3, 4)], low=0.5, high=2.0)
    check(lambda m, x: x.norm(p=p, dim=dim), [(3, 4)], low=-2.0, high=-0.5)


def test_norm_zero_gradient_and_dtypes():
    zeros = np.zeros((2, 3))
    for p in ["fro", 1, 3, 0.5, -1, 0, float("inf")]:
        check(lambda m, x: m.norm(x, p), inputs=[zeros], gradcheck=False)
        check(lambda m, x: m.norm(x, p, 1), inputs=[np.array([[0.0, 0.0], [3.0, -4.0]])],
              gradcheck=False)


def test_zero_norm_has_no_gradient():
    # torch: counting nonzeros sends no gradient at all (.grad stays None).
    for norm in (lambda x: ember.norm(x, 0), lambda x: ember.linalg.vector_norm(x, 0)):
        x = ember.tensor([0.0, 1.5, -2.0], requires_grad=True)
        norm(x).backward()
        assert x.grad is None
    check(lambda m, x: m.norm(x, dim=1), inputs=[np.array([[0.0, 0.0], [3.0, 4.0]])],
          gradcheck=False)
    check(lambda m, x: (m.norm(x), x.norm(dim=0)), [(3, 2)], dtype=ember.complex128)
    check(lambda m, x: m.norm(x, dtype=m.float64), [(3, 2)], dtype=ember.float32)
    check(lambda m, x: m.norm(x), [(0,)])
    check_raises(lambda m, x: m.norm(x), RuntimeError, "floating point",
                 inputs=[ember.arange(3)])
    check_raises(lambda m, x: m.norm(x, "fro", (0, 1, 2)), RuntimeError, "2-tuple",
                 inputs=[ember.ones(2, 2, 2)])


# ---------------------------------------------------------------- all, any, count_nonzero

@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int32, ember.float64])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1), ()])
def test_all_any(dtype, dim):
    values = np.array([[0, 1, 2], [3, 4, 5]]).astype(dtype.numpy)
    kwargs = {} if dim is None else {"dim": dim}
    check(lambda m, x: (m.all(x, **kwargs), x.any(**kwargs)), inputs=[values], grad=False)
    if dim is not None:
        check(lambda m, x: (m.all(x, dim, True), m.any(x, dim, True)), inputs=[values],
              grad=False)


@pytest.mark.parametrize("dim", [None, 0, (0, 1), -1, ()])
def test_count_nonzero(dim):
    values = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 5.0]])
    check(lambda m, x: m.count_nonzero(x, dim), inputs=[values], grad=False)
    check(lambda m, x: x.count_nonzero(0), inputs=[np.array(3.0)], grad=False)


def test_all_any_empty_and_scalar():
    check(lambda m, x: (x.all(), x.any(), x.all(1)), [(0, 3)], grad=False)
    check(lambda m, x: (x.all(0), x.any(-1)), [()], grad=False)


# ---------------------------------------------------------------- cov, corrcoef

@pytest.mark.parametrize("shape", [(5,), (3, 6), (1, 4)])
def test_cov_corrcoef(shape):
    check(lambda m, x: (m.cov(x), x.corrcoef()), [shape])
    check(lambda m, x: m.cov(x, correction=0), [shape])


def test_cov_weights():
    fw = np.array([1, 2, 1, 3])
    aw = np.array([0.5, 1.0, 2.0, 0.25])
    check(lambda m, x, f, a: m.cov(x, fweights=f, aweights=a), inputs=[
        np.random.default_rng(1).normal(size=(2, 4)), fw, aw])
    check(lambda m, x, f: m.cov(x, fweights=f, correction=0), inputs=[
        np.random.default_rng(2).normal(size=(3, 4)), fw])
    check(lambda m, x: m.cov(x), inputs=[np.array([[1, 2, 4], [0, 3, 3]])], grad=False)
    check(lambda m, x: m.corrcoef(x), inputs=[np.array([[1.0, 1, 1], [1, 2, 3]])], grad=False)
    with pytest.warns(UserWarning):
        check(lambda m, x: m.cov(x, correction=3), [(2, 3)], grad=False)


@pytest.mark.parametrize("call,match", [
    (lambda m, x: m.cov(x.reshape(1, 2, 3)), "two or fewer"),
    (lambda m, x: m.cov(x, fweights=m.ones(3)), "integral"),
    (lambda m, x: m.cov(x, aweights=m.ones(3, dtype=m.int64)), "floating point"),
    (lambda m, x: m.cov(x, fweights=m.ones(2, dtype=m.int64)), "same numel"),
    (lambda m, x: m.cov(x, aweights=-m.ones(3)), "negative"),
])
def test_cov_errors(call, match):
    check_raises(call, RuntimeError, match, inputs=[ember.ones(2, 3)])


# ---------------------------------------------------------------- softmax

@pytest.mark.parametrize("shape,dim", [((), 0), ((5,), 0), ((3, 4), 1), ((2, 3, 4), -2)])
def test_softmax(shape, dim):
    check(lambda m, x: (m.softmax(x, dim), m.log_softmax(x, dim)), [shape])


# ---------------------------------------------------------------- return types and out=

def test_return_type_behaves_like_torch():
    result = ember.max(ember.tensor([[1.0, 5.0, 2.0]]), 1)
    values, indices = result
    assert result.values is values and result.indices is indices and result[1] is indices
    assert isinstance(result, tuple) and len(result) == 2
    assert repr(result).startswith("ember.return_types.max(\nvalues=tensor(")
    assert "\nindices=tensor(" in repr(result)
    assert type(result) is ember.return_types.max
    again = pickle.loads(pickle.dumps(result))
    assert type(again) is type(result) and again.indices.tolist() == [1]
    assert ember.aminmax(ember.arange(3)).max.item() == 2


def test_out_arguments():
    x = ember.tensor([[1.0, 5.0, 2.0], [3.0, -1.0, 0.0]])
    out = ember.empty(0)
    assert ember.sum(x, 1, out=out) is out and out.tolist() == [8.0, 2.0]
    values, indices = ember.empty(2), ember.empty(2, dtype=ember.int64)
    result = ember.max(x, 1, out=(values, indices))
    assert result.values is values and indices.tolist() == [1, 0]
    out = ember.empty((), dtype=ember.int64)
    ember.argmax(x, out=out)
    assert out.item() == 1
    with pytest.raises(RuntimeError, match="out="):
        ember.sum(x.requires_grad_(), out=ember.empty(()))


def test_double_backward_through_primitives():
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.uniform(0.5, 2.0, (2, 3)), dtype=ember.float64, requires_grad=True)
    for fn in (lambda t: t.prod(1), lambda t: t.prod(), lambda t: t.std(1),
               lambda t: t.norm(p=3), lambda t: t.amax(1), lambda t: t.sum(0) * t.mean()):
        assert ember.autograd.gradgradcheck(fn, (x,))


def test_float32_results_close_to_torch():
    check(lambda m, x: (x.sum(), x.mean(1), x.std(0), x.logsumexp(1), x.norm(), x.prod(1)),
          [(8, 16)], dtype=ember.float32, low=0.5, high=1.5, rtol=1e-5)


def test_to_torch_roundtrip_sanity():
    # Guards the harness itself: a wrong result must fail check().
    with pytest.raises(AssertionError):
        check(lambda m, x: x.sum() if m is torch else x.sum() + 1, [(3,)], grad=False)
    assert to_torch(ember.float32) == torch.float32
