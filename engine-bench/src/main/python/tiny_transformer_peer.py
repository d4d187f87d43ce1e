#!/usr/bin/python3
"""Training-step peer: the 2-layer transformer of width 64 on 32 tokens (issue 3's tape-overhead
target), tessel (dev.tessel.bench.train.TinyTransformerStepModel) against PyTorch 1.13.

Run from the repository root with Debian's python (the pyenv python first on PATH has no torch):

    ./mvnw -B -q -pl engine-bench -am package -DskipTests
    /usr/bin/python3 engine-bench/src/main/python/tiny_transformer_peer.py --threads 1,2 --rounds 3

The rules and the output table: step_peer.py. Invariant: the network below matches
TinyTransformerStepModel line for line: token + position embeddings; 2 pre-LN blocks of
[LN, fused qkv Linear(64, 192), causal attention over 4 heads of 16, Linear(64, 64), residual;
LN, Linear(64, 256), GELU (erf), Linear(256, 64), residual]; final LN, Linear(64, 128 vocab),
cross-entropy over the 32 positions of one sequence. Attention is written out (scores, mask,
softmax, weighted sum), as torch 1.13 on the CPU has no fused kernel for it either.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import step_peer  # noqa: E402

WIDTH, HEADS, LAYERS, VOCAB, BATCH, TOKENS = 64, 4, 2, 128, 1, 32


def build(torch, args):
    nn = torch.nn
    F = nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
            self.qkv, self.proj = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
            self.fc, self.fc_out = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)

        def forward(self, h, mask):
            B, T, C = h.shape
            q, k, v = self.qkv(self.ln1(h)).split(C, dim=2)
            q, k, v = (t.view(B, T, HEADS, C // HEADS).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(C // HEADS)
            att = F.softmax(att.masked_fill(~mask, float("-inf")), dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, C)
            h = h + self.proj(y)
            return h + self.fc_out(F.gelu(self.fc(self.ln2(h))))

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(VOCAB, WIDTH), nn.Embedding(TOKENS, WIDTH)
            self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
            self.ln_f, self.head = nn.LayerNorm(WIDTH), nn.Linear(WIDTH, VOCAB)

        def forward(self, ids, positions, mask):
            h = self.wte(ids) + self.wpe(positions)
            for block in self.blocks:
                h = block(h, mask)
            return self.head(self.ln_f(h))

    model = Gpt()
    ids = torch.randint(0, VOCAB, (BATCH, TOKENS))
    targets = torch.randint(0, VOCAB, (BATCH * TOKENS,))
    positions = torch.arange(TOKENS)
    mask = torch.tril(torch.ones(TOKENS, TOKENS, dtype=torch.bool))
    return step_peer.training_step(torch, model, lambda: F.cross_entropy(model(ids, positions, mask).reshape(BATCH * TOKENS, VOCAB), targets))


if __name__ == "__main__":
    step_peer.main("tiny-transformer training step", __doc__.split("\n")[0], build, os.path.abspath(__file__),
                   ("dev.tessel.bench.train.TrainStepCommand", "tiny-transformer"))
