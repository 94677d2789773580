"""A Transformer-encoder text classifier over variable-length token sequences.

Task (generated): does the sequence contain the token "not" an odd number of times? The
sequences are padded with pad_sequence in a collate_fn and the encoder gets a
src_key_padding_mask; the pooled representation is a masked mean.
"""
import argparse
import math
import random

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, random_split

WORDS = ["<pad>", "not", "good", "bad", "movie", "the", "was", "very", "plot", "actor"]
PAD = 0


class ParityReviews(Dataset):
    def __init__(self, n, seed):
        rng = random.Random(seed)
        self.items = []
        for _ in range(n):
            length = rng.randint(3, 12)
            tokens = [rng.randint(2, len(WORDS) - 1) for _ in range(length)]
            for _ in range(rng.randint(0, 3)):
                tokens[rng.randrange(length)] = 1
            label = tokens.count(1) % 2
            self.items.append((torch.tensor(tokens), label))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=PAD)
    return padded, lengths, torch.tensor(labels)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, :x.size(1)]


class Classifier(nn.Module):
    def __init__(self, vocab, d_model=32, nhead=4, layers=2, classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=PAD)
        self.pos = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=64, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=layers,
                                             enable_nested_tensor=False)
        self.head = nn.Linear(d_model, classes)

    def forward(self, tokens):
        pad_mask = tokens == PAD
        x = self.encoder(self.pos(self.embed(tokens)), src_key_padding_mask=pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        pooled = (x * keep).sum(1) / keep.sum(1)
        return self.head(pooled)


def accuracy(model, loader, device):
    model.eval()
    correct = 0
    with torch.no_grad():
        for tokens, _, labels in loader:
            logits = model(tokens.to(device))
            correct += (logits.argmax(-1) == labels.to(device)).sum().item()
    return correct / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    full = ParityReviews(args.n, seed=0)
    n_val = len(full) // 5
    train_set, val_set = random_split(full, [len(full) - n_val, n_val],
                                      generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(val_set, batch_size=128, collate_fn=collate)
    tokens, lengths, labels = next(iter(train_loader))
    print("batch", tuple(tokens.shape), "lengths", lengths[:4].tolist(), "labels",
          labels[:4].tolist())
    print(tokens[:2])

    model = Classifier(len(WORDS)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, epochs=args.epochs,
                                                    steps_per_epoch=len(train_loader))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for tokens, _, labels in train_loader:
            tokens, labels = tokens.to(device), labels.to(device)
            loss = loss_fn(model(tokens), labels)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(labels)
        acc = accuracy(model, val_loader, device)
        print(f"epoch {epoch + 1}: train loss {total / len(train_set):.4f} val acc {acc:.3f}")

    # Padding must not change a prediction: add extra padding columns and compare.
    model.eval()
    tokens, _, _ = next(iter(val_loader))
    extra = torch.full((tokens.size(0), 5), PAD, dtype=tokens.dtype)
    with torch.no_grad():
        a = model(tokens.to(device))
        b = model(torch.cat([tokens, extra], dim=1).to(device))
    gap = (a - b).abs().max().item()
    print(f"max logit change from extra padding {gap:.2e}")
    assert torch.allclose(a, b, atol=1e-4), gap
    print(f"final accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
