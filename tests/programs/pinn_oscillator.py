"""A physics-informed network for the damped oscillator u'' + 2*zeta*w*u' + w^2*u = 0,
u(0) = 1, u'(0) = 0, trained with Adam and then LBFGS (closure), with derivatives from
torch.autograd.grad(create_graph=True). Reports the error against the exact solution.
"""
import argparse
import math

import torch
import torch.nn as nn

ZETA, OMEGA = 0.2, 4.0


def exact(t):
    wd = OMEGA * math.sqrt(1 - ZETA ** 2)
    a = ZETA * OMEGA
    return torch.exp(-a * t) * (torch.cos(wd * t) + a / wd * torch.sin(wd * t))


class PINN(nn.Module):
    def __init__(self, width=32, depth=3):
        super().__init__()
        layers, d = [], 1
        for _ in range(depth):
            layers += [nn.Linear(d, width), nn.Tanh()]
            d = width
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, t):
        return self.net(t)


def physics_loss(model, t_col, t0):
    t_col = t_col.clone().requires_grad_(True)
    u = model(t_col)
    du, = torch.autograd.grad(u, t_col, torch.ones_like(u), create_graph=True)
    d2u, = torch.autograd.grad(du, t_col, torch.ones_like(du), create_graph=True)
    residual = d2u + 2 * ZETA * OMEGA * du + OMEGA ** 2 * u
    u0 = model(t0)
    du0, = torch.autograd.grad(u0.sum(), t0, create_graph=True)
    return (residual ** 2).mean() / OMEGA ** 4 + (u0 - 1).pow(2).sum() + du0.pow(2).sum()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--adam-steps", type=int, default=1500)
    parser.add_argument("--lbfgs-steps", type=int, default=5)
    parser.add_argument("--points", type=int, default=64)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)

    model = PINN()
    t_col = torch.linspace(0, 2, args.points).view(-1, 1)
    t0 = torch.zeros(1, 1, requires_grad=True)
    t_test = torch.linspace(0, 2, 200).view(-1, 1)

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.999)
    for step in range(1, args.adam_steps + 1):
        optimizer.zero_grad()
        loss = physics_loss(model, t_col, t0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if step % 500 == 0:
            print(f"adam step {step}: loss {loss.item():.3e}")

    lbfgs = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=50,
                              line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        loss = physics_loss(model, t_col, t0)
        loss.backward()
        return loss

    for step in range(args.lbfgs_steps):
        loss = lbfgs.step(closure)
        print(f"lbfgs round {step + 1}: loss {loss.item():.3e}")

    with torch.no_grad():
        err = (model(t_test) - exact(t_test)).abs().max().item()
    print(f"u(1.0) = {model(torch.tensor([[1.0]])).item():.4f}, "
          f"exact {exact(torch.tensor(1.0)).item():.4f}")
    print(f"final max error {err:.5f}")


if __name__ == "__main__":
    main()
