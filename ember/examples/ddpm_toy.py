"""Train a small denoising diffusion model (DDPM) on 2-D toy data and sample from it.

    python -m ember.examples.ddpm_toy [--data moons|swissroll] [--steps 10000] [--timesteps 200]

Forward process: a point x0 is blurred into x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise
over --timesteps steps of a linear beta schedule, until it is almost pure Gaussian
noise. A multilayer perceptron, given x_t and a sinusoidal embedding of t, learns to
predict the noise (mean squared error). Sampling runs the process backwards from
Gaussian noise with DDPM's ancestral step. Prints how close the samples land to the
data's curves (against the same for Gaussian noise and for the data itself); writes
samples.png, trajectory.png (the reverse process at five times), loss.png and
checkpoint.pt to --out.
"""
import math
import time

import numpy as np
from tqdm import tqdm

from ember.examples import _common

import ember as torch

nn = torch.nn
F = torch.nn.functional


def curve(name, t):
    """Points on the noise-free curve at parameters t in [0, 1)."""
    if name == "moons":
        angle = np.pi * (2 * t % 1.0)
        upper = t < 0.5
        return np.stack([np.where(upper, np.cos(angle), 1 - np.cos(angle)),
                         np.where(upper, np.sin(angle), 0.5 - np.sin(angle))], axis=1)
    turn = 1.5 * np.pi * (1 + 2 * t)             # swiss roll: a spiral of 1.5 turns
    return np.stack([turn * np.cos(turn), turn * np.sin(turn)], axis=1) / 5.0


def toy_data(name, n, rng, noise=0.05):
    return curve(name, rng.random(n)) + rng.normal(scale=noise, size=(n, 2))


def distance_to_curve(name, points):
    """Distance from each point to the nearest of 4,000 points along the clean curve."""
    reference = curve(name, np.linspace(0, 1, 4000, endpoint=False))
    return np.sqrt(((points[:, None, :] - reference[None]) ** 2).sum(-1)).min(axis=1)


class Denoiser(nn.Module):
    """Predicts the noise in x_t from x_t and a sinusoidal embedding of t."""

    def __init__(self, hidden=128, time_dim=32):
        super().__init__()
        self.time_dim = time_dim
        self.net = nn.Sequential(nn.Linear(2 + time_dim, hidden), nn.SiLU(),
                                 nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, 2))

    def embed_time(self, t):
        half = self.time_dim // 2
        frequencies = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device) / half)
        angles = t.float().unsqueeze(1) * frequencies.unsqueeze(0)
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)

    def forward(self, x, t):
        return self.net(torch.cat([x, self.embed_time(t)], dim=1))


class Schedule:
    """The linear beta schedule and the quantities both processes need."""

    def __init__(self, timesteps, device, beta_start=1e-4, beta_end=0.05):
        self.timesteps = timesteps
        self.betas = torch.linspace(beta_start, beta_end, timesteps, device=device)
        self.alphas = 1.0 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)

    def add_noise(self, x0, t, noise):
        abar = self.alpha_bars[t].unsqueeze(1)
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise

    @torch.no_grad()
    def sample(self, model, n, device, keep=()):
        """Run the reverse process from Gaussian noise; also return x_t for t in keep."""
        x = torch.randn(n, 2, device=device)
        snapshots = {self.timesteps: x.cpu().numpy()}
        for t in range(self.timesteps - 1, -1, -1):
            eps = model(x, torch.full((n,), t, device=device, dtype=torch.long))
            beta, alpha, abar = self.betas[t], self.alphas[t], self.alpha_bars[t]
            x = (x - beta / (1 - abar).sqrt() * eps) / alpha.sqrt()
            if t > 0:
                x = x + beta.sqrt() * torch.randn_like(x)
            if t in keep:
                snapshots[t] = x.cpu().numpy()
        return x.cpu().numpy(), snapshots


