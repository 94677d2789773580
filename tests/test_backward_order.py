"""Backward runs nodes, and so hooks, in torch's order: newest node first among the
ready ones, a leaf's AccumulateGrad as soon as its consumers have all run. Checked on
random graphs against torch, in both of ember's backward loops."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

SHAPES = [(2, 3), (2, 1), (1, 3), (2, 3)]


def _graph(m, seed, log):
    """Leaves and 4-20 random ops over them, a tensor hook on every tensor and a
    post-accumulate hook on every leaf; returns (leaves, loss)."""
    rng = np.random.RandomState(seed)
    values = np.random.RandomState(seed + 1000)
    leaves = [m.tensor(values.randn(*shape), requires_grad=True) for shape in SHAPES]

    def hook(label):
        return lambda g: log.append(label)

    for i, leaf in enumerate(leaves):
        leaf.register_hook(hook(f"leaf{i}"))
        leaf.register_post_accumulate_grad_hook(lambda t, i=i: log.append(f"acc{i}"))
    ops = [
        lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
        lambda a, b: a / (b * b + 1), lambda a, b: -a, lambda a, b: a.tanh(),
        lambda a, b: a.sum(int(rng.randint(2)), keepdim=True),
        lambda a, b: a.mean().reshape(1, 1), lambda a, b: a.exp() * b,
        lambda a, b: a.transpose(0, 1).transpose(0, 1), lambda a, b: a.clone(),
        lambda a, b: m.cat([a.expand(2, 3), b.expand(2, 3)], 1)[:, ::2],
    ]
    # Touch some leaves early, so that their AccumulateGrad nodes are older than others.
    for i in rng.permutation(len(leaves))[:2]:
        _ = leaves[i] * 1
    pool = list(leaves)
    for step in range(rng.randint(4, 21)):
        a, b = pool[rng.randint(len(pool))], pool[rng.randint(len(pool))]
        out = ops[rng.randint(len(ops))](a, b)
        out.register_hook(hook(step))
        pool.append(out)
    loss = 0
    for p in pool[len(leaves):]:
        loss = loss + (p * m.tensor(values.randn(*p.shape))).sum()
    return leaves, loss


@pytest.mark.parametrize("seed", range(25))
def test_hook_order_matches_torch(seed):
    want = []
    leaves, loss = _graph(torch, seed, want)
    loss.backward()
    expected_grads = [leaf.grad for leaf in leaves]

    for loop in ("arrays", "tensors"):
        got = []
        leaves, loss = _graph(ember, seed, got)
        if loop == "arrays":
            loss.backward()
        else:  # backward(inputs=...) runs the general (tensor) loop
            loss.backward(inputs=leaves)
        assert got == want, loop
        for leaf, grad in zip(leaves, expected_grads):
            if grad is None:
                assert leaf.grad is None
            else:
                np.testing.assert_allclose(leaf.grad.numpy(), grad.numpy(), rtol=1e-12)


def test_leaf_accumulates_right_after_its_last_consumer():
    # x's AccumulateGrad is made first (the oldest node), yet it runs as soon as its
    # consumer y has, before the older branch through z.
    for m in (torch, ember):
        log = []
        x = m.ones(2, requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda t: log.append("x"))
        _ = x * 1
        a = m.ones(2, requires_grad=True)
        z = a * 3
        z.register_hook(lambda g: log.append("z"))
        y = x * 2
        (y + z).sum().backward()
        assert log == ["x", "z"], m.__name__
