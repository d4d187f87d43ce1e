"""DALL·E's text-to-image transformer in PyTorch 1.13: the replica the prior_peer.py and
sampling_peer.py benchmarks time against tessel's TextToImageTransformer.

Invariant: it matches engine-models' transformer (TransformerConfig, Embeddings, ResblockStack,
AttentionResblock, MlpResblock, PriorLoss, AttentionPattern) in every shape and every
operation, so both sides do the same work: the stream [L text | grid² image] positions; text
token + text position embeddings (the text table holds the BPE ids and one padding id per
position), image token + row + column embeddings; per layer a pre-LN attention resblock (fused
qkv, heads of d/heads, softmax(q k^T / sqrt(dh)) over the keys the layer's mask shows, output
projection) and a pre-LN MLP resblock (4d, exact GELU); a final LayerNorm; untied text and image
heads; loss 1/8 text + 7/8 image cross-entropy. Layer i of n (1-indexed) is convolutional if
last (clamped kernel x kernel window), else column if (i - 2) % 4 == 0, else row. Attention is
written out with a dense mask, as torch 1.13 has no block-sparse or fused CPU attention; the
KV-cached decoder attends over the cache with the mask row of the new position.
"""
import math
from dataclasses import dataclass

PRESETS = {  # layers, d_model, heads, text length, text vocab, grid, image vocab, conv kernel
    "tiny": (3, 32, 4, 8, 64, 4, 32, 3),
    "compact": (4, 128, 4, 16, 512, 8, 512, 11),
    "small": (8, 256, 8, 32, 512, 8, 512, 11),
}


@dataclass
class Config:
    layers: int
    d: int
    heads: int
    text_length: int
    text_vocab: int
    grid: int
    image_vocab: int
    kernel: int

    @staticmethod
    def preset(name, grid=None):
        values = list(PRESETS[name])
        if grid:
            values[5] = int(grid)
        return Config(*values)

    @property
    def image_tokens(self):
        return self.grid * self.grid

    @property
    def length(self):
        return self.text_length + self.image_tokens


def layer_kind(layer, layers):
    if layer == layers:
        return "conv"
    return "column" if (layer - 2) % 4 == 0 else "row"


