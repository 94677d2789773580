"""The optimizers beyond SGD/Adam against torch.optim: 50-step float64 trajectories for
each option combination, state layout and dtypes, state_dict loading across the two
libraries, complex and float32 parameters, LBFGS with and without line search, errors."""
import itertools
import warnings

import numpy as np
import pytest

from parity import torch
import ember

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((4, 3))
B0 = RNG.standard_normal(4)
X = RNG.standard_normal((6, 3))
Y = RNG.standard_normal((6, 4))


def make_params(m, dtype=None):
    dtype = dtype or m.float64
    return [m.tensor(W0, dtype=dtype, requires_grad=True),
            m.tensor(B0, dtype=dtype, requires_grad=True)]


def loss_of(m, params):
    w, b = params
    out = m.tensor(X, dtype=w.dtype).matmul(w.t()) + b
    return ((out - m.tensor(Y, dtype=w.dtype)) ** 2).mean() + (w ** 4).sum() * 0.01


def run(m, name, kwargs, steps=50, params=None, opt=None):
    params = params or make_params(m)
    opt = opt or getattr(m.optim, name)(params, **kwargs)
    sign = -1 if kwargs.get("maximize") else 1
    path = []
    for _ in range(steps):
        opt.zero_grad()
        (loss_of(m, params) * sign).backward()
        opt.step()
        path.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(path), opt, params


def combos(**options):
    return [dict(zip(options, values)) for values in itertools.product(*options.values())]


CASES = (
    [("Adamax", dict(lr=0.01, **c)) for c in combos(weight_decay=[0, 0.1],
                                                     maximize=[False, True])] +
    [("Adamax", dict(lr=0.02, betas=(0.8, 0.9), eps=1e-4))] +
    [("NAdam", dict(lr=0.01, **c)) for c in combos(weight_decay=[0, 0.1],
                                                    decoupled_weight_decay=[False, True],
                                                    maximize=[False, True])] +
    [("NAdam", dict(lr=0.01, momentum_decay=0.05, betas=(0.8, 0.99)))] +
    [("RAdam", dict(lr=0.01, **c)) for c in combos(weight_decay=[0, 0.1],
                                                    decoupled_weight_decay=[False, True],
                                                    maximize=[False, True])] +
    [("RAdam", dict(lr=0.01, betas=(0.5, 0.9)))] +
    [("Adagrad", dict(lr=0.1, **c)) for c in combos(lr_decay=[0, 0.05],
                                                     initial_accumulator_value=[0, 0.1],
                                                     weight_decay=[0, 0.1],
                                                     maximize=[False, True])] +
    [("Adagrad", dict(lr=0.1, eps=1e-3))] +
    [("Adadelta", dict(**c)) for c in combos(rho=[0.9, 0.5], weight_decay=[0, 0.1],
                                              maximize=[False, True])] +
    [("Adadelta", dict(lr=0.5, eps=1e-4))] +
    [("RMSprop", dict(lr=0.01, **c)) for c in combos(centered=[False, True],
                                                      momentum=[0, 0.9],
                                                      weight_decay=[0, 0.1],
                                                      maximize=[False, True])] +
    [("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-3))] +
    [("Rprop", dict(lr=0.01, **c)) for c in combos(etas=[(0.5, 1.2), (0.3, 1.5)],
                                                    step_sizes=[(1e-6, 50), (1e-3, 0.05)],
                                                    maximize=[False, True])] +
    [("ASGD", dict(lr=0.01, **c)) for c in combos(t0=[1e6, 5], lambd=[1e-4, 1e-2],
                                                   weight_decay=[0, 0.1],
                                                   maximize=[False, True])] +
    [("ASGD", dict(lr=0.02, alpha=0.5))] +
    [("Adafactor", dict(**c)) for c in combos(lr=[0.01, 0.3], weight_decay=[0, 0.1],
                                               maximize=[False, True])] +
    [("Adafactor", dict(lr=0.1, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=2.0))]
)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_trajectory_and_state_match_torch(name, kwargs):
    t_path, t_opt, _ = run(torch, name, kwargs)
    e_path, e_opt, _ = run(ember, name, kwargs)
    assert np.all(np.isfinite(t_path)) and np.abs(t_path[-1] - t_path[0]).max() > 1e-3
    np.testing.assert_allclose(e_path, t_path, rtol=1e-6, atol=1e-12)
    for e_state, t_state in zip(e_opt.state.values(), t_opt.state.values()):
        assert list(e_state) == list(t_state)
        for key, t_value in t_state.items():
            e_value = e_state[key]
            assert str(e_value.dtype).split(".")[1] == str(t_value.dtype).split(".")[1], key
            assert e_value.shape == t_value.shape, key
            np.testing.assert_allclose(e_value.numpy(), t_value.numpy(), rtol=1e-6,
                                       atol=1e-12, err_msg=key)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta",
                                  "RMSprop", "Rprop", "ASGD"])
