"""Normalisation layers against torch: BatchNorm/SyncBatchNorm, InstanceNorm, LayerNorm,
GroupNorm, RMSNorm, LocalResponseNorm and their functional forms."""
import numpy as np
import pytest

from parity import assert_same, check, check_raises, torch
from seq_helpers import compare, load_torch_weights, rand, twin
import ember
import ember.nn as nn
import ember.nn.functional as F


# ---------------------------------------------------------------- batch norm

@pytest.mark.parametrize("name,shape", [
    ("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 2, 5)),
    ("BatchNorm3d", (2, 3, 2, 3, 2))])
@pytest.mark.parametrize("kwargs", [{}, dict(affine=False), dict(bias=False),
                                    dict(track_running_stats=False), dict(momentum=None)])
def test_batchnorm_train_steps_then_eval(name, shape, kwargs):
    e_mod, t_mod = twin(name, 3, **kwargs)
    for step in range(3):
        compare(e_mod, t_mod, [rand(*shape, seed=step)])
        for key, value in t_mod.state_dict().items():
            assert_same(e_mod.state_dict()[key], value, 1e-6, 1e-7)
    e_mod.eval()
    t_mod.eval()
    compare(e_mod, t_mod, [rand(*shape, seed=5)])


def test_batchnorm_float32_and_grad_fn():
    e_mod, t_mod = twin("BatchNorm2d", 4, dtype=ember.float32)
    out = compare(e_mod, t_mod, [rand(8, 4, 3, 3, dtype=ember.float32)], rtol=1e-4, atol=1e-5)
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
    assert e_mod.num_batches_tracked.item() == 1


def test_batchnorm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rand(5, 2, seed=i, requires_grad=False) for i in range(4)]
    for batch in batches:
        bn(batch)
    means = np.mean([b.numpy().mean(0) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), means, rtol=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_functional_batch_norm_gradcheck(training):
    def fn(m, x, w, b):
        rm, rv = m.zeros(3, dtype=x.dtype), m.ones(3, dtype=x.dtype) * 1.5
        out = m.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.2)
        return out, rm, rv
    check(fn, [(4, 3, 2), (3,), (3,)])
    check(lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True), [(5, 3)])


def test_norm_double_backward():
    x = rand(4, 3, 2)
    w, b = rand(3, seed=1), rand(3, seed=2)
    assert ember.autograd.gradgradcheck(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
    w, b = rand(3, 2, seed=1), rand(3, 2, seed=2)
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.layer_norm(x, (3, 2), w, b),
                                        (x, w, b))
    assert ember.autograd.gradgradcheck(lambda x: F.group_norm(x, 3), (rand(2, 6, 2),))


def test_batchnorm_errors():
    check_raises(lambda m, x: m.nn.BatchNorm1d(3)(x), ValueError,
                 r"Expected more than 1 value per channel when training, got input size",
                 inputs=[ember.ones(1, 3)])
    check_raises(lambda m, x: m.nn.BatchNorm1d(3)(x), ValueError,
                 r"expected 2D or 3D input \(got 4D input\)", inputs=[ember.ones(2, 3, 4, 5)])
    check_raises(lambda m, x: m.nn.BatchNorm2d(3)(x), ValueError,
                 r"expected 4D input \(got 3D input\)", inputs=[ember.ones(2, 3, 4)])
    check_raises(lambda m, x: m.nn.BatchNorm3d(3)(x), ValueError,
                 r"expected 5D input \(got 3D input\)", inputs=[ember.ones(2, 3, 4)])
    check_raises(lambda m, x: m.nn.BatchNorm1d(3)(x), RuntimeError,
                 "running_mean should contain 4 elements not 3", inputs=[ember.ones(2, 4)])
    check_raises(lambda m, x, w: m.nn.functional.batch_norm(x, None, None, w, training=True),
                 RuntimeError, "weight should contain 3 elements not 4",
                 inputs=[ember.ones(2, 3), ember.ones(4)])
    check_raises(lambda m, x: m.nn.functional.batch_norm(x, None, None), RuntimeError,
                 "running_mean must be defined in evaluation mode", inputs=[ember.ones(2, 3)])
    check_raises(lambda m, x: m.nn.SyncBatchNorm(3)(x), ValueError,
                 r"expected at least 2D input \(got 1D input\)", inputs=[ember.ones(3)])


def test_sync_batchnorm_and_convert():
    e_mod, t_mod = twin("SyncBatchNorm", 3)
    compare(e_mod, t_mod, [rand(4, 3, 5)])
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Sequential(nn.BatchNorm1d(3)))
    model[1].eval()
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert type(converted[1]) is nn.SyncBatchNorm and type(converted[2][0]) is nn.SyncBatchNorm
    assert converted[1].weight is model[1].weight and not converted[1].training
    assert converted[1].running_mean is model[1].running_mean
    t_model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3),
                                  torch.nn.Sequential(torch.nn.BatchNorm1d(3)))
    assert repr(converted) == repr(torch.nn.SyncBatchNorm.convert_sync_batchnorm(t_model))


