"""Whole sequence models trained a few steps in ember and in torch from one state_dict on
the same data (float32); the losses must agree step by step (rtol 1e-3).

Each model is written once against the torch API and built with ``lib`` = ember or
torch, the way user code runs under ``import ember as torch``.
"""
import math

import numpy as np

from parity import torch
import ember

RTOL = 1e-3


def _state_into(e_model, t_model):
    state = {k: ember.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()}
    e_model.load_state_dict(state)


def _as(lib, array):
    return lib.tensor(array) if lib is ember else torch.from_numpy(np.ascontiguousarray(array))


def _train_both(build, make_optimizer, step, batches, steps):
    """Train the same model in both libraries; returns both loss curves."""
    torch.manual_seed(0)
    t_model = build(torch)
    e_model = build(ember)
    _state_into(e_model, t_model)
    curves = []
    for lib, model in ((torch, t_model), (ember, e_model)):
        lib.manual_seed(0)
        optimizer = make_optimizer(lib, model)
        state = {}
        losses = []
        for i in range(steps):
            losses.append(step(lib, model, optimizer, batches[i % len(batches)], state))
        curves.append(losses)
    return curves


def _assert_curves(curves):
    t_losses, e_losses = curves
    np.testing.assert_allclose(e_losses, t_losses, rtol=RTOL)
    assert t_losses[-1] < t_losses[0]  # the model trains: the comparison is not vacuous


# ---------------------------------------------------------------- GPT

def _gpt(lib, vocab=48, ctx=16, dim=32, heads=4, layers=2):
    nn = lib.nn
    F = nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(dim)
            self.c_attn = nn.Linear(dim, 3 * dim)
            self.c_proj = nn.Linear(dim, dim)
            self.ln_2 = nn.LayerNorm(dim)
            self.fc = nn.Linear(dim, 4 * dim)
            self.proj = nn.Linear(4 * dim, dim)

        def forward(self, x):
            b, t, c = x.size()
            q, k, v = self.c_attn(self.ln_1(x)).split(dim, dim=2)
            q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(b, t, c)
            x = x + self.c_proj(y)
            return x + self.proj(F.gelu(self.fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(vocab, dim)
            self.wpe = nn.Embedding(ctx, dim)
            self.blocks = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(dim)
            self.lm_head = nn.Linear(dim, vocab, bias=False)
            self.lm_head.weight = self.wte.weight  # weight tying
            for name, p in self.named_parameters():
                if name.endswith("proj.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * layers))

        def forward(self, idx, targets):
            pos = lib.arange(idx.size(1))
            x = self.wte(idx) + self.wpe(pos)
            for block in self.blocks:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return GPT()


def _adamw_groups(lib, model):
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    return lib.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                            {"params": no_decay, "weight_decay": 0.0}],
                           lr=3e-3, betas=(0.9, 0.95))


def _lm_step(lib, model, optimizer, batch, state):
    x, y = (_as(lib, a) for a in batch)
    optimizer.zero_grad(set_to_none=True)
    loss = model(x, y)
    loss.backward()
    optimizer.step()
    return loss.item()


def test_gpt_weight_tying_adamw():
    rng = np.random.default_rng(0)
    text = rng.integers(0, 48, size=4000)
    batches = []
    for _ in range(4):
        starts = rng.integers(0, len(text) - 17, size=8)
        x = np.stack([text[s:s + 16] for s in starts])
        y = np.stack([text[s + 1:s + 17] for s in starts])
        batches.append((x, y))
    curves = _train_both(_gpt, _adamw_groups, _lm_step, batches, steps=6)
    _assert_curves(curves)


# ---------------------------------------------------------------- LSTM language model

def _lstm_lm(lib, vocab=50, dim=24, layers=2):
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(vocab, dim)
            self.rnn = nn.LSTM(dim, dim, layers)
            self.decoder = nn.Linear(dim, vocab)

        def forward(self, x, hidden):
            out, hidden = self.rnn(self.encoder(x), hidden)
            return self.decoder(out).view(-1, vocab), hidden

    return LM()


def _bptt_step(lib, model, optimizer, batch, state):
    """Truncated BPTT: the hidden state carries over between batches, detached."""
    x, y = (_as(lib, a) for a in batch)
    hidden = state.get("hidden")
    if hidden is None:
        hidden = (lib.zeros(2, x.size(1), 24), lib.zeros(2, x.size(1), 24))
    hidden = tuple(h.detach() for h in hidden)
    model.zero_grad()
    logits, state["hidden"] = model(x, hidden)
    loss = lib.nn.functional.cross_entropy(logits, y.reshape(-1))
    loss.backward()
    lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    return loss.item()


def test_lstm_language_model_truncated_bptt():
    rng = np.random.default_rng(1)
    stream = rng.integers(0, 50, size=(7 * 10 + 1, 6))
    batches = [(stream[i:i + 10], stream[i + 1:i + 11]) for i in range(0, 70, 10)]
    curves = _train_both(_lstm_lm, lambda lib, m: lib.optim.SGD(m.parameters(), lr=2.0),
                         _bptt_step, batches, steps=7)
    _assert_curves(curves)


# ---------------------------------------------------------------- bidirectional GRU, packed

def _gru_classifier(lib, vocab=30, dim=12, classes=3):
    nn = lib.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, dim, padding_idx=0)
            self.gru = nn.GRU(dim, dim, num_layers=2, bidirectional=True, batch_first=True)
            self.head = nn.Linear(2 * dim, classes)

        def forward(self, tokens, lengths):
            packed = nn.utils.rnn.pack_padded_sequence(self.embed(tokens), lengths,
                                                       batch_first=True, enforce_sorted=False)
            out, h_n = self.gru(packed)
            padded, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
            pooled = padded.sum(1) / lengths.unsqueeze(1).to(padded.dtype)
            final = lib.cat([h_n[-2], h_n[-1]], dim=1)
            return self.head(pooled + final)

    return Classifier()


