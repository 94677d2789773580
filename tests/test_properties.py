"""Property tests (hypothesis): broadcasting and type promotion against torch."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from parity import TORCH_DTYPES, to_torch, torch
import ember

DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
          ember.float16, ember.bfloat16, ember.float32, ember.float64, ember.complex64,
          ember.complex128]
SCALARS = st.one_of(st.booleans(), st.integers(-3, 3),
                    st.floats(-3, 3, allow_nan=False).filter(lambda v: v != 0),
                    st.complex_numbers(max_magnitude=3, allow_nan=False, allow_infinity=False))


def _shape_pair(draw):
    ndim = draw(st.integers(0, 4))
    base = [draw(st.integers(1, 3)) for _ in range(ndim)]

    def variant():
        dims = [1 if draw(st.booleans()) else s for s in base]
        drop = draw(st.integers(0, len(dims)))
        return tuple(dims[drop:])
    return variant(), variant()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_broadcasting_matches_torch(data):
    a_shape, b_shape = _shape_pair(data.draw)
    rng = np.random.default_rng(0)
    a = rng.standard_normal(a_shape)
    b = rng.standard_normal(b_shape)
    expected = (torch.from_numpy(a) * torch.from_numpy(b) + torch.from_numpy(b)).numpy()
    got = (ember.tensor(a) * ember.tensor(b) + ember.tensor(b)).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected)
    assert tuple(ember.broadcast_shapes(a_shape, b_shape)) == \
        tuple(torch.broadcast_shapes(a_shape, b_shape))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_incompatible_shapes_raise_like_torch(a_shape, b_shape):
    try:
        torch.broadcast_shapes(tuple(a_shape), tuple(b_shape))
    except RuntimeError:
        with pytest.raises(RuntimeError, match="must match the size of tensor b"):
            ember.zeros(a_shape) + ember.zeros(b_shape)
    else:
        assert (ember.zeros(a_shape) + ember.zeros(b_shape)).shape == \
            (torch.zeros(a_shape) + torch.zeros(b_shape)).shape


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(DTYPES), st.sampled_from(DTYPES), st.booleans(), st.booleans())
def test_tensor_promotion_matches_torch(da, db, a_zero_dim, b_zero_dim):
    a = ember.ones(() if a_zero_dim else (2,), dtype=da)
    b = ember.ones(() if b_zero_dim else (2,), dtype=db)
    expected = torch.result_type(to_torch(a), to_torch(b))
    if expected == torch.complex32:
        return  # NOTE: ember has no complex32; it promotes to complex64 (README).
    assert TORCH_DTYPES[ember.result_type(a, b)] == expected
    assert TORCH_DTYPES[ember.promote_types(da, db)] == torch.promote_types(TORCH_DTYPES[da],
                                                                            TORCH_DTYPES[db])
    if da is not ember.bool or db is not ember.bool:
        assert TORCH_DTYPES[(a + b).dtype] == (to_torch(a) + to_torch(b)).dtype


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(DTYPES), SCALARS)
def test_scalar_promotion_matches_torch(dtype, scalar):
    t = ember.ones(2, dtype=dtype)
    expected = torch.result_type(to_torch(t), scalar)
    if expected == torch.complex32:
        return  # NOTE: ember has no complex32; it promotes to complex64 (README).
    assert TORCH_DTYPES[ember.result_type(t, scalar)] == expected
    if dtype is not ember.bool and not isinstance(scalar, bool):
        assert TORCH_DTYPES[(t * scalar).dtype] == (to_torch(t) * scalar).dtype