def test_tensor_lr_and_param_groups(name):
    paths = []
    for m in (torch, ember):
        w, b = make_params(m)
        opt = getattr(m.optim, name)([{"params": [w]}, {"params": [b], "lr": 0.03}],
                                     lr=m.tensor(0.01))
        paths.append(run(m, name, {}, steps=20, params=[w, b], opt=opt)[0])
    np.testing.assert_allclose(paths[1], paths[0], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", [
    ("Adamax", dict(lr=0.05, weight_decay=0.1)), ("NAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05)), ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.2)),
    ("Adadelta", dict()), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Rprop", dict(lr=0.05)), ("ASGD", dict(lr=0.05, t0=3))])
def test_complex_parameters_match_torch(name, kwargs):
    paths = []
    for m in (torch, ember):
        z = m.tensor(W0 + 1j * W0[::-1], requires_grad=True)
        opt = getattr(m.optim, name)([z], **kwargs)
        for i in range(10):
            z.grad = z.detach() * (2 - 1j) + (i % 3 - 1)
            opt.step()
        paths.append(z.detach().numpy())
    np.testing.assert_allclose(paths[1], paths[0], rtol=1e-8)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta",
                                  "RMSprop", "Rprop", "ASGD", "Adafactor"])
def test_float32_matches_torch(name):
    paths = [run(m, name, {"lr": 0.01}, steps=10, params=make_params(m, m.float32))[0]
             for m in (torch, ember)]
    np.testing.assert_allclose(paths[1], paths[0], rtol=1e-5, atol=1e-6)


def to_ember_state(sd):
    """A torch optimizer state_dict with its tensors turned into ember tensors."""
    def convert(value):
        if isinstance(value, torch.Tensor):
            return ember.tensor(value.numpy())
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value
    return convert(sd)


@pytest.mark.parametrize("name,kwargs", [("NAdam", dict(lr=0.01)), ("Adagrad", dict(lr=0.1)),
                                         ("RMSprop", dict(lr=0.01, momentum=0.9)),
                                         ("ASGD", dict(lr=0.01, t0=5)),
                                         ("Rprop", dict(lr=0.01))])
def test_torch_state_dict_resumes_in_ember(name, kwargs):
    t_path, t_opt, t_params = run(torch, name, kwargs, steps=30)
    e_params = [ember.tensor(p.detach().numpy(), requires_grad=True) for p in t_params]
    e_opt = getattr(ember.optim, name)(e_params, **kwargs)
    e_opt.load_state_dict(to_ember_state(t_opt.state_dict()))
    assert e_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]
    t_rest = run(torch, name, kwargs, steps=10, params=t_params, opt=t_opt)[0]
    e_rest = run(ember, name, kwargs, steps=10, params=e_params, opt=e_opt)[0]
    np.testing.assert_allclose(e_rest, t_rest, rtol=1e-6, atol=1e-12)


def to_torch_state(sd):
    def convert(value):
        if isinstance(value, ember.Tensor):
            return torch.from_numpy(value.numpy().copy())
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value
    return convert(sd)


@pytest.mark.parametrize("name,kwargs", [("Adamax", dict(lr=0.01)), ("RAdam", dict(lr=0.01)),
                                         ("Adadelta", dict(weight_decay=0.1)),
                                         ("Adafactor", dict(lr=0.05))])
def test_ember_state_dict_resumes_in_torch(name, kwargs):
    e_path, e_opt, e_params = run(ember, name, kwargs, steps=30)
    t_params = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in e_params]
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    t_opt.load_state_dict(to_torch_state(e_opt.state_dict()))
    t_rest = run(torch, name, kwargs, steps=10, params=t_params, opt=t_opt)[0]
    e_rest = run(ember, name, kwargs, steps=10, params=e_params, opt=e_opt)[0]
    np.testing.assert_allclose(e_rest, t_rest, rtol=1e-6, atol=1e-12)


# ---------------------------------------------------------------- LBFGS

