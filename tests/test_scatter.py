"""gather/scatter, index_*, masked_*, take, nonzero against torch."""
import numpy as np
import pytest

from parity import check, to_torch, torch
import ember
from ember.ops.scatter import at_by_rounds

RNG = np.random.default_rng(0)


def same_error(fn, *inputs):
    """fn raises the same exception type and message under torch and ember."""
    with pytest.raises(Exception) as t_info:
        fn(torch, *[to_torch(i) for i in inputs])
    with pytest.raises(type(t_info.value)) as e_info:
        fn(ember, *inputs)
    assert str(e_info.value) == str(t_info.value)


def ints(*values):
    """ints(1, 2) and ints([1, 2]) are the int64 vector [1, 2]; ints([0], [1]) a matrix."""
    return np.array(values[0] if len(values) == 1 else values, dtype=np.int64)


def floats(shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, size=shape)


# ---------------------------------------------------------------- gather / scatter

@pytest.mark.parametrize("shape,dim,index", [
    ((3, 4), 1, ints([0, 3], [2, 2])), ((3, 4), 0, ints([[0, 2, 1, 0]])),
    ((3, 4), -1, ints([[1], [0], [3]])), ((2, 3, 4), 2, RNG.integers(0, 4, (2, 2, 5))),
    ((5,), 0, ints(4, 0, 0, 1)), ((3, 4), 1, np.zeros((0, 2), np.int64)),
    ((), 0, np.array(0)),
])
def test_gather(shape, dim, index):
    check(lambda m, x, i: m.gather(x, dim, i), inputs=[floats(shape), index])
    check(lambda m, x, i: x.gather(dim, i.int()), inputs=[floats(shape), index])


def test_gather_out_and_errors():
    check(lambda m, x, i, o: (m.gather(x, 1, i, out=o), o),
          inputs=[floats((3, 4)), ints([[0, 1]]), np.zeros((1, 2))], grad=False)
    x = ember.zeros(3, 4)
    for index in [ints(0), ints([[4]]), ints([[-1]]), np.zeros((4, 2), np.int64),
                  np.zeros((1, 1), np.int16), np.zeros((1, 1), np.float32)]:
        same_error(lambda m, a, i: m.gather(a, 1, i), x, ember.tensor(index))
    same_error(lambda m, a: m.gather(a, 2, m.zeros(1, 1, dtype=m.int64)), x)


SCATTER_CASES = [
    ((3, 4), 1, ints([0, 3], [2, 1]), (2, 2)), ((3, 4), 0, ints([[0, 2, 1, 0]]), (1, 4)),
    ((3, 4), 1, ints([0, 3], [2, 1]), (3, 3)), ((2, 3, 4), 1, ints([[[2], [0]]]), (1, 2, 2)),
    ((5,), 0, ints(4, 0, 2), (3,)), ((), 0, np.array(0), ()),
]


@pytest.mark.parametrize("shape,dim,index,src_shape", SCATTER_CASES)
def test_scatter(shape, dim, index, src_shape):
    inputs = [floats(shape), index, floats(src_shape)]
    # NOTE: torch's gradient of a src larger than index fails; ember's pads with zeros.
    grad = src_shape == index.shape
    check(lambda m, x, i, s: m.scatter(x, dim, i, s), inputs=inputs, grad=grad)
    check(lambda m, x, i, s: (x * 1).scatter_(dim, i, s), inputs=inputs, grad=grad)
    check(lambda m, x, i: m.scatter(x, dim, i, -1.5), inputs=inputs[:2])
    check(lambda m, x, i: x.scatter(dim, i, value=2), inputs=inputs[:2])
    check(lambda m, x, i, s: m.scatter_add(x, dim, i, s), inputs=inputs, grad=grad)
    check(lambda m, x, i, s: (x * 1).scatter_add_(dim, i, s), inputs=inputs, grad=grad)
    check(lambda m, x, i, s: m.scatter(x, dim, i, s, reduce="add"), inputs=inputs, grad=False)
    check(lambda m, x, i, s: m.scatter(x, dim, i, s, reduce="multiply"), inputs=inputs,
          grad=False)
    check(lambda m, x, i: m.scatter(x, dim, i, 3.0, reduce="multiply"), inputs=inputs[:2],
          grad=False)
    if grad:
        ember_pad = ember.scatter_add(ember.zeros(shape), dim, ember.tensor(index),
                                      ember.ones(src_shape, requires_grad=True))
        assert ember_pad.requires_grad


