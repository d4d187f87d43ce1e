// DecodingWeights: the transformer's linear-layer weights prepared once (the Cpu backend packs
// each as its GEMM's B operand) for one sampling call, where every one-token step multiplies every
// weight again: re-packing them per step was a third of a batch-16 sample.
//
// Invariants: built from the model at the start of a sampling call and dropped at its end; the
// weights are only read meanwhile (training updates them in place, so a prepared copy must never
// outlive the call). A layer's product through its prepared weight equals layer.forward bit for bit
// (Backend.matmulPrepared's contract, PreparedWeightTest), so cached decoding is unchanged. Only
// fp32 resblocks use it: decoding runs in fp32.
package dev.tessel.models.transformer;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.PreparedWeight;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;

/** Every Linear of a model with its weight prepared by the current backend. */
public final class DecodingWeights {
    private final Backend backend;
    private final Map<Linear, PreparedWeight> prepared = new IdentityHashMap<>();

    private DecodingWeights(Backend backend) { this.backend = backend; }

    /** Prepares every Linear with an F32 weight under {@code model} with the calling thread's backend. */
    public static DecodingWeights of(Module model) {
        DecodingWeights weights = new DecodingWeights(Autograd.currentBackend());
        weights.prepareAll(model);
        return weights;
    }

    private void prepareAll(Module module) {
        if (module instanceof Linear layer && layer.weight().dtype() == DType.F32) prepared.put(layer, backend.prepareWeight(layer.weight().value()));
        for (Module child : module.namedChildren().values()) prepareAll(child);
    }

    /**
     * {@code layer} applied to x [..., in] -> [..., out] through its prepared weight; the plain
     * policy.linear when there are no prepared weights (null), the policy is mixed or the weight is
     * not F32 (policy.linear then casts; only its plain layer.forward case is reproduced here),
     * gradients are being recorded (the prepared product has no backward), the layer was not
     * prepared, or the thread's backend is another one than the weights were prepared for.
     */
    static Variable linear(DecodingWeights weights, MixedPrecision policy, Variable x, Linear layer) {
        boolean usable = weights != null && !policy.mixed() && layer.weight().dtype() == DType.F32 && x.dtype() == DType.F32
                && !Autograd.isRecording() && Autograd.currentBackend() == weights.backend;
        PreparedWeight w = usable ? weights.prepared.get(layer) : null;
        if (w == null) return policy.linear(x, layer);
        int[] s = x.shape();
        int in = s[s.length - 1];
        Variable rows = Ops.reshape(x, -1, in);                                            // (N, in)
        Tensor bias = layer.bias() == null ? null : layer.bias().value();
        Variable y = Variable.constant(weights.backend.matmulPrepared(rows.value(), w, bias));   // (N, out)
        s[s.length - 1] = y.shape()[1];
        return Ops.reshape(y, s);
    }
}
