"""ember.nn layers, activations, losses, init and clip_grad against torch.

Layers are built in both libraries, torch's weights are loaded into ember through
NumPy, and outputs, input gradients and parameter gradients are compared.
"""
import math
import warnings

import numpy as np
import pytest

from parity import assert_same, check, check_raises, to_torch, torch
import ember
import ember.nn as nn
import ember.nn.functional as F


def load_torch_weights(t_mod, e_mod):
    """Copy torch's parameters and buffers into the ember module (through NumPy)."""
    state = {k: ember.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()}
    result = e_mod.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def check_module(name, args=(), kwargs=None, shapes=((3, 4),), dtype=ember.float64,
                 inputs=None, low=-2.0, high=2.0, rtol=1e-6, atol=1e-7):
    """nn.<name>(*args, **kwargs) in both libraries: same weights, same inputs ->
    same outputs, input gradients and parameter gradients."""
    kwargs = kwargs or {}
    t_kwargs = {k: to_torch(v) for k, v in kwargs.items()}
    t_mod = getattr(torch.nn, name)(*args, **t_kwargs).to(to_torch(dtype))
    e_mod = getattr(nn, name)(*args, **kwargs).to(dtype)
    load_torch_weights(t_mod, e_mod)
    rng = np.random.default_rng(0)
    if inputs is None:
        inputs = [rng.uniform(low, high, size=s).astype(dtype.numpy) for s in shapes]
    e_in = [ember.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    t_in = [to_torch(e) for e in e_in]
    t_out, e_out = t_mod(*t_in), e_mod(*e_in)
    assert_same(e_out, t_out, rtol, atol)
    projection = rng.standard_normal(tuple(t_out.shape))
    (t_out * torch.from_numpy(projection).to(t_out.dtype)).sum().backward()
    (e_out * ember.tensor(projection, dtype=e_out.dtype)).sum().backward()
    for e, t in zip(e_in, t_in):
        if t.requires_grad:
            assert_same(e.grad, t.grad, rtol, atol)
    for (name_e, p_e), (name_t, p_t) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert name_e == name_t
        assert_same(p_e.grad, p_t.grad, rtol, atol)
    return e_mod, t_mod


# ---------------------------------------------------------------- linear family

@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 4), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias):
    check_module("Linear", (4, 3), dict(bias=bias), shapes=[shape])


