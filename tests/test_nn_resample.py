"""Padding, interpolation, grid sampling and pixel/channel shuffles against torch."""
import warnings

import numpy as np
import pytest

from parity import assert_same, check, check_raises, to_torch, torch
from test_nn_conv import check_module
import ember
import ember.nn.functional as F

pytestmark = pytest.mark.filterwarnings("ignore:Default grid_sample and affine_grid")


# ---------------------------------------------------------------- F.pad

@pytest.mark.parametrize("shape,pad,mode", [
    ((2, 3, 5), (1, 2), "constant"),
    ((2, 3, 5), (-1, 2), "constant"),
    ((2, 3, 4, 5), (1, 2, -1, 0, 2, 1), "constant"),
    ((3, 4), (2, 2, 1, 0), "constant"),
    ((2, 3, 5), (2, 4), "reflect"),
    ((3, 5), (-1, 2), "reflect"),
    ((2, 3, 4, 5), (1, 2, 3, 0), "reflect"),
    ((1, 2, 3, 4, 5), (1, 2, 2, 1, 1, 1), "reflect"),
    ((2, 3, 5), (3, 0), "replicate"),
    ((2, 3, 4, 5), (1, -2, 2, 3), "replicate"),
    ((2, 3, 4, 4), (2, 1, 1, 1, 1, 0), "replicate"),
    ((2, 3, 5), (5, 2), "circular"),
    ((2, 3, 5), (-2, -2), "circular"),
    ((2, 3, 4, 5), (1, 2, 4, 0), "circular"),
    ((3, 3, 4, 5), (1, 1, 2, 1, 0, 2), "circular"),
    ((0, 3, 5), (1, 1), "reflect"),
])
def test_pad(shape, pad, mode):
    check(lambda m, x: m.nn.functional.pad(x, pad, mode=mode), [shape])


def test_pad_values_dtypes_and_scalars():
    check(lambda m, x: m.nn.functional.pad(x, (1, 2, 0, 1), value=-3.5), [(2, 3)])
    x = ember.arange(5).reshape(1, 5)
    assert_same(F.pad(x, (1, 1), value=2.5), torch.nn.functional.pad(to_torch(x), (1, 1),
                                                                     value=2.5))
    check(lambda m, x: m.nn.functional.pad(x, ()), [()])
    check(lambda m, x: m.nn.functional.pad(x, (1, 1)), [(3,)])
    assert F.pad(ember.ones(2, 2, requires_grad=True), (1, 1)).grad_fn.name() == \
        "ConstantPadNdBackward0"


@pytest.mark.parametrize("shape,pad,mode,exc,match", [
    ((1, 4, 5), (6, 6), "reflect", RuntimeError, r"Argument #4: Padding size should be less "
     r"than the corresponding input dimension, but got: padding \(6, 6\) at dimension 2 of "
     r"input \[1, 4, 5\]"),
    ((1, 4, 5), (6, 6), "circular", RuntimeError, "Padding value causes wrapping around more "
     "than once."),
    ((1, 4, 5), (6,), "constant", RuntimeError, "Padding length must be divisible by 2"),
    ((5,), (1, 1), "reflect", NotImplementedError, "Padding size 2 is not supported for 1D "
     "input tensor."),
    ((1, 4, 5), (1,) * 8, "constant", RuntimeError, "Padding length should be less than or "
     "equal to two times the input dimension but got padding length 8 and input of dimension 3"),
    ((1, 4, 5), (1, 1), "foo", NotImplementedError, "Unrecognised padding mode foo"),
    ((1, 4, 5), (-6, 1), "constant", RuntimeError, "narrow"),
    ((1, 0, 5), (1, 1), "replicate", RuntimeError, r"Expected 2D or 3D \(batch mode\) tensor "
     r"with possibly 0 batch size and other non-zero dimensions for input, but got: \[1, 0, 5\]"),
])
def test_pad_errors(shape, pad, mode, exc, match):
    check_raises(lambda m, x: m.nn.functional.pad(x, pad, mode=mode), exc, match,
                 inputs=[ember.ones(*shape)])
    check_raises(lambda m, x: m.nn.functional.pad(x, (1, 0), mode="reflect", value=1.0),
                 RuntimeError, "Padding mode \"reflect\" doesn't take in value argument",
                 inputs=[ember.ones(1, 2, 3)])


