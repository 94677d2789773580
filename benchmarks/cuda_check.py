"""A short check of ember's CUDA path (run on a machine with a GPU and CuPy).

    python benchmarks/cuda_check.py

Each check prints PASS or FAIL with the error; the last lines time a 4096^2 float32
matmul on ember (CuPy) and on torch when it is installed.
"""
import time
import traceback

import numpy as np

import ember

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


@check
def creation_and_round_trip():
    x = ember.arange(6, dtype=ember.float32, device="cuda").reshape(2, 3)
    assert x.device.type == "cuda" and x.is_cuda
    back = x.cpu()
    assert back.device.type == "cpu", back.device
    np.testing.assert_array_equal(back.numpy(), np.arange(6).reshape(2, 3))
    assert ember.randn_like(x).device == x.device


@check
def arithmetic_and_autograd():
    w = ember.randn(4, 3, device="cuda", requires_grad=True)
    x = ember.randn(5, 4, device="cuda")
    loss = ((x @ w).relu() * 2.0 + 1).sum()
    loss.backward()
    assert w.grad.device == w.device and w.grad.shape == w.shape


@check
def nn_linear_training():
    model = ember.nn.Sequential(ember.nn.Linear(8, 16), ember.nn.ReLU(),
                                ember.nn.Linear(16, 2)).to("cuda")
    opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    x = ember.randn(32, 8, device="cuda")
    y = ember.randint(0, 2, (32,), device="cuda")
    first = None
    for _ in range(20):
        loss = ember.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < first


@check
def conv_and_pool():
    conv = ember.nn.Conv2d(1, 4, 3, padding=1).cuda()
    out = ember.nn.functional.max_pool2d(conv(ember.randn(2, 1, 8, 8, device="cuda")), 2)
    out.sum().backward()
    assert out.shape == (2, 4, 4, 4) and conv.weight.grad.device.type == "cuda"


@check
def sampling_and_embedding():
    probs = ember.ones(2, 3, device="cuda")
    sample = ember.multinomial(probs, 1)
    assert sample.cpu().numpy().shape == (2, 1)
    emb = ember.nn.Embedding(10, 4).cuda()
    emb(ember.tensor([[1, 2]], device="cuda")).sum().backward()


@check
def save_load_cuda(tmp="/tmp/ember_cuda.pt"):
    ember.save({"w": ember.ones(3, device="cuda")}, tmp)
    assert ember.load(tmp)["w"].device.type == "cuda"
    assert ember.load(tmp, map_location="cpu")["w"].device.type == "cpu"


def time_matmul(lib, device, n=4096):
    a = lib.randn(n, n, device=device)
    b = lib.randn(n, n, device=device)
    (a @ b)
    lib.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(10):
        c = a @ b
    lib.cuda.synchronize()
    seconds = (time.perf_counter() - start) / 10
    return 2 * n ** 3 / seconds / 1e12, c


def main():
    print("cuda available:", ember.cuda.is_available(), "devices:", ember.cuda.device_count())
    for fn in CHECKS:
        try:
            fn()
            print("PASS", fn.__name__)
        except Exception:
            print("FAIL", fn.__name__)
            traceback.print_exc(limit=3)
    try:
        tflops, _ = time_matmul(ember, "cuda")
        print(f"ember matmul 4096^2 float32: {tflops:.1f} TFLOP/s")
    except Exception:
        traceback.print_exc(limit=3)
    try:
        import torch
        tflops, _ = time_matmul(torch, "cuda")
        print(f"torch matmul 4096^2 float32: {tflops:.1f} TFLOP/s")
    except Exception:
        traceback.print_exc(limit=3)


if __name__ == "__main__":
    main()