def test_scatter_duplicates_and_out():
    index = ints([0, 0, 1], [2, 2, 2])
    check(lambda m, x, i, s: m.scatter_add(x, 1, i, s), inputs=[floats((2, 4)), index,
                                                               floats((2, 3))])
    check(lambda m, x, i, s: m.scatter(x, 1, i, s), inputs=[floats((2, 4)), index,
                                                           np.ones((2, 3))], gradcheck=False)
    for fn in [lambda m, x, i, s, o: m.scatter(x, 1, i, s, out=o),
               lambda m, x, i, s, o: m.scatter_add(x, 1, i, s, out=o),
               lambda m, x, i, s, o: m.scatter_reduce(x, 1, i, s, "amax", out=o)]:
        check(fn, inputs=[floats((2, 4)), index, floats((2, 3)), np.zeros((2, 4))],
              grad=False)


def test_scatter_errors():
    x, i = ember.zeros(3, 4), ember.tensor(ints([[0, 1]]))
    same_error(lambda m, a, i: m.scatter(a, 1, i, m.ones(1, 2, dtype=m.float64)), x, i)
    same_error(lambda m, a, i: m.scatter(a, 1, i, m.ones(1, 1)), x, i)
    same_error(lambda m, a, i: m.scatter(a, 1, i, m.ones(1, 2), reduce="sum"), x, i)
    same_error(lambda m, a, i: m.scatter(a, 1, i * 5, 1.0), x, i)
    same_error(lambda m, a, i: m.scatter(a, 1, i.float(), 1.0), x, i)
    same_error(lambda m, a, i: m.scatter(a, 1, i[0], 1.0), x, i)
    same_error(lambda m, a, i: m.scatter_add(a, 1, i, m.ones(1, 2, dtype=m.float64)), x, i)
    same_error(lambda m, a, i: m.scatter_add(a, 1, i.short(), m.ones(1, 2)), x, i)
    same_error(lambda m, a, i: m.scatter_reduce(a, 1, i, m.ones(1, 2), "foo"), x, i)
    same_error(lambda m, a, i: m.scatter(a, 1, i, 1 + 2j), x, i)


# ---------------------------------------------------------------- scatter_reduce

@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    index = ints([0, 0, 3, 0], [2, 1, 1, 1])
    x, src = floats((2, 5), 0.5, 2.0), floats((2, 4), 0.5, 2.0)
    check(lambda m, a, i, s: m.scatter_reduce(a, 1, i, s, reduce, include_self=include_self),
          inputs=[x, index, src])
    check(lambda m, a, i, s: (a * 1).scatter_reduce_(1, i, s, reduce,
                                                    include_self=include_self),
          inputs=[x, index, src])
    # zeros among the factors (prod) and ties (amax/amin): torch's gradient rules
    x_special = np.array([[0.0, 1.0, 2.0, 0.0, 1.5], [1.0, 0.0, 3.0, 1.0, 1.0]])
    src_special = np.array([[0.0, 2.0, 0.0, 1.0], [3.0, 1.0, 1.0, 0.0]])
    check(lambda m, a, i, s: m.scatter_reduce(a, 1, i, s, reduce, include_self=include_self),
          inputs=[x_special, index, src_special], gradcheck=False)
    # a src larger than index, integers (floor division for mean), 0-d
    check(lambda m, a, i, s: m.scatter_reduce(a, 1, i, s[:, :4], reduce,
                                              include_self=include_self),
          inputs=[x, index, floats((2, 6))])
    check(lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, reduce, include_self=include_self),
          inputs=[ints(-3, 5, 7), ints(0, 0, 2, 2), ints(-4, 0, 9, 2)])
    check(lambda m, a, i, s: m.scatter_reduce(a, 0, i, s, reduce, include_self=include_self),
          inputs=[np.array(1.5), np.array(0), np.array(-2.0)])


def test_scatter_reduce_double_backward():
    x = ember.tensor(floats((2, 4), 0.5, 2.0), requires_grad=True)
    src = ember.tensor(floats((2, 3), 0.5, 2.0), requires_grad=True)
    index = ember.tensor(ints([0, 0, 3], [2, 1, 1]))
    for reduce in ["sum", "prod", "mean", "amax"]:
        assert ember.autograd.gradgradcheck(
            lambda a, s: (a.scatter_reduce(1, index, s, reduce),), (x, src))
    assert ember.autograd.gradgradcheck(lambda a: (a.gather(1, index) ** 2,), (x,))


