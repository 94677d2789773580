"""Resuming training from a checkpoint: model (with BatchNorm and Dropout), AdamW,
OneCycleLR and GradScaler state through ember.save/ember.load must continue exactly as
an uninterrupted run, and checkpoints must cross between ember and PyTorch both ways."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

STEPS = 10


def _build(lib, seed, p_drop, device="cpu"):
    lib.manual_seed(seed)
    nn = lib.nn
    # NOTE: BatchNorm first: a bias just before BatchNorm has a zero gradient up to
    # rounding, which Adam would blow up into steps that differ between frameworks.
    model = nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 8), nn.ReLU(), nn.Dropout(p_drop),
                          nn.Linear(8, 3)).to(device)
    opt = lib.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
    sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS)
    # A short growth interval, so the scale and its growth tracker change mid-run.
    scaler = lib.amp.GradScaler(device, init_scale=2.0 ** 10, growth_interval=3)
    return model, opt, sched, scaler


def _batch(lib, step, device="cpu"):
    rng = np.random.default_rng(1000 + step)
    x = rng.standard_normal((8, 4)).astype(np.float32)
    y = rng.integers(0, 3, size=8)
    return lib.tensor(x, device=device), lib.tensor(y, device=device)


def _train(lib, objects, steps, device="cpu"):
    model, opt, sched, scaler = objects
    model.train()
    for step in steps:
        x, y = _batch(lib, step, device)
        loss = lib.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        sched.step()


def _checkpoint(lib, objects, step):
    model, opt, sched, scaler = objects
    return {"model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(), "scaler": scaler.state_dict(),
            "rng": lib.get_rng_state(), "step": step,
            "cuda_rng": lib.cuda.get_rng_state() if lib.cuda.is_available() else None}


def _restore(lib, objects, ck):
    model, opt, sched, scaler = objects
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["optimizer"])
    sched.load_state_dict(ck["scheduler"])
    scaler.load_state_dict(ck["scaler"])
    lib.set_rng_state(ck["rng"])
    if ck.get("cuda_rng") is not None:
        lib.cuda.set_rng_state(ck["cuda_rng"])
    return ck["step"]


def _flat_state(objects):
    """Every number the run's future depends on, as {name: numpy array or value}."""
    model, opt, sched, scaler = objects
    out = {f"model.{k}": v for k, v in model.state_dict().items()}
    for i, (p, state) in enumerate(zip(model.parameters(), opt.state.values())):
        out.update({f"opt.{i}.{k}": v for k, v in state.items()})
    out.update({f"group.{k}": v for k, v in opt.param_groups[0].items() if k != "params"})
    out.update(sched_lr=sched.get_last_lr(), scale=scaler.get_scale(),
               tracker=scaler.state_dict()["_growth_tracker"])
    return {k: (v.detach().cpu().numpy() if hasattr(v, "detach") else v)
            for k, v in out.items()}


def _assert_bitwise(a, b):
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
            assert (a[k] == b[k]).all(), k
        else:
            assert a[k] == b[k], k


@pytest.mark.parametrize("device", [
    "cpu", pytest.param("cuda", marks=pytest.mark.skipif(not ember.cuda.is_available(),
                                                         reason="no CUDA device"))])
def test_resumed_run_is_bitwise_the_uninterrupted_one(tmp_path, device):
    straight = _build(ember, 0, 0.2, device)
    _train(ember, straight, range(STEPS), device)

    first = _build(ember, 0, 0.2, device)
    _train(ember, first, range(5), device)
    ember.save(_checkpoint(ember, first, 5), tmp_path / "ck.pt")
    del first
    ember.manual_seed(123)  # the resumed process's RNG starts elsewhere
    resumed = _build(ember, 1, 0.2, device)  # other initial weights: all are overwritten
    start = _restore(ember, resumed, ember.load(tmp_path / "ck.pt", weights_only=True))
    _train(ember, resumed, range(start, STEPS), device)

    final = _flat_state(straight)
    assert final["scale"] != 2.0 ** 10 and final["model.0.num_batches_tracked"] == STEPS
    _assert_bitwise(_flat_state(resumed), final)


def test_ember_checkpoint_resumes_in_torch(tmp_path):
    """torch.load(weights_only=True) reads the checkpoint; torch continues the run."""
    ours = _build(ember, 0, 0.0)
    _train(ember, ours, range(5))
    ember.save(_checkpoint(ember, ours, 5), tmp_path / "ck.pt")
    theirs = _build(torch, 1, 0.0)
    ck = torch.load(tmp_path / "ck.pt", weights_only=True)
    assert isinstance(ck["rng"], torch.Tensor) and ck["step"] == 5
    # The generators differ (and without dropout are never drawn from): keep torch's.
    start = _restore(torch, theirs, dict(ck, rng=torch.get_rng_state(), cuda_rng=None))
    _train(ember, ours, range(start, STEPS))
    _train(torch, theirs, range(start, STEPS))
    _assert_close(_flat_state(ours), _flat_state(theirs))


def test_torch_checkpoint_resumes_in_ember(tmp_path):
    theirs = _build(torch, 0, 0.0)
    _train(torch, theirs, range(5))
    torch.save(_checkpoint(torch, theirs, 5), tmp_path / "ck.pt")
    ours = _build(ember, 1, 0.0)
    ck = ember.load(tmp_path / "ck.pt", weights_only=True)
    start = _restore(ember, ours, dict(ck, rng=ember.get_rng_state(), cuda_rng=None))
    x, _ = _batch(torch, 99)
    for mode in ("eval", "train"):
        getattr(ours[0], mode)()
        getattr(theirs[0], mode)()
        np.testing.assert_allclose(ours[0](ember.tensor(x.numpy())).detach().numpy(),
                                   theirs[0](x).detach().numpy(), rtol=1e-5, atol=1e-6)
    _train(ember, ours, range(start, STEPS))
    _train(torch, theirs, range(start, STEPS))
    _assert_close(_flat_state(ours), _flat_state(theirs))


def _assert_close(ours, theirs):
    assert ours.keys() == theirs.keys()
    for k in ours:
        if isinstance(ours[k], np.ndarray):
            assert ours[k].dtype == theirs[k].dtype, k
            np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-4, atol=1e-5, err_msg=k)
        elif isinstance(ours[k], float) or isinstance(ours[k], list):
            np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-12, err_msg=k)
        else:
            assert ours[k] == theirs[k], k