def visible(c, kind, q, k):
    """AttentionPattern.visible: causal, all text visible, image keys by the layer's kind."""
    if k > q:
        return False
    if k == q or k < c.text_length:
        return True
    if q < c.text_length:
        return False
    dq, dk = q - c.text_length, k - c.text_length
    if kind == "row":
        return dq - dk <= c.grid
    if kind == "column":
        return (dq - dk) % c.grid == 0
    s = c.kernel // 2
    return abs(dq // c.grid - dk // c.grid) <= s and abs(dq % c.grid - dk % c.grid) <= s


def build(torch, c):
    nn, F = torch.nn, torch.nn.functional

    def mask(kind):
        m = torch.zeros(c.length, c.length, dtype=torch.bool)
        for q in range(c.length):
            for k in range(q + 1):
                m[q, k] = visible(c, kind, q, k)
        return m

    masks = {kind: mask(kind) for kind in ("row", "column", "conv")}

    def linear(x, layer):
        """One-row inputs through addmv (OpenBLAS 0.3.21's 1-row GEMM is ~5x slower; DESIGN.md 5)."""
        if x.dim() == 3 and x.shape[0] * x.shape[1] == 1:
            return torch.addmv(layer.bias, layer.weight, x.reshape(-1)).view(1, 1, -1)
        return layer(x)

    class Attention(nn.Module):
        def __init__(self, kind):
            super().__init__()
            self.mask = masks[kind]
            self.norm = nn.LayerNorm(c.d, eps=1e-5)
            self.qkv, self.out = nn.Linear(c.d, 3 * c.d), nn.Linear(c.d, c.d)

        def forward(self, x, start=0, cache=None):
            B, T, _ = x.shape
            dh = c.d // c.heads
            qkv = linear(self.norm(x), self.qkv).view(B, T, 3, c.heads, dh).permute(2, 0, 3, 1, 4)  # (3, B, H, T, dh)
            q, k, v = qkv[0], qkv[1], qkv[2]
            if cache is not None:
                keys, values = cache
                keys[:, :, start:start + T] = k
                values[:, :, start:start + T] = v
                k, v = keys[:, :, :start + T], values[:, :, :start + T]
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(dh))
            scores = scores.masked_fill(~self.mask[start:start + T, :start + T], float("-inf"))
            y = (torch.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(B, T, c.d)
            return x + linear(y, self.out)

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(c.d, eps=1e-5)
            self.fc, self.out = nn.Linear(c.d, 4 * c.d), nn.Linear(4 * c.d, c.d)

        def forward(self, x):
            return x + linear(F.gelu(linear(self.norm(x), self.fc)), self.out)

    class TextToImage(nn.Module):
        def __init__(self):
            super().__init__()
            self.text_tokens = nn.Embedding(c.text_vocab + c.text_length, c.d)
            self.text_positions = nn.Embedding(c.text_length, c.d)
            self.image_tokens = nn.Embedding(c.image_vocab, c.d)
            self.image_rows, self.image_columns = nn.Embedding(c.grid, c.d), nn.Embedding(c.grid, c.d)
            self.attention = nn.ModuleList(Attention(layer_kind(i, c.layers)) for i in range(1, c.layers + 1))
            self.mlp = nn.ModuleList(Mlp() for _ in range(c.layers))
            self.final_norm = nn.LayerNorm(c.d, eps=1e-5)
            self.text_head = nn.Linear(c.d, c.text_vocab + c.text_length)
            self.image_head = nn.Linear(c.d, c.image_vocab)
            self.register_buffer("text_pos", torch.arange(c.text_length), persistent=False)

        def embed_image(self, image, first):
            p = torch.arange(first, first + image.shape[1])
            return self.image_tokens(image) + self.image_rows(p // c.grid) + self.image_columns(p % c.grid)

        def stack(self, h, start=0, cache=None):
            for i in range(c.layers):
                h = self.attention[i](h, start, None if cache is None else cache[i])
                h = self.mlp[i](h)
            return self.final_norm(h)

        def loss(self, text, image):
            h = torch.cat([self.text_tokens(text) + self.text_positions(self.text_pos), self.embed_image(image, 0)], dim=1)
            h = self.stack(h)
            L, N = c.text_length, c.image_tokens
            text_logits = self.text_head(h[:, :L - 1])
            image_logits = self.image_head(h[:, L - 1:L - 1 + N])
            text_loss = F.cross_entropy(text_logits.reshape(-1, text_logits.shape[-1]), text[:, 1:].reshape(-1))
            image_loss = F.cross_entropy(image_logits.reshape(-1, c.image_vocab), image.reshape(-1))
            return text_loss / 8 + image_loss * 7 / 8

        def sample(self, text):
            """KV-cached sampling of grid² image tokens per row of text [B, L], temperature 1."""
            B, dh = text.shape[0], c.d // c.heads
            cache = [(torch.zeros(B, c.heads, c.length, dh), torch.zeros(B, c.heads, c.length, dh)) for _ in range(c.layers)]
            h = self.stack(self.text_tokens(text) + self.text_positions(self.text_pos), 0, cache)
            logits = linear(h[:, -1:], self.image_head).view(B, -1)
            tokens = torch.empty(B, c.image_tokens, dtype=torch.long)
            for p in range(c.image_tokens):
                tokens[:, p] = torch.multinomial(torch.softmax(logits, dim=-1), 1).view(B)
                if p + 1 == c.image_tokens:
                    break
                h = self.stack(self.embed_image(tokens[:, p:p + 1], p), c.text_length + p, cache)
                logits = linear(h, self.image_head).view(B, -1)
            return tokens

    return TextToImage()
