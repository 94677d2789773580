"""Convolutions (Conv*, ConvTranspose*, F.conv*, fold/unfold) and lazy modules against
torch: the same weights give the same outputs, input and parameter gradients; float64
gradcheck and double backward; torch's errors, reprs, init and state_dict.
"""
import copy
import math
import re

import numpy as np
import pytest

from parity import assert_same, check, check_raises, to_torch, torch
import ember
import ember.nn as nn
import ember.nn.functional as F

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


def load_torch_weights(t_mod, e_mod):
    state = {k: ember.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()}
    result = e_mod.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def check_module(name, args=(), kwargs=None, shapes=((2, 3, 6, 6),), dtype=ember.float64,
                 rtol=1e-6, atol=1e-7, call_kwargs=None, seed=0):
    """nn.<name>(*args, **kwargs) in both libraries with torch's weights: same outputs,
    input gradients and parameter gradients."""
    kwargs, call_kwargs = kwargs or {}, call_kwargs or {}
    t_mod = getattr(torch.nn, name)(*args, **kwargs).to(to_torch(dtype))
    e_mod = getattr(nn, name)(*args, **kwargs).to(dtype)
    load_torch_weights(t_mod, e_mod)
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, size=s).astype(dtype.numpy) for s in shapes]
    e_in = [ember.tensor(a, requires_grad=True) for a in arrays]
    t_in = [to_torch(e) for e in e_in]
    t_out, e_out = t_mod(*t_in, **call_kwargs), e_mod(*e_in, **call_kwargs)
    t_first = t_out[0] if isinstance(t_out, tuple) else t_out
    e_first = e_out[0] if isinstance(e_out, tuple) else e_out
    assert_same(e_out, t_out, rtol, atol)
    projection = rng.standard_normal(tuple(t_first.shape))
    (t_first * torch.from_numpy(projection).to(t_first.dtype)).sum().backward()
    (e_first * ember.tensor(projection, dtype=e_first.dtype)).sum().backward()
    for e, t in zip(e_in, t_in):
        assert_same(e.grad, t.grad, rtol, atol)
    for (name_e, p_e), (name_t, p_t) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert name_e == name_t
        assert_same(p_e.grad, p_t.grad, rtol, atol)
    return e_mod, t_mod


# ---------------------------------------------------------------- functional convolutions

@pytest.mark.parametrize("x,w,b,kw", [
    ((2, 3, 7), (4, 3, 3), (4,), {}),
    ((2, 4, 9), (6, 2, 3), (6,), dict(stride=2, padding=1, dilation=2, groups=2)),
    ((3, 7), (4, 3, 2), None, dict(padding="same")),           # unbatched, asymmetric same
    ((1, 2, 6), (3, 2, 3), None, dict(padding="valid", stride=(3,))),
    ((0, 2, 6), (3, 2, 3), (3,), {}),                           # empty batch
])
def test_conv1d(x, w, b, kw):
    shapes = [x, w] + ([b] if b else [])
    check(lambda m, *a: m.nn.functional.conv1d(*a, **kw), shapes)


@pytest.mark.parametrize("x,w,b,kw", [
    ((2, 3, 6, 5), (4, 3, 3, 3), (4,), {}),
    ((2, 4, 7, 6), (6, 2, 3, 2), (6,), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2),
                                            groups=2)),
    ((1, 3, 5, 5), (3, 1, 3, 3), None, dict(groups=3, padding=1)),  # depthwise
    ((3, 5, 6), (2, 3, 4, 3), (2,), dict(padding="same", dilation=(1, 2))),  # unbatched
    ((2, 2, 5, 5), (3, 2, 1, 1), None, dict(stride=2)),             # 1x1 strided
    ((2, 2, 4, 4), (3, 2, 4, 4), (3,), {}),                         # 1x1 output
])
def test_conv2d(x, w, b, kw):
    shapes = [x, w] + ([b] if b else [])
    check(lambda m, *a: m.nn.functional.conv2d(*a, **kw), shapes)


