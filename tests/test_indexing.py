"""Indexing (tensor[key], tensor[key] = value, index_put) against torch."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from parity import assert_same, check, to_torch, torch
import ember

pytestmark = [pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8"),
              pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")]
I64, BOOL = ember.int64, ember.bool


def idx(values, dtype=I64):
    return ember.tensor(values, dtype=dtype)


def same_error(fn, *inputs):
    """fn raises the same exception type and message under torch and ember."""
    with pytest.raises(Exception) as t_info:
        fn(torch, *[to_torch(i) for i in inputs])
    with pytest.raises(type(t_info.value)) as e_info:
        fn(ember, *inputs)
    assert str(e_info.value) == str(t_info.value)


def assert_view_like_torch(e_out, t_out, e_base):
    assert t_out._is_view() == (e_out._base is not None)
    # NOTE: NumPy points every empty view at its base's start; torch keeps the offset.
    if t_out._is_view() and t_out.numel():
        assert e_out._base is e_base or e_out._base is e_base._base
        assert e_out.stride() == t_out.stride()
        assert e_out.storage_offset() == t_out.storage_offset()


KEYS = [
    0, -1, (0, 1), (0, 1, 2), (slice(None), 1), (None, 0), (Ellipsis, 1), (Ellipsis, None),
    (slice(1, None, 2), slice(None, None, 3)), (), Ellipsis, (None, None, Ellipsis, None),
    (1, Ellipsis, slice(0, 3)), (slice(-2, 10), None, -1), slice(5, 1),
    [0, 1], [[0, 1], [1, 0]], [1, 0, 1], (0, slice(None), [0, 1]), (slice(None), [0, 2], 1),
    (idx(0), slice(None), [0, 1]), idx(1), True, False, (True, slice(None), [0, 1]),
    idx(True, BOOL), (slice(None), idx(False, BOOL), [0]),
    idx([1, 0], ember.uint8), (slice(None), [True, False, True]), ([0, 1], None, [0, 1]),
    (idx([[True, False, True], [False, True, True]], BOOL), [0, 1, 2, 3]), [0.0, 1.0],
    [idx(0), 1], idx([[0, 1]]), ([[0], [1]], [0, 1, 2]), (0, [0, 2], [1, 3]),
    ([0, 1], 1, [1, 3]), idx([1, 0], ember.int32), (slice(None), idx([[2], [0]]), [3, 1]),
    (Ellipsis, [1, 1, 0]), ([], slice(None)), (np.int64(1), [0]), ([-1, -2], Ellipsis, [-4]),
    (idx([[True, False, True], [False, True, True]], BOOL),), [True, False],
    (None, [0, 1], None, [1, 2]), (slice(None), None, [[0], [1]], [2, 3]),
]


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_getitem_matches_torch(key):
    x = ember.tensor(np.arange(24.0).reshape(2, 3, 4))
    t_x = to_torch(x)
    t_out = t_x[to_torch(key)]
    e_out = x[key]
    assert_same(e_out, t_out)
    assert_view_like_torch(e_out, t_out, x)
    check(lambda m, a: a[to_torch(key) if m is torch else key] * 1.5, [(2, 3, 4)])


# NOTE: torch routes x[uint8 mask] = v to masked_fill_, which rejects uint8 masks.
@pytest.mark.parametrize("key", [k for k in KEYS if not (isinstance(k, ember.Tensor) and
                                                         k.dtype is ember.uint8)])
def test_setitem_matches_torch(key):
    x = np.arange(24.0).reshape(2, 3, 4)
    for value in (-7.5, 3):
        e_x, t_x = ember.tensor(x), torch.tensor(x)
        t_x[to_torch(key)] = value
        e_x[key] = value
        assert_same(e_x, t_x)
        assert e_x._version == 1

    def assign(m, a, v):
        y = m.zeros(2, 3, 4, dtype=a.dtype) + a
        y[to_torch(key) if m is torch else key] = v * 2
        return y
    shape = tuple(torch.zeros(2, 3, 4)[to_torch(key)].shape)
    # NOTE: with duplicate indices the last write wins, so finite differences see one
    # write where autograd (torch's too) credits every duplicate.
    unique = _indices_unique(torch.zeros(2, 3, 4), key)
    check(assign, [(2, 3, 4), shape], gradcheck=unique)
    if len(shape) > 0 and shape[-1] > 1:
        check(assign, [(2, 3, 4), (1,) * 2 + shape[-1:]], gradcheck=unique)


def test_zero_dim_tensor_indexing():
    for key in [None, Ellipsis, (), True, idx(False, BOOL), (None, None)]:
        check(lambda m, a: a[to_torch(key) if m is torch else key], [()])


@pytest.mark.parametrize("dtype", [ember.int64, ember.int32, ember.bool, ember.uint8,
                                   ember.float16, ember.complex64])
def test_dtypes_survive_indexing(dtype):
    check(lambda m, a: a[[1, 0], 1:], inputs=[np.arange(6).reshape(2, 3).astype(dtype.numpy)
                                              if dtype is not ember.float16 else
                                              np.ones((2, 3), np.float16)], grad=False)


@pytest.mark.parametrize("key", [
    (slice(None), 5), (None, slice(None), 5), -3, (0, 0, 0, 0), (Ellipsis, 0, 0, 0, 0),
    idx([1, 1, 1], BOOL), (slice(None), idx([[True] * 3] * 3, BOOL)),
    (slice(None), idx([0, 5])), ([0, 1], idx([0, 5])), (slice(None), slice(None), idx([0, 9])),
    [0, 5], ember.tensor([0.0]), 1.0, (slice(None), idx(False, BOOL), [0, 1]), ([0, 1], [0, 1, 2]),
    slice(None, None, -1), slice(None, None, 0), idx([0], ember.int16), "a",
], ids=range(19))
def test_getitem_errors(key):
    same_error(lambda m, a: a[to_torch(key) if m is torch else key],
               ember.zeros(2, 3, 4))


def test_zero_dim_int_index_error():
    same_error(lambda m, a: a[0], ember.tensor(5.0))


@pytest.mark.parametrize("dtype,value", [
    (ember.uint8, 256), (ember.uint8, -1), (ember.uint8, -256), (ember.int8, 200),
    (ember.int32, 2 ** 31), (ember.float32, 1e300), (ember.float32, 1 + 2j), (ember.int64, 2.9),
    (ember.int64, float("nan")), (ember.bool, 5), (ember.float16, 1e300), (ember.uint8, -1.5),
])
def test_setitem_scalar_conversion(dtype, value):
    t_x = torch.zeros(3, dtype=to_torch(dtype))
    e_x = ember.zeros(3, dtype=dtype)
    try:
        t_x[1] = value
    except RuntimeError as exc:
        with pytest.raises(RuntimeError, match=str(exc)):
            e_x[1] = value
        return
    e_x[1] = value
    assert_same(e_x, t_x)


@pytest.mark.parametrize("key,value", [
    (0, ember.ones(2, 3, 4)), (0, ember.ones(3, 3)), ([0, 1], ember.ones(3, 3)),
    (0, [1.0, 2.0, 3.0, 4.0]), (0, np.ones(4)), (0, (1.0,)), ([[0, 1]], ember.ones(2, 2)),
])
def test_setitem_errors(key, value):
    def assign(m, a):
        a[to_torch(key) if m is torch else key] = to_torch(value) if m is torch else value
    same_error(assign, ember.zeros(2, 3, 4))


def test_setitem_casts_tensor_values():
    for value in [ember.ones(4, dtype=ember.float64) * 2.7, ember.tensor(5),
                  ember.tensor([1 + 2j] * 4), ember.tensor([True, False, True, False])]:
        for dtype in [ember.int64, ember.float32, ember.bool]:
            e_x, t_x = ember.zeros(2, 4, dtype=dtype), torch.zeros(2, 4, dtype=to_torch(dtype))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_x[1] = to_torch(value)
                e_x[1] = value
            assert_same(e_x, t_x)


def test_leaf_setitem_errors():
    w = ember.ones(3, requires_grad=True)
    for key in [0, [0], Ellipsis]:
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w[key] = 1.0
    with ember.no_grad():
        w[0] = 5.0
    assert w.detach().tolist() == [5.0, 1.0, 1.0] and w.requires_grad


def test_iadd_with_duplicates_last_write_wins():
    def fn(m, a, v):
        y = a * 1
        y[0, [0, 0, 1]] += v
        y[1, 1:] *= v[:2]
        return y
    check(fn, [(2, 3), (3,)], gradcheck=False)  # duplicates: see test_setitem_matches_torch


def test_setitem_gradient_with_duplicates():
    def fn(m, w):
        y = m.zeros(3, 3, dtype=w.dtype)
        y[[0, 0, 2], [1, 1, 0]] = w
        y[1] = w[None] * 3
        return y * y
    check(fn, [(3,)], gradcheck=False)  # duplicates: see test_setitem_matches_torch


def test_setitem_through_views_updates_base_graph():
    def fn(m, a, v):
        y = a.clone()
        y.t()[1:, 0] = v[1:]
        y[:, 1][[True, False, True]] = 7.0  # writes into a copy: no effect, as in torch
        d = y[1]
        d[[0, 2]] = v[:2] * v[:2]
        return y
    check(fn, [(3, 3), (3,)])


def test_views_share_memory():
    x = ember.zeros(3, 4)
    x[1:, ::2][0, 1] = 5.0
    x[None, 2, Ellipsis, None][0, 3, 0] = 2.0
    assert x.tolist() == [[0.0] * 4, [0, 0, 5, 0], [0, 0, 0, 2]]
    v = x[0]
    x[0, 0] = 9.0
    assert v[0].item() == 9.0 and v._version == x._version


def test_index_put():
    x_np = np.random.default_rng(0).standard_normal((3, 4))
    cases = [((idx([0, 2, 0]),), (3, 4)), ((idx([0, 2]), idx([1, 1])), (2,)),
             ((idx([[True, False, True, False]] * 3, BOOL),), (6,)),
             ((idx([1]), idx([0, 1])), ()),
             ((idx([[0], [2]]), idx([0, 3, 1])), (1, 3))]
    for indices, shape in cases:
        t_indices = to_torch(indices)
        for accumulate in (False, True):
            # NOTE: duplicates without accumulate: the last write wins (no gradcheck).
            unique = accumulate or _indices_unique(torch.zeros(3, 4), t_indices)
            check(lambda m, a, v: m.index_put(a, t_indices if m is torch else indices, v,
                                              accumulate), inputs=[x_np, np.ones(shape)],
                  gradcheck=unique)
            check(lambda m, a, v: (a * 1).index_put_(t_indices if m is torch else indices, v,
                                                     accumulate=accumulate),
                  inputs=[x_np, np.ones(shape)], gradcheck=unique)


def test_index_put_errors():
    x = ember.zeros(2, 3, 4)
    same_error(lambda m, a, i: m.index_put(a, (i,), m.ones(3, 4, dtype=m.float64)), x,
               idx([0]))
    same_error(lambda m, a, i: m.index_put(a, (i,) * 4, m.ones(())), x, idx([0]))
    same_error(lambda m, a, i: m.index_put(a, (None, i), m.ones(())), x, idx([0]))
    same_error(lambda m, a, i: m.index_put(a, (i,), m.ones(5)), x, idx([0]))


def test_index_double_backward():
    x = ember.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a: (a[[0, 1, 1], [2, 0, 0]] ** 2,), (x,))
    assert ember.autograd.gradgradcheck(lambda a: (a[1:, None, 0] ** 2,), (x,))


# ---------------------------------------------------------------- property tests

@st.composite
def shapes_and_keys(draw):
    """A random shape and a random key mixing every kind of index (possibly invalid)."""
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    kinds = draw(st.lists(st.sampled_from(["int", "slice", "none", "ellipsis", "bool", "list",
                                           "tensor", "mask"]), max_size=5))
    # NOTE: one "..." at most: torch's handling of a second one is erratic
    kinds = [k for i, k in enumerate(kinds) if k != "ellipsis" or "ellipsis" not in kinds[:i]]
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    adv_shape = tuple(rng.integers(1, 4, size=rng.integers(1, 3)))
    items, dim = [], 0
    for kind in kinds:
        size = shape[dim] if 0 <= dim < len(shape) else 1
        if kind == "none":
            items.append(None)
        elif kind == "ellipsis":
            items.append(Ellipsis)
            dim = max(dim, len(shape) - (len(kinds) - len(items)))
            continue
        elif kind == "bool":
            items.append(bool(rng.integers(2)))
            continue
        elif kind == "int":
            items.append(int(rng.integers(-size, size + 1)))  # one past the end: IndexError
        elif kind == "slice":
            start, stop = (None if rng.random() < 0.3 else int(rng.integers(-5, 6))
                           for _ in range(2))
            items.append(slice(start, stop, None if rng.random() < 0.5 else
                               int(rng.integers(1, 4))))
        elif kind == "mask":
            k = max(1, min(2, len(shape) - dim))
            mask_shape = shape[dim:dim + k] if rng.random() < 0.9 else (size + 1,)
            items.append(ember.tensor(rng.random(mask_shape) < 0.5))
            dim += k
            continue
        else:
            index_shape = adv_shape if rng.random() < 0.9 else (2,)  # may not broadcast
            array = rng.integers(-size, size, size=index_shape) if size else \
                np.zeros(0, dtype=np.int64)
            items.append(array.tolist() if kind == "list" else ember.tensor(array))
        dim += 1
    return shape, tuple(items)


def _compare_outcome(t_fn, e_fn):
    try:
        t_out = t_fn()
    except (IndexError, RuntimeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            e_fn()
        return None
    e_out = e_fn()
    assert_same(e_out, t_out)
    return e_out, t_out


@settings(max_examples=50, deadline=None)
@given(shapes_and_keys())
def test_property_getitem(case):
    shape, key = case
    x_np = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    x = ember.tensor(x_np)
    t_x = torch.tensor(x_np)
    result = _compare_outcome(lambda: t_x[to_torch(key)], lambda: x[key])
    if result is not None:
        assert_view_like_torch(*result, x)


@settings(max_examples=50, deadline=None)
@given(shapes_and_keys(), st.booleans())
def test_property_setitem(case, with_tensor):
    shape, key = case
    x_np = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    e_x, t_x = ember.tensor(x_np), torch.tensor(x_np)
    try:
        target = tuple(t_x[to_torch(key)].shape)
    except (IndexError, RuntimeError, ValueError):
        target = ()
    value = ember.tensor(-np.arange(int(np.prod(target)), dtype=np.float64).reshape(target)) \
        if with_tensor else -1.0

    def assign(m, x):
        x[to_torch(key) if m is torch else key] = to_torch(value) if m is torch else value
        return x
    # NOTE: duplicate indices make the written value unspecified; compare only when unique.
    unique = with_tensor is False or _indices_unique(t_x, key)
    if unique:
        _compare_outcome(lambda: assign(torch, t_x), lambda: assign(ember, e_x))


def _indices_unique(t_x, key):
    positions = torch.arange(t_x.numel()).reshape(t_x.shape)
    try:
        picked = positions[to_torch(key)].flatten()
    except (IndexError, RuntimeError, ValueError):
        return True
    return picked.unique().numel() == picked.numel()


def test_setitem_into_expanded_memory():
    # writing one row of an expanded tensor is fine; writing overlapping elements is not
    same_error(lambda m, a: a.expand(2, 3).__setitem__(Ellipsis, 1.0), ember.zeros(3))
    for key in [0, (1, slice(1, None)), (0, [0, 2])]:
        e, t = ember.zeros(3), torch.zeros(3)
        e_view, t_view = e.expand(2, 3), t.expand(2, 3)
        e_view[key] = 2.0
        t_view[key] = 2.0
        assert_same(e, t)
