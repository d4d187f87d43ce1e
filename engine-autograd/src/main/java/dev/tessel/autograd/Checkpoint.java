// Checkpoint: activation checkpointing of one block: keep its inputs, forget its insides,
// recompute them during backward.
//
// Invariant: the block must be a pure function of its inputs and of the Variables it captures
// (its parameters): it is called twice, and the recomputation must give the same values, so a
// block that draws random numbers must draw them from a seed it owns.
package dev.tessel.autograd;

import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs a block without recording its internal graph, and records one node whose backward
 * recomputes the block with recording on and backpropagates through that fresh graph. The
 * block's parameters (Variables it captures) receive their gradients during that inner backward,
 * exactly as without checkpointing. Memory: between forward and backward only the block's
 * inputs and output are kept, instead of every intermediate value.
 *
 * <p>While recording is on, the result always requires grad (the block may hold parameters even
 * when no input needs a gradient); outside recording the block simply runs.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static Variable run(Function<List<Variable>, Variable> block, List<Variable> inputs) {
        if (!Autograd.isRecording()) return block.apply(inputs);
        List<Tensor> values = new ArrayList<>();
        List<Variable> detached = new ArrayList<>();
        for (Variable v : inputs) {
            values.add(v.value());
            detached.add(v.detach());
        }
        Tensor out;
        try (var off = Autograd.noGrad()) {
            out = block.apply(detached).value();
        }
        boolean[] needsGrad = new boolean[inputs.size()];
        for (int i = 0; i < needsGrad.length; i++) needsGrad[i] = inputs.get(i).requiresGrad();
        return Variable.recordedAlways("checkpoint", out, inputs, g -> {
            try (var on = Autograd.enableGrad()) {
                List<Variable> leaves = new ArrayList<>();
                for (int i = 0; i < values.size(); i++) {
                    leaves.add(needsGrad[i] ? Variable.parameter(values.get(i)) : Variable.constant(values.get(i)));
                }
                Variable recomputed = block.apply(leaves);
                Tensor[] grads = new Tensor[leaves.size()];
                if (!recomputed.requiresGrad()) return grads;
                recomputed.backward(g);
                for (int i = 0; i < grads.length; i++) grads[i] = leaves.get(i).grad();
                return grads;
            }
        });
    }
}