@pytest.mark.parametrize("x,w,kw", [
    ((1, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict(padding=1, stride=(1, 2, 1))),
    ((4, 3, 4, 4), (2, 2, 3, 1, 2), dict(groups=2, padding="same")),
])
def test_conv3d(x, w, kw):
    check(lambda m, x, w: m.nn.functional.conv3d(x, w, **kw), [x, w])


@pytest.mark.parametrize("fn,x,w,b,kw", [
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), (3,), dict(stride=3, output_padding=2)),
    ("conv_transpose1d", (4, 5), (4, 1, 3), None, dict(padding=1, dilation=2, groups=2)),
    ("conv_transpose2d", (2, 4, 4, 3), (4, 3, 3, 3), (6,), dict(stride=2, padding=1,
                                                               output_padding=1, groups=2)),
    ("conv_transpose2d", (1, 2, 3, 3), (2, 2, 2, 3), None, dict(stride=(1, 2), dilation=2)),
    ("conv_transpose3d", (1, 2, 2, 3, 2), (2, 2, 2, 2, 3), (2,), dict(stride=2, padding=1)),
])
def test_conv_transpose(fn, x, w, b, kw):
    shapes = [x, w] + ([b] if b else [])
    check(lambda m, *a: getattr(m.nn.functional, fn)(*a, **kw), shapes)


def test_float32_and_integer_convolution():
    check(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1), [(2, 3, 8, 8),
          (5, 3, 3, 3), (5,)], dtype=ember.float32, rtol=1e-5, atol=1e-5)
    check(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, stride=2), [(2, 3, 4, 4),
          (3, 2, 3, 3)], dtype=ember.float32, rtol=1e-5, atol=1e-5)
    x = ember.arange(16).reshape(1, 1, 4, 4)
    w = ember.ones(1, 1, 2, 2, dtype=ember.int64)
    assert_same(F.conv2d(x, w), torch.nn.functional.conv2d(to_torch(x), to_torch(w)))


def test_double_backward():
    rng = np.random.default_rng(3)

    def t(*shape):
        return ember.tensor(rng.standard_normal(shape), requires_grad=True)
    assert ember.autograd.gradgradcheck(
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2),
        (t(2, 4, 5, 5), t(2, 2, 3, 3), t(2)))
    assert ember.autograd.gradgradcheck(
        lambda x, w: F.conv_transpose1d(x, w, stride=2, output_padding=1), (t(2, 3, 4), t(3, 2, 3)))
    # Second derivatives agree with torch's (a Hessian-vector product through the conv).
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    results = []
    for m in (ember, torch):
        xs, ws = m.tensor(x, requires_grad=True), m.tensor(w, requires_grad=True)
        y = m.nn.functional.conv2d(xs, ws, padding=1).tanh().sum()
        gx, gw = m.autograd.grad(y, (xs, ws), create_graph=True)
        results.append(m.autograd.grad((gx * gx).sum() + (gw ** 3).sum(), (xs, ws)))
    for e, t_ in zip(*results):
        assert_same(e, t_, 1e-6, 1e-8)


def test_grad_fn_names_and_no_grad():
    x = ember.ones(1, 2, 5, 5, requires_grad=True)
    w = ember.ones(3, 2, 3, 3)
    assert F.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv_transpose2d(x, ember.ones(2, 3, 3, 3)).grad_fn.name() == "ConvolutionBackward0"
    assert F.unfold(x, 2).grad_fn.name() == "Im2ColBackward0"
    with ember.no_grad():
        assert F.conv2d(x, w).grad_fn is None
    assert not F.conv2d(ember.ones(1, 2, 5, 5), w).requires_grad