def lbfgs_run(m, kwargs, steps=5):
    w, b = make_params(m)
    opt = m.optim.LBFGS([w, b], **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_of(m, [w, b])
        loss.backward()
        return loss
    losses, path = [], []
    for _ in range(steps):
        losses.append(opt.step(closure).item())
        path.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(path), losses, opt.state[w]


@pytest.mark.parametrize("kwargs", [
    dict(), dict(line_search_fn="strong_wolfe"), dict(history_size=3, max_iter=7, lr=0.5),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=4),
    dict(max_iter=50, tolerance_grad=1e-4, tolerance_change=1e-6, max_eval=30)])
def test_lbfgs_matches_torch(kwargs):
    t_path, t_losses, t_state = lbfgs_run(torch, kwargs)
    e_path, e_losses, e_state = lbfgs_run(ember, kwargs)
    np.testing.assert_allclose(e_path, t_path, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-9)
    assert list(e_state) == list(t_state)
    assert (e_state["func_evals"], e_state["n_iter"]) == (t_state["func_evals"],
                                                          t_state["n_iter"])
    np.testing.assert_allclose(e_state["d"].numpy(), t_state["d"].numpy(), rtol=1e-6,
                               atol=1e-10)
    assert len(e_state["old_dirs"]) == len(t_state["old_dirs"])


def test_lbfgs_rejects_groups_and_unknown_line_search():
    for m in (torch, ember):
        w, b = make_params(m)
        with pytest.raises(ValueError, match="per-parameter options"):
            m.optim.LBFGS([{"params": [w]}, {"params": [b]}])
        opt = m.optim.LBFGS([w], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = (w ** 2).sum()
            loss.backward()
            return loss
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)


# ---------------------------------------------------------------- errors, defaults

@pytest.mark.parametrize("name,kwargs", [
    ("Adamax", dict(lr=-1)), ("Adamax", dict(eps=-1)), ("Adamax", dict(betas=(1.0, 0.9))),
    ("Adamax", dict(weight_decay=-1)), ("NAdam", dict(momentum_decay=-1)),
    ("RAdam", dict(betas=(0.9, -0.1))), ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adadelta", dict(rho=1.5)),
    ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(momentum=-1)),
    ("Rprop", dict(etas=(1.2, 0.5))), ("ASGD", dict(weight_decay=-1)),
    ("LBFGS", dict(lr=-1)), ("Adafactor", dict(lr=-1)), ("Adafactor", dict(d=0.5)),
    ("Adafactor", dict(beta2_decay=0.5)), ("Adafactor", dict(eps=(None, -1)))])
def test_bad_hyperparameters_raise_like_torch(name, kwargs):
    messages = []
    for m in (torch, ember):
        with pytest.raises(ValueError) as info:
            getattr(m.optim, name)(make_params(m), **kwargs)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_tensor_lr_must_have_one_element():
    for m in (torch, ember):
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            m.optim.RMSprop(make_params(m), lr=m.tensor([0.1, 0.2]))


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta",
                                  "RMSprop", "Rprop", "ASGD", "LBFGS", "Adafactor"])
def test_defaults_equal_torch(name):
    t_defaults = getattr(torch.optim, name)(make_params(torch)).defaults
    e_defaults = getattr(ember.optim, name)(make_params(ember)).defaults
    assert e_defaults == t_defaults


def test_adagrad_state_exists_before_the_first_step():
    for m in (torch, ember):
        w, b = make_params(m)
        opt = m.optim.Adagrad([w, b], initial_accumulator_value=0.5)
        assert list(opt.state[w]) == ["step", "sum"]
        assert float(opt.state[b]["sum"][0]) == 0.5 and float(opt.state[w]["step"]) == 0


def test_step_counters_are_float32_cpu_scalars():
    for name in ("NAdam", "ASGD", "RAdam"):
        opt = getattr(ember.optim, name)(make_params(ember))
        run(ember, name, {}, steps=1, params=opt.param_groups[0]["params"], opt=opt)
        for value in opt.state[opt.param_groups[0]["params"][0]].values():
            if value.ndim == 0:
                assert value.dtype is ember.float32


def test_lr_scheduler_and_swa_modules_are_exported():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.optim.lr_scheduler.StepLR and ember.optim.swa_utils.SWALR
    missing = {"SparseAdam", "Muon", "swap_in_optimizer_params_and_state"}
    assert set(torch.optim.__all__) - missing <= set(ember.optim.__all__)
