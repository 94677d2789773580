"""Classify the sentiment of generated sentences with an embedding and a bidirectional LSTM.

    python -m ember.examples.text_classifier [--epochs 6] [--batch-size 64]

The corpus is generated from templates, so it needs no download, and it is built so that
word order matters: "the plot was not dull", "the acting was great but the ending was
weak" -- a bag of words cannot tell these apart, a recurrent network can. Sentences of
different lengths are padded, then packed with nn.utils.rnn.pack_padded_sequence so the
LSTM skips the padding in both directions. A bag-of-words baseline (nn.EmbeddingBag)
trains alongside for comparison. Prints the test accuracy overall and per sentence kind
for both; writes curves.png, kinds.png and checkpoint.pt to --out.
"""
import random
import time

from tqdm import tqdm

from ember.examples import _common

import ember as torch
from ember.utils.data import DataLoader, TensorDataset

nn = torch.nn
F = torch.nn.functional
pack_padded_sequence = torch.nn.utils.rnn.pack_padded_sequence

SUBJECTS = ["the movie", "the film", "this book", "the acting", "the plot", "the food",
            "the service", "the ending", "the music", "our stay", "the hotel", "the story"]
VERBS = ["was", "is", "felt", "seemed"]
INTENSIFIERS = ["", "", "really", "very", "truly", "quite", "rather"]
POSITIVE = ["good", "great", "excellent", "wonderful", "brilliant", "enjoyable", "charming",
            "superb", "delightful", "fun"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "dull", "poor", "disappointing", "bland",
            "tedious", "weak"]
OPENERS = ["", "", "", "honestly ,", "overall ,", "i think", "to be fair ,"]
KINDS = ["plain", "negated", "contrast", "double"]


def clause(rng, positive, negated=False):
    """One '<subject> <verb> [not] [intensifier] <adjective>' clause and its sentiment."""
    adjective = rng.choice(POSITIVE if positive != negated else NEGATIVE)
    words = [rng.choice(SUBJECTS), rng.choice(VERBS), "not" if negated else "",
             rng.choice(INTENSIFIERS), adjective]
    return " ".join(w for w in words if w)


def sentence(rng, kind):
    """A sentence of the given kind and its label (1 positive, 0 negative)."""
    label = rng.random() < 0.5
    if kind == "plain":
        text = clause(rng, label)
    elif kind == "negated":
        text = clause(rng, label, negated=True)
    elif kind == "contrast":   # the clause after "but" decides
        text = f"{clause(rng, not label, rng.random() < 0.3)} but " \
               f"{clause(rng, label, rng.random() < 0.3)}"
    else:                      # two clauses that agree
        text = f"{clause(rng, label, rng.random() < 0.3)} and " \
               f"{clause(rng, label, rng.random() < 0.3)}"
    opener = rng.choice(OPENERS)
    return (f"{opener} {text}" if opener else text), int(label)


def make_corpus(size, seed):
    rng = random.Random(seed)
    kinds = [KINDS[i % len(KINDS)] for i in range(size)]
    rng.shuffle(kinds)
    return [(*sentence(rng, kind), kind) for kind in kinds]


class Vocabulary:
    """Word <-> id, with 0 for padding and 1 for unknown words."""

    def __init__(self, sentences):
        words = sorted({w for s in sentences for w in s.split()})
        self.itos = ["<pad>", "<unk>"] + words
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def encode(self, sentence):
        return [self.stoi.get(w, 1) for w in sentence.split()]

    def encode_batch(self, sentences):
        """Padded id tensor (batch, longest) and the lengths (batch,)."""
        ids = [self.encode(s) for s in sentences]
        longest = max(len(x) for x in ids)
        padded = [x + [0] * (longest - len(x)) for x in ids]
        return torch.tensor(padded), torch.tensor([len(x) for x in ids])


class SentimentLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden=48, classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.2)
        self.out = nn.Linear(2 * hidden, classes)

    def forward(self, ids, lengths):
        packed = pack_padded_sequence(self.embed(ids), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)
        # h_n: (directions, batch, hidden); the forward state saw the last real word,
        # the backward state the first: together they summarise the whole sentence.
        summary = torch.cat([h_n[0], h_n[1]], dim=1)
        return self.out(self.dropout(summary))


class BagOfWords(nn.Module):
    """The baseline: the mean of the word embeddings, then a linear layer. Order-blind."""

    def __init__(self, vocab_size, embed_dim=32, classes=2):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, embed_dim, mode="mean", padding_idx=0)
        self.out = nn.Linear(embed_dim, classes)

    def forward(self, ids, lengths):
        return self.out(self.embed(ids))


def run_epoch(model, loader, device, optimizer=None, desc=""):
    """One pass; trains when an optimizer is given. Returns loss, accuracy, predictions."""
    model.train(optimizer is not None)
    total_loss, correct, seen, predictions = 0.0, 0, 0, []
    bar = tqdm(loader, desc=desc, leave=False, unit="batch", disable=optimizer is None)
    with torch.set_grad_enabled(optimizer is not None):
        for ids, lengths, labels in bar:
            ids, labels = ids.to(device), labels.to(device)
            logits = model(ids, lengths)
            loss = F.cross_entropy(logits, labels)
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                optimizer.step()
            predicted = logits.argmax(dim=1)
            predictions.append(predicted.cpu())
            total_loss += loss.item() * len(labels)
            correct += (predicted == labels).sum().item()
            seen += len(labels)
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.1%}")
    return total_loss / seen, correct / seen, torch.cat(predictions)


