"""What the examples share: command-line flags, the digits data and figure helpers.

Each example does ``import ember as torch`` and then uses only torch's API.
"""
import argparse
from pathlib import Path

import numpy as np


def parser(doc, name, *, epochs=None, batch_size=None, lr=None, steps=None):
    """An argument parser with the flags every example takes; pass the per-example defaults
    of the training flags it has (None leaves the flag out)."""
    summary, _, details = doc.strip().partition("\n\n")
    p = argparse.ArgumentParser(
        prog=f"python -m ember.examples.{name}", description=" ".join(summary.split()),
        epilog=details.strip() or None, formatter_class=argparse.RawDescriptionHelpFormatter)
    if epochs is not None:
        p.add_argument("--epochs", type=int, default=epochs,
                       help="passes over the training set (default %(default)s)")
    if steps is not None:
        p.add_argument("--steps", type=int, default=steps,
                       help="optimisation steps (default %(default)s)")
    if batch_size is not None:
        p.add_argument("--batch-size", type=int, default=batch_size,
                       help="examples per step (default %(default)s)")
    if lr is not None:
        p.add_argument("--lr", type=float, default=lr, help="learning rate (default %(default)s)")
    p.add_argument("--device", default="auto",
                   help="cpu, cuda or cuda:N; auto picks cuda when available (default)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default=f"./ember-output/{name}",
                   help="folder for checkpoints and figures (default %(default)s)")
    return p


def device_of(torch, name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def output_dir(path):
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def framework_name(torch):
    return "PyTorch" if torch.__name__ == "torch" else "ember"


def digits_split(seed, val_fraction=0.1, test_fraction=0.2):
    """scikit-learn's 8x8 handwritten digits (bundled with it, no download), scaled to
    [0, 1] and split into train/validation/test by a seeded shuffle.

    Returns a dict of (images float32 (N, 1, 8, 8), labels int64 (N,)) pairs."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(len(order) * test_fraction)
    n_val = int(len(order) * val_fraction)
    parts = {"test": order[:n_test], "val": order[n_test:n_test + n_val],
             "train": order[n_test + n_val:]}
    return {k: (images[idx], labels[idx]) for k, idx in parts.items()}


def pyplot():
    """matplotlib's pyplot on the Agg backend: figures go to files, no display needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_curves(path, history, title):
    """Plot each metric of ``history`` ({"train_loss": [...], "val_loss": [...],
    "train_acc": [...], ...}) in one panel per metric name, train and val together."""
    plt = pyplot()
    metrics = list(dict.fromkeys(k.split("_", 1)[1] for k in history))
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for split in ("train", "val"):
            values = history.get(f"{split}_{metric}")
            if values:
                ax.plot(range(1, len(values) + 1), values, marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save_image_grid(path, images, titles=None, cols=8, title=None, cmap="gray_r"):
    """Save ``images`` (N, H, W numpy array) as a grid, each with an optional caption."""
    plt = pyplot()
    n = max(len(images), 1)
    cols = min(cols, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.35 * rows + 0.4),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap, interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[i], fontsize=7)
    if len(images) == 0:
        axes.flat[0].text(0.5, 0.5, "nothing to show", ha="center", va="center")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


class DigitJudge:
    """A logistic-regression digit classifier (scikit-learn, trained on the training split)
    used to score generated digits the way the Inception score scores generated photos."""

    def __init__(self, images, labels):
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(max_iter=2000, C=0.5)
        self.model.fit(images.reshape(len(images), -1), labels)

    def score(self, images):
        """(score, confidence, classes): exp of the mean KL divergence between each image's
        class distribution and the average one (1 = all alike or all ambiguous, 10 = every
        image confidently one digit and all ten digits equally often), the mean top-class
        probability, and how many different digits the images were classified as."""
        probs = self.model.predict_proba(np.asarray(images).reshape(len(images), -1))
        marginal = probs.mean(axis=0, keepdims=True)
        kl = (probs * (np.log(probs + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
        return (float(np.exp(kl.mean())), float(probs.max(axis=1).mean()),
                int(len(np.unique(probs.argmax(axis=1)))))