def test_linear_float32_and_grad_fn_names():
    check_module("Linear", (4, 3), shapes=[(6, 4)], dtype=ember.float32, rtol=1e-5, atol=1e-6)
    w = ember.ones(3, 4, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    assert F.linear(ember.ones(2, 4), w, b).grad_fn.name() == "AddmmBackward0"
    assert F.linear(ember.ones(2, 4), w).grad_fn.name() == "MmBackward0"


def test_linear_gradcheck_and_double_backward():
    check(lambda m, x, w, b: m.nn.functional.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)])
    x = ember.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    w = ember.tensor(np.random.default_rng(2).standard_normal((2, 4)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x, w: F.linear(x, w).tanh(), (x, w))


@pytest.mark.parametrize("x_shape,w_shape,b_shape,match", [
    ((2, 5), (4, 3), None, r"cannot be multiplied \(2x5 and 3x4\)"),
    ((5, 2, 5), (4, 3), None, r"\(10x5 and 3x4\)"),
    ((2, 3), (4, 3), (5,), "expanded size"),
])
def test_linear_errors(x_shape, w_shape, b_shape, match):
    args = [ember.ones(*x_shape), ember.ones(*w_shape)] + \
        ([ember.ones(*b_shape)] if b_shape else [])
    check_raises(lambda m, *a: m.nn.functional.linear(*a), RuntimeError, match, inputs=args)
    check_raises(lambda m, x, w: m.nn.functional.linear(x, w), RuntimeError,
                 "same dtype", inputs=[ember.ones(2, 3, dtype=ember.float64), ember.ones(4, 3)])


@pytest.mark.parametrize("shapes", [[(5, 3), (5, 4)], [(2, 5, 3), (2, 5, 4)]])
def test_bilinear(shapes):
    check_module("Bilinear", (3, 4, 2), shapes=shapes)


def test_identity_flatten_unflatten():
    check_module("Identity", (1, 2), dict(x=3), shapes=[(2, 3)])
    check_module("Flatten", shapes=[(2, 3, 4, 5)])
    check_module("Flatten", (0, 2), shapes=[(2, 3, 4, 5)])
    check_module("Unflatten", (1, (2, 3)), shapes=[(4, 6, 2)])
    check_module("Unflatten", (-1, (2, -1)), shapes=[(4, 6)])


# ---------------------------------------------------------------- activations

@pytest.mark.parametrize("name,args,kwargs", [
    ("ReLU", (), {}), ("ReLU6", (), {}), ("LeakyReLU", (0.2,), {}), ("ELU", (0.7,), {}),
    ("CELU", (1.3,), {}), ("SELU", (), {}), ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}), ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}),
    ("Hardtanh", (-0.5, 1.5), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}),
    ("Softplus", (), {}), ("Softplus", (2.0, 3.0), {}), ("Softsign", (), {}),
    ("Tanhshrink", (), {}), ("LogSigmoid", (), {}), ("Threshold", (0.3, -2.0), {}),
    ("Hardshrink", (0.7,), {}), ("Softshrink", (0.7,), {}), ("GLU", (), {}), ("GLU", (0,), {}),
    ("PReLU", (), {}), ("PReLU", (3,), {}), ("Softmax", (1,), {}), ("Softmax", (-1,), {}),
    ("Softmin", (0,), {}), ("LogSoftmax", (1,), {}),
])
def test_activation_modules(name, args, kwargs):
    check_module(name, args, kwargs, shapes=[(4, 3, 2)], low=-5.0, high=5.0)


@pytest.mark.parametrize("fn", [
    lambda F, x: F.relu(x), lambda F, x: F.gelu(x, approximate="tanh"),
    lambda F, x: F.softplus(x, beta=0.5, threshold=1.0), lambda F, x: F.elu(x, 2.0),
    lambda F, x: F.leaky_relu(x, 0.1), lambda F, x: F.hardtanh(x, -1.5, 0.5),
    lambda F, x: F.relu6(x * 4), lambda F, x: F.silu(x), lambda F, x: F.logsigmoid(x * 30),
    lambda F, x: F.softmax(x, -1, dtype=x.dtype), lambda F, x: F.log_softmax(x, -1),
    lambda F, x: F.softmin(x, -1),
])
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 2)])
def test_functional_activations(fn, shape):
    check(lambda m, x: fn(m.nn.functional, x), [shape], low=-4, high=4)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "silu", "hardtanh", "relu6",
                                  "selu", "celu", "hardsigmoid", "hardswish", "mish"])
def test_inplace_activations(name):
    def fn(m, x):
        y = x * 1.5
        out = getattr(m.nn.functional, name)(y, inplace=True)
        assert out is y
        return y
    check(fn, [(3, 4)], low=-4, high=4)


def test_activation_saturation_is_finite():
    # Large inputs never produce inf/NaN gradients through the composites.
    for fn in (F.softplus, F.elu, F.logsigmoid, F.mish, F.selu, F.celu):
        x = ember.tensor([-800.0, -30.0, 0.0, 30.0, 800.0], dtype=ember.float64,
                         requires_grad=True)
        fn(x).sum().backward()
        assert np.all(np.isfinite(x.grad.numpy())), fn.__name__


def test_activation_errors():
    check_raises(lambda m, x: m.nn.functional.glu(x), RuntimeError, "must be even",
                 inputs=[ember.ones(3, 3)])
    check_raises(lambda m, x: m.nn.functional.gelu(x, approximate="foo"), RuntimeError,
                 "none or tanh", inputs=[ember.ones(3)])
    check_raises(lambda m, x: m.nn.functional.dropout(x, 1.5), ValueError,
                 "between 0 and 1", inputs=[ember.ones(3)])