def test_ufunc_at_by_rounds_matches_numpy():
    for ufunc in [np.multiply, np.maximum, np.add]:
        target = RNG.uniform(0.5, 2, (3, 4))
        key = (RNG.integers(0, 3, (5, 1)), RNG.integers(0, 4, (1, 6)))
        values = RNG.uniform(0.5, 2, (5, 6))
        expected = target.copy()
        ufunc.at(expected, key, values)
        at_by_rounds(np, ufunc, target, key, values)
        np.testing.assert_allclose(target, expected)


# ---------------------------------------------------------------- index_* ops

@pytest.mark.parametrize("shape,dim,index", [
    ((3, 4), 1, ints(0, 3, 0)), ((3, 4), 0, ints(2)), ((2, 3, 4), -2, ints(1, 1, 0, 2)),
    ((5,), 0, np.zeros(0, np.int64)), ((3, 4), 1, np.array(2)),
])
def test_index_ops(shape, dim, index):
    source_shape = list(shape)
    source_shape[dim] = index.size
    x, src = floats(shape), floats(source_shape)
    unique = len(set(index.reshape(-1).tolist())) == index.size
    check(lambda m, a, i: m.index_select(a, dim, i), inputs=[x, index])
    check(lambda m, a, i: a.index_select(dim, i.int()), inputs=[x, index])
    check(lambda m, a, i, s: m.index_add(a, dim, i, s), inputs=[x, index, src])
    check(lambda m, a, i, s: a.index_add(dim, i, s, alpha=-2.5), inputs=[x, index, src])
    check(lambda m, a, i, s: (a * 1).index_add_(dim, i, s), inputs=[x, index, src])
    check(lambda m, a, i, s: m.index_copy(a, dim, i, s), inputs=[x, index, src],
          gradcheck=unique)
    check(lambda m, a, i, s: (a * 1).index_copy_(dim, i, s), inputs=[x, index, src],
          gradcheck=unique)
    check(lambda m, a, i: m.index_fill(a, dim, i, -1.0), inputs=[x, index])
    check(lambda m, a, i, v: (a * 1).index_fill_(dim, i, v), inputs=[x, index, np.array(3.0)])
    for reduce in ["prod", "mean", "amax", "amin"]:
        for include_self in (True, False):
            check(lambda m, a, i, s: m.index_reduce(a, dim, i, s, reduce,
                                                    include_self=include_self),
                  inputs=[x, index, src])
    check(lambda m, a, i, s: (a * 1).index_reduce_(dim, i, s, "amax"), inputs=[x, index, src])


def test_index_ops_zero_dim_and_out():
    for fn in [lambda m, a, i: m.index_select(a, 0, i),
               lambda m, a, i: m.index_fill(a, 0, i, 2.0),
               lambda m, a, i: m.index_add(a, 0, i, a * 2),
               lambda m, a, i: m.index_copy(a, 0, i, a * 2)]:
        check(fn, inputs=[np.array(1.5), ints(0)])
    for fn in [lambda m, a, i, s, o: m.index_add(a, 1, i, s, out=o),
               lambda m, a, i, s, o: m.index_copy(a, 1, i, s, out=o),
               lambda m, a, i, s, o: m.index_reduce(a, 1, i, s, "mean", out=o)]:
        check(fn, inputs=[floats((3, 4)), ints(1, 0), floats((3, 2)), np.zeros((3, 4))],
              grad=False)
    check(lambda m, a, i, o: m.index_select(a, 1, i, out=o),
          inputs=[floats((3, 4)), ints(1, 0), np.zeros((3, 2))], grad=False)
    check(lambda m, a, i: m.index_fill(a, 1, i, -1), inputs=[ints([1, 2], [3, 4]), ints(-1)])


