"""Train a small convolutional network on scikit-learn's 8x8 handwritten digits.

    python -m ember.examples.digits [--epochs 8] [--batch-size 32] [--lr 0.003] [--out DIR]

Offline: the 1,797 digits ship with scikit-learn. Shows a progress bar per epoch with
the live loss and accuracy, prints the test accuracy, and writes to --out a checkpoint
in PyTorch's format (checkpoint.pt: model and optimizer state_dicts, loadable with
torch.load(..., weights_only=True)), the training/validation curves (curves.png) and
the misclassified test digits (mistakes.png).
"""
import time

from tqdm import tqdm

from ember.examples import _common

import ember as torch
from ember.utils.data import DataLoader, TensorDataset

nn = torch.nn
F = torch.nn.functional


class DigitNet(nn.Module):
    """Two conv blocks (8x8 -> 4x4 -> 2x2) and a linear classifier."""

    def __init__(self, width=32, classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2),
                                        nn.Linear(2 * width * 2 * 2, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def train_epoch(model, loader, optimizer, device, desc):
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = tqdm(loader, desc=desc, leave=False, unit="batch")
    for images, labels in bar:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(labels)
        correct += (logits.argmax(dim=1) == labels).sum().item()
        seen += len(labels)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.1%}")
    return total_loss / seen, correct / seen


@torch.no_grad()
def evaluate(model, loader, device):
    """Mean loss, accuracy and the predictions, in loader order."""
    model.eval()
    total_loss, predictions = 0.0, []
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        predictions.append(logits.argmax(dim=1).cpu())
    predictions = torch.cat(predictions)
    labels = loader.dataset.tensors[1]
    return (total_loss / len(labels), (predictions == labels).float().mean().item(),
            predictions)


def save_mistakes(path, images, labels, predictions, limit=40):
    wrong = (predictions != labels).nonzero().flatten()[:limit]
    titles = [f"pred {predictions[i].item()} / true {labels[i].item()}" for i in wrong.tolist()]
    _common.save_image_grid(path, images[wrong, 0].numpy(), titles, cols=8,
                            title=f"{len(wrong)} misclassified test digits")


def main(argv=None):
    args = _common.parser(__doc__, "digits", epochs=8, batch_size=32, lr=3e-3).parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)

    data = _common.digits_split(args.seed)
    sets = {k: TensorDataset(torch.tensor(x), torch.tensor(y)) for k, (x, y) in data.items()}
    train_loader = DataLoader(sets["train"], batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(sets["val"], batch_size=256)
    test_loader = DataLoader(sets["test"], batch_size=256)
    print(f"{_common.framework_name(torch)} on {device}: {len(sets['train'])} train, "
          f"{len(sets['val'])} validation, {len(sets['test'])} test digits")

    model = DigitNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = {"train_loss": [], "val_loss": [], "train_accuracy": [], "val_accuracy": []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        train_loss, train_acc = train_epoch(model, train_loader, optimizer, device,
                                            f"epoch {epoch}/{args.epochs}")
        val_loss, val_acc, _ = evaluate(model, val_loader, device)
        for key, value in zip(history, (train_loss, val_loss, train_acc, val_acc)):
            history[key].append(value)
        print(f"epoch {epoch:2d}  train loss {train_loss:.4f}  acc {train_acc:.1%}  "
              f"| val loss {val_loss:.4f}  acc {val_acc:.1%}")

    _, test_acc, predictions = evaluate(model, test_loader, device)
    print(f"test accuracy: {test_acc:.1%}  ({time.perf_counter() - start:.1f} s training)")

    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": args.epochs, "test_accuracy": test_acc}, out / "checkpoint.pt")
    _common.save_curves(out / "curves.png", history, "digits: DigitNet")
    images, labels = sets["test"].tensors
    save_mistakes(out / "mistakes.png", images, labels, predictions)
    print(f"wrote {out / 'checkpoint.pt'}, {out / 'curves.png'}, {out / 'mistakes.png'}")
    return {"test_accuracy": test_acc, "history": history}


if __name__ == "__main__":
    main()
