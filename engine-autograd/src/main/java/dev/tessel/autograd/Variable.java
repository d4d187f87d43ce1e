// Variable: a tensor value plus its place on the autograd tape, and the reverse-mode sweep.
//
// Invariants: a Variable's value never changes after construction (ops allocate new tensors);
// a leaf has no rule and no inputs; a recorded node has both until a backward frees it, and once
// freed it stays freed. grad() of a leaf is always a tensor the leaf owns (never an alias of a
// seed or of another leaf's gradient), so an optimizer may update it in place.
package dev.tessel.autograd;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tensor that may track gradients. Leaves are made with {@link #parameter} (requires grad) or
 * {@link #constant} (does not); every other Variable is the result of an op, recorded through
 * {@link #fromOp}. See {@link Autograd} for recording, the backend rule, when the graph is freed
 * and how gradients accumulate. A Variable and its graph are not thread-safe: build and
 * backpropagate a graph on one thread.
 */
public final class Variable {
    private static final Cleaner GRAPH_BYTES_CLEANER = Cleaner.create();

    private final Tensor value;
    private final boolean requiresGrad;
    private final String opName;
    private final Backend backend;
    private List<Variable> inputs;
    private BackwardFn fn;
    private boolean freed;
    private boolean retainGrad;
    private Tensor grad;
    private final Cleaner.Cleanable graphBytes;

    private Variable(Tensor value, boolean requiresGrad, String opName, List<Variable> inputs, BackwardFn fn, Backend backend) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.opName = opName;
        this.inputs = inputs;
        this.fn = fn;
        this.backend = backend;
        this.graphBytes = fn == null ? null : GRAPH_BYTES_CLEANER.register(this, new GraphBytes(ownedBytes(value, inputs)));
    }

    /** Bytes of a node's value, or 0 for a view of an input's storage (those bytes are counted once, by the input). */
    private static long ownedBytes(Tensor value, List<Variable> inputs) {
        for (Variable in : inputs) if (in.value.storage() == value.storage()) return 0;
        return value.numel() * value.dtype().byteSize();
    }

    /** Adds a node's bytes to the live counter now and removes them exactly once: when freed or collected. */
    private static final class GraphBytes implements Runnable {
        private final long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        GraphBytes(long bytes) {
            this.bytes = bytes;
            Autograd.addGraphBytes(bytes);
        }

        @Override public void run() {
            if (released.compareAndSet(false, true)) Autograd.addGraphBytes(-bytes);
        }
    }

    // ---------------------------------------------------------------- factories

    /** A leaf that never needs a gradient. */
    public static Variable constant(Tensor value) {
        checkValue("constant", value);
        return new Variable(value, false, "constant", null, null, null);
    }

    /** A leaf that requires grad (a trainable tensor); its dtype must be floating. */
    public static Variable parameter(Tensor value) {
        checkValue("parameter", value);
        if (!value.dtype().isFloating()) {
            throw new IllegalArgumentException("Variable.parameter: dtype " + value.dtype() + value.shape()
                    + " cannot have a gradient; use Variable.constant for integer tensors");
        }
        return new Variable(value, true, "parameter", null, null, null);
    }

    /**
     * The result of an op: records a node when recording is on, {@code value} is floating and at
     * least one input requires grad; otherwise returns a constant and {@code fn} is never called.
     * {@code fn} returns one gradient per entry of {@code inputs} (see {@link BackwardFn}).
     */
    public static Variable fromOp(String opName, Tensor value, List<Variable> inputs, BackwardFn fn) {
        if (opName == null || fn == null || inputs == null) {
            throw new IllegalArgumentException("Variable.fromOp: opName, inputs and fn must not be null (op " + opName + ")");
        }
        checkValue(opName, value);
        List<Variable> in = List.copyOf(inputs);
        boolean anyInputRequiresGrad = false;
        for (Variable v : in) anyInputRequiresGrad |= v.requiresGrad;
        if (!anyInputRequiresGrad || !Autograd.isRecording() || !value.dtype().isFloating()) {
            return new Variable(value, false, opName, null, null, null);
        }
        return new Variable(value, true, opName, in, fn, Autograd.currentBackend());
    }

    /** A node that requires grad whenever recording is on, whatever its inputs (used by Checkpoint). */
    static Variable recordedAlways(String opName, Tensor value, List<Variable> inputs, BackwardFn fn) {
        if (!Autograd.isRecording() || !value.dtype().isFloating()) return new Variable(value, false, opName, null, null, null);
        return new Variable(value, true, opName, List.copyOf(inputs), fn, Autograd.currentBackend());
    }

    private static void checkValue(String what, Tensor value) {
        if (value == null) throw new IllegalArgumentException(what + ": value tensor is null");
    }

    // ---------------------------------------------------------------- accessors

    public Tensor value() { return value; }

    /** Accumulated gradient of a leaf (or of a node after {@link #retainGrad()}); null until a backward reached it. */
    public Tensor grad() { return grad; }

    public boolean requiresGrad() { return requiresGrad; }

    /** True for parameters and constants: Variables not produced by a recorded op. */
    public boolean isLeaf() { return fn == null && !freed; }

    /** Name of the op that produced this Variable ("parameter" or "constant" for leaves). */
    public String opName() { return opName; }

    public int[] shape() { return value.shape().toArray(); }

    public DType dtype() { return value.dtype(); }

    /** Forgets the accumulated gradient; the next backward starts from zero. */
    public void zeroGrad() { grad = null; }

    /** Replaces the gradient (an optimizer's clipping or a loss scaler may need to); shape must match. */
    public void setGrad(Tensor newGrad) {
        if (newGrad != null && !newGrad.shape().equals(value.shape())) {
            throw new IllegalArgumentException("setGrad: gradient " + newGrad.shape() + " does not match the value's shape " + value.shape());
        }
        grad = newGrad;
    }

    /** Makes backward also store this non-leaf node's gradient in {@link #grad()}. */
    public Variable retainGrad() {
        retainGrad = true;
        return this;
    }

    /** The same value as a constant, cut from the graph. */
    public Variable detach() { return constant(value); }

    // ---------------------------------------------------------------- backward

    /** Backward from a one-element result, seeded with 1. */
    public void backward() {
        requireGrad();
        if (value.numel() != 1) {
            throw new IllegalArgumentException("backward(): the result of '" + opName + "' has shape " + value.shape()
                    + ", not one element; reduce it to a scalar loss first or call backward(seed) with a seed of that shape");
        }
        backward(Tensor.full(value.dtype(), 1.0, shape()), false);
    }

    /** Backward with dL/d(this) = {@code seed}; frees the graph (see {@link Autograd}). */
    public void backward(Tensor seed) { backward(seed, false); }

    /** Backward with dL/d(this) = {@code seed}; with {@code retainGraph} the graph stays usable for another backward. */
    public void backward(Tensor seed, boolean retainGraph) {
        requireGrad();
        if (seed == null || !seed.shape().equals(value.shape())) {
            throw new IllegalArgumentException("backward: seed " + (seed == null ? "null" : seed.shape().toString())
                    + " does not match the shape " + value.shape() + " of the result of '" + opName
                    + "'; pass a gradient shaped like the result");
        }
        Backend callBackend = Autograd.currentBackend();
        List<Variable> order = topologicalOrder();
        for (Variable node : order) {
            if (node.freed) {
                throw new IllegalStateException("backward through '" + node.opName + "' whose graph was already freed by an earlier "
                        + "backward(); pass retainGraph=true to the earlier backward to backpropagate twice, or recompute the forward");
            }
        }
        Map<Variable, PendingGrad> pending = new IdentityHashMap<>();
        pending.put(this, new PendingGrad(conformDtype(seed, value.dtype(), callBackend), false));
        for (int i = order.size() - 1; i >= 0; i--) {
            Variable node = order.get(i);
            PendingGrad g = pending.remove(node);
            if (node.fn == null) {
                if (g != null) node.accumulate(g.sum, g.owned, callBackend);
                continue;
            }
            if (g != null) {
                if (node.retainGrad) node.accumulate(g.sum, false, node.backend);
                node.propagate(g.sum, pending);
            }
            if (!retainGraph) node.free();
        }
    }

    /**
     * The gradient gathered so far for one node. {@code owned}: backward allocated {@code sum}
     * itself and nothing else refers to it, so it may be written in place; a tensor a rule
     * returned may be its gradOut or a view shared with another input, and is never written.
     * {@code slices}: for an owned sum that began as zeros, the slices written so far (zero
     * elsewhere); null once a whole-shape gradient has been added.
     */
    private static final class PendingGrad {
        Tensor sum;
        boolean owned;
        List<int[]> slices;

        PendingGrad(Tensor sum, boolean owned) {
            this.sum = sum;
            this.owned = owned;
        }

        /** Adds a whole-shape gradient; the sum is then a new tensor backward owns. */
        void add(Tensor g, Backend b) {
            sum = b.binary(BinaryOp.ADD, sum, g);
            owned = true;
            slices = null;
        }

        /**
         * Adds {@code g} to the slice [start, end) along {@code axis}: a plain copy where the owned
         * sum is still zero there (the first gradient of each of a tensor's disjoint slices),
         * an add of that slice otherwise.
         */
        void addToSlice(Tensor g, int axis, int start, int end, Backend b) {
            if (!owned) {
                Tensor copy = Tensor.zerosLaidOutLike(sum);
                copy.copyFrom(sum);
                sum = copy;
                owned = true;
            }
            Tensor region = sum.slice(axis, start, end);
            if (slices != null && slices.stream().allMatch(s -> s[0] == axis && (s[2] <= start || end <= s[1]))) {
                region.copyFrom(g);
            } else {
                region.copyFrom(b.binary(BinaryOp.ADD, region, g));
            }
            if (slices != null) slices.add(new int[] {axis, start, end});
        }

        /** An owned sum of zeros with {@code g} in one slice, laid out like {@code like}. */
        static PendingGrad ofSlice(Tensor like, Tensor g, int axis, int start, int end, Backend b) {
            PendingGrad p = new PendingGrad(Tensor.zerosLaidOutLike(like), true);
            p.slices = new ArrayList<>();
            p.addToSlice(g, axis, start, end, b);
            return p;
        }
    }

    private void requireGrad() {
        if (!requiresGrad) {
            throw new IllegalStateException("backward on the result of '" + opName + "', which does not require grad: none of its inputs "
                    + "is a Variable.parameter, or it was computed inside Autograd.noGrad(); make an input a parameter and compute outside noGrad");
        }
    }

    /** Runs this node's rule and adds each input's gradient to {@code pending}. */
    private void propagate(Tensor gradOut, Map<Variable, PendingGrad> pending) {
        if (fn instanceof ViewOps.SliceGradient slice) {
            Variable input = inputs.get(0);
            if (!input.requiresGrad) return;
            Tensor g = conformDtype(gradOut, input.value.dtype(), backend);
            PendingGrad p = pending.get(input);
            if (p == null) {
                pending.put(input, PendingGrad.ofSlice(input.value, g, slice.axis(), slice.start(), slice.end(), backend));
            } else {
                p.addToSlice(g, slice.axis(), slice.start(), slice.end(), backend);
            }
            return;
        }
        Tensor[] grads;
        try (var b = Autograd.backend(backend); var n = Autograd.noGrad()) {
            grads = fn.apply(gradOut);
        }
        if (grads == null || grads.length != inputs.size()) {
            throw new IllegalStateException("backward rule of '" + opName + "' returned " + (grads == null ? "null" : grads.length + " gradients")
                    + " for " + inputs.size() + " inputs; a BackwardFn returns one entry per input (null where none is needed)");
        }
        for (int i = 0; i < grads.length; i++) {
            Variable input = inputs.get(i);
            Tensor g = grads[i];
            if (g == null || !input.requiresGrad) continue;
            if (!g.shape().equals(input.value.shape())) {
                throw new IllegalStateException("backward rule of '" + opName + "' returned a gradient of shape " + g.shape() + " for input " + i
                        + " whose value has shape " + input.value.shape() + "; the rule must reduce or reshape its gradient to the input's shape");
            }
            Tensor conformed = conformDtype(g, input.value.dtype(), backend);
            PendingGrad p = pending.get(input);
            if (p == null) pending.put(input, new PendingGrad(conformed, false));
            else p.add(conformed, backend);
        }
    }

    /**
     * Adds {@code g} to grad(). {@code owned}: backward allocated g for this node alone, so a
     * contiguous g can become grad() itself instead of a copy (optimizers expect a dense gradient).
     */
    private void accumulate(Tensor g, boolean owned, Backend b) {
        Tensor own = conformDtype(g, value.dtype(), b);
        boolean reusable = own != g || (owned && g.isContiguous());
        grad = grad == null ? (reusable ? own : g.copy()) : b.binary(BinaryOp.ADD, grad, own);
    }

    private static Tensor conformDtype(Tensor g, DType dtype, Backend b) {
        return g.dtype() == dtype ? g : b.cast(g, dtype);
    }

    private void free() {
        freed = true;
        fn = null;
        inputs = null;
        if (graphBytes != null) graphBytes.clean();
    }

    /** Nodes that require grad and are reachable from this one, each after all of its inputs. */
    private List<Variable> topologicalOrder() {
        List<Variable> order = new ArrayList<>();
        Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Variable> stack = new ArrayList<>();
        List<Integer> nextInput = new ArrayList<>();
        stack.add(this);
        nextInput.add(0);
        seen.add(this);
        while (!stack.isEmpty()) {
            int top = stack.size() - 1;
            Variable node = stack.get(top);
            int k = nextInput.get(top);
            List<Variable> in = node.inputs == null ? List.of() : node.inputs;
            if (k < in.size()) {
                nextInput.set(top, k + 1);
                Variable child = in.get(k);
                if (child.requiresGrad && seen.add(child)) {
                    stack.add(child);
                    nextInput.add(0);
                }
            } else {
                order.add(node);
                stack.remove(top);
                nextInput.remove(top);
            }
        }
        return order;
    }

    @Override
    public String toString() {
        return "Variable(" + opName + ", " + value.dtype() + Arrays.toString(shape()) + (requiresGrad ? ", requiresGrad" : "") + ")";
    }
}
