"""A VAE on generated 8x8 "stroke" images, checkpointed and resumed half way.

Trains for a few epochs, saves {epoch, model, optimizer, loss} with torch.save, builds a
fresh model and optimizer, restores them with torch.load + load_state_dict and carries on.
"""
import argparse
import os
import tempfile

import torch
from torch import nn, optim
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_data(n, seed):
    """Binary 8x8 images: one horizontal and one vertical stroke at random places."""
    g = torch.Generator().manual_seed(seed)
    imgs = torch.zeros(n, 8, 8)
    rows = torch.randint(0, 8, (n,), generator=g)
    cols = torch.randint(0, 8, (n,), generator=g)
    imgs[torch.arange(n), rows, :] = 1.0
    imgs[torch.arange(n), :, cols] = 1.0
    return imgs.view(n, 64)


class VAE(nn.Module):
    def __init__(self, d_in=64, d_hidden=128, d_latent=4):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc21 = nn.Linear(d_hidden, d_latent)
        self.fc22 = nn.Linear(d_hidden, d_latent)
        self.fc3 = nn.Linear(d_latent, d_hidden)
        self.fc4 = nn.Linear(d_hidden, d_in)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        return self.fc4(F.relu(self.fc3(z)))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar) if self.training else mu
        return self.decode(z), mu, logvar


def loss_function(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def train_epoch(model, optimizer, loader):
    model.train()
    total = 0.0
    for (x,) in loader:
        optimizer.zero_grad()
        recon, mu, logvar = model(x)
        loss = loss_function(recon, x, mu, logvar)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader.dataset)


@torch.no_grad()
def eval_loss(model, x):
    model.eval()
    recon, mu, logvar = model(x)
    return loss_function(recon, x, mu, logvar).item() / x.shape[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--checkpoint", default=None)
    args = parser.parse_args()
    torch.manual_seed(42)

    data = make_data(args.n, seed=0)
    test = make_data(256, seed=1)
    loader = DataLoader(TensorDataset(data), batch_size=64, shuffle=True)
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    first_half = args.epochs // 2
    history = []
    for epoch in range(1, first_half + 1):
        history.append(train_epoch(model, optimizer, loader))
        print(f"epoch {epoch}: train loss {history[-1]:.3f}")

    tmpdir = tempfile.mkdtemp()
    path = args.checkpoint or os.path.join(tmpdir, "vae.pt")
    torch.save({"epoch": first_half, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": history[-1]}, path)
    before = eval_loss(model, test)

    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    start = checkpoint["epoch"] + 1
    after = eval_loss(model, test)
    print(f"resumed at epoch {start} (saved loss {checkpoint['loss']:.3f}); "
          f"test loss before save {before:.4f} after load {after:.4f}")
    assert abs(before - after) < 1e-4 * abs(before), (before, after)
    assert len(optimizer.state) == len(list(model.parameters()))

    for epoch in range(start, args.epochs + 1):
        history.append(train_epoch(model, optimizer, loader))
        print(f"epoch {epoch}: train loss {history[-1]:.3f}")

    jump = history[first_half] - history[first_half - 1]
    print(f"first loss {history[0]:.3f} loss at save {history[first_half - 1]:.3f} "
          f"first after resume {history[first_half]:.3f} jump {jump:.3f}")
    print(f"final test loss {eval_loss(model, test):.3f}")
    if args.checkpoint is None:
        os.remove(path)
        os.rmdir(tmpdir)


if __name__ == "__main__":
    main()
