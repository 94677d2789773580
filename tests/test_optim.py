"""ember.optim against torch.optim: 50-step trajectories for every option combination,
state_dict layout and round trips, param-group API and errors, and a small MLP trained
in both libraries from the same weights."""
import copy
import itertools
import pickle

import numpy as np
import pytest

from parity import assert_same, torch
import ember
import ember.nn as nn
import ember.optim as optim

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((4, 3))
B0 = RNG.standard_normal(4)
X = RNG.standard_normal((6, 3))
Y = RNG.standard_normal((6, 4))


def make_params(m):
    return [m.nn.Parameter(m.tensor(W0)), m.nn.Parameter(m.tensor(B0))]


def loss_of(m, params):
    w, b = params
    out = m.tensor(X).matmul(w.t()) + b
    return ((out - m.tensor(Y)) ** 2).mean() + (w ** 4).sum() * 0.01


def trajectory(m, name, kwargs, steps=50, params=None):
    params = params or make_params(m)
    opt = getattr(m.optim, name)(params, **kwargs)
    sign = -1 if kwargs.get("maximize") else 1  # maximizing -loss keeps the path bounded
    path = []
    for _ in range(steps):
        opt.zero_grad()
        (loss_of(m, params) * sign).backward()
        opt.step()
        path.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(path), opt, params


def combos(**options):
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


SGD_CASES = [dict(lr=0.02, **c) for c in combos(
    momentum=[0, 0.9], dampening=[0, 0.3], weight_decay=[0, 0.1], nesterov=[False, True],
    maximize=[False, True]) if not (c["nesterov"] and (c["momentum"] == 0 or c["dampening"]))]
ADAM_CASES = [dict(lr=0.01, **c) for c in combos(
    amsgrad=[False, True], weight_decay=[0, 0.1], maximize=[False, True])]
ADAM_CASES += [dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, foreach=True),
               dict(lr=0.01, fused=True, capturable=True),
               dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)]
ADAMW_CASES = [dict(lr=0.01, **c) for c in combos(amsgrad=[False, True],
                                                   weight_decay=[0, 0.01, 0.2],
                                                   maximize=[False, True])]


@pytest.mark.parametrize("name,kwargs", [("SGD", c) for c in SGD_CASES] +
                         [("Adam", c) for c in ADAM_CASES] + [("AdamW", c) for c in ADAMW_CASES])
def test_trajectory_matches_torch(name, kwargs):
    if kwargs.get("fused") or kwargs.get("foreach"):
        t_kwargs = {k: v for k, v in kwargs.items() if k not in ("fused", "foreach", "capturable")}
    else:
        t_kwargs = kwargs
    t_path, t_opt, _ = trajectory(torch, name, t_kwargs)
    e_path, e_opt, _ = trajectory(ember, name, kwargs)
    assert np.all(np.isfinite(t_path)) and np.abs(t_path[-1] - t_path[0]).max() > 1e-3
    np.testing.assert_allclose(e_path, t_path, rtol=1e-6, atol=1e-12)
    for e_state, t_state in zip(e_opt.state.values(), t_opt.state.values()):
        assert list(e_state) == list(t_state)
        for key in t_state:
            assert_same(e_state[key], t_state[key], rtol=1e-6, atol=1e-12)


def test_float32_sgd_and_adam_match_torch():
    for name in ("SGD", "Adam"):
        paths = []
        for m in (torch, ember):
            params = [m.nn.Parameter(m.tensor(W0, dtype=m.float32)),
                      m.nn.Parameter(m.tensor(B0, dtype=m.float32))]
            opt = getattr(m.optim, name)(params, lr=0.01)
            for _ in range(10):
                opt.zero_grad()
                w, b = params
                out = m.tensor(X, dtype=m.float32).matmul(w.t()) + b
                ((out - m.tensor(Y, dtype=m.float32)) ** 2).mean().backward()
                opt.step()
            paths.append(params[0].detach().numpy())
        np.testing.assert_allclose(paths[1], paths[0], rtol=1e-5, atol=1e-6)


def test_complex_adam_matches_torch():
    paths = []
    for m in (torch, ember):
        z = m.nn.Parameter(m.tensor(W0 + 1j * W0[::-1]))
        opt = m.optim.Adam([z], lr=0.05, amsgrad=True, weight_decay=0.1)
        for _ in range(10):
            z.grad = z.detach() * (2 - 1j)  # real and imaginary parts get different moments
            opt.step()
        paths.append(z.detach().numpy())
    np.testing.assert_allclose(paths[1], paths[0], rtol=1e-8)


