"""Train a small character-level GPT on Shakespeare's sonnets and sample from it.

    python -m ember.examples.char_gpt [--steps 1200] [--top-k 8] [--prompt "Shall I"]

The text is sonnets 1-47 (Shakespeare, 1609; public domain), shipped with ember as
package data. The model is a decoder-only transformer in the style of nanoGPT: token and
position embeddings, pre-norm blocks of causal self-attention
(F.scaled_dot_product_attention) and an MLP, weights tied between the embedding and the
output layer. Prints the validation loss against the uniform baseline and samples drawn
with top-k sampling; writes loss.png, samples.txt and checkpoint.pt to --out.
"""
import math
import time
from importlib import resources

from tqdm import tqdm

from ember.examples import _common

import ember as torch

nn = torch.nn
F = torch.nn.functional


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.n_head = n_head
        self.dropout = dropout
        self.qkv = nn.Linear(n_embd, 3 * n_embd)
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        batch, time_, channels = x.shape
        q, k, v = self.qkv(x).split(channels, dim=2)
        # (batch, time, channels) -> (batch, heads, time, channels per head)
        q, k, v = (t.view(batch, time_, self.n_head, -1).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(batch, time_, channels))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(),
                                 nn.Linear(4 * n_embd, n_embd), nn.Dropout(dropout))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, dropout):
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # weight tying
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx):
        positions = torch.arange(idx.shape[1], device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))
        return self.head(self.ln_f(self.blocks(x)))

    @torch.no_grad()
    def generate(self, idx, new_tokens, temperature=1.0, top_k=None):
        """Append ``new_tokens`` characters, each drawn from the ``top_k`` likeliest."""
        for _ in range(new_tokens):
            logits = self(idx[:, -self.block_size:])[:, -1, :] / temperature
            if top_k is not None:
                kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            next_id = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            idx = torch.cat([idx, next_id], dim=1)
        return idx


def load_text():
    return resources.files("ember.examples").joinpath("data/sonnets.txt").read_text("utf-8")


def get_batch(data, batch_size, block_size, device):
    """Random windows of the text: inputs and the same windows shifted by one."""
    starts = torch.randint(len(data) - block_size - 1, (batch_size, 1))
    offsets = starts + torch.arange(block_size + 1)
    windows = data[offsets].to(device)
    return windows[:, :-1], windows[:, 1:]


@torch.no_grad()
def estimate_loss(model, data, args, device, batches=8):
    model.eval()
    losses = []
    for _ in range(batches):
        x, y = get_batch(data, args.batch_size, args.block_size, device)
        losses.append(F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item())
    model.train()
    return sum(losses) / len(losses)


def save_loss_plot(path, history, baseline):
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    steps = [s for s, _, _ in history]
    ax.plot(steps, [t for _, t, _ in history], marker="o", label="train")
    ax.plot(steps, [v for _, _, v in history], marker="o", label="validation")
    ax.axhline(baseline, color="gray", linestyle="--", label="uniform guess")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title("char_gpt on the sonnets")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def add_arguments(parser):
    parser.add_argument("--block-size", type=int, default=64, help="context length")
    parser.add_argument("--n-layer", type=int, default=3)
    parser.add_argument("--n-head", type=int, default=4)
    parser.add_argument("--n-embd", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--eval-every", type=int, default=100, help="steps between evaluations")
    parser.add_argument("--prompt", default="Shall I ", help="text the samples start from")
    parser.add_argument("--samples", type=int, default=2, help="samples to print")
    parser.add_argument("--sample-length", type=int, default=300, help="characters per sample")
    parser.add_argument("--top-k", type=int, default=8, help="sample among the k likeliest")
    parser.add_argument("--temperature", type=float, default=0.8)


def main(argv=None):
    parser = _common.parser(__doc__, "char_gpt", steps=1200, batch_size=32, lr=3e-3)
    add_arguments(parser)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    device = _common.device_of(torch, args.device)
    out = _common.output_dir(args.out)

    text = load_text()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    split = int(0.9 * len(data))
    train_data, val_data = data[:split], data[split:]
    model = GPT(len(chars), args.block_size, args.n_layer, args.n_head, args.n_embd,
                args.dropout).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1,
                                  betas=(0.9, 0.99))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps,
                                                           eta_min=args.lr / 10)
    baseline = math.log(len(chars))
    print(f"{_common.framework_name(torch)} on {device}: {len(text):,} characters, "
          f"vocabulary {len(chars)}, GPT with {sum(p.numel() for p in model.parameters()):,} "
          f"parameters")

    history, start = [], time.perf_counter()
    bar = tqdm(range(1, args.steps + 1), desc="training", unit="step", leave=False)
    for step in bar:
        x, y = get_batch(train_data, args.batch_size, args.block_size, device)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % args.eval_every == 0 or step == args.steps:
            val = estimate_loss(model, val_data, args, device)
            history.append((step, estimate_loss(model, train_data, args, device), val))
            tqdm.write(f"step {step:5d}  train loss {history[-1][1]:.3f}  val loss {val:.3f}")
    elapsed = time.perf_counter() - start
    val_loss = history[-1][2]
    print(f"validation loss: {val_loss:.3f} nats/char ({val_loss / math.log(2):.2f} bits), "
          f"uniform guess {baseline:.3f}  ({elapsed:.1f} s training)")

    model.eval()
    prompt = torch.tensor([[stoi[c] for c in args.prompt if c in stoi]], device=device)
    samples = []
    for i in range(args.samples):
        ids = model.generate(prompt, args.sample_length, args.temperature, args.top_k)
        samples.append("".join(chars[j] for j in ids[0].tolist()))
        print(f"--- sample {i + 1} (top-k {args.top_k}, temperature {args.temperature}) ---")
        print(samples[-1])
    (out / "samples.txt").write_text("\n\n".join(samples) + "\n", encoding="utf-8")
    save_loss_plot(out / "loss.png", history, baseline)
    torch.save({"model": model.state_dict(), "chars": "".join(chars),
                "config": {k: getattr(args, k) for k in ("block_size", "n_layer", "n_head",
                                                         "n_embd")}}, out / "checkpoint.pt")
    print(f"wrote {out / 'loss.png'}, {out / 'samples.txt'}, {out / 'checkpoint.pt'}")
    return {"val_loss": val_loss, "baseline": baseline, "samples": samples}


if __name__ == "__main__":
    main()