def test_batchnorm_state_dict_and_old_checkpoints():
    bn = nn.BatchNorm1d(3)
    assert list(bn.state_dict()) == list(torch.nn.BatchNorm1d(3).state_dict())
    assert bn.num_batches_tracked.dtype is ember.int64
    old = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    bn.num_batches_tracked.fill_(7)
    bn.load_state_dict(old)  # a version-1 checkpoint (no metadata) keeps the counter
    assert bn.num_batches_tracked.item() == 7
    assert list(nn.BatchNorm1d(3, affine=False, track_running_stats=False).state_dict()) == []


# ---------------------------------------------------------------- instance norm

@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (2, 3, 5)), ("InstanceNorm1d", (3, 5)),
                                        ("InstanceNorm2d", (2, 3, 2, 4)),
                                        ("InstanceNorm3d", (2, 3, 2, 2, 3))])
@pytest.mark.parametrize("kwargs", [{}, dict(affine=True), dict(track_running_stats=True),
                                    dict(affine=True, track_running_stats=True, momentum=0.3)])
def test_instancenorm(name, shape, kwargs):
    e_mod, t_mod = twin(name, 3, **kwargs)
    for step in range(2):
        compare(e_mod, t_mod, [rand(*shape, seed=step)])
        for key, value in t_mod.state_dict().items():
            assert_same(e_mod.state_dict()[key], value, 1e-6, 1e-7)
    e_mod.eval()
    t_mod.eval()
    compare(e_mod, t_mod, [rand(*shape, seed=3)])


def test_instancenorm_errors():
    check_raises(lambda m, x: m.nn.InstanceNorm1d(3)(x), ValueError,
                 r"expected 2D or 3D input \(got 4D input\)", inputs=[ember.ones(2, 3, 4, 5)])
    check_raises(lambda m, x: m.nn.InstanceNorm2d(3)(x), ValueError,
                 r"expected 3D or 4D input \(got 2D input\)", inputs=[ember.ones(2, 3)])
    check_raises(lambda m, x: m.nn.InstanceNorm1d(3, affine=True)(x), ValueError,
                 r"expected input's size at dim=1 to match num_features \(3\), but got: 4\.",
                 inputs=[ember.ones(2, 4, 5)])
    check_raises(lambda m, x: m.nn.functional.instance_norm(x), ValueError,
                 "Expected more than 1 spatial element when training",
                 inputs=[ember.ones(2, 4, 1)])
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(ember.ones(2, 4, 5))


def test_functional_instance_norm():
    check(lambda m, x, w, b: m.nn.functional.instance_norm(x, weight=w, bias=b),
          [(2, 3, 4), (3,), (3,)])


# ---------------------------------------------------------------- layer norm, group norm, RMS

@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((5,), (5,)),
                                              ((0, 3), (3,)), ((2, 1), (1,))])
@pytest.mark.parametrize("affine", [True, False])
def test_functional_layer_norm(shape, normalized, affine):
    if affine:
        check(lambda m, x, w, b: m.nn.functional.layer_norm(x, normalized, w, b, 1e-3),
              [shape, normalized, normalized])
    else:
        check(lambda m, x: m.nn.functional.layer_norm(x, list(normalized)), [shape])


@pytest.mark.parametrize("kwargs", [{}, dict(bias=False), dict(elementwise_affine=False),
                                    dict(eps=1e-3)])
def test_layernorm_module(kwargs):
    e_mod, t_mod = twin("LayerNorm", [3, 4], **kwargs)
    compare(e_mod, t_mod, [rand(2, 3, 4)])
    e_mod, t_mod = twin("LayerNorm", 8, dtype=ember.float32, **kwargs)
    out = compare(e_mod, t_mod, [rand(5, 8, dtype=ember.float32)], rtol=1e-4, atol=1e-5)
    assert out.grad_fn.name() == "NativeLayerNormBackward0"


