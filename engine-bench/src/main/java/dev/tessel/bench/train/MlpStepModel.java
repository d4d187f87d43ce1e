// MlpStepModel: the 4-layer MLP of width 64 at batch 32,
// built from autograd ops in the bench module (issue 3's tape-overhead target); mlp_peer.py builds
// the same network in PyTorch.
//
// Invariant: shapes, layer order, initial-value roles and loss must match the Python peer line
// for line (a change on one side is a change on both), or the comparison compares nothing.
package dev.tessel.bench.train;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * 4 Linear layers of width 64 with ReLU between them, softmax cross-entropy over 64 classes:
 * x [B, 64] -> logits [B, 64].
 */
public final class MlpStepModel extends Module implements StepModel {
    private final Linear[] layers = new Linear[4];
    private final Variable x;
    private final Tensor targets;

    public MlpStepModel(int width, int batch, RandomGenerator rng) {
        for (int i = 0; i < layers.length; i++) layers[i] = registerModule("fc" + i, new Linear(width, width, true, DType.F32, rng));
        Tensor input = Tensor.zeros(DType.F32, batch, width);
        for (long i = 0; i < input.numel(); i++) input.setDouble(i, rng.nextGaussian());
        x = Variable.constant(input);
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.nextInt(width);
        targets = Tensor.ofLongs(labels, batch);
    }

    @Override public Variable loss() {
        Variable h = x;                                                    // (B, W)
        for (int i = 0; i < layers.length; i++) {
            h = layers[i].forward(h);
            if (i < layers.length - 1) h = Ops.relu(h);
        }
        return Ops.softmaxCrossEntropy(h, targets);
    }

    @Override public Module module() { return this; }
}