@pytest.mark.parametrize("fn,args,exc,match", [
    ("conv2d", [(2, 3), (4, 3, 3, 3)], RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: "
     r"\[2, 3\]"),
    ("conv1d", [(2, 5, 8), (4, 3, 3)], RuntimeError,
     r"Given groups=1, weight of size \[4, 3, 3\], expected input\[2, 5, 8\] to have 3 "
     "channels, but got 5 channels instead"),
    ("conv2d", [(5, 8, 8), (4, 3, 3, 3)], RuntimeError, r"expected input\[1, 5, 8, 8\]"),
    ("conv2d", [(2, 3, 2, 2), (4, 3, 3, 3)], RuntimeError,
     r"Calculated padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\). Kernel "
     "size can't be greater than actual input size"),
    ("conv2d", [(1, 4, 5, 5), (4, 4, 3)], RuntimeError,
     r"expected stride to be a single integer value or a list of 1 values to match the "
     r"convolution dimensions, but got stride=\[1, 1\]"),
    ("conv2d", [(1, 4, 5, 5), (4, 4, 3, 3), (3,)], RuntimeError,
     r"Given weight of size \[4, 4, 3, 3\], expected bias to be 1-dimensional with 4 "
     r"elements, but got bias of size \[3\] instead"),
    ("conv_transpose2d", [(2, 3, 5, 5), (4, 4, 3, 3)], RuntimeError,
     r"Given transposed=1, weight of size \[4, 4, 3, 3\], expected input\[2, 3, 5, 5\] to have "
     "4 channels, but got 3 channels instead"),
    ("conv_transpose2d", [(5, 5), (4, 4, 3, 3)], RuntimeError,
     "input to conv_transpose2d, but got input of size: \\[5, 5\\]"),
])
def test_conv_shape_errors(fn, args, exc, match):
    inputs = [ember.ones(*s) for s in args]
    check_raises(lambda m, *a: getattr(m.nn.functional, fn)(*a), exc, match, inputs=inputs)


@pytest.mark.parametrize("kw,match", [
    (dict(stride=0), "non-positive stride is not supported"),
    (dict(padding=-1), "negative padding is not supported"),
    (dict(dilation=0), r"dilation should be greater than zero, but got \[0, 0\]"),
    (dict(groups=0), "non-positive groups is not supported"),
    (dict(groups=3), r"expected weight to be divisible by 3 at dimension 0, but got weight of "
                     r"size \[\[4, 4, 3, 3\]\] instead"),
    (dict(padding=(1, 2, 3)), "expected padding to be a single integer value or a list of 2"),
    (dict(padding="same", stride=2), "padding='same' is not supported for strided"),
    (dict(padding="bad"), "Invalid padding string: 'bad'"),
])
def test_conv_argument_errors(kw, match):
    inputs = [ember.ones(1, 4, 5, 5), ember.ones(4, 4, 3, 3)]
    check_raises(lambda m, x, w: m.nn.functional.conv2d(x, w, **kw), RuntimeError, match,
                 inputs=inputs)


@pytest.mark.parametrize("kw,match", [
    (dict(output_padding=2), "output padding must be smaller than either stride or dilation, "
                             "but got output_padding_height: 2 output_padding_width: 2 "
                             "stride_height: 1 stride_width: 1 dilation_height: 1 "
                             "dilation_width: 1"),
    (dict(output_padding=-1), "negative output_padding is not supported"),
    (dict(padding=5), r"Given input size per channel: \(5 x 5\). Calculated output size per "
                      r"channel: \(-3 x -3\). Output size is too small"),
])
def test_conv_transpose_argument_errors(kw, match):
    inputs = [ember.ones(1, 4, 5, 5), ember.ones(4, 4, 3, 3)]
    check_raises(lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, **kw), RuntimeError,
                 match, inputs=inputs)
    check_raises(lambda m, x, w: m.nn.functional.conv_transpose1d(x, w, output_padding=2),
                 RuntimeError, "output_padding_height: 0 output_padding_width: 2",
                 inputs=[ember.ones(1, 4, 5), ember.ones(4, 4, 3)])


def test_dtype_errors():
    x, w = ember.ones(1, 4, 5, 5, dtype=ember.float64), ember.ones(4, 4, 3, 3)
    check_raises(lambda m, x, w: m.nn.functional.conv2d(x, w), RuntimeError,
                 "expected scalar type Double but found Float", inputs=[x, w])
    check_raises(lambda m, x, w, b: m.nn.functional.conv2d(x, w, b), RuntimeError,
                 r"Input type \(double\) and bias type \(float\) should be the same",
                 inputs=[x, w, ember.ones(4)])


