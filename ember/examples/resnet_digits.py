"""Train a small ResNet on the 8x8 digits with data augmentation and a one-cycle schedule.

    python -m ember.examples.resnet_digits [--epochs 15] [--resume] [--hflip 0.0]

Augmentation is written with tensor ops on the whole batch: each image is padded and
cropped back at its own random offset (a random shift of up to --pad pixels), and
mirrored with probability --hflip (off by default: a mirrored 2 or 7 is not a digit).
The learning rate follows OneCycleLR, stepped every batch. After every epoch the model,
optimizer, scheduler, random state and history go to --out/checkpoint.pt; --resume
continues an interrupted run from there with the same --epochs. Writes curves.png and
lr.png (the schedule actually followed).
"""
import time

from tqdm import tqdm

from ember.examples import _common

import ember as torch
from ember.utils.data import DataLoader, TensorDataset

nn = torch.nn
F = torch.nn.functional


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a skip connection (a 1x1 projection when the shape changes)."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """8x8 -> 8x8 -> 4x4 -> 2x2 feature maps, global average pooling, linear classifier."""

    def __init__(self, width=16, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width), nn.ReLU())
        self.layers = nn.Sequential(BasicBlock(width, width),
                                    BasicBlock(width, 2 * width, stride=2),
                                    BasicBlock(2 * width, 4 * width, stride=2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(4 * width, classes))

    def forward(self, x):
        return self.head(self.layers(self.stem(x)))


def augment(images, pad, hflip):
    """Random shifts (pad, then crop at a per-image offset) and random mirroring."""
    n, c, h, w = images.shape
    device = images.device
    if pad > 0:
        padded = F.pad(images, (pad, pad, pad, pad))
        rows = torch.randint(0, 2 * pad + 1, (n, 1, 1), device=device) + \
            torch.arange(h, device=device).view(1, h, 1)
        cols = torch.randint(0, 2 * pad + 1, (n, 1, 1), device=device) + \
            torch.arange(w, device=device).view(1, 1, w)
        batch = torch.arange(n, device=device).view(n, 1, 1)
        # Indexing the channels-last view gives (n, h, w, c); put channels back in front.
        images = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)
    if hflip > 0:
        mirror = torch.rand(n, 1, 1, 1, device=device) < hflip
        images = torch.where(mirror, images.flip(-1), images)
    return images


def train_epoch(model, loader, optimizer, scheduler, args, device, desc, lrs):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = tqdm(loader, desc=desc, leave=False, unit="batch")
    for images, labels in bar:
        images, labels = images.to(device), labels.to(device)
        logits = model(augment(images, args.pad, args.hflip))
        loss = F.cross_entropy(logits, labels, label_smoothing=0.05)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
        total_loss += loss.item() * len(labels)
        correct += (logits.argmax(dim=1) == labels).sum().item()
        seen += len(labels)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.1%}")
    return total_loss / seen, correct / seen


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    total_loss, correct = 0.0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(dim=1) == labels).sum().item()
    return total_loss / len(loader.dataset), correct / len(loader.dataset)


def save_checkpoint(path, model, optimizer, scheduler, epoch, history, lrs):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch, "history": history,
                "lrs": lrs, "rng_state": torch.get_rng_state()}, path)


def load_checkpoint(path, model, optimizer, scheduler):
    state = torch.load(path, weights_only=True)
    if state["scheduler"]["total_steps"] != scheduler.total_steps:
        raise SystemExit(f"{path} was written for a different --epochs/--batch-size "
                         f"({state['scheduler']['total_steps']} steps, not "
                         f"{scheduler.total_steps}); start afresh without --resume")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng_state"])
    return state["epoch"], state["history"], state["lrs"]


def save_lr_plot(path, lrs, steps_per_epoch):
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([i / steps_per_epoch for i in range(len(lrs))], lrs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title("OneCycleLR")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = _common.parser(__doc__, "resnet_digits", epochs=15, batch_size=64, lr=0.1)
    parser.add_argument("--pad", type=int, default=1, help="largest random shift in pixels")
    parser.add_argument("--hflip", type=float, default=0.0, help="probability of mirroring")
    parser.add_argument("--resume", action="store_true", help="continue from --out/checkpoint.pt")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)

    data = _common.digits_split(args.seed)
    sets = {k: TensorDataset(torch.tensor(x), torch.tensor(y)) for k, (x, y) in data.items()}
    train_loader = DataLoader(sets["train"], batch_size=args.batch_size, shuffle=True,
                              drop_last=True)
    val_loader = DataLoader(sets["val"], batch_size=256)
    test_loader = DataLoader(sets["test"], batch_size=256)

    model = ResNet().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=args.epochs * len(train_loader))
    print(f"{_common.framework_name(torch)} on {device}: ResNet with "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")

    checkpoint = out / "checkpoint.pt"
    start_epoch, history, lrs = 0, {"train_loss": [], "val_loss": [], "train_accuracy": [],
                                    "val_accuracy": []}, []
    if args.resume and checkpoint.exists():
        start_epoch, history, lrs = load_checkpoint(checkpoint, model, optimizer, scheduler)
        print(f"resumed from {checkpoint} after epoch {start_epoch}")
    start = time.perf_counter()
    for epoch in range(start_epoch + 1, args.epochs + 1):
        train_loss, train_acc = train_epoch(model, train_loader, optimizer, scheduler, args,
                                            device, f"epoch {epoch}/{args.epochs}", lrs)
        val_loss, val_acc = evaluate(model, val_loader, device)
        for key, value in zip(history, (train_loss, val_loss, train_acc, val_acc)):
            history[key].append(value)
        print(f"epoch {epoch:2d}  lr {lrs[-1]:.4f}  train loss {train_loss:.4f}  "
              f"acc {train_acc:.1%}  | val loss {val_loss:.4f}  acc {val_acc:.1%}")
        save_checkpoint(checkpoint, model, optimizer, scheduler, epoch, history, lrs)

    _, test_acc = evaluate(model, test_loader, device)
    print(f"test accuracy: {test_acc:.1%}  ({time.perf_counter() - start:.1f} s training)")
    _common.save_curves(out / "curves.png", history, "resnet_digits")
    save_lr_plot(out / "lr.png", lrs, len(train_loader))
    print(f"wrote {checkpoint}, {out / 'curves.png'}, {out / 'lr.png'}")
    return {"test_accuracy": test_acc, "history": history, "start_epoch": start_epoch}


if __name__ == "__main__":
    main()
