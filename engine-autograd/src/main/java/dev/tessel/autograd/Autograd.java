// Autograd: the per-thread switches of the tape (is a graph being recorded? which backend
// computes?) and the counter of bytes held by live graph nodes.
//
// Invariant: every switch is a scope that restores exactly the previous state when closed, and
// scopes close in reverse order of opening (try-with-resources guarantees it). The state is
// per thread: a scope opened on one thread never changes what another thread sees.
package dev.tessel.autograd;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Switches of the autograd tape, and its memory counter.
 *
 * <h2>Recording</h2>
 * By default every op on a {@link Variable} that requires grad is recorded. Inside
 * {@link #noGrad()} nothing is recorded: results are constants. {@link #enableGrad()} turns
 * recording back on inside a noGrad scope (checkpointing needs it while recomputing). Backward
 * rules themselves always run with recording off, so gradients are plain tensors (no
 * higher-order derivatives).
 *
 * <h2>Backend rule</h2>
 * An op computes on the backend of the innermost open {@link #backend(Backend)} scope of the
 * calling thread, else on {@link Backends#get()} (which reads {@code -Dtessel.backend} on each
 * call). A node remembers the backend its forward ran on, and its backward rule runs on that same
 * backend, whatever scope is open when {@link Variable#backward()} is called.
 *
 * <h2>When the graph is freed</h2>
 * {@link Variable#backward()} frees every node it passes through: the node drops its backward
 * rule (and with it the tensors the rule saved) and its links to its inputs; its value stays
 * readable. A second backward through a freed node throws IllegalStateException (before any
 * gradient is written). To backward twice through one graph, pass {@code retainGraph = true}
 * to every backward but the last; otherwise recompute the forward. A graph that is never
 * backpropagated is freed by the garbage collector like any other object.
 *
 * <h2>Gradient accumulation</h2>
 * Each backward adds its gradients to the {@link Variable#grad()} of the leaves it reaches, so
 * gradients of several backward calls add up until {@link Variable#zeroGrad()}.
 */
public final class Autograd {
    private static final ThreadLocal<Boolean> RECORDING = ThreadLocal.withInitial(() -> Boolean.TRUE);
    private static final ThreadLocal<Backend> BACKEND = new ThreadLocal<>();

    private static final AtomicLong LIVE_GRAPH_BYTES = new AtomicLong();
    private static final AtomicLong PEAK_GRAPH_BYTES = new AtomicLong();

    private Autograd() {}

    /** A scope that restores the previous state on close; close never throws. */
    public interface Scope extends AutoCloseable {
        @Override void close();
    }

    /** A scope in which no graph is recorded on this thread: every op result is a constant. */
    public static Scope noGrad() { return setRecording(false); }

    /** A scope in which ops are recorded again on this thread, even inside {@link #noGrad()}. */
    public static Scope enableGrad() { return setRecording(true); }

    /** True when ops on this thread are recorded into a graph. */
    public static boolean isRecording() { return RECORDING.get(); }

    private static Scope setRecording(boolean on) {
        Boolean previous = RECORDING.get();
        RECORDING.set(on);
        return () -> RECORDING.set(previous);
    }

    /** A scope in which ops of this thread compute on {@code backend}; see the class comment. */
    public static Scope backend(Backend backend) {
        if (backend == null) throw new IllegalArgumentException("Autograd.backend: backend is null");
        Backend previous = BACKEND.get();
        BACKEND.set(backend);
        return () -> {
            if (previous == null) BACKEND.remove();
            else BACKEND.set(previous);
        };
    }

    /** The backend ops of this thread compute on now. */
    public static Backend currentBackend() {
        Backend b = BACKEND.get();
        return b != null ? b : Backends.get();
    }

    // ---------------------------------------------------------------- memory counter

    /**
     * Bytes of the forward values held by graph nodes that are alive and not yet freed (a node is
     * counted from its creation until a backward frees it or the garbage collector reclaims it).
     * A view of an input's storage adds nothing. Leaves and constants are not counted: they live
     * whether or not a graph exists; neither are tensors a rule saved beyond node values. The counter
     * is process-wide, so measure with one thread building graphs.
     */
    public static long liveGraphBytes() { return LIVE_GRAPH_BYTES.get(); }

    /** Highest {@link #liveGraphBytes()} since the last {@link #resetPeakGraphBytes()}. */
    public static long peakGraphBytes() { return PEAK_GRAPH_BYTES.get(); }

    /** Starts a new peak measurement at the current live value. */
    public static void resetPeakGraphBytes() { PEAK_GRAPH_BYTES.set(LIVE_GRAPH_BYTES.get()); }

    static void addGraphBytes(long bytes) {
        long now = LIVE_GRAPH_BYTES.addAndGet(bytes);
        PEAK_GRAPH_BYTES.accumulateAndGet(now, Math::max);
    }
}
