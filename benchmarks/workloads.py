"""The benchmark workloads, each written once against the PyTorch API.

A workload is a function ``build(torch) -> step``: it receives the library under test
as ``torch`` (``ember`` or ``torch``), prepares its inputs, and returns a zero-argument
``step`` that the worker times. Register it with ``@workload(...)``; to add one, write
such a function below and give it a target if the project has one.

Inputs come from NumPy's seeded generator through ``torch.from_numpy``, so both
libraries compute on identical data without relying on either one's RNG.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy

WORKLOADS = {}


@dataclass(frozen=True)
class Workload:
    name: str
    build: Callable
    description: str
    # Set for throughput workloads: floating-point operations per step (shown as GFLOP/s).
    flops: Optional[int] = None
    # The library the target compares ember with: "torch" or "numpy".
    baseline: str = "torch"
    # Time workloads: the largest acceptable ember/baseline time ratio.
    # Throughput workloads: the smallest acceptable ember/baseline GFLOP/s ratio.
    target: Optional[float] = None
    # Dotted attributes the library must have (e.g. "nn.Linear"); otherwise skipped.
    needs: tuple = ()
    # Run warm-up and timing inside torch.no_grad() (inference workloads).
    no_grad: bool = False
    # build_numpy(numpy) -> step: the same computation in plain NumPy, run as a third
    # library when the target compares with NumPy.
    build_numpy: Optional[Callable] = None

    @property
    def unit(self):
        return "GFLOP/s" if self.flops else "us/iter"

    def target_text(self):
        if self.target is None:
            return "report only"
        sign = ">=" if self.flops else "<="
        return f"ember/{self.baseline} {sign} {self.target:g}"

    def meets_target(self, ratio):
        return ratio >= self.target if self.flops else ratio <= self.target

    def libraries(self):
        libs = ["ember", "torch"]
        if self.build_numpy is not None:
            libs.append("numpy")
        return libs


def workload(**meta):
    """Register ``build(torch) -> step`` as a workload named after the function."""
    def register(build):
        name = build.__name__
        WORKLOADS[name] = Workload(name=name, build=build,
                                   description=(build.__doc__ or "").strip(), **meta)
        return build
    return register


def normal_array(*shape, seed=0):
    """A float32 standard-normal NumPy array, the same for a given seed everywhere."""
    return numpy.random.default_rng(seed).standard_normal(shape, dtype=numpy.float32)


def randn(torch, *shape, requires_grad=False, seed=0):
    """A float32 standard-normal tensor made from NumPy data (same values in every library)."""
    tensor = torch.from_numpy(normal_array(*shape, seed=seed))
    return tensor.requires_grad_() if requires_grad else tensor


def missing_feature(torch, wl):
    """The shortest missing prefix of the workload's needed attributes ("nn" when the
    library has no nn at all, "nn.LSTM" when only that is missing), or None."""
    for dotted in wl.needs:
        obj = torch
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            if not hasattr(obj, part):
                return ".".join(parts[:i + 1])
            obj = getattr(obj, part)
    return None


# ---------------------------------------------------------------- tiny ops: dispatch cost

@workload(target=2.5)
def add_1elem(torch):
    """a + b on 1-element float32 tensors, nothing requires grad."""
    a, b = randn(torch, 1, seed=1), randn(torch, 1, seed=2)

    def step():
        return a + b
    return step


@workload(target=1.0)
def autograd_tiny(torch):
    """y = (w*x + b).sum(); y.backward() on 1-element tensors, w and b require grad."""
    w = randn(torch, 1, requires_grad=True, seed=1)
    b = randn(torch, 1, requires_grad=True, seed=2)
    x = randn(torch, 1, seed=3)

    def step():
        y = (w * x + b).sum()
        y.backward()
    return step


# ---------------------------------------------------------------- small layers

@workload(no_grad=True)
def linear_small_nograd(torch):
    """x @ w + bias with x 4x16, w 16x16, under no_grad (two ops; see nn_linear_nograd)."""
    x, w = randn(torch, 4, 16, seed=1), randn(torch, 16, 16, seed=2)
    bias = randn(torch, 16, seed=3)

    def step():
        return x @ w + bias
    return step


@workload(target=2.0, needs=("nn.Linear",), no_grad=True)
def nn_linear_nograd(torch):
    """nn.Linear(16, 16) on a 4x16 batch under no_grad (issue 3: ember/torch <= 2.0)."""
    layer = torch.nn.Linear(16, 16)
    x = randn(torch, 4, 16, seed=1)

    def step():
        return layer(x)
    return step


# ---------------------------------------------------------------- large kernels: BLAS

def _matmul_1024_numpy(np):
    a, b = normal_array(1024, 1024, seed=1), normal_array(1024, 1024, seed=2)

    def step():
        return np.matmul(a, b)
    return step


@workload(flops=2 * 1024 ** 3, baseline="numpy", target=0.9, build_numpy=_matmul_1024_numpy)
def matmul_1024(torch):
    """1024x1024 @ 1024x1024 float32 matmul; ember should reach 90% of NumPy's GFLOP/s."""
    a, b = randn(torch, 1024, 1024, seed=1), randn(torch, 1024, 1024, seed=2)

    def step():
        return a @ b
    return step


# ---------------------------------------------------------------- training steps

@workload(needs=("nn.Sequential", "nn.Linear", "nn.ReLU", "nn.functional.cross_entropy",
                 "optim.SGD"))
def mlp_train_step(torch):
    """One SGD step (zero_grad, forward, cross-entropy, backward, step) of a 784-128-10
    ReLU MLP on a batch of 32."""
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = randn(torch, 32, 784)
    labels = torch.from_numpy(numpy.random.default_rng(0).integers(0, 10, 32))

    def step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
    return step
