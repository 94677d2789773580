"""Sorting and order statistics against torch: sort, topk, kthvalue, median, mode,
quantile, searchsorted, unique, bincount and histograms."""
import numpy as np
import pytest

from parity import check, check_raises
import ember

TIES = np.array([[3, 1, 2, 1, 3, 3], [0, 0, 5, 5, 2, 0], [4, 4, 1, 1, 2, 2]])


# ---------------------------------------------------------------- sort, argsort, topk

@pytest.mark.parametrize("shape,dim", [((), 0), ((), -1), ((6,), 0), ((3, 5), 1),
                                       ((3, 5), -2), ((2, 3, 4), 1), ((0, 3), 0), ((2, 0), 1)])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(shape, dim, descending):
    check(lambda m, x: m.sort(x, dim, descending), [shape])
    check(lambda m, x: x.sort(dim=dim, descending=descending), [shape])
    check(lambda m, x: x.argsort(dim, descending), [shape])


def test_sort_stable_ties_nan_and_dtypes():
    check(lambda m, x: (*m.sort(x, dim=1, stable=True), *m.sort(x, stable=True, dim=0,
                                                                   descending=True),
                        m.argsort(x, dim=0, descending=True, stable=True)), inputs=[TIES],
          grad=False)
    nans = np.array([[np.nan, 1.0, -np.inf, 2.0, np.nan, np.inf]])
    check(lambda m, x: (m.sort(x).values, m.sort(x, descending=True).values), inputs=[nans],
          grad=False)
    check(lambda m, x: m.sort(x), inputs=[np.array([True, False, True, False])], grad=False)
    for dtype in (ember.uint8, ember.int16, ember.float16, ember.bfloat16):
        check(lambda m, x: m.sort(x, stable=True), [(3, 4)], dtype=dtype, grad=False)
    check(lambda m, x: m.msort(x), [(4, 3)])
    check_raises(lambda m, x: m.sort(x, 2), IndexError, "out of range",
                 inputs=[ember.ones(2, 3)])


@pytest.mark.parametrize("k,dim,largest", [(2, -1, True), (2, 0, False), (0, 1, True),
                                           (4, 1, False), (1, 0, True)])
def test_topk(k, dim, largest):
    check(lambda m, x: m.topk(x, k, dim, largest), [(3, 4)])
    check(lambda m, x: x.topk(k, dim=dim, largest=largest, sorted=True), [(3, 4)])


def test_topk_edge_cases():
    check(lambda m, x: m.topk(x, 1), [()])
    check(lambda m, x: m.topk(x, 0, 0), [(0, 3)])
    check(lambda m, x: m.topk(x, 2), inputs=[np.array([1.0, np.nan, 3.0, 2.0])], grad=False)
    check_raises(lambda m, x: m.topk(x, 5), RuntimeError, "out of range",
                 inputs=[ember.ones(2, 3)])
    check_raises(lambda m, x: m.topk(x, -1), RuntimeError, "out of range",
                 inputs=[ember.ones(2, 3)])


# ---------------------------------------------------------------- kthvalue, median, mode

@pytest.mark.parametrize("k,dim,keepdim", [(1, -1, False), (3, 1, True), (2, 0, False),
                                           (4, -1, True)])
def test_kthvalue(k, dim, keepdim):
    check(lambda m, x: m.kthvalue(x, k, dim, keepdim), [(3, 4)])
    check(lambda m, x: x.kthvalue(k, dim=dim, keepdim=keepdim), [(3, 4)])


