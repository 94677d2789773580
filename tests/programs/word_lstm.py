"""Word-level LSTM language model, in the style of the PyTorch word_language_model example.

The corpus is generated from a tiny grammar; training uses truncated BPTT with the hidden
state detached between chunks, gradient clipping and a hand-written SGD update.
"""
import argparse
import math
import random

import torch
import torch.nn as nn

SUBJECTS = ["the cat", "a dog", "my friend", "the old man", "a bird"]
VERBS = ["sees", "likes", "chases", "finds"]
OBJECTS = ["the ball", "a fish", "the red car", "some bread", "the moon"]


def make_corpus(n_sentences, seed):
    rng = random.Random(seed)
    words = []
    for _ in range(n_sentences):
        words += f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} <eos>".split()
    return words


class Dictionary:
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.2):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid, self.nlayers = nhid, nlayers
        self.init_weights()

    def init_weights(self):
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.decoder.out_features)
        return torch.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid))


def repackage_hidden(h):
    """Detach hidden states from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def evaluate(model, data, bptt, bsz, criterion):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(bsz)
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, bptt):
            inputs, targets = get_batch(data, i, bptt)
            output, hidden = model(inputs, hidden)
            total_loss += len(inputs) * criterion(output, targets).item()
            hidden = repackage_hidden(hidden)
    return total_loss / (len(data) - 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--sentences", type=int, default=1500)
    parser.add_argument("--bptt", type=int, default=20)
    parser.add_argument("--lr", type=float, default=5.0)
    parser.add_argument("--clip", type=float, default=0.25)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    torch.manual_seed(1111)

    vocab = Dictionary()
    train_ids = torch.tensor([vocab.add_word(w) for w in make_corpus(args.sentences, 0)],
                             dtype=torch.long)
    valid_ids = torch.tensor([vocab.add_word(w) for w in make_corpus(200, 1)],
                             dtype=torch.long)
    bsz, eval_bsz = args.batch_size, 8
    train_data, valid_data = batchify(train_ids, bsz), batchify(valid_ids, eval_bsz)

    model = RNNModel(len(vocab), 32, 64, 2)
    criterion = nn.NLLLoss()
    initial_ppl = math.exp(evaluate(model, valid_data, args.bptt, eval_bsz, criterion))
    print(f"vocab {len(vocab)} initial valid ppl {initial_ppl:.2f}")

    lr = args.lr
    best_val = None
    for epoch in range(1, args.epochs + 1):
        model.train()
        hidden = model.init_hidden(bsz)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
            data, targets = get_batch(train_data, i, args.bptt)
            hidden = repackage_hidden(hidden)
            model.zero_grad()
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
        val_loss = evaluate(model, valid_data, args.bptt, eval_bsz, criterion)
        print(f"epoch {epoch}: valid loss {val_loss:.3f} ppl {math.exp(val_loss):.2f} lr {lr}")
        if best_val is None or val_loss < best_val:
            best_val = val_loss
        else:
            lr /= 4.0

    final_ppl = math.exp(best_val)
    print(f"final perplexity {final_ppl:.3f} initial {initial_ppl:.3f}")


if __name__ == "__main__":
    main()
