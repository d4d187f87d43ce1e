// DeepNarrowGpt: the model of the gradient-scaling experiment (issue 6): a pre-LN GPT with many
// narrow layers (2 resblocks per layer), written against the MixedPrecision policy and the
// GradScaler so that one model trains in fp32, in fp16 with one global loss scale, or in fp16
// with per-resblock scales, nothing else changing.
//
// Invariant: parameters are fp32 masters and the init depends only on the seed, so two instances
// with one seed are identical; resblocks are registered with the scaler as attention_i / mlp_i in
// network order, the same names their parameters carry.
package dev.tessel.bench.mixed;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.GradScaler;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Embedding;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.autograd.nn.Init;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Module;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Token + position embeddings (fp32), L x [attention resblock, MLP resblock], final LN, fp32 logits. */
final class DeepNarrowGpt extends Module {
    private static final double STD = 0.02;

    private final int width, heads, tokens;
    private final Embedding tokenEmbedding, positionEmbedding;
    private final List<Attention> attention = new ArrayList<>();
    private final List<Mlp> mlp = new ArrayList<>();
    private final LayerNorm finalNorm;
    private final Parameter head;
    private final Tensor positions, causal;

    /** x + proj(attention(qkv(LN x))). */
    private static final class Attention extends Module {
        final LayerNorm norm;
        final Parameter qkvW, qkvB, projW, projB;

        Attention(int width, double residualStd, SplittableRandom rng) {
            norm = registerModule("norm", new LayerNorm(width, 1e-5));
            qkvW = registerParameter("qkv_w", Init.normal(DType.F32, STD, rng, 3 * width, width));
            qkvB = registerParameter("qkv_b", Tensor.zeros(DType.F32, 3 * width));
            projW = registerParameter("proj_w", Init.normal(DType.F32, residualStd, rng, width, width));
            projB = registerParameter("proj_b", Tensor.zeros(DType.F32, width));
        }
    }

    /** x + fc2(gelu(fc1(LN x))), hidden width 4x. */
    private static final class Mlp extends Module {
        final LayerNorm norm;
        final Parameter fc1W, fc1B, fc2W, fc2B;

        Mlp(int width, double residualStd, SplittableRandom rng) {
            norm = registerModule("norm", new LayerNorm(width, 1e-5));
            fc1W = registerParameter("fc1_w", Init.normal(DType.F32, STD, rng, 4 * width, width));
            fc1B = registerParameter("fc1_b", Tensor.zeros(DType.F32, 4 * width));
            fc2W = registerParameter("fc2_w", Init.normal(DType.F32, residualStd, rng, width, 4 * width));
            fc2B = registerParameter("fc2_b", Tensor.zeros(DType.F32, width));
        }
    }

    DeepNarrowGpt(int layers, int width, int heads, int vocab, int tokens, long seed) {
        this.width = width;
        this.heads = heads;
        this.tokens = tokens;
        SplittableRandom rng = new SplittableRandom(seed);
        tokenEmbedding = registerModule("wte", new Embedding(vocab, width, DType.F32, rng));
        positionEmbedding = registerModule("wpe", new Embedding(tokens, width, DType.F32, rng));
        double residualStd = STD / Math.sqrt(2.0 * layers);   // Sparse Transformer: output projections scaled by 1/sqrt(2N)
        for (int i = 1; i <= layers; i++) {
            attention.add(registerModule("attention_" + i, new Attention(width, residualStd, rng)));
            mlp.add(registerModule("mlp_" + i, new Mlp(width, residualStd, rng)));
        }
        finalNorm = registerModule("final_norm", new LayerNorm(width, 1e-5));
        head = registerParameter("head", Init.normal(DType.F32, STD, rng, vocab, width));
        long[] pos = new long[tokens];
        for (int t = 0; t < tokens; t++) pos[t] = t;
        positions = Tensor.ofLongs(pos, tokens);
        causal = Tensor.zeros(DType.U8, tokens, tokens);
        for (int q = 0; q < tokens; q++) for (int k = 0; k <= q; k++) causal.set(1, q, k);
    }

    /** Registers every resblock with the scaler, in network order. */
    void registerResblocks(GradScaler scaler) {
        for (int i = 0; i < attention.size(); i++) {
            scaler.register("attention_" + (i + 1), attention.get(i).parameters());
            scaler.register("mlp_" + (i + 1), mlp.get(i).parameters());
        }
    }

    /** Mean next-token cross-entropy: ids [B, T] predict targets [B*T]. Logits in fp32. */
    Variable loss(GradScaler scaler, Tensor ids, Tensor targets) {
        MixedPrecision p = scaler.policy();
        int batch = ids.dim(0), headDim = width / heads;
        Variable h = Ops.add(tokenEmbedding.forward(ids), positionEmbedding.forward(positions));     // (B, T, C) fp32
        for (int i = 0; i < attention.size(); i++) {
            Attention a = attention.get(i);
            h = scaler.residual("attention_" + (i + 1), h, x -> {
                Variable qkv = p.linear(a.norm.forward(x), a.qkvW, a.qkvB);                           // (B, T, 3C) fp16
                Variable split = Ops.permute(Ops.reshape(qkv, batch, tokens, 3, heads, headDim), 2, 0, 3, 1, 4);
                Variable q = Ops.squeeze(Ops.slice(split, 0, 0, 1), 0), k = Ops.squeeze(Ops.slice(split, 0, 1, 2), 0);
                Variable v = Ops.squeeze(Ops.slice(split, 0, 2, 3), 0);
                Variable att = Functional.maskedAttention(q, k, v, causal);                          // (B, H, T, D)
                return p.linear(Ops.reshape(Ops.permute(att, 0, 2, 1, 3), batch, tokens, width), a.projW, a.projB);
            });
            Mlp m = mlp.get(i);
            h = scaler.residual("mlp_" + (i + 1), h, x -> p.linear(Ops.geluErf(p.linear(m.norm.forward(x), m.fc1W, m.fc1B)), m.fc2W, m.fc2B));
        }
        Variable logits = Ops.matmul(Ops.reshape(finalNorm.forward(h), batch * tokens, width), head.variable(), false, true);
        return Ops.softmaxCrossEntropy(logits, targets);
    }
}
