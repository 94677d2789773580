"""Pooling (max, avg, LP, adaptive, unpool) against torch: values, indices, gradients,
ties and NaN, float64 gradcheck and double backward, errors and reprs."""
import numpy as np
import pytest

from parity import assert_same, check, check_raises, to_torch, torch
from test_nn_conv import check_module
import ember
import ember.nn as nn
import ember.nn.functional as F


def _small_ints(shape, seed=0):
    """Values with many ties (as float64)."""
    return np.random.default_rng(seed).integers(0, 3, size=shape).astype(np.float64)


# ---------------------------------------------------------------- max pooling

@pytest.mark.parametrize("fn,shape,kw", [
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3)),
    ("max_pool1d", (3, 10), dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    ("max_pool2d", (2, 3, 6, 7), dict(kernel_size=2)),
    ("max_pool2d", (2, 2, 7, 8), dict(kernel_size=(3, 2), stride=(2, 1), padding=1)),
    ("max_pool2d", (3, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (1, 2, 9, 8), dict(kernel_size=2, stride=1, padding=1, dilation=3)),
    ("max_pool2d", (0, 2, 4, 4), dict(kernel_size=2)),
    ("max_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=2, ceil_mode=True)),
    ("max_pool3d", (2, 4, 4, 5), dict(kernel_size=(2, 3, 2), stride=1, padding=(1, 1, 0))),
])
def test_max_pool(fn, shape, kw):
    check(lambda m, x: getattr(m.nn.functional, fn)(x, **kw), [shape])
    check(lambda m, x: getattr(m.nn.functional, fn)(x, return_indices=True, **kw), [shape],
          gradcheck=False)


def test_max_pool_ties_nan_and_infinities():
    check(lambda m, x: m.nn.functional.max_pool2d(x, 3, 1, 1, return_indices=True),
          inputs=[_small_ints((2, 3, 6, 6))], gradcheck=False)
    check(lambda m, x: m.nn.functional.max_pool1d(x, 3, 2, 1, dilation=1, return_indices=True),
          inputs=[_small_ints((2, 3, 11), 1)], gradcheck=False)
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6))
    x[0, 0, 1, 1] = x[0, 1, 3, 2] = x[0, 1, 3, 3] = np.nan
    x[0, 0, 4, 4] = -np.inf
    check(lambda m, x: m.nn.functional.max_pool2d(x, 2, return_indices=True), inputs=[x],
          gradcheck=False)
    # A window of -inf only (next to padding) reports its first real position.
    check(lambda m, x: m.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True),
          inputs=[np.full((1, 1, 4, 4), -np.inf)], grad=False)


def test_max_pool_float32_int_and_grad_fn():
    check(lambda m, x: m.nn.functional.max_pool2d(x, 2), [(4, 8, 12, 12)], dtype=ember.float32)
    x = ember.arange(32).reshape(1, 2, 4, 4)
    assert_same(F.max_pool2d(x, 2), torch.nn.functional.max_pool2d(to_torch(x), 2))
    y = F.max_pool2d(ember.ones(1, 1, 4, 4, requires_grad=True), 2)
    assert y.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.max_pool2d(ember.ones(1, 1, 4, 4), 2, return_indices=True)[1].dtype is ember.int64


def test_max_pool_double_backward():
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: F.max_pool2d(x * x, 3, 1, 1), (x,))
    assert ember.autograd.gradgradcheck(lambda x: F.max_pool1d(x[0] ** 3, 2), (x,))


# ---------------------------------------------------------------- average pooling

@pytest.mark.parametrize("fn,shape,kw", [
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=3)),
    ("avg_pool1d", (3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                 count_include_pad=False)),
    ("avg_pool2d", (2, 3, 6, 7), dict(kernel_size=2)),
    ("avg_pool2d", (2, 2, 7, 8), dict(kernel_size=(3, 2), stride=(2, 1), padding=1)),
    ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=2, padding=1, ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool2d", (3, 7, 7), dict(kernel_size=3, stride=2, padding=1, divisor_override=2)),
    ("avg_pool3d", (1, 2, 5, 6, 5), dict(kernel_size=2, ceil_mode=True)),
    ("avg_pool3d", (2, 4, 4, 5), dict(kernel_size=(2, 3, 2), stride=1, padding=(1, 1, 0),
                                      count_include_pad=False)),
])
def test_avg_pool(fn, shape, kw):
    check(lambda m, x: getattr(m.nn.functional, fn)(x, **kw), [shape])


