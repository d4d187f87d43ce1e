// AdamW with torch 1.13's single-tensor semantics (torch.optim.AdamW, foreach=False), FORMAT.md 3.9:
//   p *= 1 - lr·wd;  m = b1·m + (1-b1)·g;  v = b2·v + (1-b2)·g²;
//   p -= (lr / (1 - b1^t)) · m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// plus an optional clip of v by value (the DALL·E paper clips Adam's variance at 5), off by default.
//
// Invariants: bias corrections and step sizes are computed in double, then each scalar is rounded
// once to float exactly where torch rounds it; float parameters are updated in float in torch's
// operation order (so results match torch to a unit or two in the last place), float64 ones in
// double; with 16-bit moments (withSixteenBitMoments) the backend's fused adamwStep decodes and
// re-encodes them around the same update. F16 parameters (weights kept in 16 bits with no master
// copy, as DALL·E's transformer) go through the same fused step: updated in float, rounded to F16
// once; their full-width moments are F32. Parameters are updated in place; a parameter without a gradient is skipped and its step
// count does not advance (torch's per-parameter "step").
package dev.tessel.autograd.optim;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.kernels.AdamWStep;
import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Decoupled-weight-decay Adam. Not thread-safe: step from one thread. */
public final class AdamW {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private final List<Parameter> parameters;
    private final double beta1, beta2, eps, weightDecay;
    private double lr;
    private double varianceClip = Double.POSITIVE_INFINITY;
    private boolean sixteenBitMoments;
    private final Map<Parameter, State> state = new IdentityHashMap<>();

    /** Per-parameter moments (the parameter's shape; its dtype, or the paper's 16-bit formats) and step count. */
    public static final class State {
        final Tensor expAvg, expAvgSq;
        long step;

        State(Parameter p, boolean sixteenBit) {
            this.expAvg = Tensor.zeros(sixteenBit ? DType.MEAN_1_6_9 : AdamWStep.momentDtype(p.dtype()), p.shape());
            this.expAvgSq = Tensor.zeros(sixteenBit ? DType.VAR_0_6_10 : AdamWStep.momentDtype(p.dtype()), p.shape());
        }

        public Tensor expAvg() { return expAvg; }

        public Tensor expAvgSq() { return expAvgSq; }

        public long step() { return step; }
    }

    public AdamW(List<Parameter> parameters, double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (!(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("AdamW: need lr >= 0, 0 <= betas < 1, eps >= 0, weight_decay >= 0; got lr " + lr
                    + ", betas (" + beta1 + ", " + beta2 + "), eps " + eps + ", weight_decay " + weightDecay);
        }
        java.util.Set<Parameter> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Parameter p : parameters) {
            if (p.dtype() != DType.F32 && p.dtype() != DType.F64 && p.dtype() != DType.F16) {
                throw new IllegalArgumentException("AdamW: parameter " + p + " must be F32, F64 or F16 (keep a float master copy of other narrow weights)");
            }
            // a step updates all parameters at once (one fork-join), so a parameter listed twice would race with itself
            if (!seen.add(p)) throw new IllegalArgumentException("AdamW: parameter " + p + " is listed twice");
        }
        this.parameters = List.copyOf(parameters);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** torch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public AdamW(List<Parameter> parameters, double lr) { this(parameters, lr, 0.9, 0.999, 1e-8, 1e-2); }

    public double lr() { return lr; }

    /** Sets the learning rate of the next steps (what a schedule drives). */
    public void setLr(double lr) {
        if (!(lr >= 0)) throw new IllegalArgumentException("AdamW.setLr: lr must be >= 0, got " + lr);
        this.lr = lr;
    }

    /** Clips every element of the second moment to at most {@code bound} after its update; +inf (the default) turns it off. */
    public AdamW withVarianceClip(double bound) {
        if (!(bound > 0)) throw new IllegalArgumentException("AdamW.withVarianceClip: bound must be > 0, got " + bound);
        this.varianceClip = bound;
        return this;
    }

    public double varianceClip() { return varianceClip; }

    /**
     * Stores the moments in the paper's 16-bit formats (mean in 1-6-9, variance in 0-6-10, DALL·E
     * appendix D), decoded for each update by the backend's fused adamwStep; half the moment
     * memory of fp32. Set before the first step (existing moments keep their format).
     */
    public AdamW withSixteenBitMoments() {
        this.sixteenBitMoments = true;
        return this;
    }

    public boolean sixteenBitMoments() { return sixteenBitMoments; }

    /**
     * Bytes the moments of all parameters take (allocated or not yet: the formats are fixed at
     * construction), e.g. 4 per parameter with 16-bit moments, 8 for F32 ones.
     */
    public long momentBytes() {
        long bytes = 0;
        for (Parameter p : parameters) {
            long perElement = sixteenBitMoments ? DType.MEAN_1_6_9.byteSize() + DType.VAR_0_6_10.byteSize() : 2L * AdamWStep.momentDtype(p.dtype()).byteSize();
            bytes += perElement * p.numel();
        }
        return bytes;
    }

    /** The moments of {@code p}, or null before its first step. */
    public State state(Parameter p) { return state.get(p); }

    /**
     * The optimizer state for a checkpoint: for each parameter that has stepped, under its dotted
     * name n (as in Module.namedParameters()), "n.exp_avg", "n.exp_avg_sq" and "n.step" (I64 [1]).
     * The moment tensors are live (not copies); save them before the next step.
     */
    public Map<String, Tensor> stateDict(Map<String, Parameter> named) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (var e : named.entrySet()) {
            State s = state.get(e.getValue());
            if (s == null) continue;
            out.put(e.getKey() + ".exp_avg", s.expAvg);
            out.put(e.getKey() + ".exp_avg_sq", s.expAvgSq);
            out.put(e.getKey() + ".step", Tensor.ofLongs(new long[] {s.step}, 1));
        }
        return out;
    }