def test_param_groups_and_per_group_options():
    for m in (torch, ember):
        w, b = make_params(m)
        opt = m.optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
        assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
        extra = m.nn.Parameter(m.zeros(2))
        opt.add_param_group({"params": [extra], "weight_decay": 0.3})
        assert opt.param_groups[2]["momentum"] == 0 and opt.param_groups[2]["weight_decay"] == 0.3
    e_path = _grouped_path(ember)
    np.testing.assert_allclose(e_path, _grouped_path(torch), rtol=1e-10)


def _grouped_path(m):
    params = make_params(m)
    opt = m.optim.Adam([{"params": [params[0]], "lr": 0.05},
                        {"params": [params[1]], "betas": (0.5, 0.9), "amsgrad": True}], lr=0.01)
    for _ in range(10):
        opt.zero_grad()
        loss_of(m, params).backward()
        opt.step()
    return np.concatenate([p.detach().numpy().ravel() for p in params])


def test_state_dict_layout_matches_torch():
    for name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9)), ("SGD", dict(lr=0.1)),
                         ("Adam", dict(amsgrad=True)), ("AdamW", {})]:
        _, t_opt, _ = trajectory(torch, name, kwargs, steps=3)
        _, e_opt, _ = trajectory(ember, name, kwargs, steps=3)
        t_sd, e_sd = t_opt.state_dict(), e_opt.state_dict()
        assert e_sd["param_groups"] == t_sd["param_groups"]
        assert list(e_sd["state"]) == list(t_sd["state"])
        for index in t_sd["state"]:
            assert list(e_sd["state"][index]) == list(t_sd["state"][index])
            for key, value in t_sd["state"][index].items():
                assert_same(e_sd["state"][index][key], value, rtol=1e-10)
        assert repr(e_opt) == repr(t_opt)


def test_named_parameters_in_param_groups():
    for m in (torch, ember):
        layer = m.nn.Linear(2, 2)
        opt = m.optim.SGD(layer.named_parameters(), lr=0.1)
        assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
        assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                         ("Adam", dict(lr=0.02, amsgrad=True)),
                                         ("AdamW", dict(lr=0.02))])
def test_load_state_dict_resumes_exactly(name, kwargs):
    full, _, _ = trajectory(ember, name, kwargs, steps=20)
    _, opt, params = trajectory(ember, name, kwargs, steps=10)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    resumed_params = [nn.Parameter(p.detach().clone()) for p in params]
    fresh = getattr(optim, name)(resumed_params, lr=123.0)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    assert fresh.param_groups[0]["params"][0] is resumed_params[0]
    rest, _, _ = _continue(fresh, resumed_params, 10)
    np.testing.assert_allclose(rest, full[10:], rtol=1e-12)


def _continue(opt, params, steps):
    path = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(ember, params).backward()
        opt.step()
        path.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(path), opt, params


def test_load_state_dict_casts_state_to_param_dtype():
    _, opt, params = trajectory(ember, "Adam", {}, steps=2)
    state = opt.state_dict()
    params32 = [nn.Parameter(p.detach().float()) for p in params]
    fresh = optim.Adam(params32)
    fresh.load_state_dict(state)
    assert fresh.state[params32[0]]["exp_avg"].dtype is ember.float32
    assert fresh.state[params32[0]]["step"].dtype is state["state"][0]["step"].dtype