# ---------------------------------------------------------------- modules

@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=2, dilation=2, groups=2, bias=False), (4, 9)),
    ("Conv2d", (3, 4, 3), {}, (2, 3, 6, 6)),
    ("Conv2d", (3, 4, (3, 2)), dict(stride=(2, 1), padding=(1, 0)), (3, 7, 6)),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="reflect"), (2, 2, 5, 6)),
    ("Conv2d", (2, 4, 3), dict(padding=(2, 1), padding_mode="replicate"), (2, 2, 5, 6)),
    ("Conv2d", (2, 4, 3), dict(padding=1, padding_mode="circular", stride=2), (2, 2, 5, 6)),
    ("Conv2d", (2, 4, 4), dict(padding="same", padding_mode="reflect"), (2, 2, 6, 6)),
    ("Conv2d", (4, 4, 3), dict(padding="same", groups=4, dilation=2), (1, 4, 6, 6)),
    ("Conv3d", (2, 3, 2), dict(padding=1, padding_mode="circular"), (1, 2, 3, 4, 3)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, output_padding=1), (2, 3, 5)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, groups=2, dilation=2), (2, 4, 3, 4)),
    ("ConvTranspose2d", (3, 2, (2, 3)), dict(bias=False), (3, 4, 4)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 2, 3, 2)),
])
def test_conv_modules(name, args, kwargs, shape):
    e_mod, t_mod = check_module(name, args, kwargs, shapes=[shape])
    assert repr(e_mod) == repr(t_mod)


def test_conv_transpose_output_size():
    for size in ([11, 11], [12, 12], [1, 3, 12, 11]):
        check_module("ConvTranspose2d", (3, 3, 3), dict(stride=2), shapes=[(1, 3, 5, 5)],
                     call_kwargs=dict(output_size=size))
    check_module("ConvTranspose1d", (3, 3, 3), dict(stride=3), shapes=[(3, 5)],
                 call_kwargs=dict(output_size=[15]))
    conv = nn.ConvTranspose2d(4, 4, 3, stride=2)
    with pytest.raises(ValueError, match=re.escape(
            "requested an output size of [20, 20], but valid sizes range from [11, 11] to "
            "[12, 12] (for an input of")):
        conv(ember.ones(1, 4, 5, 5), output_size=[20, 20])
    with pytest.raises(ValueError, match="for 4D input, output_size must have 2 or 4 elements"):
        conv(ember.ones(1, 4, 5, 5), output_size=[20])


def test_conv_module_float32_and_state_dict_roundtrip():
    check_module("Conv2d", (3, 8, 3), dict(stride=2, padding=1), shapes=[(4, 3, 9, 9)],
                 dtype=ember.float32, rtol=1e-5, atol=1e-5)
    e_mod = nn.Conv2d(3, 4, 3, bias=False)
    assert list(e_mod.state_dict()) == list(torch.nn.Conv2d(3, 4, 3, bias=False).state_dict())
    t_mod = torch.nn.ConvTranspose2d(3, 4, 3, groups=1)
    t_mod.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in
                           nn.ConvTranspose2d(3, 4, 3).state_dict().items()})
    assert e_mod.weight.shape == (4, 3, 3, 3) and nn.ConvTranspose2d(3, 4, 3).weight.shape == \
        (3, 4, 3, 3)


@pytest.mark.parametrize("name,args", [("Conv2d", (16, 32, 3)), ("Conv1d", (8, 4, 5, 1, 0, 1, 2)),
                                       ("ConvTranspose2d", (16, 8, 3))])
