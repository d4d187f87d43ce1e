// TextEncoder: the reranker's text tower: token + position embeddings, causal pre-LayerNorm
// transformer blocks, a final LayerNorm, and a linear map of the end token's state (as CLIP does).
//
// Invariant: attention is causal, so the state at a caption's end token depends on that caption
// only, never on the padding that follows it in a batch; padding ids may therefore be anything.
package dev.tessel.models.clip;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.autograd.nn.Init;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** token ids (one array per caption, each ending in the end token) -> features [B, embedDim]. */
public final class TextEncoder extends Module {
    private final ClipConfig config;
    private final int vocab;
    private final Parameter tokenEmbedding, positionEmbedding;
    private final List<Block> blocks = new ArrayList<>();
    private final LayerNorm finalNorm;
    private final Linear proj;

    public TextEncoder(ClipConfig config, int vocab, RandomGenerator rng) {
        this.config = config;
        this.vocab = vocab;
        int w = config.textWidth();
        this.tokenEmbedding = registerParameter("token_embedding", Init.normal(DType.F32, 0.02, rng, vocab, w));
        this.positionEmbedding = registerParameter("position_embedding", Init.normal(DType.F32, 0.01, rng, config.textContext(), w));
        for (int i = 0; i < config.textLayers(); i++) blocks.add(registerModule("block_" + (i + 1), new Block(w, config.textHeads(), rng)));
        this.finalNorm = registerModule("ln_final", new LayerNorm(w, 1e-5));
        this.proj = registerModule("proj", new Linear(w, config.embedDim(), false, DType.F32, rng));
    }

    public Variable forward(int[][] captions) {
        int b = captions.length, t = 0;
        for (int[] ids : captions) t = Math.max(t, ids.length);
        if (b == 0 || t == 0) throw new IllegalArgumentException("TextEncoder: need at least one non-empty caption");
        if (t > config.textContext()) {
            throw new IllegalArgumentException("TextEncoder: a caption has " + t + " tokens, more than the context of " + config.textContext());
        }
        int[] padded = new int[b * t];
        float[] select = new float[b * t];
        for (int i = 0; i < b; i++) {
            int[] ids = captions[i];
            for (int j = 0; j < t; j++) {
                int id = j < ids.length ? ids[j] : ids[ids.length - 1];
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("TextEncoder: token id " + id + " outside the vocabulary of " + vocab);
                padded[i * t + j] = id;
            }
            select[i * t + ids.length - 1] = 1;
        }
        Variable h = Ops.embedding(tokenEmbedding.variable(), Tensor.ofInts(padded, b, t));                 // (B, T, W)
        h = Ops.add(h, Ops.slice(positionEmbedding.variable(), 0, 0, t));
        Tensor mask = causalMask(t);
        for (Block block : blocks) h = block.forward(h, mask);
        h = finalNorm.forward(h);
        // the end token's state of each caption: a one-hot row per caption times its states
        Variable last = Ops.matmul(Variable.constant(Tensor.of(select, b, 1, t)), h);                    // (B, 1, W)
        return proj.forward(Ops.reshape(last, b, config.textWidth()));                                   // (B, embedDim)
    }

    private static Tensor causalMask(int t) {
        Tensor m = Tensor.zeros(DType.U8, t, t);
        for (int q = 0; q < t; q++) for (int k = 0; k <= q; k++) m.set(1, q, k);
        return m;
    }

    /** One pre-LayerNorm resblock pair: x + attn(ln(x)), then x + mlp(ln(x)). */
    static final class Block extends Module {
        private final int heads;
        private final LayerNorm ln1, ln2;
        private final Linear qkv, out, fc, fcProj;

        Block(int width, int heads, RandomGenerator rng) {
            this.heads = heads;
            this.ln1 = registerModule("ln_1", new LayerNorm(width, 1e-5));
            this.qkv = registerModule("qkv", new Linear(width, 3 * width, rng));
            this.out = registerModule("out", new Linear(width, width, rng));
            this.ln2 = registerModule("ln_2", new LayerNorm(width, 1e-5));
            this.fc = registerModule("fc", new Linear(width, 4 * width, rng));
            this.fcProj = registerModule("fc_proj", new Linear(4 * width, width, rng));
        }

        Variable forward(Variable x, Tensor mask) {
            int[] s = x.shape();
            int b = s[0], t = s[1], w = s[2], d = w / heads;
            Variable qkvAll = Ops.reshape(qkv.forward(ln1.forward(x)), b, t, 3, heads, d);                 // (B, T, 3, H, D)
            Variable q = headsFirst(qkvAll, 0, b, t, d), k = headsFirst(qkvAll, 1, b, t, d), v = headsFirst(qkvAll, 2, b, t, d);
            Variable attn = Functional.maskedAttention(q, k, v, mask);            // (B, H, T, D)
            Variable merged = Ops.reshape(Ops.contiguous(Ops.permute(attn, 0, 2, 1, 3)), b, t, w);       // (B, T, W)
            x = Ops.add(x, out.forward(merged));
            return Ops.add(x, fcProj.forward(Ops.geluTanh(fc.forward(ln2.forward(x)))));
        }

        private Variable headsFirst(Variable qkvAll, int which, int b, int t, int d) {
            Variable part = Ops.reshape(Ops.contiguous(Ops.slice(qkvAll, 2, which, which + 1)), b, t, heads, d);
            return Ops.contiguous(Ops.permute(part, 0, 2, 1, 3));                                        // (B, H, T, D)
        }
    }
}