def test_kthvalue_edge_cases():
    check(lambda m, x: m.kthvalue(x, 1), [()])
    # Which of several equal elements kthvalue returns is unspecified: compare values.
    check(lambda m, x: m.kthvalue(x, 2, 1).values, inputs=[TIES], grad=False)
    for k in (0, 5):
        check_raises(lambda m, x: m.kthvalue(x, k), RuntimeError, "out of range",
                     inputs=[ember.ones(2, 4)])


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("shape,dim", [((), None), ((5,), None), ((4,), None), ((3, 4), None),
                                       ((), 0), ((5,), 0), ((3, 4), 1), ((3, 4), -2),
                                       ((2, 3, 4), 1), ((0, 3), 1), ((0,), None)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median(op, shape, dim, keepdim):
    if dim is None:
        check(lambda m, x: getattr(m, op)(x), [shape])
    else:
        check(lambda m, x: getattr(x, op)(dim, keepdim), [shape])


def test_median_ties_nan_and_errors():
    # The full reduction splits the gradient among ties; with a dim it goes to the index.
    ties = np.array([[1.0, 2.0, 2.0], [2.0, 5.0, 0.0]])
    check(lambda m, x: (m.median(x), m.nanmedian(x)), inputs=[ties], gradcheck=False)
    nans = np.array([[1.0, np.nan, 2.0, np.nan], [np.nan, np.nan, np.nan, np.nan],
                     [4.0, 3.0, 1.0, 2.0]])
    check(lambda m, x: (m.median(x, 1), m.median(x), m.nanmedian(x), m.nanmedian(x[:1]),
                        m.nanmedian(x, 1).values, m.nanmedian(x[::2], 1)),
          inputs=[nans], grad=False)
    check(lambda m, x: (m.median(x), m.median(x, 0)), inputs=[np.array([4, 1, 3, 2])],
          grad=False)
    check_raises(lambda m, x: m.median(x, 0), IndexError, "non-zero size",
                 inputs=[ember.zeros(0, 3)])
    check_raises(lambda m, x: m.median(x), NotImplementedError,
                 inputs=[ember.tensor([True, False])])


@pytest.mark.parametrize("dim,keepdim", [(-1, False), (0, True), (1, False)])
def test_mode(dim, keepdim):
    check(lambda m, x: m.mode(x, dim, keepdim), inputs=[TIES], grad=False)
    check(lambda m, x: x.mode(dim, keepdim), [(3, 6)])


def test_mode_edge_cases():
    check(lambda m, x: m.mode(x), inputs=[np.array([1, 2, 2, 3, 3, 0])], grad=False)
    check(lambda m, x: m.mode(x), inputs=[np.array([1.0, np.nan, np.nan])], grad=False)
    check(lambda m, x: m.mode(x), [()])
    check(lambda m, x: m.mode(x, 1), [(0, 3)])
    check(lambda m, x: m.mode(x, 1), inputs=[np.array([[1.0, 2.0, 2.0, 0.5]])],
          gradcheck=False)
    check_raises(lambda m, x: m.mode(x, 0), IndexError, "non-zero size",
                 inputs=[ember.zeros(0, 3)])


# ---------------------------------------------------------------- quantile

@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q", [0.3, 0.5, 1.0, [0.0, 0.25, 0.9]])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (1, False), (0, True),
                                         (-1, True)])
def test_quantile(interpolation, q, dim, keepdim):
    def fn(m, x):
        qq = m.tensor(q, dtype=x.dtype) if isinstance(q, list) else q
        return (m.quantile(x, qq, dim, keepdim, interpolation=interpolation),
                x.nanquantile(qq, dim=dim, keepdim=keepdim, interpolation=interpolation))
    check(fn, [(3, 5)])


def test_quantile_nan_scalar_and_float32():
    nans = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, np.nan, np.nan, np.nan],
                     [4.0, 3.0, 1.0, 2.0]])
    check(lambda m, x: (m.quantile(x, 0.4, 1), m.nanquantile(x, 0.4, 1),
                        m.nanquantile(x, m.tensor([0.1, 0.7], dtype=x.dtype), 1)),
          inputs=[nans], grad=False)
    check(lambda m, x: (m.quantile(x, 0.3), m.quantile(x, 0.3, 0, True)), [()])
    check(lambda m, x: m.quantile(x, m.tensor(0.7, dtype=x.dtype), 0), [(4, 2)])
    check(lambda m, x: m.quantile(x, m.tensor([0.1, 0.5], dtype=x.dtype), 1), [(3, 7)],
          dtype=ember.float32)


@pytest.mark.parametrize("call,match", [
    (lambda m, x: m.quantile(x, 1.5), "range"),
    (lambda m, x: m.quantile(x, m.tensor([0.5, -0.1])), "range"),
    (lambda m, x: m.quantile(x, m.tensor([[0.5]])), "1D"),
    (lambda m, x: m.quantile(x, m.tensor([0.5], dtype=m.float64)), "same dtype"),
    (lambda m, x: m.quantile(x, 0.5, interpolation="bad"), "interpolation"),
    (lambda m, x: m.quantile(x.long(), 0.5), "float or double"),
    (lambda m, x: m.quantile(x[:0], 0.5), "non-empty"),
])
def test_quantile_errors(call, match):
    check_raises(call, RuntimeError, match, inputs=[ember.ones(4)])


def test_quantile_bad_dim():
    check_raises(lambda m, x: m.quantile(x, 0.5, 2), IndexError, "out of range",
                 inputs=[ember.ones(2, 3)])