    /** Restores what {@link #stateDict} wrote; a parameter absent from {@code saved} starts fresh. Shapes and dtypes must match. */
    public void loadStateDict(Map<String, Tensor> saved, Map<String, Parameter> named) {
        for (var e : named.entrySet()) {
            Tensor m = saved.get(e.getKey() + ".exp_avg"), v = saved.get(e.getKey() + ".exp_avg_sq"), t = saved.get(e.getKey() + ".step");
            if (m == null && v == null && t == null) continue;
            Parameter p = e.getValue();
            if (!parameters.contains(p)) {
                throw new IllegalArgumentException("AdamW.loadStateDict: '" + e.getKey() + "' is not one of this optimizer's parameters");
            }
            if (m == null || v == null || t == null || t.numel() != 1) {
                throw new IllegalArgumentException("AdamW.loadStateDict: '" + e.getKey() + "' needs .exp_avg, .exp_avg_sq and a one-element .step");
            }
            State s = new State(p, sixteenBitMoments);
            for (Tensor[] pair : new Tensor[][] {{m, s.expAvg}, {v, s.expAvgSq}}) {
                if (!pair[0].shape().equals(p.shape()) || pair[0].dtype() != pair[1].dtype()) {
                    throw new IllegalArgumentException("AdamW.loadStateDict: moment of '" + e.getKey() + "' is " + pair[0].dtype() + pair[0].shape()
                            + " but this optimizer keeps " + pair[1].dtype() + p.shape() + " for " + p);
                }
            }
            s.expAvg.copyFrom(m);
            s.expAvgSq.copyFrom(v);
            s.step = t.getLong(0);
            state.put(p, s);
        }
    }

