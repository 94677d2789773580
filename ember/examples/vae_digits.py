"""Train a variational autoencoder on the 8x8 digits and draw new digits from it.

    python -m ember.examples.vae_digits [--epochs 60] [--latent 2]

An encoder maps each digit to a Gaussian over a --latent dimensional code, a sample is
drawn with the reparameterisation trick (mean + std * noise, so gradients flow through
it), and a decoder maps it back to pixel probabilities. The loss is the negative evidence
lower bound: binary cross-entropy of the reconstruction plus the KL divergence of the
code from a standard normal. Prints the test loss and a classifier-based score of the
samples; writes reconstructions.png, samples.png, latent.png (with a 2-D code: the test
digits' codes and the decoded grid of codes) and checkpoint.pt to --out.
"""
import time

import numpy as np
from tqdm import tqdm

from ember.examples import _common

import ember as torch
from ember.utils.data import DataLoader, TensorDataset

nn = torch.nn
F = torch.nn.functional


class VAE(nn.Module):
    def __init__(self, latent=2, hidden=256, pixels=64):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU())
        self.mean = nn.Linear(hidden, latent)
        self.log_var = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU(),
                                     nn.Linear(hidden, pixels))

    def encode(self, x):
        h = self.encoder(x)
        return self.mean(h), self.log_var(h)

    def decode(self, z):
        """Pixel logits, shaped as images."""
        return self.decoder(z).view(-1, 1, 8, 8)

    def forward(self, x):
        mean, log_var = self.encode(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decode(z), mean, log_var


def vae_loss(logits, x, mean, log_var):
    """Negative ELBO summed over the batch: reconstruction + KL(q(z|x) || N(0, I))."""
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp())
    return reconstruction + kl, reconstruction, kl


@torch.no_grad()
def evaluate(model, images, device):
    model.eval()
    x = images.to(device)
    logits, mean, log_var = model(x)
    total, reconstruction, kl = vae_loss(logits, x, mean, log_var)
    return total.item() / len(x), reconstruction.item() / len(x), kl.item() / len(x)


def save_latent_plot(path, model, images, labels, device):
    """The test digits' codes coloured by label, beside the digits decoded from a grid."""
    plt = _common.pyplot()
    with torch.no_grad():
        codes = model.encode(images.to(device))[0].cpu().numpy()
        side = 15
        ticks = np.linspace(-2.5, 2.5, side, dtype=np.float32)
        grid = np.array([[x, y] for y in ticks[::-1] for x in ticks], dtype=np.float32)
        decoded = torch.sigmoid(model.decode(torch.tensor(grid, device=device))).cpu().numpy()
    # A blank pixel around each digit keeps neighbours from running into each other.
    cells = np.pad(decoded[:, 0], ((0, 0), (1, 1), (1, 1)))
    mosaic = cells.reshape(side, side, 10, 10).transpose(0, 2, 1, 3).reshape(side * 10, -1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    points = left.scatter(codes[:, 0], codes[:, 1], c=labels.numpy(), cmap="tab10", s=8)
    fig.colorbar(points, ax=left, ticks=range(10), label="digit")
    left.set_title("test digits in the 2-D code space")
    right.imshow(mosaic, cmap="gray_r", extent=(-2.5, 2.5, -2.5, 2.5))
    right.set_title("decoded from a grid of codes")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = _common.parser(__doc__, "vae_digits", epochs=60, batch_size=64, lr=2e-3)
    parser.add_argument("--latent", type=int, default=2, help="size of the code")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)

    data = _common.digits_split(args.seed)
    train_images = data["train"][0]
    val_images = torch.tensor(data["val"][0])
    test_images, test_labels = (torch.tensor(a) for a in data["test"])
    loader = DataLoader(TensorDataset(torch.tensor(train_images)), batch_size=args.batch_size,
                        shuffle=True)
    model = VAE(args.latent).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    print(f"{_common.framework_name(torch)} on {device}: VAE with a {args.latent}-D code, "
          f"{len(train_images)} training digits")

    history = {"train_loss": [], "val_loss": []}
    start = time.perf_counter()
    bar = tqdm(range(1, args.epochs + 1), desc="training", unit="epoch", leave=False)
    for epoch in bar:
        model.train()
        total = 0.0
        for (x,) in loader:
            x = x.to(device)
            logits, mean, log_var = model(x)
            loss, _, _ = vae_loss(logits, x, mean, log_var)
            optimizer.zero_grad()
            (loss / len(x)).backward()
            optimizer.step()
            total += loss.item()
        history["train_loss"].append(total / len(train_images))
        history["val_loss"].append(evaluate(model, val_images, device)[0])
        bar.set_postfix(loss=f"{history['train_loss'][-1]:.2f}",
                        val=f"{history['val_loss'][-1]:.2f}")
    test_loss, reconstruction, kl = evaluate(model, test_images, device)
    print(f"test loss (negative ELBO): {test_loss:.2f} nats per digit = reconstruction "
          f"{reconstruction:.2f} + KL {kl:.2f}  ({time.perf_counter() - start:.1f} s training)")

    judge = _common.DigitJudge(*data["train"])
    with torch.no_grad():
        model.eval()
        z = torch.randn(400, args.latent, device=device)
        samples = torch.sigmoid(model.decode(z)).cpu().numpy()
        recon = torch.sigmoid(model(test_images[:32].to(device))[0]).cpu().numpy()
    score, confidence, classes = judge.score(samples)
    real_score = judge.score(data["test"][0])[0]
    print(f"digit score of 400 samples: {score:.2f} (real test digits {real_score:.2f}; "
          f"classifier confidence {confidence:.0%}, {classes} different digits)")

    pairs = np.stack([test_images[:32, 0].numpy(), recon[:, 0]], axis=1).reshape(-1, 8, 8)
    _common.save_image_grid(out / "reconstructions.png", pairs, cols=16,
                            title="test digits (left) and their reconstructions (right)")
    _common.save_image_grid(out / "samples.png", samples[:64, 0], cols=16,
                            title="digits decoded from codes drawn from N(0, I)")
    written = ["reconstructions.png", "samples.png"]
    if args.latent == 2:
        save_latent_plot(out / "latent.png", model, test_images, test_labels, device)
        written.append("latent.png")
    _common.save_curves(out / "curves.png", history, "vae_digits: negative ELBO per digit")
    torch.save({"model": model.state_dict(), "latent": args.latent}, out / "checkpoint.pt")
    print("wrote " + ", ".join(str(out / f) for f in written + ["curves.png", "checkpoint.pt"]))
    return {"test_loss": test_loss, "score": score, "real_score": real_score}


if __name__ == "__main__":
    main()