# ---------------------------------------------------------------- dropout

def test_dropout_eval_and_edges():
    x = ember.ones(4, 5, requires_grad=True)
    drop = nn.Dropout(0.3).eval()
    assert drop(x) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).detach().numpy(), np.zeros((4, 5)))
    assert repr(drop) == repr(torch.nn.Dropout(0.3))


def test_dropout_statistics_and_gradient():
    x = ember.ones(200, 500, dtype=ember.float64, requires_grad=True)
    y = nn.Dropout(0.25)(x)
    values = y.detach().numpy()
    kept = values != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(values[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values)


def test_dropout_inplace():
    x = ember.ones(50, 50)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x and x._version == 1
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}


# ---------------------------------------------------------------- losses

def _classes(shape, classes, seed=0, ignore=None):
    target = np.random.default_rng(seed).integers(0, classes, size=shape)
    if ignore is not None and target.size:
        target.flat[1::3] = ignore
    return target


@pytest.mark.parametrize("input_shape,target_shape", [
    ((5, 4), (5,)), ((4,), ()), ((3, 4, 2, 2), (3, 2, 2)), ((0, 4), (0,))])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices(input_shape, target_shape, reduction, weighted,
                                     ignore_index, label_smoothing):
    if input_shape == (0, 4) and reduction == "mean":
        pytest.skip("0/0: torch and ember both give nan, compared in test_nll_all_ignored")
    target = _classes(target_shape, 4, ignore=ignore_index)

    def fn(m, x, t):
        w = m.tensor([0.5, 1.0, 2.0, 1.5], dtype=m.float64) if weighted else None
        return m.nn.functional.cross_entropy(x, t, weight=w, reduction=reduction,
                                             ignore_index=ignore_index,
                                             label_smoothing=label_smoothing)
    check(fn, inputs=[np.random.default_rng(1).standard_normal(input_shape), target])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 5), (2, 5, 3)])
def test_cross_entropy_double_backward(reduction, shape):
    # The fused primitive's backward is itself differentiable (gradient penalties,
    # Hessian-vector products): checked numerically and against torch.
    rng = np.random.default_rng(7)
    target = _classes(shape[:1] + shape[2:], 5, ignore=-100)

    def grad_norm(m, x, t):
        w = m.tensor([0.5, 1.0, 2.0, 1.5, 1.0], dtype=m.float64)
        loss = m.nn.functional.cross_entropy(x, t, weight=w, reduction=reduction)
        (g,) = m.autograd.grad(loss.sum(), x, create_graph=True)
        return (g * g).sum()
    check(grad_norm, inputs=[rng.standard_normal(shape), target])
    x = ember.tensor(rng.standard_normal(shape), requires_grad=True)
    assert ember.autograd.gradgradcheck(
        lambda x: F.cross_entropy(x, ember.tensor(target), reduction=reduction), (x,))
    assert F.cross_entropy(x, ember.tensor(target)).grad_fn.name() == "NllLossBackward0"


def test_cross_entropy_module_and_probabilities():
    rng = np.random.default_rng(3)
    probs = rng.random((5, 4))
    probs /= probs.sum(1, keepdims=True)
    for kwargs in [{}, {"label_smoothing": 0.3}, {"weight": ember.tensor([1.0, 2, 3, 4],
                                                                          dtype=ember.float64)},
                   {"reduction": "sum"}, {"reduction": "none"}]:
        t_kwargs = {k: to_torch(v) for k, v in kwargs.items()}
        t_loss = torch.nn.CrossEntropyLoss(**t_kwargs)
        e_loss = nn.CrossEntropyLoss(**kwargs)
        check(lambda m, x, p: (e_loss if m is ember else t_loss)(x, p),
              inputs=[rng.standard_normal((5, 4)), probs])
    check(lambda m, x, p: m.nn.functional.cross_entropy(x, p),
          inputs=[rng.standard_normal((2, 3, 4)), rng.random((2, 3, 4))])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction):
    target = _classes((6,), 5)
    check(lambda m, x, t: m.nn.functional.nll_loss(
        x.log_softmax(1), t, m.linspace(0.5, 2, 5, dtype=m.float64), reduction=reduction),
        inputs=[np.random.default_rng(0).standard_normal((6, 5)), target])
    check_module("NLLLoss", kwargs=dict(reduction=reduction, ignore_index=2),
                 inputs=[np.random.default_rng(0).standard_normal((6, 5)), target])