def test_layer_norm_weight_only_and_half():
    check(lambda m, x, w: m.nn.functional.layer_norm(x, (4,), w), [(3, 4), (4,)])
    check(lambda m, x: m.nn.functional.layer_norm(x, (4,)), [(3, 4)], dtype=ember.float16,
          rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("shape,groups", [((2, 6, 5), 3), ((3, 4), 2), ((2, 4, 2, 3), 1),
                                          ((2, 4, 2, 3), 4)])
def test_group_norm(shape, groups):
    check(lambda m, x, w, b: m.nn.functional.group_norm(x, groups, w, b), [shape, shape[1:2],
                                                                          shape[1:2]])
    e_mod, t_mod = twin("GroupNorm", groups, shape[1])
    compare(e_mod, t_mod, [rand(*shape)])


@pytest.mark.parametrize("shape,normalized,eps", [((4, 5), (5,), None), ((2, 3, 4), (3, 4), 1e-3)])
def test_rms_norm(shape, normalized, eps):
    check(lambda m, x, w: m.nn.functional.rms_norm(x, normalized, w, eps),
          [shape, normalized])
    check(lambda m, x: m.nn.functional.rms_norm(x, normalized), [shape], dtype=ember.float32,
          rtol=1e-5, atol=1e-6)
    e_mod, t_mod = twin("RMSNorm", normalized, eps=eps)
    compare(e_mod, t_mod, [rand(*shape)])


def test_layer_group_rms_errors():
    x = ember.ones(2, 5)
    check_raises(lambda m, x: m.nn.functional.layer_norm(x, (10,)), RuntimeError,
                 r"Given normalized_shape=\[10\], expected input with shape \[\*, 10\], but got "
                 r"input of size\[2, 5\]", inputs=[x])
    check_raises(lambda m, x: m.nn.functional.rms_norm(x, (3, 4)), RuntimeError,
                 r"expected input with shape \[\*3, 4\], but got input of size\[2, 5\]",
                 inputs=[x])
    check_raises(lambda m, x, w: m.nn.functional.layer_norm(x, (5,), w), RuntimeError,
                 r"Expected weight to be of same shape as normalized_shape, but got weight of "
                 r"shape \[4\] and normalized_shape = \[5\]", inputs=[x, ember.ones(4)])
    check_raises(lambda m, x: m.nn.functional.layer_norm(x, 5), TypeError,
                 "must be tuple of ints, not int", inputs=[x])
    check_raises(lambda m, x: m.nn.functional.layer_norm(x, []), RuntimeError,
                 "at least 1-dimensional", inputs=[x])
    check_raises(lambda m: m.nn.GroupNorm(2, 3), ValueError,
                 r"num_channels \(3\) must be divisible by num_groups \(2\)")
    check_raises(lambda m, x: m.nn.functional.group_norm(x, 4), RuntimeError,
                 r"divisible by num_groups, but got input of shape \[2, 6, 5\] and num_groups=4",
                 inputs=[ember.ones(2, 6, 5)])
    check_raises(lambda m, x, w: m.nn.functional.group_norm(x, 3, w), RuntimeError,
                 r"Expected weight to be a vector of size equal to the number of channels in "
                 r"input, but got weight of shape \[5\] and input of shape \[2, 6, 5\]",
                 inputs=[ember.ones(2, 6, 5), ember.ones(5)])
    check_raises(lambda m, x: m.nn.functional.group_norm(x, 1), RuntimeError,
                 "Expected at least 2 dimensions for input tensor but received 1",
                 inputs=[ember.ones(3)])


# ---------------------------------------------------------------- LRN, normalize

@pytest.mark.parametrize("shape,size", [((2, 5, 4), 3), ((2, 6, 3, 3), 2), ((1, 4, 2, 2, 2), 5),
                                        ((2, 3, 4), 1)])
def test_local_response_norm(shape, size):
    check(lambda m, x: m.nn.functional.local_response_norm(x, size, 1e-2, 0.75, 2.0), [shape])
    e_mod, t_mod = twin("LocalResponseNorm", size)
    compare(e_mod, t_mod, [rand(*shape)])
    check_raises(lambda m, x: m.nn.functional.local_response_norm(x, 2), ValueError,
                 r"Expected 3D or higher dimensionality\s+input \(got 2 dimensions\)",
                 inputs=[ember.ones(2, 3)])


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1, 0), (3, -1)])
def test_normalize(p, dim):
    check(lambda m, x: m.nn.functional.normalize(x, p, dim), [(3, 4)])
    out = ember.empty(3, 4)
    F.normalize(ember.ones(3, 4), out=out)
    np.testing.assert_allclose(out.numpy(), np.full((3, 4), 0.5))


# ---------------------------------------------------------------- reprs

@pytest.mark.parametrize("build", [
    lambda nn: nn.BatchNorm2d(3), lambda nn: nn.BatchNorm1d(3, momentum=None, affine=False),
    lambda nn: nn.BatchNorm3d(2, bias=False, track_running_stats=False),
    lambda nn: nn.SyncBatchNorm(3), lambda nn: nn.InstanceNorm2d(3, affine=True),
    lambda nn: nn.LayerNorm(10), lambda nn: nn.LayerNorm([3, 4], bias=False, eps=1e-3),
    lambda nn: nn.LayerNorm(4, elementwise_affine=False), lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.GroupNorm(2, 4, affine=False), lambda nn: nn.RMSNorm(4),
    lambda nn: nn.RMSNorm([3, 4], eps=1e-3), lambda nn: nn.LocalResponseNorm(2),
])
def test_reprs_and_state_dict_keys(build):
    e_mod, t_mod = build(nn), build(torch.nn)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    for (name, e), (_, t) in zip(e_mod.state_dict().items(), t_mod.state_dict().items()):
        assert_same(e, t)
    load_torch_weights(t_mod, e_mod)