@pytest.mark.parametrize("name,args,shape", [
    ("ZeroPad1d", ((1, 2),), (2, 3, 5)), ("ZeroPad2d", (2,), (2, 3, 4)),
    ("ZeroPad3d", ((1, 0, 2, 1, 0, 1),), (1, 2, 3, 3, 3)), ("ConstantPad1d", (2, 3.5), (3, 4)),
    ("ConstantPad2d", ((1, -1, 2, 0), -1.0), (2, 3, 4, 4)), ("ConstantPad3d", (1, 2.0),
                                                              (1, 2, 2, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReflectionPad2d", ((1, 2, 3, 0),), (3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)), ("ReplicationPad1d", ((3, 1),), (2, 5)),
    ("ReplicationPad2d", (2,), (1, 2, 3, 4)), ("ReplicationPad3d", (1,), (2, 2, 3, 3)),
    ("CircularPad1d", (2,), (2, 3, 5)), ("CircularPad2d", ((1, 2, 3, 0),), (1, 2, 4, 5)),
    ("CircularPad3d", (1,), (1, 2, 3, 3, 3)),
])
def test_padding_modules(name, args, shape):
    e_mod, t_mod = check_module(name, args, shapes=[shape])
    assert repr(e_mod) == repr(t_mod)


def test_circular_pad_module_rank_error():
    check_raises(lambda m: m.nn.CircularPad2d(1)(m.ones(5, 5)), ValueError,
                 r"expected 3D or 4D input \(got 2D input\)")


# ---------------------------------------------------------------- interpolate

@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5), dict(scale_factor=2)),
    ((2, 3, 5), dict(scale_factor=1.7)),
    ((2, 3, 7), dict(size=3)),
    ((2, 3, 4, 5), dict(size=(7, 3))),
    ((2, 3, 4, 5), dict(scale_factor=(0.6, 2.5))),
    ((2, 3, 4, 5), dict(scale_factor=1.3, recompute_scale_factor=True)),
    ((1, 2, 3, 4, 5), dict(scale_factor=(2, 0.5, 1.5))),
])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "area"])
def test_interpolate_nearest_and_area(shape, kw, mode):
    check(lambda m, x: m.nn.functional.interpolate(x, mode=mode, **kw), [shape])


@pytest.mark.parametrize("mode,shape", [("linear", (2, 3, 5)), ("bilinear", (2, 3, 4, 5)),
                                        ("bicubic", (2, 2, 4, 5)),
                                        ("trilinear", (1, 2, 3, 4, 3))])
@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(scale_factor=1.7),
                                dict(scale_factor=0.55), dict(scale_factor=1.3,
                                                              recompute_scale_factor=True),
                                dict(size=7), dict(size=1)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_linear_family(mode, shape, kw, align_corners):
    check(lambda m, x: m.nn.functional.interpolate(x, mode=mode, align_corners=align_corners,
                                                   **kw), [shape])


def test_interpolate_float32_same_size_and_grad_through_copy():
    check(lambda m, x: m.nn.functional.interpolate(x, scale_factor=2.5, mode="bilinear"),
          [(2, 3, 9, 7)], dtype=ember.float32, rtol=1e-5, atol=1e-5)
    check(lambda m, x: m.nn.functional.interpolate(x, size=(4, 6), mode="bicubic"),
          [(1, 2, 4, 5)], dtype=ember.float32, rtol=1e-5, atol=1e-5)
    check(lambda m, x: m.nn.functional.interpolate(x, size=(4, 5), mode="bilinear"),
          [(1, 2, 4, 5)])
    check(lambda m, x: m.nn.functional.interpolate(x, scale_factor=1.1, mode="bicubic",
                                                   align_corners=True), [(1, 2, 4, 5)])


