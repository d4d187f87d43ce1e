// PriorLoss: DALL·E's stage-2 objective: cross-entropy of the text tokens and of the image
// tokens, each averaged over its own count, weighted 1/8 text + 7/8 image (the paper cares about
// the image model; the text loss keeps the caption embedding useful).
//
// Invariant: logits are F32 whatever the model's compute dtype (the paper keeps logits in fp32);
// the two means are over every (batch, position) of their part, padding positions included.
package dev.tessel.models.transformer;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** The weighted text + image next-token loss. */
public final class PriorLoss {
    public static final double TEXT_WEIGHT = 1.0 / 8, IMAGE_WEIGHT = 7.0 / 8;

    /** The total (differentiable) and its two parts (plain numbers, for logging). */
    public record Value(Variable total, double text, double image) {}

    private PriorLoss() {}

    /** textLogits [B, L-1, Vt] vs textTargets [B, L-1]; imageLogits [B, N, Vi] vs imageTargets [B, N]. */
    public static Value of(Variable textLogits, Tensor textTargets, Variable imageLogits, Tensor imageTargets) {
        Variable text = crossEntropy(textLogits, textTargets);
        Variable image = crossEntropy(imageLogits, imageTargets);
        Variable total = Ops.add(Ops.mulScalar(text, TEXT_WEIGHT), Ops.mulScalar(image, IMAGE_WEIGHT));
        return new Value(total, text.value().getDouble(0), image.value().getDouble(0));
    }

    private static Variable crossEntropy(Variable logits, Tensor targets) {
        int[] s = logits.shape();
        Variable rows = Ops.reshape(logits.dtype() == DType.F32 ? logits : Ops.cast(logits, DType.F32), -1, s[s.length - 1]);
        return Ops.softmaxCrossEntropy(rows, targets.contiguous().reshape(-1));
    }
}