def test_default_init_distribution(name, args):
    ember.manual_seed(0)
    m = getattr(nn, name)(*args)
    fan_in = m.weight.shape[1] * math.prod(m.weight.shape[2:])
    bound = 1 / math.sqrt(fan_in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.1 * bound
    assert w.dtype == np.float32


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(groups=2), ValueError, "in_channels must be divisible by groups"),
    (dict(groups=0), ValueError, "groups must be a positive integer"),
    (dict(padding="same", stride=2), ValueError, "padding='same' is not supported for strided"),
    (dict(padding="foo"), ValueError, "Invalid padding string 'foo', should be one of"),
    (dict(padding_mode="foo"), ValueError, "padding_mode must be one of .*, but got "
                                           "padding_mode='foo'"),
])
def test_conv_module_errors(kwargs, exc, match):
    check_raises(lambda m: m.nn.Conv2d(3, 4, 3, **kwargs), exc, match)


def test_conv_module_input_errors():
    check_raises(lambda m: m.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"), ValueError,
                 'Only "zeros" padding mode is supported for ConvTranspose2d')
    torch.manual_seed(0)
    t_mod = torch.nn.Conv2d(3, 4, 3)
    e_mod = nn.Conv2d(3, 4, 3)
    for shape, match in [((2, 3), "Expected 3D \\(unbatched\\) or 4D \\(batched\\) input"),
                         ((2, 5, 8, 8), "to have 3 channels, but got 5 channels instead")]:
        with pytest.raises(RuntimeError):
            t_mod(torch.ones(*shape))
        with pytest.raises(RuntimeError, match=match):
            e_mod(ember.ones(*shape))
    with pytest.raises(RuntimeError, match=r"Input type \(double\) and bias type \(float\)"):
        e_mod(ember.ones(1, 3, 5, 5, dtype=ember.float64))


def test_deepcopy_and_parameters_order():
    m = nn.Conv2d(2, 3, 3)
    c = copy.deepcopy(m)
    assert [n for n, _ in c.named_parameters()] == ["weight", "bias"]
    assert np.array_equal(c.weight.detach().numpy(), m.weight.detach().numpy())


# ---------------------------------------------------------------- fold / unfold

@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 6, 7), dict(kernel_size=2)),
    ((2, 2, 7, 8), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((3, 5, 5), dict(kernel_size=3, padding=2, stride=2)),
])
def test_unfold(shape, kw):
    check(lambda m, x: m.nn.functional.unfold(x, **kw), [shape])
    check_module("Unfold", (), kw, shapes=[shape])


@pytest.mark.parametrize("shape,size,kw", [
    ((2, 12, 36), (5, 6), dict(kernel_size=(2, 3), padding=1)),
    ((8, 9), (4, 4), dict(kernel_size=2, stride=1, dilation=1)),
    ((1, 4, 4), (5, 5), dict(kernel_size=2, stride=3, dilation=2, padding=1)),
])
def test_fold(shape, size, kw):
    check(lambda m, x: m.nn.functional.fold(x, size, **kw), [shape])
    e_mod, t_mod = check_module("Fold", (size,), kw, shapes=[shape])
    assert repr(e_mod) == repr(t_mod)


@pytest.mark.parametrize("fn,shape,args,match", [
    ("unfold", (1, 2, 3, 3, 3), (2,), r"Expected 3D or 4D \(batch mode\) tensor with possibly 0 "
     r"batch size and other non-zero dimensions for input, but got: \[1, 2, 3, 3, 3\]"),
    ("unfold", (1, 2, 3, 3), (4,), r"Given input with spatial size \(3, 3\), kernel_size=\(4, "
     r"4\), dilation=\(1, 1\), padding=\(0, 0\), calculated shape of the array of sliding "
     r"blocks as \(0, 0\), but its components must be at least one."),
    ("unfold", (1, 2, 3, 3), (0,), "kernel size should be greater than zero, but got "
     "kernel_height: 0 kernel_width: 0"),
    ("unfold", (1, 2, 3, 3), ((2, 2, 2),), "It is expected kernel_size equals to 2, but got "
     "size 3"),
    ("fold", (1, 5, 3), ((4, 4), 2), r"Expected size of input's dimension 1 to be divisible by "
     r"the product of kernel_size, but got input.size\(1\)=5 and kernel_size=\(2, 2\)."),
    ("fold", (1, 8, 5), ((3, 3), 2), r"expected size of input's dimension 2 to match the "
     r"calculated number of sliding blocks 2 \* 2 = 4, but got input.size\(2\)=5."),
])
def test_fold_unfold_errors(fn, shape, args, match):
    check_raises(lambda m, x: getattr(m.nn.functional, fn)(x, *args), RuntimeError, match,
                 inputs=[ember.ones(*shape)])