@pytest.mark.parametrize("shape,kw,exc,match", [
    ((1, 5, 3), dict(size=4, mode="bilinear"), NotImplementedError,
     "Got 3D input, but bilinear mode needs 4D input"),
    ((1, 1, 3, 3), dict(size=2, mode="linear"), NotImplementedError,
     "Got 4D input, but linear mode needs 3D input"),
    ((1, 5, 3), dict(size=4, scale_factor=2), ValueError,
     "only one of size or scale_factor should be defined"),
    ((1, 5, 3), {}, ValueError, "either size or scale_factor should be defined"),
    ((1, 5, 3), dict(size=4, align_corners=True), ValueError, "align_corners option can only be "
     "set with the interpolating modes: linear | bilinear | bicubic | trilinear"),
    ((1, 1, 3), dict(scale_factor=(2, 2)), ValueError, "Input and scale_factor must have the "
     r"same number of spatial dimensions, but got input with spatial dimensions of \[3\]"),
    ((1, 1, 3), dict(size=(2, 2)), ValueError, "Input and output must have the same number of "
     "spatial dimensions"),
    ((1, 1, 3), dict(size=2, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor is not meaningful with an explicit size."),
    ((1, 1, 3), dict(size=2, mode="foo"), NotImplementedError, r"Input Error: Only 3D, 4D and 5D "
     r"input Tensors supported \(got 3D\) for the modes: nearest \| linear \| bilinear \| "
     r"bicubic \| trilinear \| lanczos \| area \| nearest-exact \(got foo\)"),
    ((1, 3), dict(size=2), NotImplementedError, r"\(got 2D\)"),
    ((1, 1, 3, 3), dict(scale_factor=0.1), RuntimeError, r"Input and output sizes should be "
     r"greater than 0, but got input \(H: 3, W: 3\) output \(H: 0, W: 0\)"),
    ((1, 1, 3), dict(size=(2.5,)), TypeError, "expected size to be one of int or Tuple"),
])
def test_interpolate_errors(shape, kw, exc, match):
    check_raises(lambda m, x: m.nn.functional.interpolate(x, **kw), exc, match,
                 inputs=[ember.ones(*shape)])


@pytest.mark.parametrize("name,kwargs,shape", [
    ("Upsample", dict(scale_factor=2), (2, 3, 4)),
    ("Upsample", dict(size=(3, 7), mode="bilinear", align_corners=True), (1, 2, 4, 5)),
    ("Upsample", dict(scale_factor=(1.5, 2.0), mode="bicubic"), (1, 2, 4, 5)),
    ("Upsample", dict(scale_factor=0.5, mode="trilinear"), (1, 2, 4, 4, 6)),
    ("UpsamplingNearest2d", dict(scale_factor=3), (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", dict(size=5), (1, 2, 3, 4)),
])
def test_upsample_modules(name, kwargs, shape):
    e_mod, t_mod = check_module(name, (), kwargs, shapes=[shape])
    assert repr(e_mod) == repr(t_mod)


def test_deprecated_upsample_functions_warn():
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 1, 3, 3)))
    with pytest.warns(UserWarning, match="upsample_bilinear is deprecated"):
        out = F.upsample_bilinear(x, scale_factor=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.functional.upsample_bilinear(to_torch(x), scale_factor=2)
    assert_same(out, expected)


# ---------------------------------------------------------------- grid_sample, affine_grid

@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d(mode, padding_mode, align_corners):
    check(lambda m, x, g: m.nn.functional.grid_sample(x, g, mode, padding_mode, align_corners),
          [(2, 3, 4, 5), (2, 3, 4, 2)], low=-1.6, high=1.6, gradcheck=mode == "bilinear")


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_3d(padding_mode):
    check(lambda m, x, g: m.nn.functional.grid_sample(x, g, "bilinear", padding_mode, False),
          [(1, 2, 3, 4, 3), (1, 2, 3, 2, 3)], low=-1.5, high=1.5)
    check(lambda m, x, g: m.nn.functional.grid_sample(x, g, "nearest", padding_mode, True),
          [(1, 2, 3, 4, 3), (1, 2, 3, 2, 3)], low=-1.5, high=1.5, gradcheck=False)


def test_grid_sample_float32_and_warning():
    check(lambda m, x, g: m.nn.functional.grid_sample(x, g, align_corners=False),
          [(2, 3, 8, 8), (2, 5, 6, 2)], dtype=ember.float32, rtol=1e-5, atol=1e-5)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior"):
        F.grid_sample(ember.ones(1, 1, 2, 2), ember.zeros(1, 1, 1, 2))


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 3), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(size, align_corners):
    theta = (2, 2, 3) if len(size) == 4 else (2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda m, t: m.nn.functional.affine_grid(t, size, align_corners=align_corners),
              [theta])
    # torch and ember warn alike (unit-size grids with align_corners=True).
    messages = []
    for m in (torch, ember):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.nn.functional.affine_grid(m.ones(*theta), size, align_corners=align_corners)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1]


def test_spatial_transformer_composite():
    def fn(m, x, theta):
        grid = m.nn.functional.affine_grid(theta, x.shape, align_corners=False)
        return m.nn.functional.grid_sample(x, grid, align_corners=False)
    check(fn, [(2, 3, 5, 4), (2, 2, 3)], low=-0.8, high=0.8)


@pytest.mark.parametrize("args,exc,match", [
    (dict(mode="foo"), ValueError, "nn.functional.grid_sample\\(\\): expected mode to be "
     "'bilinear', 'nearest' or 'bicubic', but got: 'foo'"),
    (dict(padding_mode="foo"), ValueError, "expected padding_mode to be 'zeros', 'border', or "
     "'reflection', but got: 'foo'"),
    (dict(grid=(1, 3, 3, 3)), RuntimeError, r"grid_sampler\(\): expected grid to have size 2 in "
     r"last dimension, but got grid with sizes \[1, 3, 3, 3\]"),
    (dict(grid=(2, 3, 3, 2)), RuntimeError, "expected grid and input to have same batch size"),
])
def test_grid_sample_errors(args, exc, match):
    args = dict(args)
    grid = ember.zeros(*args.pop("grid", (1, 3, 3, 2)))
    check_raises(lambda m, x, g: m.nn.functional.grid_sample(x, g, align_corners=False, **args),
                 exc, match, inputs=[ember.ones(1, 1, 4, 4), grid])