def test_avg_pool_float32_int_and_double_backward():
    check(lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2, 1), [(4, 8, 12, 12)],
          dtype=ember.float32)
    x = ember.arange(-8, 8).reshape(1, 1, 4, 4)
    assert_same(F.avg_pool2d(x, 2), torch.nn.functional.avg_pool2d(to_torch(x), 2))
    assert F.avg_pool2d(ember.ones(1, 1, 4, 4, requires_grad=True), 2).grad_fn.name() == \
        "AvgPool2DBackward0"
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert ember.autograd.gradgradcheck(
        lambda x: F.avg_pool2d(x * x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (x,))


@pytest.mark.parametrize("fn,nd,kw", [("lp_pool1d", 1, dict(norm_type=2, kernel_size=3)),
                                      ("lp_pool2d", 2, dict(norm_type=3, kernel_size=2,
                                                            stride=1, ceil_mode=True)),
                                      ("lp_pool3d", 3, dict(norm_type=1.5, kernel_size=2))])
def test_lp_pool(fn, nd, kw):
    shape = (2, 3) + (5,) * nd
    check(lambda m, x: getattr(m.nn.functional, fn)(x, **kw), [shape], low=0.1, high=2.0)


# ---------------------------------------------------------------- adaptive pooling

@pytest.mark.parametrize("fn,shape,size", [
    ("adaptive_avg_pool1d", (2, 3, 7), 3),
    ("adaptive_avg_pool1d", (3, 8), 4),
    ("adaptive_avg_pool2d", (2, 3, 7, 8), (3, 5)),
    ("adaptive_avg_pool2d", (3, 6, 8), (None, 1)),
    ("adaptive_avg_pool2d", (2, 3, 6, 9), 1),
    ("adaptive_avg_pool2d", (2, 3, 4, 4), (6, 7)),
    ("adaptive_avg_pool3d", (1, 2, 5, 6, 7), (2, 3, 4)),
    ("adaptive_max_pool1d", (2, 3, 7), 3),
    ("adaptive_max_pool2d", (2, 3, 7, 8), (3, 5)),
    ("adaptive_max_pool2d", (3, 5, 5), (None, 2)),
    ("adaptive_max_pool2d", (1, 2, 3, 3), (5, 4)),
    ("adaptive_max_pool3d", (1, 2, 5, 6, 7), (2, 3, 4)),
])
def test_adaptive_pool(fn, shape, size):
    check(lambda m, x: getattr(m.nn.functional, fn)(x, size), [shape])
    if "max" in fn:
        check(lambda m, x: getattr(m.nn.functional, fn)(x, size, return_indices=True),
              [shape], gradcheck=False)


def test_adaptive_max_pool_ties():
    check(lambda m, x: m.nn.functional.adaptive_max_pool2d(x, (3, 4), return_indices=True),
          inputs=[_small_ints((2, 2, 7, 9))], gradcheck=False)


# ---------------------------------------------------------------- unpooling

@pytest.mark.parametrize("nd,shape,kw,size", [
    (1, (2, 3, 8), dict(kernel_size=2), None),
    (2, (2, 3, 6, 8), dict(kernel_size=2), None),
    (2, (1, 2, 7, 7), dict(kernel_size=3, stride=3, padding=1), (7, 7)),
    (2, (3, 5, 5), dict(kernel_size=2), [1, 3, 5, 5]),
    (3, (1, 2, 4, 6, 4), dict(kernel_size=2), None),
])
def test_max_unpool(nd, shape, kw, size):
    def fn(m, x):
        F_ = m.nn.functional
        out, idx = getattr(F_, f"max_pool{nd}d")(x, return_indices=True, **kw)
        return getattr(F_, f"max_unpool{nd}d")(out * 2, idx, output_size=size, **kw)
    check(fn, [shape])


def test_max_unpool_errors():
    x = ember.ones(1, 1, 2, 2)
    check_raises(lambda m, x, i: m.nn.functional.max_unpool2d(x, i, 2), RuntimeError,
                 r"Found an invalid max index: 16 \(output volumes are of size 4x4\)",
                 inputs=[x, ember.full((1, 1, 2, 2), 16)])
    check_raises(lambda m, x, i: m.nn.functional.max_unpool2d(x, i, 2, output_size=(3, 3, 3)),
                 ValueError, "output_size should be a sequence containing 2 or 4 elements, but "
                 "it has a length of '3'", inputs=[x, ember.zeros(1, 1, 2, 2).long()])
    check_raises(lambda m, x, i: m.nn.functional.max_unpool2d(x, i, 2, output_size=(9, 9)),
                 ValueError, r'invalid output_size "\(9, 9\)" \(dim 0 must be between 2 and 6\)',
                 inputs=[x, ember.zeros(1, 1, 2, 2).long()])
    check_raises(lambda m, x, i: m.nn.functional.max_unpool2d(x, i, 2), RuntimeError,
                 "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 "
                 "dimensions.", inputs=[ember.ones(2, 3), ember.zeros(2, 3).long()])


# ---------------------------------------------------------------- modules

@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=2, ceil_mode=True), (3, 7, 7)),
    ("MaxPool3d", (2,), {}, (1, 2, 4, 4, 4)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9)),
    ("AvgPool2d", (3, 2, 1, True, False, 2), {}, (2, 3, 7, 7)),
    ("AvgPool3d", (2,), dict(ceil_mode=True), (1, 2, 5, 5, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((5, None),), {}, (2, 3, 7, 6)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 5, 5, 5)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", (3,), {}, (2, 3, 7, 6)),
    ("AdaptiveMaxPool3d", ((2, 1, 3),), {}, (1, 2, 5, 5, 5)),
    ("LPPool1d", (2, 3), dict(stride=1, ceil_mode=True), (2, 3, 9)),
    ("LPPool2d", (2, 3), {}, (2, 3, 7, 7)),
])
def test_pool_modules(name, args, kwargs, shape):
    e_mod, t_mod = check_module(name, args, kwargs, shapes=[shape])
    assert repr(e_mod) == repr(t_mod)


