"""ember.optim.lr_scheduler and swa_utils against torch: the lr (and momentum/beta1)
sequence of every scheduler over 60 steps, compared at 1e-12; explicit epochs, state_dict
keys and round trips, resuming, warnings and errors; a small model trained with AdamW
param groups and OneCycleLR in both libraries."""
import copy
import pickle
import warnings

import numpy as np
import pytest

from parity import torch
import ember


def sched(m):
    return m.optim.lr_scheduler


def make_optimizer(m, name, kwargs, tensor_lr=False):
    params = [m.zeros(2, requires_grad=True), m.zeros(3, requires_grad=True)]
    second_lr = m.tensor(0.05) if tensor_lr else 0.05
    return getattr(m.optim, name)([{"params": [params[0]]},
                                   {"params": [params[1]], "lr": second_lr}], **kwargs)


def lr_sequence(m, name, kwargs, make, steps=60, metrics=None, epochs=None, tensor_lr=False):
    """Per step: each group's lr, momentum (or beta1), and get_last_lr()."""
    opt = make_optimizer(m, name, kwargs, tensor_lr)
    scheduler = make(m, opt)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(steps):
            opt.step()
            if metrics is not None:
                scheduler.step(metrics[i])
            elif epochs is not None:
                scheduler.step(epochs[i])
            else:
                scheduler.step()
            groups = opt.param_groups
            rows.append([float(g["lr"]) for g in groups] +
                        [g.get("momentum", g.get("betas", (0.0,))[0]) for g in groups] +
                        [float(v) for v in scheduler.get_last_lr()])
    return np.array(rows, dtype=float), scheduler