@pytest.mark.parametrize("theta,size,exc,match", [
    ((1, 2, 2), (1, 1, 3, 3), ValueError, r"Expected a batch of 2D affine matrices of shape "
     r"Nx2x3 for size \(1, 1, 3, 3\)"),
    ((1, 2, 3), (1, 1, 3), NotImplementedError, "affine_grid only supports 4D and 5D sizes"),
    ((1, 2, 3), (1, 1, 0, 3), ValueError, r"Expected non-zero, positive output size. Got "
     r"\(1, 1, 0, 3\)"),
])
def test_affine_grid_errors(theta, size, exc, match):
    check_raises(lambda m, t: m.nn.functional.affine_grid(t, size, align_corners=False), exc,
                 match, inputs=[ember.ones(*theta)])


# ---------------------------------------------------------------- shuffles

@pytest.mark.parametrize("fn,shape,arg", [
    ("pixel_shuffle", (2, 12, 3, 4), 2), ("pixel_shuffle", (9, 2, 2), 3),
    ("pixel_shuffle", (2, 1, 8, 3, 3), 2), ("pixel_unshuffle", (2, 3, 4, 6), 2),
    ("pixel_unshuffle", (3, 6, 9), 3), ("channel_shuffle", (2, 6, 4, 3), 3),
    ("channel_shuffle", (2, 6, 5), 2),
])
def test_shuffles(fn, shape, arg):
    check(lambda m, x: getattr(m.nn.functional, fn)(x, arg), [shape])


@pytest.mark.parametrize("name,arg,shape", [("PixelShuffle", 2, (2, 8, 3, 3)),
                                            ("PixelUnshuffle", 2, (2, 3, 4, 4)),
                                            ("ChannelShuffle", 2, (2, 4, 3, 3))])
def test_shuffle_modules(name, arg, shape):
    e_mod, t_mod = check_module(name, (arg,), shapes=[shape])
    assert repr(e_mod) == repr(t_mod)


@pytest.mark.parametrize("fn,shape,arg,match", [
    ("pixel_shuffle", (1, 5, 2, 2), 2, r"pixel_shuffle expects its input's 'channel' dimension "
     r"to be divisible by the square of upscale_factor, but input.size\(-3\)=5 is not divisible "
     "by 4"),
    ("pixel_shuffle", (2, 4), 2, "pixel_shuffle expects input to have at least 3 dimensions, "
     r"but got input with 2 dimension\(s\)"),
    ("pixel_shuffle", (1, 4, 2, 2), 0, "pixel_shuffle expects a positive upscale_factor, but "
     "got 0"),
    ("pixel_unshuffle", (1, 4, 2, 3), 2, "pixel_unshuffle expects width to be divisible by "
     r"downscale_factor, but input.size\(-1\)=3 is not divisible by 2"),
    ("channel_shuffle", (1, 5, 3, 2), 2, "Number of channels must be divisible by groups. Got 5 "
     "channels and 2 groups."),
    ("channel_shuffle", (2, 4), 2, r"channel_shuffle expects input with > 2 dims, but got input "
     r"with sizes \[2, 4\]"),
])
def test_shuffle_errors(fn, shape, arg, match):
    check_raises(lambda m, x: getattr(m.nn.functional, fn)(x, arg), RuntimeError, match,
                 inputs=[ember.ones(*shape)])


@pytest.mark.parametrize("fn", [
    lambda m, x: m.nn.functional.interpolate(x, scale_factor=2),
    lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, mode="bicubic"),
    lambda m, x: m.nn.functional.grid_sample(x, m.zeros(0, 3, 3, 2, dtype=x.dtype), align_corners=True),
    lambda m, x: m.nn.functional.pad(x, (1, 1, 2, 0), mode="replicate"),
])
def test_empty_batch(fn):
    check(fn, [(0, 2, 4, 4)])


def test_resampling_double_backward():
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert ember.autograd.gradgradcheck(
        lambda x: F.interpolate(x * x, scale_factor=1.7, mode="bilinear"), (x,))
    assert ember.autograd.gradgradcheck(lambda x: F.pad(x ** 3, (2, 1, 1, 2), mode="reflect"),
                                        (x,))
    assert ember.autograd.gradgradcheck(
        lambda x: F.interpolate(x ** 3, scale_factor=2.5, mode="nearest"), (x,))


def test_pad_never_returns_a_view():
    x = ember.arange(10.0).reshape(1, 2, 5)
    for args in [((-1, -1),), ((0, 0),), ((0, 0), "reflect"), ((-1, 0), "circular")]:
        out = F.pad(x, *args)
        out.add_(100)
        assert x.max().item() == 9.0