def test_nll_all_ignored_gives_nan():
    x = ember.zeros(3, 4, requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([-100, -100, -100]))
    assert np.isnan(loss.item())


@pytest.mark.parametrize("fn,inputs,exc,match", [
    (lambda F, x, t: F.nll_loss(x, t), [np.zeros((3, 4)), np.array([1, 2])], ValueError,
     "batch_size"),
    (lambda F, x, t: F.nll_loss(x, t), [np.zeros((3, 4)), np.array([1, 2, 7])], IndexError,
     "Target 7 is out of bounds"),
    (lambda F, x, t: F.nll_loss(x, t), [np.zeros((3, 4)), np.array([1, 2, -3])], IndexError,
     "Target -3 is out of bounds"),
    (lambda F, x, t: F.nll_loss(x, t), [np.zeros(()), np.array(1)], ValueError,
     "1 or more dimensions"),
    (lambda F, x, t: F.nll_loss(x, t), [np.zeros((3, 4, 5)), np.zeros((3, 4), np.int64)],
     RuntimeError, r"Expected target size \[3, 5\], got \[3, 4\]"),
    (lambda F, x, t: F.nll_loss(x, t), [np.zeros((3, 4)), np.zeros(3)], RuntimeError,
     "Long or Byte"),
    (lambda F, x, t: F.nll_loss(x, t, weight=x[0, :3]), [np.zeros((3, 4)), np.zeros(3, np.int64)],
     RuntimeError, "weight tensor should be defined"),
    (lambda F, x, t: F.cross_entropy(x, t), [np.zeros((3, 4)), np.zeros((3, 5))], RuntimeError,
     "multi-target not supported"),
    (lambda F, x, t: F.mse_loss(x, t, reduction="avg"), [np.zeros(3), np.zeros(3)], ValueError,
     "avg is not a valid value"),
    (lambda F, x, t: F.binary_cross_entropy(x, t), [np.full(3, 1.5), np.zeros(3)], RuntimeError,
     "between 0 and 1"),
    (lambda F, x, t: F.binary_cross_entropy(x, t), [np.full(3, 0.5), np.zeros((3, 1))],
     ValueError, "different to the input size"),
    (lambda F, x, t: F.binary_cross_entropy_with_logits(x, t), [np.zeros(3), np.zeros((3, 1))],
     ValueError, "must be the same as input size"),
])
def test_loss_errors(fn, inputs, exc, match):
    e_inputs = [ember.tensor(a) for a in inputs]
    check_raises(lambda m, x, t: fn(m.nn.functional, x, t), exc, match, inputs=e_inputs)


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(name, reduction):
    check_module(name, kwargs=dict(reduction=reduction), shapes=[(3, 4), (3, 4)])


