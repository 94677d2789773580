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
    # The largest acceptable ember/torch ratio of peak-RSS growth (see worker.py);
    # None: memory is not measured.
    rss_target: Optional[float] = None

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

# Targets: issue 5's (issue 2 asked for 2.5 and 1.0, which they imply).
@workload(target=2.0)
def add_1elem(torch):
    """a + b on 1-element float32 tensors, nothing requires grad."""
    a, b = randn(torch, 1, seed=1), randn(torch, 1, seed=2)

    def step():
        return a + b
    return step


@workload(target=0.8)
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


# ---------------------------------------------------------------- training steps (issue 5)
#
# Each is one full optimizer step (zero_grad, forward, loss, backward, step) on a
# typical model. `rss_target` bounds the growth of the worker's peak RSS while the
# workload is built and run, as an ember/torch ratio (see worker.py).

def labels(torch, high, *shape, seed=0):
    """int64 class indices in [0, high), the same for a given seed in every library."""
    return torch.from_numpy(numpy.random.default_rng(seed).integers(0, high, shape))


@workload(target=1.2, rss_target=1.3,
          needs=("nn.Sequential", "nn.Linear", "nn.ReLU", "nn.functional.cross_entropy",
                 "optim.SGD"))
def mlp_sgd(torch):
    """One SGD step (momentum 0.9) of a 784-512-512-10 ReLU MLP, cross-entropy loss,
    batch 128 (issue 5: ember/torch <= 1.2)."""
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = randn(torch, 128, 784), labels(torch, 10, 128)

    def step():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def _lenet(torch):
    nn = torch.nn

    class LeNet(nn.Module):
        # the layout of PyTorch's MNIST example: two 3x3 convs, max-pool, dropout, two
        # linear layers
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3)
            self.conv2 = nn.Conv2d(32, 64, 3)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = nn.functional.relu(self.conv1(x))
            x = nn.functional.relu(self.conv2(x))
            x = self.dropout1(nn.functional.max_pool2d(x, 2))
            x = self.dropout2(nn.functional.relu(self.fc1(torch.flatten(x, 1))))
            return self.fc2(x)

    return LeNet()


@workload(target=1.5, rss_target=1.3,
          needs=("nn.Conv2d", "nn.Dropout", "nn.functional.max_pool2d", "optim.Adam"))
def lenet_adam(torch):
    """One Adam step of a LeNet-style CNN on 28x28 images, batch 64: conv 1->32 3x3,
    conv 32->64 3x3, max-pool 2, dropout, 9216->128->10, cross-entropy (issue 5:
    ember/torch <= 1.5)."""
    model = _lenet(torch)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = randn(torch, 64, 1, 28, 28), labels(torch, 10, 64)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def _gpt(torch, vocab, context, d_model, heads, layers):
    nn = torch.nn
    F = nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.proj = nn.Linear(d_model, d_model)
            self.register_buffer("mask", torch.tril(torch.ones(context, context))
                                 .view(1, 1, context, context))

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(x).split(d_model, dim=2)
            q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / (c // heads) ** 0.5)
            att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
            return self.proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(d_model)
            self.attn = CausalSelfAttention()
            self.ln2 = nn.LayerNorm(d_model)
            self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                     nn.Linear(4 * d_model, d_model))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(context, d_model)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab, bias=False)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.tok(idx) + self.pos(torch.arange(t))
            return self.head(self.ln_f(self.blocks(x)))

    return GPT()


@workload(target=1.3, rss_target=1.3,
          needs=("nn.Embedding", "nn.LayerNorm", "nn.GELU", "tril", "optim.AdamW"))
def gpt_adamw(torch):
    """One AdamW step of a 2-layer GPT (d_model 128, 4 heads, context 64, vocab 65,
    batch 32) with hand-written causal attention (masked_fill + softmax), next-token
    cross-entropy (issue 5: ember/torch <= 1.3)."""
    vocab, context, batch = 65, 64, 32
    model = _gpt(torch, vocab, context, d_model=128, heads=4, layers=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    tokens = labels(torch, vocab, batch, context + 1)
    x, y = tokens[:, :-1], tokens[:, 1:]

    def step():
        optimizer.zero_grad()
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        optimizer.step()
    return step


@workload(target=1.5, rss_target=1.3,
          needs=("nn.Embedding", "nn.LSTM", "nn.utils.clip_grad_norm_", "optim.SGD"))
def lstm_lm_sgd(torch):
    """One SGD step of a 2-layer LSTM language model (vocab 10k, embedding and hidden
    200, sequence 35, batch 20, truncated BPTT with the state carried over), gradients
    clipped with clip_grad_norm_(0.25) (issue 5: ember/torch <= 1.5)."""
    nn = torch.nn
    vocab, size, seq, batch = 10000, 200, 35, 20

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(vocab, size)
            self.rnn = nn.LSTM(size, size, num_layers=2)
            self.decoder = nn.Linear(size, vocab)

        def forward(self, tokens, state):
            out, state = self.rnn(self.encoder(tokens), state)
            return self.decoder(out), state

    model = LanguageModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    tokens = labels(torch, vocab, seq + 1, batch)
    x, y = tokens[:-1], tokens[1:]
    state = [(torch.zeros(2, batch, size), torch.zeros(2, batch, size))]

    def step():
        h, c = state[0]
        optimizer.zero_grad()
        logits, (h, c) = model(x, (h.detach(), c.detach()))
        loss = nn.functional.cross_entropy(logits.view(-1, vocab), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()
        state[0] = (h, c)
    return step