def test_pool_modules_with_indices_and_unpool():
    check_module("MaxPool2d", (2,), dict(return_indices=True), shapes=[(2, 3, 6, 6)])
    check_module("AdaptiveMaxPool2d", ((2, 3),), dict(return_indices=True),
                 shapes=[(2, 3, 6, 7)])
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    t_pool, t_unpool = torch.nn.MaxPool2d(2, return_indices=True), torch.nn.MaxUnpool2d(2)
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 5))
    out = unpool(*pool(ember.tensor(x)), output_size=(5, 5))
    assert_same(out, t_unpool(*t_pool(torch.from_numpy(x)), output_size=(5, 5)))
    for cls in ("MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"):
        assert repr(getattr(nn, cls)(2, 1, 1)) == repr(getattr(torch.nn, cls)(2, 1, 1))


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("fn,shape,args,kw,match", [
    ("max_pool2d", (1, 1, 9, 9), (2,), dict(padding=2, dilation=3), "pad should be smaller "
     "than or equal "
     "to half of kernel size, but got padW = 2, padH = 2, kW = 2, kH = 2"),
    ("max_pool2d", (1, 1, 9, 9), (2,), dict(padding=3, dilation=3), "pad should be at most half "
     "of effective kernel size, but got pad=3, kernel_size=2 and dilation=3"),
    ("max_pool2d", (1, 4, 1, 1), (2,), {}, r"Given input size: \(4x1x1\). Calculated output "
     r"size: \(4x0x0\). Output size is too small"),
    ("max_pool2d", (4, 5), (2,), {}, r"non-empty 3D or 4D \(batch mode\) tensor expected for "
     "input"),
    ("max_pool2d", (1, 1, 0, 5), (2,), {}, r"Expected 3D or 4D \(batch mode\) tensor with "
     r"optional 0 dim batch size for input, but got:\[1, 1, 0, 5\]"),
    ("max_pool2d", (1, 1, 5, 5), (2,), dict(stride=0), "stride should not be zero"),
    ("max_pool2d", (1, 1, 5, 5), (0,), dict(stride=1), "kernel size should be greater than "
     "zero, but got kH: 0 kW: 0"),
    ("max_pool2d", (1, 1, 5, 5), (2,), dict(dilation=0), "dilation should be greater than "
     "zero, but got dilationH: 0 dilationW: 0"),
    ("max_pool2d", (1, 1, 5, 5), ((2, 2, 2),), {}, "max_pool2d: kernel_size must either be a "
     "single int, or a tuple of two ints"),
    ("max_pool2d", (1, 4, 5, 5), (2,), dict(stride=(1, 1, 1)), "max_pool2d: stride must either "
     "be omitted, a single int, or a tuple of two ints"),
    ("max_pool1d", (1, 1, 5, 5), (2,), {}, r"max_pool1d: Expected 2D or 3D \(batch mode\) "
     r"tensor with optional 0 dim batch size for input, but got:\[1, 1, 5, 5\]"),
    ("max_pool1d", (1, 4, 5), (2,), dict(padding=2), r"max_pool1d\(\) padding should be at "
     "most half of kernel size, but got padding=2 and kernel_size=2"),
    ("max_pool1d", (1, 4, 1), (2,), {}, r"max_pool1d\(\) Invalid computed output size: 0"),
    ("max_pool3d", (1, 5, 5), (2,), {}, r"non-empty 4D or 5D \(batch mode\) tensor expected"),
    ("avg_pool1d", (1, 1, 5, 5), (2,), {}, "Expected 2 to 3 dimensions, but got 4-dimensional "
     r"tensor for argument #1 'self' \(while checking arguments for avg_pool1d\)"),
    ("avg_pool1d", (1, 4, 5), ((2, 2),), {}, r"avg_pool1d\(\) argument 'kernel_size' should "
     r"contain one int \(got 2\)"),
    ("avg_pool2d", (1, 4, 5, 5), (2,), dict(padding=2), "pad should be at most half of "
     "effective kernel size, but got pad=2, kernel_size=2 and dilation=1"),
    ("avg_pool2d", (1, 1, 5, 5), (2,), dict(divisor_override=0), "divisor must be not zero"),
    ("avg_pool2d", (1, 1, 5, 5), (2,), dict(padding=-1), "pad must be non-negative, but got "
     "pad: -1"),
    ("adaptive_avg_pool2d", (4,), (2,), {}, r"adaptive_avg_pool2d\(\): Expected 3D or 4D "
     r"tensor, but got \[4\]"),
    ("adaptive_avg_pool2d", (1, 1, 5, 5), ((2, 2, 2),), {}, "adaptive_avg_pool2d: output_size "
     "must be 2"),
    ("adaptive_avg_pool2d", (1, 1, 0, 5), ((2, 2),), {}, r"adaptive_avg_pool2d\(\): Expected "
     "input to have non-zero size for non-batch dimensions, but input has sizes "
     r"\[1, 1, 0, 5\] with dimension 2 being empty"),
    ("adaptive_max_pool2d", (4,), (2,), {}, r"adaptive_max_pool2d\(\): Expected 3D or 4D "
     r"tensor, but got: \[4\]"),
    ("adaptive_max_pool1d", (5,), (2,), {}, "Expected 2 to 3 dimensions, but got 1-dimensional "
     "tensor"),
    ("adaptive_avg_pool3d", (5, 5), (2,), {}, r"adaptive_avg_pool3d\(\): Expected 4D or 5D "
     r"tensor, but got \[5, 5\]"),
])
def test_pool_errors(fn, shape, args, kw, match):
    check_raises(lambda m, x: getattr(m.nn.functional, fn)(x, *args, **kw), RuntimeError, match,
                 inputs=[ember.ones(*shape)])