def test_regression_loss_options():
    check(lambda m, x, t, w: m.nn.functional.mse_loss(x, t, weight=w), [(3, 4)] * 3, low=0.1)
    check(lambda m, x, t, w: m.nn.functional.l1_loss(x, t, weight=w, reduction="sum"),
          [(3, 4)] * 3, low=0.1)
    check(lambda m, x, t: m.nn.functional.smooth_l1_loss(x, t, beta=0.5), [(3, 4)] * 2)
    check(lambda m, x, t: m.nn.functional.huber_loss(x, t, delta=0.3), [(3, 4)] * 2)
    check(lambda m, x, t: m.nn.functional.smooth_l1_loss(x, t, beta=0.0), [(3, 4)] * 2)
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(ember.ones(3, 4), ember.ones(4))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.MSELoss(size_average=False).reduction == "sum"


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    rng = np.random.default_rng(0)
    target = rng.random((3, 4))
    if log_target:
        target = np.log(target + 0.1)
    check(lambda m, x, t: m.nn.functional.kl_div(x.log_softmax(1), t, reduction=reduction,
                                                 log_target=log_target),
          inputs=[rng.standard_normal((3, 4)), target])
    # target == 0 contributes 0 (xlogy), with a finite gradient for the input.
    check(lambda m, x: m.nn.functional.kl_div(x, m.tensor([[0.0, 0.5], [0.5, 0.0]],
                                                          dtype=m.float64),
                                              reduction=reduction),
          inputs=[rng.standard_normal((2, 2))])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(reduction, weighted):
    rng = np.random.default_rng(0)
    weight = rng.random((1, 4)) if weighted else None
    check(lambda m, x, t: m.nn.functional.binary_cross_entropy(
        x, t, None if weight is None else m.tensor(weight), reduction=reduction),
        inputs=[rng.uniform(0.05, 0.95, (3, 4)), rng.random((3, 4))])
    check_module("BCELoss", kwargs=dict(reduction=reduction),
                 inputs=[rng.uniform(0.05, 0.95, (3, 4)), rng.random((3, 4))])


def test_bce_saturated_inputs_match_torch():
    for dtype in (ember.float32, ember.float64):
        check(lambda m, x, t: m.nn.functional.binary_cross_entropy(x, t, reduction="none"),
              inputs=[np.array([0.0, 1.0, 1.0, 0.0, 1e-30], dtype.numpy),
                      np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype.numpy)],
              dtype=dtype, gradcheck=False)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight"])
def test_bce_with_logits(reduction, options):
    rng = np.random.default_rng(0)
    weight = rng.random(4) if options == "weight" else None
    pos_weight = rng.random(4) * 3 if options == "pos_weight" else None
    def as_tensor(m, a):
        return None if a is None else m.tensor(a)
    check(lambda m, x, t: m.nn.functional.binary_cross_entropy_with_logits(
        x, t, as_tensor(m, weight), reduction=reduction, pos_weight=as_tensor(m, pos_weight)),
        inputs=[rng.uniform(-50, 50, (3, 4)), rng.random((3, 4))])
    kwargs = {"reduction": reduction}
    if pos_weight is not None:
        kwargs["pos_weight"] = ember.tensor(pos_weight)
    check_module("BCEWithLogitsLoss", kwargs=kwargs,
                 inputs=[rng.standard_normal((3, 4)), rng.random((3, 4))])


def test_loss_reprs_and_buffers():
    for name in ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
                 "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss", "KLDivLoss"]:
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())
    weight = ember.ones(3)
    loss = nn.CrossEntropyLoss(weight=weight)
    assert loss.weight is weight and list(loss.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss().state_dict()) == []


def test_one_hot():
    check(lambda m, t: m.nn.functional.one_hot(t), inputs=[np.array([[0, 2], [1, 3]])])
    check(lambda m, t: m.nn.functional.one_hot(t, 5), inputs=[np.array([0, 2, 1])])
    for args, match in [(([1, 2, -1],), "non-negative"), (([1, 2, 3], 3), "smaller than"),
                        (([],), "empty tensor")]:
        check_raises(lambda m, t: m.nn.functional.one_hot(t, *args[1:]), RuntimeError, match,
                     inputs=[ember.tensor(args[0], dtype=ember.int64)])


# ---------------------------------------------------------------- init