SGD = ("SGD", dict(lr=0.1))
SGD_MOMENTUM = ("SGD", dict(lr=0.1, momentum=0.9))
CASES = {
    "lambda": (SGD, lambda m, o: sched(m).LambdaLR(o, [lambda e: 0.9 ** e,
                                                      lambda e: 1 / (e + 1)])),
    "multiplicative": (SGD, lambda m, o: sched(m).MultiplicativeLR(o, lambda e: 0.95)),
    "step": (SGD, lambda m, o: sched(m).StepLR(o, 7, 0.5)),
    "multistep": (SGD, lambda m, o: sched(m).MultiStepLR(o, [5, 9, 9, 30], 0.3)),
    "constant": (SGD, lambda m, o: sched(m).ConstantLR(o, 0.3, 10)),
    "linear": (SGD, lambda m, o: sched(m).LinearLR(o, 0.2, 0.9, 17)),
    "exponential": (SGD, lambda m, o: sched(m).ExponentialLR(o, 0.93)),
    "polynomial": (SGD, lambda m, o: sched(m).PolynomialLR(o, 30, 1.7)),
    "cosine": (SGD, lambda m, o: sched(m).CosineAnnealingLR(o, 13, 0.001)),
    "cosine_no_min": (SGD, lambda m, o: sched(m).CosineAnnealingLR(o, 20)),
    "warm_restarts": (SGD, lambda m, o: sched(m).CosineAnnealingWarmRestarts(o, 5, 2, 0.001)),
    "warm_restarts_1": (SGD, lambda m, o: sched(m).CosineAnnealingWarmRestarts(o, 7)),
    "cyclic": (SGD_MOMENTUM, lambda m, o: sched(m).CyclicLR(o, 0.01, [0.1, 0.2], 7, 4)),
    "cyclic2": (SGD_MOMENTUM, lambda m, o: sched(m).CyclicLR(o, 0.01, 0.1, 5,
                                                            mode="triangular2")),
    "cyclic_exp_adam": (("Adam", dict(lr=0.1)), lambda m, o: sched(m).CyclicLR(
        o, 0.01, 0.1, 6, mode="exp_range", gamma=0.97)),
    "cyclic_custom": (SGD, lambda m, o: sched(m).CyclicLR(
        o, 0.01, 0.1, 4, scale_fn=lambda x: 0.5 ** x, scale_mode="iterations",
        cycle_momentum=False)),
    "onecycle_adamw": (("AdamW", dict(lr=0.1)), lambda m, o: sched(m).OneCycleLR(
        o, [0.1, 0.3], total_steps=60)),
    "onecycle_three_phase": (SGD_MOMENTUM, lambda m, o: sched(m).OneCycleLR(
        o, 0.1, epochs=6, steps_per_epoch=10, three_phase=True, anneal_strategy="linear")),
    "onecycle_no_momentum": (SGD, lambda m, o: sched(m).OneCycleLR(
        o, 0.2, total_steps=70, pct_start=0.4, cycle_momentum=False, div_factor=10.0)),
    "sequential": (SGD, lambda m, o: sched(m).SequentialLR(
        o, [sched(m).LinearLR(o, 0.1, total_iters=5), sched(m).ExponentialLR(o, 0.9),
            sched(m).CosineAnnealingLR(o, 10)], milestones=[5, 20])),
    "chained": (SGD, lambda m, o: sched(m).ChainedScheduler(
        [sched(m).LinearLR(o, 0.1, total_iters=5), sched(m).ExponentialLR(o, 0.9)])),
    "swalr_cos": (SGD, lambda m, o: m.optim.swa_utils.SWALR(o, 0.02, anneal_epochs=7)),
    "swalr_linear": (SGD, lambda m, o: m.optim.swa_utils.SWALR(o, [0.02, 0.01], 3,
                                                               "linear")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_lr_sequence_matches_torch(case):
    (name, kwargs), make = CASES[case]
    expected, t_sched = lr_sequence(torch, name, kwargs, make)
    actual, e_sched = lr_sequence(ember, name, kwargs, make)
    assert np.ptp(expected[:, 0]) > 0
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)
    assert sorted(e_sched.state_dict()) == sorted(t_sched.state_dict())


@pytest.mark.parametrize("case", ["step", "cosine", "exponential", "onecycle_adamw"])
def test_tensor_lr_is_filled_in_place(case):
    (name, kwargs), make = CASES[case]
    expected, _ = lr_sequence(torch, name, kwargs, make, tensor_lr=True)
    actual, e_sched = lr_sequence(ember, name, kwargs, make, tensor_lr=True)
    np.testing.assert_allclose(actual, expected, rtol=1e-7)
    assert isinstance(e_sched.optimizer.param_groups[1]["lr"], ember.Tensor)


PLATEAU = [1.0] * 5 + [0.9] * 20 + [0.95] * 35


@pytest.mark.parametrize("kwargs", [
    dict(), dict(mode="max", patience=2, cooldown=3, factor=0.5, min_lr=[0.01, 0.001]),
    dict(threshold_mode="abs", threshold=0.05, patience=1),
    dict(mode="max", threshold_mode="abs", patience=0, eps=0.02)])
def test_reduce_on_plateau_matches_torch(kwargs):
    def make(m, o):
        return sched(m).ReduceLROnPlateau(o, **kwargs)
    expected, t_sched = lr_sequence(torch, "SGD", dict(lr=0.1), make, metrics=PLATEAU)
    actual, e_sched = lr_sequence(ember, "SGD", dict(lr=0.1), make, metrics=PLATEAU)
    np.testing.assert_allclose(actual, expected, rtol=1e-12)
    assert e_sched.state_dict() == t_sched.state_dict()


@pytest.mark.parametrize("case,epochs", [
    ("warm_restarts", list(np.arange(60) * 0.37)),
    ("warm_restarts_1", [3.5, 0.2, 9.9, 14.0, 7.25] * 12),
    ("step", list(range(0, 120, 2))), ("multistep", list(range(60))[::-1]),
    ("cosine", [i * 3 for i in range(60)]), ("linear", list(range(60))),
    ("polynomial", list(range(60))), ("constant", list(range(60))),
    ("exponential", list(range(60)))])
def test_explicit_epochs_use_the_closed_form(case, epochs):
    (name, kwargs), make = CASES[case]
    expected, _ = lr_sequence(torch, name, kwargs, make, epochs=epochs)
    actual, _ = lr_sequence(ember, name, kwargs, make, epochs=epochs)
    np.testing.assert_allclose(actual, expected, rtol=1e-12)


@pytest.mark.parametrize("case", ["cosine", "onecycle_adamw", "cyclic", "sequential",
                                  "swalr_cos", "lambda"])
def test_state_dict_round_trip_resumes_the_sequence(case):
    (name, kwargs), make = CASES[case]
    expected, _ = lr_sequence(ember, name, kwargs, make, steps=40)
    opt = make_optimizer(ember, name, kwargs)
    scheduler = make(ember, opt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(25):
            opt.step()
            scheduler.step()
        saved_opt = copy.deepcopy(opt.state_dict())
        saved = pickle.loads(pickle.dumps(scheduler.state_dict())) if case != "lambda" \
            else scheduler.state_dict()
        opt2 = make_optimizer(ember, name, kwargs)
        scheduler2 = make(ember, opt2)
        opt2.load_state_dict(saved_opt)
        scheduler2.load_state_dict(saved)
        rest = []
        for _ in range(15):
            opt2.step()
            scheduler2.step()
            rest.append(float(opt2.param_groups[0]["lr"]))
    np.testing.assert_allclose(rest, expected[25:, 0], rtol=1e-12)


def test_state_dict_contents_equal_torch():
    for case in ("step", "cosine", "cyclic", "onecycle_adamw", "sequential"):
        (name, kwargs), make = CASES[case]
        states = [lr_sequence(m, name, kwargs, make, steps=5)[1].state_dict()
                  for m in (torch, ember)]
        for key, value in states[0].items():
            if key in ("_schedulers",):
                continue
            if isinstance(value, (int, float, str, bool, list, tuple)) or value is None:
                assert states[1][key] == value, (case, key)


def test_warnings_about_call_order():
    for m in (torch, ember):
        opt = make_optimizer(m, "SGD", dict(lr=0.1))
        scheduler = sched(m).StepLR(opt, 3)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            scheduler.step()
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            scheduler.get_lr()
        with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
            scheduler.step(4)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt2 = make_optimizer(m, "SGD", dict(lr=0.1))
            scheduler2 = sched(m).StepLR(opt2, 3)
            opt2.step()
            scheduler2.step()


def test_resuming_needs_initial_lr_and_errors_match_torch():
    for m in (torch, ember):
        opt = make_optimizer(m, "SGD", dict(lr=0.1))
        with pytest.raises(KeyError, match="initial_lr"):
            sched(m).StepLR(opt, 3, last_epoch=4)
        with pytest.raises(TypeError, match="is not an Optimizer"):
            sched(m).StepLR(object(), 3)
        bad = [lambda: sched(m).ConstantLR(opt, factor=2.0),
               lambda: sched(m).LinearLR(opt, start_factor=0),
               lambda: sched(m).LambdaLR(opt, [lambda e: 1.0]),
               lambda: sched(m).CosineAnnealingWarmRestarts(opt, 0),
               lambda: sched(m).CosineAnnealingWarmRestarts(opt, 2, T_mult=0),
               lambda: sched(m).OneCycleLR(opt, 0.1),
               lambda: sched(m).OneCycleLR(opt, 0.1, total_steps=5, anneal_strategy="x"),
               lambda: sched(m).OneCycleLR(opt, 0.1, total_steps=5, pct_start=2.0),
               lambda: sched(m).ReduceLROnPlateau(opt, factor=1.5),
               lambda: sched(m).ReduceLROnPlateau(opt, mode="mid"),
               lambda: sched(m).CyclicLR(opt, 0.1, 0.2, mode="sine"),
               lambda: sched(m).SequentialLR(opt, [sched(m).StepLR(opt, 2)], [3]),
               lambda: sched(m).CyclicLR(make_optimizer(m, "Adagrad", {}), 0.1, 0.2)]
        for make in bad:
            with pytest.raises(ValueError):
                make()
        scheduler = sched(m).OneCycleLR(opt, 0.1, total_steps=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(2):
                scheduler.step()
            with pytest.raises(ValueError, match="Tried to step 4 times"):
                scheduler.step()
                scheduler.step()


def test_multistep_milestones_and_base_lrs():
    for m in (torch, ember):
        opt = make_optimizer(m, "SGD", dict(lr=0.1))
        scheduler = sched(m).MultiStepLR(opt, [3, 3, 7])
        assert scheduler.milestones == {3: 2, 7: 1}
        assert scheduler.base_lrs == [0.1, 0.05] and scheduler.last_epoch == 0
        assert opt.param_groups[0]["initial_lr"] == 0.1


# ---------------------------------------------------------------- whole program

def train_with_onecycle(m, steps=20):
    rng = np.random.default_rng(3)
    w1, b1 = rng.standard_normal((16, 8)) * 0.3, rng.standard_normal(16) * 0.1
    w2, b2 = rng.standard_normal((4, 16)) * 0.3, rng.standard_normal(4) * 0.1
    x = rng.standard_normal((32, 8)).astype(np.float32)
    y = rng.integers(0, 4, size=32)
    model = m.nn.Sequential(m.nn.Linear(8, 16), m.nn.Tanh(), m.nn.Linear(16, 4))
    model.load_state_dict({k: m.tensor(v, dtype=m.float32) for k, v in
                           zip(["0.weight", "0.bias", "2.weight", "2.bias"], [w1, b1, w2, b2])})
    decay = [p for n, p in model.named_parameters() if n.endswith("weight")]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias")]
    opt = m.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                         {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
    scheduler = m.optim.lr_scheduler.OneCycleLR(opt, max_lr=[3e-2, 1e-2], total_steps=steps)
    inputs, targets = m.tensor(x), m.tensor(y)
    losses, lrs = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = m.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        opt.step()
        scheduler.step() if len(losses) < steps - 1 else None
        losses.append(loss.item())
        lrs.append(opt.param_groups[0]["lr"])
    return losses, lrs, opt.param_groups[0]["betas"]


def test_adamw_param_groups_with_onecycle_train_like_torch():
    t_losses, t_lrs, t_betas = train_with_onecycle(torch)
    e_losses, e_lrs, e_betas = train_with_onecycle(ember)
    assert t_losses[-1] < t_losses[0] * 0.8
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-3)
    np.testing.assert_allclose(e_lrs, t_lrs, rtol=1e-12)
    assert e_betas == t_betas
