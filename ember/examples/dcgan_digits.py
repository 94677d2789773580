"""Train a DCGAN on the 8x8 digits: a generator of transposed convolutions against a
convolutional discriminator.

    python -m ember.examples.dcgan_digits [--epochs 50] [--batch-size 64]

The generator turns 32 Gaussian numbers into a digit: a linear layer to a 128x2x2 map,
then two nn.ConvTranspose2d layers (2x2 -> 4x4 -> 8x8) with batch norm between them. The
discriminator mirrors it with strided nn.Conv2d layers. Both train with the
non-saturating GAN loss (binary cross-entropy on logits) and Adam(betas=(0.5, 0.999)).
Prints the losses and a classifier-based score of the generated digits; writes
samples_epoch_N.png every --sample-every epochs, samples.png (final, fixed noise),
losses.png and checkpoint.pt to --out.
"""
import time

import numpy as np
from tqdm import tqdm

from ember.examples import _common

import ember as torch
from ember.utils.data import DataLoader, TensorDataset

nn = torch.nn
F = torch.nn.functional

NOISE = 32


class Generator(nn.Module):
    def __init__(self, noise=NOISE, width=64):
        super().__init__()
        self.width = width
        self.project = nn.Sequential(nn.Linear(noise, 2 * width * 2 * 2, bias=False),
                                     nn.BatchNorm1d(2 * width * 2 * 2), nn.ReLU())
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False),  # 4x4
            nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, stride=2, padding=1),                      # 8x8
            nn.Tanh())

    def forward(self, z):
        return self.upsample(self.project(z).view(-1, 2 * self.width, 2, 2))


class Discriminator(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),               # 4x4
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=False),              # 2x2
            nn.BatchNorm2d(2 * width), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(2 * width * 2 * 2, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


def init_weights(module):
    """DCGAN's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def train_step(generator, discriminator, opt_g, opt_d, real, device):
    """One discriminator update, then one generator update. Returns both losses and the
    discriminator's mean probability on real and generated digits."""
    n = len(real)
    ones, zeros = torch.ones(n, device=device), torch.zeros(n, device=device)
    fake = generator(torch.randn(n, NOISE, device=device))

    real_logits, fake_logits = discriminator(real), discriminator(fake.detach())
    loss_d = F.binary_cross_entropy_with_logits(real_logits, ones * 0.9) + \
        F.binary_cross_entropy_with_logits(fake_logits, zeros)   # one-sided label smoothing
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()

    # Non-saturating loss: the generator maximises log D(G(z)).
    loss_g = F.binary_cross_entropy_with_logits(discriminator(fake), ones)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return (loss_d.item(), loss_g.item(), torch.sigmoid(real_logits).mean().item(),
            torch.sigmoid(fake_logits).mean().item())


def to_pixels(images):
    """Generator output in [-1, 1] -> numpy (N, 8, 8) in [0, 1]."""
    return ((images.detach().cpu()[:, 0] + 1) / 2).clamp(0, 1).numpy()


def save_loss_plot(path, history):
    plt = _common.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    epochs = range(1, len(history["d_loss"]) + 1)
    left.plot(epochs, history["d_loss"], label="discriminator")
    left.plot(epochs, history["g_loss"], label="generator")
    left.set_title("losses")
    right.plot(epochs, history["d_real"], label="D(real)")
    right.plot(epochs, history["d_fake"], label="D(G(z))")
    right.set_title("discriminator's probability of 'real'")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = _common.parser(__doc__, "dcgan_digits", epochs=50, batch_size=64, lr=1e-3)
    parser.add_argument("--sample-every", type=int, default=10,
                        help="epochs between sample grids")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)

    data = _common.digits_split(args.seed)
    train_images = np.concatenate([data["train"][0], data["val"][0]]) * 2 - 1   # to [-1, 1]
    loader = DataLoader(TensorDataset(torch.tensor(train_images)), batch_size=args.batch_size,
                        shuffle=True, drop_last=True)
    generator, discriminator = Generator().to(device), Discriminator().to(device)
    generator.apply(init_weights)
    discriminator.apply(init_weights)
    opt_g = torch.optim.Adam(generator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    fixed_noise = torch.randn(64, NOISE, device=device)
    print(f"{_common.framework_name(torch)} on {device}: generator "
          f"{sum(p.numel() for p in generator.parameters()):,} parameters, discriminator "
          f"{sum(p.numel() for p in discriminator.parameters()):,}; "
          f"{len(train_images)} training digits")

    history = {"d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
    start = time.perf_counter()
    bar = tqdm(range(1, args.epochs + 1), desc="training", unit="epoch", leave=False)
    for epoch in bar:
        generator.train()
        stats = np.mean([train_step(generator, discriminator, opt_g, opt_d, real.to(device),
                                    device) for (real,) in loader], axis=0)
        for key, value in zip(history, stats):
            history[key].append(float(value))
        bar.set_postfix(d_loss=f"{stats[0]:.3f}", g_loss=f"{stats[1]:.3f}")
        if epoch % args.sample_every == 0 or epoch == args.epochs:
            generator.eval()
            with torch.no_grad():
                grid = to_pixels(generator(fixed_noise))
            _common.save_image_grid(out / f"samples_epoch_{epoch}.png", grid, cols=16,
                                    title=f"generated digits after epoch {epoch}")
            tqdm.write(f"epoch {epoch:3d}  D loss {stats[0]:.3f}  G loss {stats[1]:.3f}  "
                       f"D(real) {stats[2]:.2f}  D(G(z)) {stats[3]:.2f}")
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.1f} s")

    generator.eval()
    with torch.no_grad():
        samples = to_pixels(generator(torch.randn(400, NOISE, device=device)))
        grid = to_pixels(generator(fixed_noise))
    judge = _common.DigitJudge(*data["train"])
    score, confidence, classes = judge.score(samples)
    real_score = judge.score(data["test"][0])[0]
    print(f"digit score of 400 generated digits: {score:.2f} (real test digits "
          f"{real_score:.2f}; classifier confidence {confidence:.0%}, {classes} different digits)")
    _common.save_image_grid(out / "samples.png", grid, cols=16,
                            title="generated digits (fixed noise)")
    save_loss_plot(out / "losses.png", history)
    torch.save({"generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
                "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict()}, out / "checkpoint.pt")
    print(f"wrote {out / 'samples.png'}, {out / 'losses.png'}, {out / 'checkpoint.pt'} and "
          f"samples_epoch_*.png")
    return {"score": score, "real_score": real_score, "history": history}


if __name__ == "__main__":
    main()