def save_figures(out, data, samples, snapshots, losses, name):
    plt = _common.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), sharex=True, sharey=True)
    for ax, points, title in ((axes[0], data, "training data"), (axes[1], samples, "samples")):
        ax.scatter(points[:, 0], points[:, 1], s=3, alpha=0.5)
        ax.set_title(f"{title} ({len(points)} points)")
        ax.set_aspect("equal")
    fig.suptitle(f"ddpm_toy: {name}")
    fig.tight_layout()
    fig.savefig(out / "samples.png", dpi=100)
    plt.close(fig)

    times = sorted(snapshots, reverse=True)
    fig, axes = plt.subplots(1, len(times), figsize=(3.2 * len(times), 3.4),
                             sharex=True, sharey=True)
    for ax, t in zip(axes, times):
        ax.scatter(snapshots[t][:, 0], snapshots[t][:, 1], s=2, alpha=0.5)
        ax.set_title(f"t = {t}")
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
    fig.suptitle("reverse process: from noise (left) to data (right)")
    fig.tight_layout()
    fig.savefig(out / "trajectory.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.2))
    window = max(1, len(losses) // 50)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(range(window, len(losses) + 1), smooth)
    ax.set_xlabel("step")
    ax.set_ylabel("noise-prediction MSE")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "loss.png", dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = _common.parser(__doc__, "ddpm_toy", steps=10000, batch_size=256, lr=4e-3)
    parser.add_argument("--data", choices=["moons", "swissroll"], default="moons")
    parser.add_argument("--timesteps", type=int, default=200, help="diffusion steps T")
    parser.add_argument("--samples", type=int, default=2000, help="points to generate")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)

    rng = np.random.default_rng(args.seed)
    data = toy_data(args.data, 8000, rng)
    data_tensor = torch.tensor(data, dtype=torch.float32, device=device)
    schedule = Schedule(args.timesteps, device)
    model = Denoiser().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)
    print(f"{_common.framework_name(torch)} on {device}: {args.data}, {len(data)} points, "
          f"T = {args.timesteps}, denoiser with {sum(p.numel() for p in model.parameters()):,} "
          f"parameters")

    losses, start = [], time.perf_counter()
    bar = tqdm(range(1, args.steps + 1), desc="training", unit="step", leave=False)
    for step in bar:
        x0 = data_tensor[torch.randint(len(data), (args.batch_size,), device=device)]
        t = torch.randint(args.timesteps, (args.batch_size,), device=device)
        noise = torch.randn_like(x0)
        loss = F.mse_loss(model(schedule.add_noise(x0, t, noise), t), noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        if step % 100 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-100:]):.4f}")
    print(f"trained {args.steps} steps in {time.perf_counter() - start:.1f} s, "
          f"final loss {np.mean(losses[-100:]):.4f}")

    model.eval()
    keep = {args.timesteps * 3 // 4, args.timesteps // 2, args.timesteps // 4, 0}
    samples, snapshots = schedule.sample(model, args.samples, device, keep)
    near = 0.15
    on_curve = {label: float((distance_to_curve(args.data, points) < near).mean())
                for label, points in (("samples", samples), ("data", data[:args.samples]),
                                      ("noise", rng.normal(size=(args.samples, 2))))}
    print(f"samples within {near} of the {args.data}: {on_curve['samples']:.1%} "
          f"(training data {on_curve['data']:.1%}, Gaussian noise {on_curve['noise']:.1%})")
    save_figures(out, data[:args.samples], samples, snapshots, losses, args.data)
    torch.save({"model": model.state_dict(), "timesteps": args.timesteps}, out / "checkpoint.pt")
    print(f"wrote {out / 'samples.png'}, {out / 'trajectory.png'}, {out / 'loss.png'}, "
          f"{out / 'checkpoint.pt'}")
    return {"on_curve": on_curve, "final_loss": float(np.mean(losses[-100:]))}


if __name__ == "__main__":
    main()
