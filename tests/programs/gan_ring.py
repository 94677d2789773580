"""A GAN on 2-D points drawn from a ring, with BCEWithLogitsLoss, an R1 gradient penalty
computed with torch.autograd.grad, and gradient-norm clipping.
"""
import argparse
import math

import torch
import torch.nn as nn


def sample_ring(n, radius=2.0, noise=0.05):
    angle = torch.rand(n) * 2 * math.pi
    r = radius + noise * torch.randn(n)
    return torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)


def mlp(d_in, d_out, hidden=64):
    return nn.Sequential(nn.Linear(d_in, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                         nn.Linear(hidden, d_out))


def ring_stats(points, radius=2.0, bins=8):
    """Mean distance to the ring and the fraction of angular sectors covered."""
    r = points.norm(dim=1)
    angle = torch.atan2(points[:, 1], points[:, 0])
    sector = ((angle + math.pi) / (2 * math.pi) * bins).long().clamp(0, bins - 1)
    counts = torch.bincount(sector, minlength=bins).float()
    covered = (counts > 0.25 * len(points) / bins).float().mean().item()
    return (r - radius).abs().mean().item(), covered


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--r1", type=float, default=0.5)
    args = parser.parse_args()
    torch.manual_seed(3)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    z_dim = 8

    G, D = mlp(z_dim, 2).to(device), mlp(2, 1).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    ones = torch.ones(args.batch_size, 1, device=device)
    zeros = torch.zeros(args.batch_size, 1, device=device)

    for step in range(1, args.steps + 1):
        real = sample_ring(args.batch_size).to(device).requires_grad_(True)
        fake = G(torch.randn(args.batch_size, z_dim, device=device))

        d_real = D(real)
        loss_d = criterion(d_real, ones) + criterion(D(fake.detach()), zeros)
        grad_real, = torch.autograd.grad(d_real.sum(), real, create_graph=True)
        penalty = grad_real.pow(2).sum(dim=1).mean()
        opt_d.zero_grad()
        (loss_d + 0.5 * args.r1 * penalty).backward()
        nn.utils.clip_grad_norm_(D.parameters(), max_norm=5.0)
        opt_d.step()

        loss_g = criterion(D(fake), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()

        if step % 500 == 0:
            with torch.no_grad():
                dist, covered = ring_stats(G(torch.randn(1000, z_dim, device=device)).cpu())
            print(f"step {step}: loss_d {loss_d.item():.3f} loss_g {loss_g.item():.3f} "
                  f"r1 {penalty.item():.3f} ring distance {dist:.3f} coverage {covered:.2f}")

    with torch.no_grad():
        samples = G(torch.randn(2000, z_dim, device=device)).cpu()
    dist, covered = ring_stats(samples)
    print("a few samples:", samples[:3])
    print(f"final ring distance {dist:.4f} coverage {covered:.2f}")


if __name__ == "__main__":
    main()