@pytest.mark.parametrize("fn,size", [("adaptive_avg_pool2d", (0, 2)), ("adaptive_avg_pool2d",
                                                                       (0, 3)),
                                     ("adaptive_max_pool2d", (3, 0))])
def test_adaptive_pool_empty_outputs(fn, size):
    # (torch's backward refuses an empty output, so only the forward is compared)
    check(lambda m, x: getattr(m.nn.functional, fn)(x, size), [(1, 2, 5, 4)], grad=False)
    check(lambda m, x: getattr(m.nn.functional, fn)(x, (2, 3)), [(0, 2, 5, 4)])


# ---------------------------------------------------------------- fractional max pooling

@pytest.mark.parametrize("nd,shape,kernel,kw", [
    (2, (2, 3, 9, 11), (2, 3), dict(output_size=(5, 6))),
    (2, (3, 8, 8), 2, dict(output_ratio=(0.5, 0.5))),
    (2, (1, 2, 7, 7), 3, dict(output_size=5)),
    (3, (2, 2, 7, 8, 9), 2, dict(output_size=(4, 5, 3))),
    (3, (1, 2, 6, 6, 6), (2, 1, 2), dict(output_ratio=(0.5, 0.7, 0.5))),
])
def test_fractional_max_pool(nd, shape, kernel, kw):
    batch = 1 if len(shape) == nd + 1 else shape[0]
    samples = np.random.default_rng(1).random((batch, shape[-nd - 1], nd))
    fn = f"fractional_max_pool{nd}d"
    check(lambda m, x, s: getattr(m.nn.functional, fn)(x, kernel, _random_samples=s.detach(),
                                                        **kw), inputs=[
        np.random.default_rng(0).standard_normal(shape), samples])
    check(lambda m, x, s: getattr(m.nn.functional, fn)(x, kernel, return_indices=True,
                                                        _random_samples=s, **kw), inputs=[
        np.random.default_rng(0).standard_normal(shape).astype(np.float32),
        samples.astype(np.float32)], grad=False)