INDEX_ERRORS = [
    lambda m, x: m.index_select(x, 1, m.tensor([[0]])),
    lambda m, x: m.index_select(x, 1, m.tensor([1.0])),
    lambda m, x: m.index_select(x, 1, m.tensor([4])),
    lambda m, x: m.index_select(x, 1, m.tensor([-1])),
    lambda m, x: m.index_add(x, 1, m.tensor([0, 0]), m.ones(3, 2, dtype=m.float64)),
    lambda m, x: m.index_add(x, 1, m.tensor([0, 0]), m.ones(3, 3)),
    lambda m, x: m.index_add(x, 1, m.tensor([0, 0]), m.ones(2, 2)),
    lambda m, x: m.index_add(x, 1, m.tensor([[0, 0]]), m.ones(3, 2)),
    lambda m, x: m.index_add(x, 1, m.tensor([0, 9]), m.ones(3, 2)),
    lambda m, x: m.index_add(x, 1, m.tensor([-1]), m.ones(3, 1)),
    lambda m, x: m.index_add(x, 1, m.tensor([0], dtype=m.int16), m.ones(3, 1)),
    lambda m, x: m.index_copy(x, 1, m.tensor([0, 1]), m.ones(3, 2, dtype=m.float64)),
    lambda m, x: m.index_copy(x, 1, m.tensor([0, 1]), m.ones(3, 3)),
    lambda m, x: m.index_copy(x, 1, m.tensor([0, 1], dtype=m.int32), m.ones(3, 2)),
    lambda m, x: m.index_copy(x, 1, m.tensor([9]), m.ones(3, 1)),
    lambda m, x: m.index_copy(x, 1, m.tensor([[0]]), m.ones(3, 1)),
    lambda m, x: m.index_fill(x, 1, m.tensor([0]), m.tensor([2.0])),
    lambda m, x: m.index_fill(x, 1, m.tensor([0], dtype=m.int32), 1.0),
    lambda m, x: m.index_fill(x, 1, m.tensor([9]), 1.0),
    lambda m, x: m.index_fill(x, 1, m.tensor([[0]]), 1.0),
    lambda m, x: m.index_reduce(x, 1, m.tensor([0, 0]), m.ones(3, 2), "sum"),
    lambda m, x: m.index_reduce(x, 1, m.tensor([9]), m.ones(3, 1), "prod"),
    lambda m, x: m.index_reduce(x, 1, m.tensor([0]), m.ones(3, 1, dtype=m.float64), "prod"),
    lambda m, x: m.index_reduce(x, 1, m.tensor([0]), m.ones(3, 2), "prod"),
]


@pytest.mark.parametrize("fn", INDEX_ERRORS, ids=range(len(INDEX_ERRORS)))
def test_index_errors(fn):
    same_error(fn, ember.zeros(3, 4))


# ---------------------------------------------------------------- masked ops

@pytest.mark.parametrize("x_shape,mask_shape", [((3, 4), (3, 4)), ((3, 4), (4,)),
                                                 ((4,), (3, 4)), ((), ()), ((2, 0), (2, 1))])
def test_masked_ops(x_shape, mask_shape):
    mask = np.asarray(RNG.random(mask_shape) < 0.5)
    x = floats(x_shape)
    check(lambda m, a, k: m.masked_fill(a, k, -1.5), inputs=[x, mask])
    check(lambda m, a, k, v: a.masked_fill(k, v), inputs=[x, mask, np.array(2.0)])
    check(lambda m, a, k: a.masked_fill(k, m.tensor(3)), inputs=[x, mask])
    check(lambda m, a, k: m.masked_select(a, k), inputs=[x, mask])
    n = int(np.broadcast_to(mask, np.broadcast_shapes(x_shape, mask_shape)).sum())
    check(lambda m, a, k, s: m.masked_scatter(a, k, s), inputs=[x, mask, floats((n + 2,))])
    if np.broadcast_shapes(x_shape, mask_shape) == x_shape:
        check(lambda m, a, k: (a * 1).masked_fill_(k, 7.0), inputs=[x, mask])
        check(lambda m, a, k, s: (a * 1).masked_scatter_(k, s),
              inputs=[x, mask, floats((n + 1,))])


def test_masked_ops_dtypes_and_out():
    mask = np.array([True, False, True])
    check(lambda m, a, k: m.masked_fill(a, k, 2.7), inputs=[ints(1, 2, 3), mask])
    check(lambda m, a, k: m.masked_fill(a, k, True), inputs=[np.zeros(3, bool), mask])
    check(lambda m, a, k, o: m.masked_select(a, k, out=o),
          inputs=[floats(3), mask, np.zeros(2)], grad=False)


MASKED_ERRORS = [
    lambda m, x: m.masked_fill(x, (x > 5).byte(), 1.0),
    lambda m, x: m.masked_fill(x, (x > 5).float(), 1.0),
    lambda m, x: m.masked_fill(x, (x > 5).long(), 1.0),
    lambda m, x: m.masked_fill(x, x > 5, m.tensor([1.0])),
    lambda m, x: m.masked_fill(x, x > 5, 1j),
    lambda m, x: m.masked_fill(x, m.ones(3, dtype=m.bool), 1.0),
    lambda m, x: m.ones(4).masked_fill_(m.ones(3, 4, dtype=m.bool), 1.0),
    lambda m, x: m.masked_scatter(x, x > 5, m.arange(3.0)),
    lambda m, x: m.masked_scatter(x, x > 5, m.arange(12)),
    lambda m, x: m.masked_scatter(x, (x > 5).long(), m.arange(12.0)),
    lambda m, x: m.masked_select(x, (x > 5).byte()),
    lambda m, x: m.masked_select(x, m.ones(3, dtype=m.bool)),
]


