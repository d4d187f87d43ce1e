// GradScaler: the gradient scaling of one training run: the resblock boundaries of the graph
// (per-resblock mode), or the loss (global mode), and the unscale/check/skip after backward.
//
// Invariants: between backward and the optimizer step every parameter gradient it manages is
// either unscaled to its true value (1/scale applied, filtered) or removed (its update skipped,
// so AdamW does not step it); each scale records exactly one event per unscale() call. In
// PER_RESBLOCK mode the identity path and everything outside the resblocks carries unscaled
// fp32 gradients; inside resblock r every gradient is scaled by r's scale. In GLOBAL mode every
// gradient is scaled by the one scale.
package dev.tessel.autograd.mixed;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.Unscaled;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Gradient scaling for mixed-precision training. Build one per run, register each resblock (its
 * name and parameters) once, then per step:
 * <pre>{@code
 * h = scaler.residual("mlp_3", h, x -> branch(x));   // in the model's forward: h + branch(h)
 * scaler.scaleLoss(loss).backward();                   // GLOBAL mode scales here, otherwise identity
 * StepReport r = scaler.unscale();                     // unscale, filter, skip, move the scales
 * optimizer.step();                                    // skipped resblocks have no gradient
 * }</pre>
 * In FP32 mode residual is a plain {@code h + branch(h)} and unscale only reports.
 */
public final class GradScaler {
    private final MixedPrecision policy;
    private final int ranks;
    private final Map<String, Block> blocks = new LinkedHashMap<>();
    private final GradScale global;
    private final List<Parameter> allParameters;
    private boolean measureUnderflow;

    /** One resblock's scale, parameters and the non-finite activation gradients filtered this step. */
    private static final class Block {
        final GradScale scale;
        final List<Parameter> parameters;
        long filtered;

        Block(GradScale scale, List<Parameter> parameters) {
            this.scale = scale;
            this.parameters = List.copyOf(parameters);
        }
    }

    /** What one unscale() did: per resblock (registration order) its scale after the step, skip flag and underflow fraction. */
    public record StepReport(List<String> blocks, double[] scales, boolean[] skipped, double[] underflow, double globalScale) {}

    /**
     * @param allParameters every trainable parameter of the model (GLOBAL mode unscales them all)
     * @param ranks data-parallel ranks, M in the paper's scale range
     */
    public GradScaler(MixedPrecision policy, List<Parameter> allParameters, int ranks) {
        this.policy = policy;
        this.ranks = ranks;
        this.allParameters = List.copyOf(allParameters);
        this.global = policy.scaling() == MixedPrecision.Scaling.GLOBAL ? new GradScale(ranks) : null;
    }

    /** Also report, per resblock, the fraction of its gradient values that are exactly zero before unscaling. */
    public GradScaler measureUnderflow(boolean on) {
        this.measureUnderflow = on;
        return this;
    }

    public MixedPrecision policy() { return policy; }

    /** Registers a resblock and its parameters (once, in network order). */
    public void register(String name, List<Parameter> parameters) {
        if (blocks.containsKey(name)) throw new IllegalArgumentException("GradScaler: resblock '" + name + "' is already registered");
        blocks.put(name, new Block(new GradScale(ranks), parameters));
    }

    /** The scale of a resblock (per-resblock mode) or null. */
    public GradScale scale(String block) { return block(block).scale; }

    /** The global loss scale, or null outside GLOBAL mode. */
    public GradScale globalScale() { return global; }

    public List<String> blockNames() { return List.copyOf(blocks.keySet()); }

    private Block block(String name) {
        Block b = blocks.get(name);
        if (b == null) throw new IllegalArgumentException("GradScaler: resblock '" + name + "' was never registered; registered: " + blocks.keySet());
        return b;
    }

    /**
     * x + branch(x): x is the fp32 identity path, branch maps it (through the policy's fp16 region)
     * to the block's output. In PER_RESBLOCK mode the gradient entering the branch is multiplied by
     * the block's scale, and the gradient leaving it is unscaled, with Inf/NaN filtered to 0 (and
     * counted: a block that filtered any skips its update), before it joins the identity path.
     * The branch's graph is kept until backward, which must not retain the graph.
     */
    public Variable residual(String name, Variable x, Function<Variable, Variable> branch) {
        Block b = block(name);
        if (policy.scaling() != MixedPrecision.Scaling.PER_RESBLOCK || !Autograd.isRecording()) {
            return Ops.add(x, policy.toFull(branch.apply(x)));
        }
        Variable entry = Variable.parameter(x.value());
        Variable inner = policy.toFull(branch.apply(entry));
        List<Variable> inputs = new ArrayList<>();
        inputs.add(x);
        for (Parameter p : b.parameters) inputs.add(p.variable());
        Variable out = Variable.fromOp("scaledResblock:" + name, inner.value(), inputs, g -> {
            double s = b.scale.value();
            Backend be = Autograd.currentBackend();
            try (Tensor factor = Tensor.scalar(g.dtype(), s)) {
                inner.backward(be.binary(BinaryOp.MUL, g, factor));
            }
            Tensor[] grads = new Tensor[inputs.size()];
            Tensor dx = entry.grad();
            if (dx != null) {
                Unscaled u = be.unscaleFilter(dx, s);
                b.filtered += u.nonFinite();
                grads[0] = u.values();
            }
            return grads;
        });
        return Ops.add(x, out);
    }