# ---------------------------------------------------------------- searchsorted, bucketize

@pytest.mark.parametrize("kwargs", [{}, {"right": True}, {"side": "right"}, {"side": "left"},
                                    {"out_int32": True}])
def test_searchsorted(kwargs):
    seq = np.array([1.0, 2.0, 2.0, 4.0, 7.0])
    values = np.array([[0.0, 2.0, 3.0], [7.0, 9.0, 2.0]])
    check(lambda m, s, v: (m.searchsorted(s, v, **kwargs), m.searchsorted(s, 2.0, **kwargs),
                           m.bucketize(v, s, out_int32=kwargs.get("out_int32", False),
                                       right=kwargs.get("right", False))),
          inputs=[seq, values], grad=False)
    rows = np.array([[1, 3, 3, 8], [0, 0, 1, 2]])
    check(lambda m, s, v: m.searchsorted(s, v, **kwargs),
          inputs=[rows, np.array([[3, 9, 0], [0, 1, 5]])], grad=False)
    check(lambda m, s, v: m.searchsorted(s, v, **kwargs),
          inputs=[np.sort(np.random.default_rng(0).normal(size=(2, 3, 6)), -1),
                  np.random.default_rng(1).normal(size=(2, 3, 4))], grad=False)


def test_searchsorted_sorter_and_errors():
    check(lambda m, s, v, order: m.searchsorted(s, v, sorter=order),
          inputs=[np.array([3.0, 1.0, 2.0]), np.array([2.5, 0.0]), np.array([1, 2, 0])],
          grad=False)
    check(lambda m, s, v: m.searchsorted(s, v), inputs=[np.array([1, 2, 3]), np.array([2.5])],
          grad=False)
    check(lambda m, s: (m.bucketize(3, s), m.bucketize(3, s, right=True)),
          inputs=[np.array([1, 3, 5])], grad=False)
    check_raises(lambda m, s: m.searchsorted(s, s, side="left", right=True), RuntimeError,
                 "opposites", inputs=[ember.ones(3)])
    check_raises(lambda m, s: m.searchsorted(s, m.ones(3)), RuntimeError, "boundaries",
                 inputs=[ember.ones(2, 2)])
    check_raises(lambda m, s: m.bucketize(m.ones(3), s), RuntimeError, "1 dimension",
                 inputs=[ember.ones(2, 2)])


# ---------------------------------------------------------------- unique

@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique(inverse, counts, dim):
    def fn(m, x):
        return (m.unique(x, return_inverse=inverse, return_counts=counts, dim=dim),
                x.unique_consecutive(return_inverse=inverse, return_counts=counts, dim=dim))
    check(fn, inputs=[TIES], grad=False)
    check(fn, inputs=[np.array([[1, 2], [1, 2], [0, 3], [1, 2]])], grad=False)


def test_unique_edge_cases():
    check(lambda m, x: m.unique(x, return_inverse=True, return_counts=True),
          inputs=[np.array(3)], grad=False)
    check(lambda m, x: m.unique(x, return_inverse=True, return_counts=True),
          inputs=[np.zeros(0)], grad=False)
    check(lambda m, x: (m.unique(x), m.unique(x, sorted=False)),
          inputs=[np.array([2.0, np.nan, 1.0, np.nan, 2.0])], grad=False)
    check(lambda m, x: m.unique(x, return_counts=True),
          inputs=[np.array([True, False, True])], grad=False)
    check(lambda m, x: m.unique_consecutive(x), inputs=[np.array(3)], grad=False)
    check_raises(lambda m, x: m.unique(x, dim=0), RuntimeError, "0 sized",
                 inputs=[ember.zeros(3, 0)])
    check_raises(lambda m, x: m.unique(x, dim=2), IndexError, "out of range",
                 inputs=[ember.zeros(3, 2)])


# ---------------------------------------------------------------- bincount, histc, histogram

def test_bincount():
    x = np.array([1, 4, 1, 0, 4, 4])
    check(lambda m, x: (m.bincount(x), x.bincount(minlength=8)), inputs=[x], grad=False)
    for weights in (np.linspace(0, 1, 6).astype(np.float32), np.arange(6),
                    np.linspace(0, 1, 6)):
        check(lambda m, x, w: m.bincount(x, w), inputs=[x, weights], grad=False)
    check(lambda m, x: m.bincount(x, minlength=3), inputs=[np.zeros(0, dtype=np.int64)],
          grad=False)
    check(lambda m, x: m.bincount(x), inputs=[x.astype(np.uint8)], grad=False)