@pytest.mark.parametrize("fn", MASKED_ERRORS, ids=range(len(MASKED_ERRORS)))
def test_masked_errors(fn):
    same_error(fn, ember.arange(12.0).reshape(3, 4))


# ---------------------------------------------------------------- take / nonzero

def test_take_and_take_along_dim():
    x = floats((3, 4))
    for index in [ints([0, 11], [5, -1]), ints(3), np.array(7), np.zeros((0,), np.int64)]:
        check(lambda m, a, i: m.take(a, i), inputs=[x, index])
    check(lambda m, a, i, o: m.take(a, i, out=o), inputs=[x, ints(1, 2), np.zeros(2)],
          grad=False)
    for index, dim in [(ints([0], [1], [2]), 1), (ints([0, 11]), None), (ints([[0, 1]]), 1),
                       (ints([[3], [0], [1]]), -1), (RNG.integers(0, 3, (2, 4)), 0)]:
        check(lambda m, a, i: m.take_along_dim(a, i, dim), inputs=[x, index])
    check(lambda m, a, i: m.take_along_dim(a, i, 0), inputs=[floats((3, 1)), ints([[0, 0]])])
    check(lambda m, a, i: a.take_along_dim(i, dim=1), inputs=[floats((3, 1)), ints([[0, 0]])])


@pytest.mark.parametrize("fn", [
    lambda m, x: m.take(x, m.tensor([12])), lambda m, x: m.take(x, m.tensor([-13])),
    lambda m, x: m.take(x, m.tensor([1], dtype=m.int32)),
    lambda m, x: m.take(m.ones(0), m.tensor([0])),
    lambda m, x: m.take_along_dim(x, m.tensor([0]), 1),
    lambda m, x: m.take_along_dim(x, m.tensor([[0]], dtype=m.int32), 1),
])
def test_take_errors(fn):
    same_error(fn, ember.zeros(3, 4))


@pytest.mark.parametrize("values", [
    np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]), np.array([True, False, True]),
    np.array(3.0), np.array(0), np.zeros((2, 0)), ints([[0, 1], [1, 0]]).reshape(2, 1, 2),
    np.array([1 + 1j, 0j]),
])
def test_nonzero(values):
    check(lambda m, a: m.nonzero(a), inputs=[values], grad=False)
    check(lambda m, a: a.nonzero(as_tuple=True), inputs=[values], grad=False)
    check(lambda m, a: m.argwhere(a), inputs=[values], grad=False)
    check(lambda m, a: m.where(a != 0), inputs=[values], grad=False)
    e, t = ember.nonzero(ember.tensor(values)), torch.nonzero(torch.tensor(values))
    if t.numel():
        assert e.stride() == t.stride()


def test_nonzero_out():
    check(lambda m, a, o: m.nonzero(a, out=o), inputs=[ints(0, 2, 3), np.zeros((2, 1),
                                                                                np.int64)],
          grad=False)


def test_put():
    x = floats((3, 4))
    for accumulate in (False, True):
        check(lambda m, a, i, s: m.put(a, i, s, accumulate), inputs=[x, ints([0, -1, 5]),
                                                                    floats(3)])
        check(lambda m, a, i, s: (a * 1).put_(i, s, accumulate=accumulate),
              inputs=[x, ints([[0, -1]]), floats(2)])
    for fn in [lambda m, a: m.put(a, m.tensor([0, -1]), m.tensor([5.0, 6.0, 7.0])),
               lambda m, a: m.put(a, m.tensor([0, -1]), m.tensor([5.0, 6.0], dtype=m.float64)),
               lambda m, a: m.put(a, m.tensor([0, -1], dtype=m.int32), m.tensor([5.0, 6.0])),
               lambda m, a: m.put(a, m.tensor([12]), m.tensor([5.0]))]:
        same_error(fn, ember.zeros(3, 4))


def test_nonzero_static():
    for values, size in [(ints(0, 1, 1, 0, 1), 2), (ints([[0, 1]]), 3), (ints(0, 0), 0)]:
        check(lambda m, a: m.nonzero_static(a, size=size, fill_value=-5), inputs=[values],
              grad=False)