    /** The loss to backpropagate: scaled by the global scale in GLOBAL mode, else the loss itself. */
    public Variable scaleLoss(Variable loss) {
        return global == null ? loss : Ops.mulScalar(loss, global.value());
    }

    /**
     * After backward: unscales and checks the gradients, drops those of every skipped update and
     * records one event in each scale. Call exactly once per backward, before the optimizer step.
     */
    public StepReport unscale() {
        Backend be = Autograd.currentBackend();
        List<String> names = blockNames();
        double[] scales = new double[names.size()], underflow = new double[names.size()];
        boolean[] skipped = new boolean[names.size()];
        for (int i = 0; i < names.size(); i++) underflow[i] = measureUnderflow ? zeroFraction(blocks.get(names.get(i)).parameters) : Double.NaN;
        if (policy.scaling() == MixedPrecision.Scaling.PER_RESBLOCK) {
            for (int i = 0; i < names.size(); i++) {
                Block b = blocks.get(names.get(i));
                boolean applied = b.scale.record(unscaleAll(be, b.parameters, b.scale.value()) && b.filtered == 0);
                if (!applied) dropGradients(b.parameters);
                b.filtered = 0;
                skipped[i] = !applied;
                scales[i] = b.scale.value();
            }
        } else if (global != null) {
            boolean applied = global.record(unscaleAll(be, allParameters, global.value()));
            if (!applied) dropGradients(allParameters);
            java.util.Arrays.fill(skipped, !applied);
            java.util.Arrays.fill(scales, global.value());
        } else {
            java.util.Arrays.fill(scales, 1.0);
        }
        return new StepReport(names, scales, skipped, underflow, global == null ? Double.NaN : global.value());
    }

    /**
     * Replaces each gradient by its filtered unscaled value; true when none was non-finite. A 16-bit
     * gradient (of a weight stored in F16) is widened to F32 first: unscaled in F16, a true gradient
     * below 2^-24 would flush to zero, undoing what the scale was for.
     */
    private static boolean unscaleAll(Backend be, List<Parameter> parameters, double scale) {
        boolean finite = true;
        for (Parameter p : parameters) {
            Tensor scaled = p.grad();
            if (scaled == null) continue;
            Tensor g = scaled.dtype() == DType.F16 || scaled.dtype() == DType.BF16 ? be.cast(scaled, DType.F32) : scaled;
            Unscaled u = be.unscaleFilter(g, scale);
            finite &= u.nonFinite() == 0;
            p.setGrad(u.values());
        }
        return finite;
    }

    private static void dropGradients(List<Parameter> parameters) {
        for (Parameter p : parameters) p.zeroGrad();
    }

    /** Fraction of the gradient values of {@code parameters} that are exactly zero (underflowed in fp16). */
    private static double zeroFraction(List<Parameter> parameters) {
        long zeros = 0, total = 0;
        for (Parameter p : parameters) {
            Tensor g = p.grad();
            if (g == null) continue;
            for (float v : g.toFloatArray()) if (v == 0f) zeros++;
            total += g.numel();
        }
        return total == 0 ? Double.NaN : (double) zeros / total;
    }

    /** Every scale's state for a checkpoint: "grad_scale.<block>.*" (and "grad_scale.global.*"). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : blocks.entrySet()) out.putAll(e.getValue().scale.stateDict("grad_scale." + e.getKey() + "."));
        if (global != null) out.putAll(global.stateDict("grad_scale.global."));
        return out;
    }

    /** Restores what {@link #stateDict} wrote; every registered block (and the global scale) must be present. */
    public void loadStateDict(Map<String, Tensor> saved) {
        for (var e : blocks.entrySet()) e.getValue().scale.loadStateDict(saved, "grad_scale." + e.getKey() + ".");
        if (global != null) global.loadStateDict(saved, "grad_scale.global.");
    }
}
