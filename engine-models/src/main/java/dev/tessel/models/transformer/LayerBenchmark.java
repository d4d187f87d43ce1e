// LayerBenchmark: times forward + backward of one transformer layer (an attention resblock and an
// MLP resblock) at a given width and a short sequence, so the cost of the 12B model's layers can
// be measured on a CPU without allocating the whole model.
//
// Invariant: the layer is built exactly as the model builds its first layer (same classes, same
// init, same row pattern), and the first pass is a warm-up that is not timed.
package dev.tessel.models.transformer;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Init;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.SplittableRandom;

/** Forward + backward timing of one layer. */
public final class LayerBenchmark {
    /** Seconds per timed pass, and the layer's size. */
    public record Result(double[] seconds, long parameters, int sequence) {
        public double median() {
            double[] s = seconds.clone();
            java.util.Arrays.sort(s);
            return s[s.length / 2];
        }
    }

    private LayerBenchmark() {}

    /**
     * One layer of {@code width} (its d_model and heads, e.g. the 12B preset) on a stream of
     * {@code textLength} text + grid² image positions at batch {@code batch}, timed {@code reps} times.
     */
    public static Result run(TransformerConfig width, int textLength, int grid, int batch, int reps) {
        TransformerConfig layer = new TransformerConfig(1, width.dModel(), width.heads(), textLength, width.textVocab(), grid,
                width.imageVocab(), width.convKernel());
        SplittableRandom rng = new SplittableRandom(1);
        AttentionResblock attention = new AttentionResblock(layer, ResblockStack.layerPattern(new TransformerConfig(2, layer.dModel(),
                layer.heads(), textLength, layer.textVocab(), grid, layer.imageVocab(), layer.convKernel()), 1), rng);
        MlpResblock mlp = new MlpResblock(layer, rng);
        int t = layer.sequenceLength();
        Tensor input = Init.normal(DType.F32, 1, rng, batch, t, layer.dModel());
        double[] seconds = new double[reps];
        for (int r = -1; r < reps; r++) {
            long start = System.nanoTime();
            Variable x = Variable.parameter(input);
            Variable y = mlp.forward(attention.forward(x, 0, null));
            Ops.sumAll(y).backward();
            if (r >= 0) seconds[r] = (System.nanoTime() - start) / 1e9;
            attention.zeroGrad();
            mlp.zeroGrad();
        }
        return new Result(seconds, attention.parameterCount() + mlp.parameterCount(), t);
    }
}
