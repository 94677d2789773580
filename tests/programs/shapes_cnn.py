"""Classify generated 16x16 images of simple shapes with a small CNN.

Plain PyTorch: a custom Dataset, DataLoader (optionally with worker processes),
a two-layer CNN, SGD with momentum, StepLR, and an accuracy report.
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CLASSES = ("square", "cross", "circle", "hbar")


def draw(kind, size, gen):
    """One noisy image of a shape at a random position."""
    img = torch.zeros(size, size)
    r = int(torch.randint(3, 5, (1,), generator=gen))
    cy, cx = (int(v) for v in torch.randint(r, size - r, (2,), generator=gen))
    if kind == 0:
        img[cy - r:cy + r, cx - r:cx + r] = 1.0
    elif kind == 1:
        img[cy - r:cy + r + 1, cx] = 1.0
        img[cy, cx - r:cx + r + 1] = 1.0
    elif kind == 2:
        ys = torch.arange(size).float().view(-1, 1)
        xs = torch.arange(size).float().view(1, -1)
        dist = ((ys - cy) ** 2 + (xs - cx) ** 2).sqrt()
        img[(dist - r).abs() < 0.8] = 1.0
    else:
        img[cy - 1:cy + 1, cx - r:cx + r + 1] = 1.0
    return img + 0.2 * torch.randn(size, size, generator=gen)


class ShapesDataset(Dataset):
    def __init__(self, n, size=16, seed=0):
        gen = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, len(CLASSES), (n,), generator=gen)
        self.images = torch.stack([draw(int(k), size, gen) for k in self.labels])

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.images[idx].unsqueeze(0), self.labels[idx]


class SmallCNN(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.dropout = nn.Dropout(0.1)
        self.fc = nn.Linear(16 * 4 * 4, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.bn(self.conv2(x))), 2)
        x = torch.flatten(x, 1)
        return self.fc(self.dropout(x))


def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            pred = model(images).argmax(dim=1)
            correct += (pred == labels).sum().item()
            total += labels.size(0)
    return correct / total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--train-size", type=int, default=1200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--lr", type=float, default=0.02)
    args = parser.parse_args()

    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_set = ShapesDataset(args.train_size, seed=1)
    test_set = ShapesDataset(400, seed=2)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=100, num_workers=args.workers)

    model = SmallCNN(len(CLASSES)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                                weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    criterion = nn.CrossEntropyLoss()

    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for step, (images, labels) in enumerate(train_loader):
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            running += loss.item()
        scheduler.step()
        acc = evaluate(model, test_loader, device)
        print(f"epoch {epoch + 1}: loss {running / (step + 1):.4f} "
              f"lr {scheduler.get_last_lr()[0]:.4f} test acc {acc:.3f}")

    assert not math.isnan(running)
    print(f"final accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