def test_fractional_max_pool_module_and_errors():
    samples = ember.tensor(np.random.default_rng(0).random((2, 3, 2)))
    e_mod = nn.FractionalMaxPool2d(2, output_size=3, return_indices=True,
                                   _random_samples=samples)
    t_mod = torch.nn.FractionalMaxPool2d(2, output_size=3, return_indices=True,
                                         _random_samples=to_torch(samples))
    assert repr(e_mod) == repr(t_mod) == "FractionalMaxPool2d()"
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 6))
    assert_same(e_mod(ember.tensor(x)), t_mod(torch.from_numpy(x)))
    out = nn.FractionalMaxPool2d(3, output_ratio=0.5)(ember.randn(2, 3, 10, 10))
    assert out.shape == (2, 3, 5, 5)
    check_raises(lambda m: m.nn.FractionalMaxPool2d(2), ValueError,
                 "FractionalMaxPool2d requires specifying either an output size, or a pooling "
                 "ratio")
    check_raises(lambda m: m.nn.FractionalMaxPool2d(2, output_ratio=1.5), ValueError,
                 r"output_ratio must be between 0 and 1 \(got 1.5\)")
    check_raises(lambda m: m.nn.functional.fractional_max_pool2d(m.ones(1, 1, 4, 4), 3,
                                                                 output_size=3),
                 RuntimeError, r"fractional_max_pool2d\(\): pool height 3 too large relative "
                 "to input height 4")
    check_raises(lambda m: m.nn.functional.fractional_max_pool3d(m.ones(1, 1, 4, 4, 4), 2,
                                                                 output_size=(2, 3, 2)),
                 RuntimeError, r"fractional_max_pool3d_out\(\): pool height 2 too large")