@pytest.mark.parametrize("call,exc", [
    (lambda m: m.bincount(m.tensor([1, -1])), RuntimeError),
    (lambda m: m.bincount(m.tensor([[1]])), RuntimeError),
    (lambda m: m.bincount(m.tensor([1.0])), NotImplementedError),
    (lambda m: m.bincount(m.tensor([1]), minlength=-1), RuntimeError),
    (lambda m: m.bincount(m.tensor([1]), m.ones(2)), RuntimeError),
])
def test_bincount_errors(call, exc):
    check_raises(call, exc)


@pytest.mark.parametrize("kwargs", [{}, {"bins": 4}, {"bins": 5, "min": -1, "max": 1},
                                    {"bins": 3, "min": 2, "max": 2}])
def test_histc(kwargs):
    check(lambda m, x: m.histc(x, **kwargs), [(4, 25)], grad=False)
    check(lambda m, x: x.histc(**kwargs), [(7,)], dtype=ember.float32, grad=False)


def test_histc_edges_and_errors():
    check(lambda m, x: (m.histc(x, 5, min=0, max=10), m.histc(x[:1], 4)),
          inputs=[np.array([0.0, 1, 2, 3, 4, 10, 11, -1])], grad=False)
    check(lambda m, x: m.histc(x, 3), inputs=[np.zeros(0)], grad=False)
    check_raises(lambda m, x: m.histc(x, 0), RuntimeError, "bins", inputs=[ember.ones(3)])
    check_raises(lambda m, x: m.histc(x, 3, min=3, max=1), RuntimeError, "larger",
                 inputs=[ember.ones(3)])
    check_raises(lambda m, x: m.histc(x, 3), RuntimeError, "finite",
                 inputs=[ember.tensor([1.0, float("inf")])])
    check_raises(lambda m, x: m.histc(x), NotImplementedError, inputs=[ember.arange(3)])


@pytest.mark.parametrize("kwargs", [{}, {"range": (-1.0, 1.5)}, {"density": True},
                                    {"range": (0.0, 3.0), "density": True}])
@pytest.mark.parametrize("bins", [1, 6])
def test_histogram(kwargs, bins):
    check(lambda m, x: m.histogram(x, bins, **kwargs), [(3, 20)], grad=False)
    check(lambda m, x, w: m.histogram(x, bins, weight=w, **kwargs), [(30,), (30,)], grad=False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram_values_on_edges(dtype):
    # Values on (or a rounding away from) bin edges land in torch's bins: the edges
    # must match torch's to the bit.
    x = np.round(np.random.default_rng(5).normal(size=600) * 30, 1).astype(dtype)
    for bins in (7, 16, 19):
        check(lambda m, t: (m.histogram(t, bins), m.histc(t, bins),
                            m.histogram(t, bins, range=(-40.0, 40.0))),
              inputs=[x], grad=False, rtol=0, atol=0)


def test_histogram_edges_and_errors():
    edges = np.array([-2.0, -0.5, 0.0, 0.3, 2.0])
    check(lambda m, x, e: (m.histogram(x, e), x.histogram(e, density=True)),
          inputs=[np.random.default_rng(0).uniform(-2.5, 2.5, 40), edges], grad=False)
    check(lambda m, x: m.histogram(x, 4), inputs=[np.ones(5)], grad=False)
    check(lambda m, x: m.histogram(x, 3), inputs=[np.linspace(0, 1, 31)], grad=False)
    check_raises(lambda m, x: m.histogram(x, 3, range=(2.0, 1.0)), RuntimeError,
                 "should not exceed", inputs=[ember.ones(3)])
    check_raises(lambda m, x: m.histogram(x, 0), RuntimeError, "bins",
                 inputs=[ember.ones(3)])
    check_raises(lambda m, x: m.histogram(x, 2), NotImplementedError,
                 inputs=[ember.arange(3)])


def test_out_and_return_types():
    x = ember.tensor([[3.0, 1.0, 2.0]])
    values, indices = ember.empty(0), ember.empty(0, dtype=ember.int64)
    result = ember.sort(x, out=(values, indices))
    assert result.values is values and indices.tolist() == [[1, 2, 0]]
    assert repr(ember.topk(x, 1)).startswith("ember.return_types.topk(\nvalues=")
    hist = ember.histogram(x, 2)
    assert hist.hist.tolist() == [1.0, 2.0] and hist.bin_edges.tolist() == [1.0, 2.0, 3.0]
    out = ember.empty(0)
    assert ember.quantile(x, 0.5, out=out) is out and out.item() == 2.0