def test_unfold_fold_double_backward():
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 4)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x: F.fold(F.unfold(x, 2, padding=1) ** 2,
                                                         (4, 4), 2, padding=1), (x,))


# ---------------------------------------------------------------- lazy modules

def test_lazy_linear_materialises_like_torch():
    e_mod, t_mod = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert repr(e_mod) == repr(t_mod) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert repr(e_mod.weight) == "<UninitializedParameter>"
    assert list(e_mod.state_dict()) == ["weight", "bias"]
    assert isinstance(e_mod.state_dict()["weight"], nn.parameter.UninitializedParameter)
    assert e_mod.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        e_mod.weight.shape
    out = e_mod(ember.ones(2, 5))
    assert out.shape == (2, 3) and type(e_mod) is nn.Linear
    assert repr(e_mod) == "Linear(in_features=5, out_features=3, bias=True)"
    assert type(e_mod.weight) is nn.Parameter and e_mod.weight.requires_grad
    assert not e_mod._forward_pre_hooks


def test_lazy_conv_materialises_and_trains():
    torch.manual_seed(0)
    t_mod = torch.nn.LazyConv2d(4, 3, padding=1, bias=False)
    e_mod = nn.LazyConv2d(4, 3, padding=1, bias=False)
    assert repr(e_mod) == repr(t_mod)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5)).astype(np.float32)
    t_mod(torch.from_numpy(x))
    e_mod(ember.tensor(x))
    assert type(e_mod) is nn.Conv2d and repr(e_mod) == repr(t_mod)
    assert e_mod.weight.shape == (4, 3, 3, 3) and e_mod.bias is None
    load_torch_weights(t_mod, e_mod)
    assert_same(e_mod(ember.tensor(x)), t_mod(torch.from_numpy(x)), 1e-5, 1e-5)
    transposed = nn.LazyConvTranspose1d(6, 3, groups=2)
    assert transposed(ember.ones(4, 6)).shape == (6, 8)
    assert transposed.weight.shape == (4, 3, 3) and type(transposed) is nn.ConvTranspose1d
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv1d(4, 3, groups=2)(ember.ones(1, 3, 5))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input "
                                            "to LazyConv2d, but got input of size"):
        nn.LazyConv2d(4, 3)(ember.ones(2, 3))


def test_lazy_load_state_dict_and_dtype():
    source = nn.Conv3d(2, 3, 2)
    lazy = nn.LazyConv3d(3, 2)
    lazy.load_state_dict(source.state_dict())
    assert type(lazy) is nn.LazyConv3d and lazy.weight.shape == (3, 2, 2, 2, 2)
    assert np.array_equal(lazy.weight.detach().numpy(), source.weight.detach().numpy())
    lazy(ember.ones(1, 2, 3, 3, 3))
    assert type(lazy) is nn.Conv3d
    double = nn.LazyLinear(2).double()
    double(ember.ones(3, 4, dtype=ember.float64))
    assert double.weight.dtype is ember.float64
    assert nn.LazyLinear(2, dtype=ember.float64).weight.dtype is ember.float64
    buffer = nn.parameter.UninitializedBuffer()
    assert repr(buffer) == "<UninitializedBuffer>" and not buffer.requires_grad
    buffer.materialize((2, 3))
    assert type(buffer) is ember.Tensor and buffer.shape == (2, 3)


def test_lazy_state_dict_between_lazy_and_initialized_modules():
    assert str(nn.LazyLinear(3).load_state_dict(nn.LazyLinear(3).state_dict())) == \
        "<All keys matched successfully>"
    check_raises(lambda m: m.nn.Linear(2, 3).load_state_dict(m.nn.LazyLinear(3).state_dict()),
                 RuntimeError, "Can't access the shape of an uninitialized parameter")
