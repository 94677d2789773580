"""Train a two-layer network on a 3-class spiral with raw ember tensors and autograd.

    python -m ember.examples.spiral [--steps 300] [--lr 1.0] [--seed 0]

No nn, no optim: parameters are plain tensors with requires_grad, the loss is written
with ember ops, and the update is a manual SGD step under no_grad. The same code runs
under PyTorch with ``import torch`` in place of ``import ember as torch``.
"""
import argparse

import numpy as np

import ember as torch


def spiral(points_per_class, classes, rng):
    """The classic spiral toy set: noisy arms, one per class."""
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        theta = np.linspace(c * 4.0, (c + 1) * 4.0, points_per_class) + \
            rng.normal(scale=0.2, size=points_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(points_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


def cross_entropy(logits, targets):
    log_probs = torch.log_softmax(logits, dim=1)
    return -log_probs[torch.arange(len(targets)), targets].mean()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    x_np, y_np = spiral(100, 3, rng)
    x = torch.tensor(x_np)
    y = torch.tensor(y_np)

    def param(*shape, scale):
        return torch.tensor(rng.normal(scale=scale, size=shape).astype(np.float32),
                            requires_grad=True)

    w1, b1 = param(2, args.hidden, scale=1.0), torch.zeros(args.hidden, requires_grad=True)
    w2, b2 = param(args.hidden, 3, scale=0.1), torch.zeros(3, requires_grad=True)
    params = [w1, b1, w2, b2]

    for step in range(args.steps + 1):
        hidden = torch.relu(x @ w1 + b1)
        logits = hidden @ w2 + b2
        loss = cross_entropy(logits, y) + 1e-3 * ((w1 * w1).sum() + (w2 * w2).sum())
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= args.lr * p.grad
        if step % 50 == 0:
            accuracy = (logits.argmax(dim=1) == y).float().mean().item() \
                if hasattr(logits, "argmax") else float("nan")
            print(f"step {step:4d}  loss {loss.item():.4f}  train accuracy {accuracy:.1%}")
    return loss.item()


if __name__ == "__main__":
    main()