def test_calculate_gain_and_fans():
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                        ("selu", None)]:
        assert nn.init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    for shape in [(3, 4), (5, 2, 3, 3), (2, 7, 4)]:
        assert nn.init._calculate_fan_in_and_fan_out(ember.ones(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.ones(*shape))
    check_raises(lambda m, t: m.nn.init.calculate_gain("foo"), ValueError, "Unsupported",
                 inputs=[ember.ones(1)])
    check_raises(lambda m, t: m.nn.init.kaiming_uniform_(t), ValueError, "fewer than 2",
                 inputs=[ember.ones(3)])
    check_raises(lambda m, t: m.nn.init.kaiming_normal_(t, mode="fan"), ValueError,
                 "Mode fan not supported", inputs=[ember.ones(3, 3)])


@pytest.mark.parametrize("fn,expected_std", [
    (lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), 1 / math.sqrt(3 * 200)),
    (lambda t: nn.init.kaiming_normal_(t, nonlinearity="relu"), math.sqrt(2 / 200)),
    (lambda t: nn.init.kaiming_normal_(t, mode="fan_out"), math.sqrt(2 / 1.0001 / 300)),
    (lambda t: nn.init.xavier_uniform_(t, gain=2.0), 2 * math.sqrt(2 / 500)),
    (lambda t: nn.init.xavier_normal_(t), math.sqrt(2 / 500)),
    (lambda t: nn.init.uniform_(t, -3, 3), math.sqrt(3)),
    (lambda t: nn.init.normal_(t, 1.0, 0.5), 0.5),
])
def test_init_distributions(fn, expected_std):
    t = ember.empty(300, 200, requires_grad=True)
    assert fn(t) is t and t.requires_grad and t.grad_fn is None
    assert abs(t.detach().numpy().std() / expected_std - 1) < 0.03


def test_init_fills():
    t = ember.empty(3, 4)
    np.testing.assert_array_equal(nn.init.constant_(t, 2.5).numpy(), np.full((3, 4), 2.5))
    np.testing.assert_array_equal(nn.init.ones_(t).numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(nn.init.zeros_(t).numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(nn.init.eye_(t).numpy(), np.eye(3, 4))
    q = nn.init.orthogonal_(ember.empty(4, 6, dtype=ember.float64)).numpy()
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-12)
    t = nn.init.trunc_normal_(ember.empty(1000), std=2.0, a=-1.0, b=0.5).numpy()
    assert t.min() >= -1.0 and t.max() <= 0.5 and t.std() > 0.3
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(ember.empty(0, 3))


def test_linear_default_init_matches_torch_bounds():
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() / (bound / math.sqrt(3)) - 1) < 0.02
    assert layer.weight.dtype is ember.float32 and isinstance(layer.weight, nn.Parameter)


# ---------------------------------------------------------------- clip_grad

@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s) for s in [(3, 4), (5,), ()]]
    results = {}
    for m in (torch, ember):
        params = [m.nn.Parameter(m.tensor(np.zeros_like(g))) for g in grads]
        for p, g in zip(params, grads):
            p.grad = m.tensor(g)
        total = m.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        results[m] = (total, [p.grad for p in params])
    assert_same(results[ember][0], results[torch][0], rtol=1e-10)
    assert_same(results[ember][1], results[torch][1], rtol=1e-10)


def test_clip_grad_value_and_nonfinite():
    for m in (torch, ember):
        p = m.nn.Parameter(m.zeros(4))
        p.grad = m.tensor([-3.0, -0.5, 0.2, 7.0])
        m.nn.utils.clip_grad_value_([p], 1.0)
        np.testing.assert_allclose(p.grad.numpy(), [-1.0, -0.5, 0.2, 1.0])
        p.grad = m.tensor([float("inf"), 1.0, 0.0, 0.0])
        with pytest.raises(RuntimeError, match="non-finite"):
            m.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(ember.ones(2))], 1.0).item() == 0.0


def test_warnings_are_not_raised_by_plain_layers():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2))(ember.ones(2, 3))


def test_zero_pads_are_constant_pads():
    for n in (1, 2, 3):
        pad = getattr(nn, f"ZeroPad{n}d")(1)
        assert isinstance(pad, getattr(nn, f"ConstantPad{n}d"))
        assert isinstance(getattr(torch.nn, f"ZeroPad{n}d")(1),
                          getattr(torch.nn, f"ConstantPad{n}d"))
        assert repr(pad) == repr(getattr(torch.nn, f"ZeroPad{n}d")(1))
