"""Regression tests for bugs found by running whole PyTorch programs on ember."""
import math

import numpy as np
import pytest

from parity import check

import ember


# ---------------------------------------------------------------- NumPy scalars

@pytest.mark.parametrize("scalar", [np.float64(2.5), np.float32(2.5), np.float16(2.5),
                                    np.int64(3), np.int8(3)])
@pytest.mark.parametrize("dtype", [ember.float16, ember.float32, ember.int32])
def test_numpy_scalar_operands_act_as_python_scalars(scalar, dtype):
    check(lambda m, x: (x * scalar, scalar * x, x - scalar, scalar - x, x + scalar,
                        x == scalar, x != scalar, scalar > x),
          inputs=[np.arange(-2, 3).astype(dtype.name)], grad=False)


def test_numpy_scalar_times_tensor_is_a_differentiable_tensor():
    # np.float32(2) * t used to convert t through __array__ and return an ndarray.
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    for coef in (np.float64(0.5), np.float32(0.5)):
        y = coef * x
        assert isinstance(y, ember.Tensor) and y.dtype is ember.float32
        y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_numpy_scalar_results_keep_the_tensor_dtype_in_the_array():
    h = ember.ones(2, dtype=ember.float16)
    assert (h * np.float32(2)).numpy().dtype == np.float16
    assert (h * np.float64(2)).numpy().dtype == np.float16
    assert (ember.ones(2, dtype=ember.int32) + np.int64(1)).numpy().dtype == np.int32


def test_numpy_scalar_fill_values():
    check(lambda m, x: (m.full((2,), np.float32(1.5)), m.full((2,), np.int64(2)),
                        x.clamp(max=np.float32(0.5)),
                        m.where(x > 0, x, np.float32(0))), shapes=[(3,)], dtype=ember.float32)


def test_numpy_bool_scalar_is_a_bool():
    # Deviation: torch reads np.bool_ as a float (so mask & np.bool_(True) raises there).
    mask = ember.tensor([True, False])
    assert (mask & np.bool_(True)).tolist() == [True, False]
    assert ember.full((2,), np.bool_(True)).dtype is ember.bool


def test_numpy_array_operand_is_still_a_type_error():
    with pytest.raises(TypeError):
        np.ones(2) * ember.ones(2)


# ---------------------------------------------------------------- losses

@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_ignored_targets_give_positive_zero_loss(fn):
    x = ember.randn(4, 5).log_softmax(1)
    loss = getattr(ember.nn.functional, fn)(x, ember.tensor([0, -100, 2, -100]),
                                            reduction="none")
    assert [math.copysign(1.0, v) for v in loss.tolist()[1::2]] == [1.0, 1.0]
    check(lambda m, x: getattr(m.nn.functional, fn)(x, m.tensor([1, -100, 3]),
                                                     reduction="none"), shapes=[(3, 4)])


# ---------------------------------------------------------------- namespace

def test_memory_format_constants():
    # model.to(memory_format=torch.channels_last) is common in tuned training scripts.
    import pickle
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        fmt = getattr(ember, name)
        assert isinstance(fmt, ember.memory_format) and repr(fmt) == f"ember.{name}"
        assert pickle.loads(pickle.dumps(fmt)) is fmt
    conv = ember.nn.Conv2d(1, 2, 3).to(memory_format=ember.channels_last)
    x = ember.ones(1, 1, 4, 4).contiguous(memory_format=ember.channels_last)
    assert conv(x).shape == (1, 2, 2, 2)


@pytest.mark.parametrize("name,module", [("softmax", "Softmax"), ("log_softmax", "LogSoftmax"),
                                         ("softmin", "Softmin")])
@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_functional_softmax_implicit_dim_warns(name, module, ndim):
    shape = (2, 3, 4, 5)[:ndim]
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been"):
        check(lambda m, x: getattr(m.nn.functional, name)(x), shapes=[shape])
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        getattr(ember.nn, module)()(ember.ones(shape))


def test_cuda_capability_queries():
    # nanoGPT's train.py picks its dtype with torch.cuda.is_bf16_supported().
    if ember.cuda.is_available():
        major, minor = ember.cuda.get_device_capability()
        assert isinstance(ember.cuda.get_device_name(0), str) and major >= 1
        assert ember.cuda.is_bf16_supported() in (True, False)
    else:
        assert ember.cuda.is_bf16_supported() is False
        for fn in (ember.cuda.get_device_name, ember.cuda.get_device_capability):
            with pytest.raises(AssertionError, match="not compiled with CUDA"):
                fn()