def fit(name, model, loaders, args, device):
    """Train for --epochs; return the history and the per-example test hits."""
    train_loader, val_loader, test_loader = loaders
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = {"train_loss": [], "val_loss": [], "train_accuracy": [], "val_accuracy": []}
    for epoch in range(1, args.epochs + 1):
        train_loss, train_acc, _ = run_epoch(model, train_loader, device, optimizer,
                                             f"{name} epoch {epoch}/{args.epochs}")
        val_loss, val_acc, _ = run_epoch(model, val_loader, device)
        for key, value in zip(history, (train_loss, val_loss, train_acc, val_acc)):
            history[key].append(value)
        print(f"{name:>12} epoch {epoch:2d}  train loss {train_loss:.4f}  acc {train_acc:.1%}"
              f"  | val loss {val_loss:.4f}  acc {val_acc:.1%}")
    _, test_acc, predictions = run_epoch(model, test_loader, device)
    return history, test_acc, (predictions == test_loader.dataset.tensors[2]).tolist()


def accuracy_by_kind(hits, corpus):
    return {k: sum(h for h, (_, _, kind) in zip(hits, corpus) if kind == k) /
            max(1, sum(kind == k for _, _, kind in corpus)) for k in KINDS}


def save_kind_plot(path, results):
    """Grouped bars: test accuracy per sentence kind, one bar per model."""
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.4))
    width = 0.8 / len(results)
    for m, (name, by_kind) in enumerate(results.items()):
        xs = [i + (m - (len(results) - 1) / 2) * width for i in range(len(KINDS))]
        ax.bar(xs, [100 * by_kind[k] for k in KINDS], width, label=name)
        for x, k in zip(xs, KINDS):
            ax.text(x, 100 * by_kind[k] + 1, f"{by_kind[k]:.0%}", ha="center", fontsize=7)
    ax.set_xticks(range(len(KINDS)), KINDS)
    ax.set_ylim(0, 110)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("accuracy by sentence kind")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = _common.parser(__doc__, "text_classifier", epochs=6, batch_size=64, lr=5e-3)
    parser.add_argument("--train-size", type=int, default=4000, help="training sentences")
    parser.add_argument("--test-size", type=int, default=1000, help="test sentences")
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)

    train = make_corpus(args.train_size, args.seed)
    val = make_corpus(args.test_size // 2, args.seed + 1)
    test = make_corpus(args.test_size, args.seed + 2)
    vocab = Vocabulary(s for s, _, _ in train)

    def dataset(corpus):
        ids, lengths = vocab.encode_batch([s for s, _, _ in corpus])
        return TensorDataset(ids, lengths, torch.tensor([y for _, y, _ in corpus]))

    loaders = (DataLoader(dataset(train), batch_size=args.batch_size, shuffle=True),
               DataLoader(dataset(val), batch_size=256), DataLoader(dataset(test), batch_size=256))
    print(f"{_common.framework_name(torch)} on {device}: {len(train)} training sentences, "
          f"{len(vocab.itos)} words, e.g. {train[0][0]!r} -> "
          f"{'positive' if train[0][1] else 'negative'}")

    start = time.perf_counter()
    _, bow_acc, bow_hits = fit("bag-of-words", BagOfWords(len(vocab.itos)).to(device), loaders,
                               args, device)
    model = SentimentLSTM(len(vocab.itos)).to(device)
    history, test_acc, hits = fit("BiLSTM", model, loaders, args, device)
    results = {"bag-of-words": accuracy_by_kind(bow_hits, test),
               "BiLSTM": accuracy_by_kind(hits, test)}
    print(f"test accuracy: {test_acc:.1%}  (bag-of-words baseline {bow_acc:.1%}; "
          f"{time.perf_counter() - start:.1f} s training)")
    for name, by_kind in results.items():
        print(f"{name:>12} by kind: " + ", ".join(f"{k} {v:.1%}" for k, v in by_kind.items()))
    model.eval()
    for s, _, _ in make_corpus(4, args.seed + 3):
        ids, lengths = vocab.encode_batch([s])
        with torch.no_grad():
            p = F.softmax(model(ids.to(device), lengths), dim=1)[0, 1].item()
        print(f"  {s!r}: {p:.0%} positive")

    _common.save_curves(out / "curves.png", history, "text_classifier: BiLSTM")
    save_kind_plot(out / "kinds.png", results)
    torch.save({"model": model.state_dict(), "vocabulary": vocab.itos}, out / "checkpoint.pt")
    print(f"wrote {out / 'curves.png'}, {out / 'kinds.png'}, {out / 'checkpoint.pt'}")
    return {"test_accuracy": test_acc, "baseline_accuracy": bow_acc, "by_kind": results}


if __name__ == "__main__":
    main()