def _classify_step(lib, model, optimizer, batch, state):
    tokens, lengths, labels = (_as(lib, a) for a in batch)
    optimizer.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(tokens, lengths), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def _sequence_batches(seed, count=3, batch=6, length=9, vocab=30):
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(count):
        lengths = rng.integers(2, length + 1, size=batch)
        tokens = rng.integers(1, vocab, size=(batch, length))
        tokens[np.arange(length)[None, :] >= lengths[:, None]] = 0
        labels = tokens[:, 0] % 3
        batches.append((tokens, lengths, labels))
    return batches


def test_bidirectional_gru_packed_sequences():
    curves = _train_both(_gru_classifier, lambda lib, m: lib.optim.Adam(m.parameters(), lr=1e-2),
                         _classify_step, _sequence_batches(2), steps=6)
    _assert_curves(curves)


# ---------------------------------------------------------------- TransformerEncoder, padding

def _encoder_classifier(lib, vocab=30, dim=16, classes=3):
    nn = lib.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, dim, padding_idx=0)
            layer = nn.TransformerEncoderLayer(dim, 4, 32, dropout=0.0, batch_first=True,
                                               norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(dim),
                                                 enable_nested_tensor=False)
            self.head = nn.Linear(dim, classes)

        def forward(self, tokens, lengths):
            padding = lib.arange(tokens.size(1)).unsqueeze(0) >= lengths.unsqueeze(1)
            x = self.encoder(self.embed(tokens), src_key_padding_mask=padding)
            keep = (~padding).unsqueeze(-1).to(x.dtype)
            return self.head((x * keep).sum(1) / keep.sum(1))

    return Classifier()


def test_transformer_encoder_with_padding_masks():
    curves = _train_both(_encoder_classifier,
                         lambda lib, m: lib.optim.AdamW(m.parameters(), lr=3e-3),
                         _classify_step, _sequence_batches(3), steps=6)
    _assert_curves(curves)