    /** One update of every parameter that has a gradient. */
    public void step() {
        List<FloatUpdate> floatUpdates = new ArrayList<>();
        for (Parameter p : parameters) {
            Tensor g = p.grad();
            if (g == null) continue;
            if (!g.shape().equals(p.shape())) {
                throw new IllegalStateException("AdamW.step: gradient " + g.dtype() + g.shape() + " of " + p + " does not match its shape");
            }
            State s = state.computeIfAbsent(p, q -> new State(q, sixteenBitMoments));
            s.step++;
            if (s.expAvg.dtype() == DType.MEAN_1_6_9 || p.dtype() == DType.F16) {
                Autograd.currentBackend().adamwStep(p.value(), g, s.expAvg, s.expAvgSq,
                        new AdamWStep(lr, beta1, beta2, eps, weightDecay, s.step, varianceClip));
                continue;
            }
            double bc1 = 1 - Math.pow(beta1, s.step);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, s.step));
            double stepSize = lr / bc1;
            if (p.dtype() == DType.F32 && g.dtype() == DType.F32 && g.isContiguous()) floatUpdates.add(new FloatUpdate(p.value(), g, s, stepSize, bc2Sqrt));
            else updateDouble(p.value(), g, s, stepSize, bc2Sqrt);
        }
        updateFloats(floatUpdates);
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        for (Parameter p : parameters) p.zeroGrad();
    }

    /** One float32 parameter's update: its tensors and this step's bias corrections. */
    private record FloatUpdate(Tensor param, Tensor grad, State state, double stepSize, double bc2Sqrt) {}

    /** Vectors per task of {@link #updateFloats}: a large tensor is split, and each small one is one task. */
    private static final int TASK_VECTORS = 1 << 11;

    /**
     * Lanes at a time, then a scalar tail; both do the same float operations in the same order (a
     * lane fma is Math.fma), so every element gets the bits the scalar loop would give, and the
     * split into tasks (whole vectors each) and over the Cpu pool's threads changes no bit either.
     * Every parameter's tasks go to one fork-join: one per parameter had left the many small ones
     * (gains, biases) to the calling thread, one after another, while the other thread idled.
     */
    private void updateFloats(List<FloatUpdate> updates) {
        List<long[]> tasks = new ArrayList<>();   // {update index, first element, end element}
        for (int u = 0; u < updates.size(); u++) {
            long n = updates.get(u).param().numel(), span = (long) TASK_VECTORS * LANES.length();
            for (long lo = 0; lo < n; lo += span) tasks.add(new long[] {u, lo, Math.min(n, lo + span)});
        }
        CpuThreads.parallelFor(tasks.size(), 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                long[] task = tasks.get(t);
                FloatUpdate u = updates.get((int) task[0]);
                updateFloatRange(u.param(), u.grad(), u.state(), u.stepSize(), u.bc2Sqrt(), task[1], task[2]);
            }
        });
    }

    /** Elements [lo, hi) of one parameter's update ({@link #updateFloats}). */
    private void updateFloatRange(Tensor param, Tensor grad, State s, double stepSize, double bc2Sqrt, long lo, long hi) {
        MemorySegment pm = param.segment(), gm = grad.segment(), mm = s.expAvg.segment(), vm = s.expAvgSq.segment();
        long po = param.byteOffset(), go = grad.byteOffset();
        float decay = (float) (1 - lr * weightDecay), b1 = (float) beta1, b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1), oneMinusB2 = (float) (1 - beta2);
        float bc2 = (float) bc2Sqrt, epsF = (float) eps, negStep = (float) -stepSize, clip = (float) varianceClip;
        long i = lo;
        for (long bound = hi - (hi - lo) % LANES.length(); i < bound; i += LANES.length()) {
            long o = i * 4;
            FloatVector g = FloatVector.fromMemorySegment(LANES, gm, go + o, ORDER);
            FloatVector p = FloatVector.fromMemorySegment(LANES, pm, po + o, ORDER).mul(decay);
            FloatVector m = g.fma(FloatVector.broadcast(LANES, oneMinusB1), FloatVector.fromMemorySegment(LANES, mm, o, ORDER).mul(b1));
            FloatVector v = FloatVector.fromMemorySegment(LANES, vm, o, ORDER).mul(b2).add(g.mul(oneMinusB2).mul(g)).min(clip);
            FloatVector denom = v.sqrt().div(bc2).add(epsF);
            m.intoMemorySegment(mm, o, ORDER);
            v.intoMemorySegment(vm, o, ORDER);
            p.add(m.mul(negStep).div(denom)).intoMemorySegment(pm, po + o, ORDER);
        }
        for (; i < hi; i++) {
            long o = i * 4;
            float g = gm.get(FLOAT, go + o);
            float p = pm.get(FLOAT, po + o) * decay;
            float m = Math.fma(oneMinusB1, g, mm.get(FLOAT, o) * b1);
            float v = Math.min(vm.get(FLOAT, o) * b2 + oneMinusB2 * g * g, clip);
            float denom = (float) Math.sqrt(v) / bc2 + epsF;
            mm.set(FLOAT, o, m);
            vm.set(FLOAT, o, v);
            pm.set(FLOAT, po + o, p + negStep * m / denom);
        }
    }

    private void updateDouble(Tensor param, Tensor grad, State s, double stepSize, double bc2Sqrt) {
        long n = param.numel();
        for (long i = 0; i < n; i++) {
            double g = grad.getDouble(i);
            double p = param.getDouble(i) * (1 - lr * weightDecay);
            double m = beta1 * s.expAvg.getDouble(i) + (1 - beta1) * g;
            double v = Math.min(beta2 * s.expAvgSq.getDouble(i) + (1 - beta2) * g * g, varianceClip);
            s.expAvg.setDouble(i, m);
            s.expAvgSq.setDouble(i, v);
            param.setDouble(i, p - stepSize * m / (Math.sqrt(v) / bc2Sqrt + eps));
        }
    }
}
