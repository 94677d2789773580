"""A GRU encoder-decoder with additive attention that learns to reverse digit strings,
in the style of the PyTorch seq2seq translation tutorial: packed variable-length inputs,
teacher forcing, greedy decoding, exact-match accuracy.
"""
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

PAD, SOS, EOS = 0, 1, 2
N_TOKENS = 13  # PAD, SOS, EOS and the digits 0-9


def make_pairs(n, max_len, seed):
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        digits = [rng.randint(3, N_TOKENS - 1) for _ in range(rng.randint(2, max_len))]
        pairs.append((torch.tensor(digits), torch.tensor(digits[::-1] + [EOS])))
    return pairs


def batches(pairs, batch_size, shuffle):
    order = list(range(len(pairs)))
    if shuffle:
        random.shuffle(order)
    for i in range(0, len(order), batch_size):
        chunk = [pairs[j] for j in order[i:i + batch_size]]
        src, tgt = zip(*chunk)
        lengths = torch.tensor([len(s) for s in src])
        yield (pad_sequence(src, batch_first=True, padding_value=PAD), lengths,
               pad_sequence(tgt, batch_first=True, padding_value=PAD))


class Encoder(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(N_TOKENS, hidden, padding_idx=PAD)
        self.gru = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * hidden, hidden)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(self.embedding(src), lengths, batch_first=True,
                                      enforce_sorted=False)
        outputs, hidden = self.gru(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=src.size(1))
        hidden = torch.tanh(self.bridge(torch.cat((hidden[0], hidden[1]), dim=1)))
        return outputs, hidden.unsqueeze(0)


class BahdanauAttention(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.Wa = nn.Linear(hidden, hidden)
        self.Ua = nn.Linear(2 * hidden, hidden)
        self.Va = nn.Linear(hidden, 1)

    def forward(self, query, keys, mask):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys))).squeeze(2)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        return torch.bmm(weights.unsqueeze(1), keys), weights


class Decoder(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.embedding = nn.Embedding(N_TOKENS, hidden)
        self.attention = BahdanauAttention(hidden)
        self.gru = nn.GRU(3 * hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, N_TOKENS)

    def step(self, token, hidden, enc_out, mask):
        embedded = self.embedding(token)
        context, _ = self.attention(hidden.permute(1, 0, 2), enc_out, mask)
        output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
        return self.out(output), hidden

    def forward(self, enc_out, hidden, mask, steps, target=None, teacher_forcing=0.5):
        token = torch.full((enc_out.size(0), 1), SOS, dtype=torch.long)
        logits = []
        for i in range(steps):
            out, hidden = self.step(token, hidden, enc_out, mask)
            logits.append(out)
            if target is not None and random.random() < teacher_forcing:
                token = target[:, i].unsqueeze(1)
            else:
                _, top = out.topk(1)
                token = top.squeeze(-1).detach()
        return torch.cat(logits, dim=1)


def evaluate(encoder, decoder, pairs):
    encoder.eval()
    decoder.eval()
    correct = 0
    with torch.no_grad():
        for src, lengths, tgt in batches(pairs, 256, shuffle=False):
            enc_out, hidden = encoder(src, lengths)
            pred = decoder(enc_out, hidden, src != PAD, tgt.size(1)).argmax(-1)
            ok = (pred == tgt) | (tgt == PAD)
            correct += ok.all(dim=1).sum().item()
    return correct / len(pairs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--max-len", type=int, default=6)
    parser.add_argument("--hidden", type=int, default=48)
    args = parser.parse_args()
    random.seed(0)
    torch.manual_seed(0)

    train, test = make_pairs(args.n, args.max_len, 0), make_pairs(300, args.max_len, 1)
    encoder, decoder = Encoder(args.hidden), Decoder(args.hidden)
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(params, lr=3e-3)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    for epoch in range(1, args.epochs + 1):
        encoder.train()
        decoder.train()
        total, count = 0.0, 0
        for src, lengths, tgt in batches(train, 32, shuffle=True):
            enc_out, hidden = encoder(src, lengths)
            logits = decoder(enc_out, hidden, src != PAD, tgt.size(1), target=tgt)
            loss = criterion(logits.reshape(-1, N_TOKENS), tgt.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            total, count = total + loss.item(), count + 1
        acc = evaluate(encoder, decoder, test)
        print(f"epoch {epoch}: loss {total / count:.4f} exact match {acc:.3f}")
    src, lengths, tgt = next(batches(test[:1], 1, shuffle=False))
    enc_out, hidden = encoder(src, lengths)
    pred = decoder(enc_out, hidden, src != PAD, tgt.size(1)).argmax(-1)
    print("input", [d - 3 for d in src[0].tolist()], "->", [d - 3 for d in pred[0].tolist()])
    print(f"final exact match {acc:.4f}")


if __name__ == "__main__":
    main()
