// TinyTransformerStepModel: the 2-layer transformer of width 64 on 32 tokens,
// built from autograd ops in the bench module (issue 3's tape-overhead target); tiny_transformer_peer.py builds
// the same network in PyTorch.
//
// Invariant: shapes, layer order, initial-value roles and loss must match the Python peer line
// for line (a change on one side is a change on both), or the comparison compares nothing.
package dev.tessel.bench.train;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Embedding;
import dev.tessel.autograd.nn.Functional;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * A pre-LayerNorm GPT: token + position embeddings, {@code layers} blocks of
 * [LN, fused qkv Linear, causal masked attention over {@code heads} heads, output Linear,
 * residual; LN, Linear width->4 width, GELU (erf), Linear back, residual], final LN, Linear to
 * the vocabulary, next-token cross-entropy over all T positions of B sequences.
 */
public final class TinyTransformerStepModel extends Module implements StepModel {
    private final int width, heads, batch, tokens;
    private final Embedding tokenEmbedding, positionEmbedding;
    private final LayerNorm[] ln1, ln2;
    private final Linear[] qkv, proj, fc, fcOut;
    private final LayerNorm lnFinal;
    private final Linear head;
    private final Tensor ids, targets, positions, causal;

    public TinyTransformerStepModel(int width, int heads, int layers, int vocab, int batch, int tokens, RandomGenerator rng) {
        this.width = width;
        this.heads = heads;
        this.batch = batch;
        this.tokens = tokens;
        tokenEmbedding = registerModule("wte", new Embedding(vocab, width, DType.F32, rng));
        positionEmbedding = registerModule("wpe", new Embedding(tokens, width, DType.F32, rng));
        ln1 = new LayerNorm[layers];
        ln2 = new LayerNorm[layers];
        qkv = new Linear[layers];
        proj = new Linear[layers];
        fc = new Linear[layers];
        fcOut = new Linear[layers];
        for (int l = 0; l < layers; l++) {
            ln1[l] = registerModule("ln1_" + l, new LayerNorm(width, 1e-5));
            qkv[l] = registerModule("qkv_" + l, new Linear(width, 3 * width, true, DType.F32, rng));
            proj[l] = registerModule("proj_" + l, new Linear(width, width, true, DType.F32, rng));
            ln2[l] = registerModule("ln2_" + l, new LayerNorm(width, 1e-5));
            fc[l] = registerModule("fc_" + l, new Linear(width, 4 * width, true, DType.F32, rng));
            fcOut[l] = registerModule("fcout_" + l, new Linear(4 * width, width, true, DType.F32, rng));
        }
        lnFinal = registerModule("ln_f", new LayerNorm(width, 1e-5));
        head = registerModule("head", new Linear(width, vocab, true, DType.F32, rng));
        long[] in = new long[batch * tokens], next = new long[batch * tokens], pos = new long[tokens];
        for (int i = 0; i < in.length; i++) {
            in[i] = rng.nextInt(vocab);
            next[i] = rng.nextInt(vocab);
        }
        for (int t = 0; t < tokens; t++) pos[t] = t;
        ids = Tensor.ofLongs(in, batch, tokens);
        targets = Tensor.ofLongs(next, batch * tokens);
        positions = Tensor.ofLongs(pos, tokens);
        causal = Tensor.zeros(DType.U8, tokens, tokens);
        for (int q = 0; q < tokens; q++) for (int k = 0; k <= q; k++) causal.set(1, q, k);
    }

    @Override public Variable loss() {
        int headDim = width / heads;
        Variable h = Ops.add(tokenEmbedding.forward(ids), positionEmbedding.forward(positions));   // (B, T, C)
        for (int l = 0; l < qkv.length; l++) {
            Variable a = qkv[l].forward(ln1[l].forward(h));                                     // (B, T, 3C)
            Variable q = heads(Ops.slice(a, 2, 0, width), headDim);                              // (B, H, T, D)
            Variable k = heads(Ops.slice(a, 2, width, 2 * width), headDim);
            Variable v = heads(Ops.slice(a, 2, 2 * width, 3 * width), headDim);
            Variable att = Functional.maskedAttention(q, k, v, causal);                         // (B, H, T, D)
            Variable merged = Ops.reshape(Ops.permute(att, 0, 2, 1, 3), batch, tokens, width);   // (B, T, C)
            h = Ops.add(h, proj[l].forward(merged));
            Variable m = fcOut[l].forward(Ops.geluErf(fc[l].forward(ln2[l].forward(h))));
            h = Ops.add(h, m);
        }
        Variable logits = head.forward(lnFinal.forward(h));                                     // (B, T, V)
        return Ops.softmaxCrossEntropy(Ops.reshape(logits, batch * tokens, -1), targets);
    }

    private Variable heads(Variable x, int headDim) {
        return Ops.permute(Ops.reshape(x, batch, tokens, heads, headDim), 0, 2, 1, 3);
    }

    @Override public Module module() { return this; }
}