@pytest.mark.parametrize("make,exc,match", [
    (lambda m, p: m.optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda m, p: m.optim.SGD(p[0], lr=0.1), TypeError, "should be an iterable of Tensors"),
    (lambda m, p: m.optim.SGD([p[0] * 2], lr=0.1), ValueError, "can't optimize a non-leaf"),
    (lambda m, p: m.optim.SGD([1.0], lr=0.1), TypeError, "can only optimize Tensors"),
    (lambda m, p: m.optim.SGD([{"params": {p[0]}}], lr=0.1), TypeError, "ordered collections"),
    (lambda m, p: m.optim.SGD([{"params": [p[0]]}, {"params": [p[0]]}], lr=0.1), ValueError,
     "more than one parameter group"),
    (lambda m, p: m.optim.SGD(p, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda m, p: m.optim.SGD(p, momentum=-1), ValueError, "Invalid momentum value"),
    (lambda m, p: m.optim.SGD(p, nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda m, p: m.optim.Adam(p, betas=(1.0, 0.9)), ValueError, "beta parameter at index 0"),
    (lambda m, p: m.optim.Adam(p, betas=(0, 0.9)), ValueError, "both floats or both Tensors"),
    (lambda m, p: m.optim.Adam(p, eps=-1.0), ValueError, "Invalid epsilon value"),
    (lambda m, p: m.optim.AdamW(p, weight_decay=-1.0), ValueError, "Invalid weight_decay"),
    (lambda m, p: m.optim.Adam(p, fused=True, foreach=True), RuntimeError, "cannot be `True`"),
    (lambda m, p: m.optim.SGD(p).load_state_dict({"state": {}, "param_groups": []}), ValueError,
     "different number of parameter groups"),
    (lambda m, p: m.optim.SGD(p).load_state_dict(
        {"state": {}, "param_groups": [{"params": [0]}]}), ValueError, "doesn't match the size"),
    (lambda m, p: m.optim.SGD([("a", p[0]), p[1]]), ValueError, "Some param names are missing"),
])
def test_errors_match_torch(make, exc, match):
    for m in (torch, ember):
        with pytest.raises(exc, match=match):
            make(m, make_params(m))


def test_duplicate_parameters_warn():
    for m in (torch, ember):
        w = m.nn.Parameter(m.ones(2))
        with pytest.warns(UserWarning, match="duplicate parameters"):
            m.optim.SGD([w, w], lr=0.1)


def test_zero_grad_closure_and_hooks():
    params = make_params(ember)
    opt = optim.SGD(params, lr=0.1)
    loss_of(ember, params).backward()
    grad = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is grad and grad.abs().sum().item() == 0
    opt.zero_grad()
    assert params[0].grad is None
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    handle = opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = loss_of(ember, params)
        loss.backward()
        calls.append("closure")
        return loss
    loss = opt.step(closure)
    assert isinstance(loss, ember.Tensor) and calls == ["pre", "closure", "post"]
    handle.remove()
    opt.step(closure)
    assert calls[-2:] == ["pre", "closure"]


def test_parameters_without_grad_are_skipped():
    for m in (torch, ember):
        a, b = make_params(m)
        opt = m.optim.Adam([a, b], lr=0.1)
        (a.sum() * 2).backward()
        opt.step()
        assert len(opt.state) == 1 and b.detach().numpy().tolist() == B0.tolist()


def test_optimizer_pickles_and_deepcopies():
    _, opt, params = trajectory(ember, "Adam", dict(amsgrad=True), steps=2)
    for clone in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        assert repr(clone) == repr(opt) and len(clone.state) == 2


def test_model_to_after_optimizer_creation():
    layer = nn.Linear(3, 2)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    layer.double()
    layer(ember.ones(1, 3, dtype=ember.float64)).sum().backward()
    opt.step()
    assert layer.weight.dtype is ember.float64


def _mlp(m):
    torch.manual_seed(0)
    t_model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(),
                                  torch.nn.Linear(16, 16), torch.nn.GELU(),
                                  torch.nn.Linear(16, 3))
    if m is torch:
        return t_model
    model = m.nn.Sequential(m.nn.Linear(8, 16), m.nn.Tanh(), m.nn.Linear(16, 16),
                            m.nn.GELU(), m.nn.Linear(16, 3))
    model.load_state_dict({k: m.tensor(v.detach().numpy()) for k, v in
                           t_model.state_dict().items()})
    return model


@pytest.mark.parametrize("loss_name", ["CrossEntropyLoss", "MSELoss"])
def test_mlp_training_losses_match_torch(loss_name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 8)).astype(np.float32)
    y = rng.integers(0, 3, size=32) if loss_name == "CrossEntropyLoss" else \
        rng.standard_normal((32, 3)).astype(np.float32)
    losses = {}
    for m in (torch, ember):
        model = _mlp(m)
        opt = m.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        criterion = getattr(m.nn, loss_name)()
        inputs, targets = m.tensor(x), m.tensor(y)
        losses[m] = []
        for _ in range(5):
            opt.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            opt.step()
            losses[m].append(loss.item())
    np.testing.assert_allclose(losses[ember], losses[torch], rtol=1e-5)
    assert losses[ember][-1] < losses[ember][0]
