// ParameterEma: an exponential moving average of parameters (DALL·E: 0.999 for the dVAE, 0.99
// for the transformer), with a scope that swaps the averages in for evaluation.
//
// Invariants: the shadow copies have the parameters' shapes and dtypes and are only changed by
// update(); a swap exchanges the contents of shadow and live tensors (no allocation, no
// replacement of the Parameter's tensor) and closing the scope exchanges them back exactly.
package dev.tessel.autograd.optim;

import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** shadow = decay · shadow + (1 - decay) · param after each optimizer step. Not thread-safe. */
public final class ParameterEma {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final List<Parameter> parameters;
    private final List<Tensor> shadows = new ArrayList<>();
    private final double decay;
    private boolean swapped;

    /** Starts the averages at the parameters' current values. */
    public ParameterEma(List<Parameter> parameters, double decay) {
        if (!(decay >= 0 && decay <= 1)) throw new IllegalArgumentException("ParameterEma: decay must be in [0, 1], got " + decay);
        this.parameters = List.copyOf(parameters);
        this.decay = decay;
        for (Parameter p : this.parameters) shadows.add(p.value().copy());
    }

    public double decay() { return decay; }

    /** The average of parameter i (in the order given to the constructor). */
    public Tensor shadow(int i) { return shadows.get(i); }

    /** Folds the current parameter values into the averages; call after each optimizer step. */
    public void update() {
        if (swapped) throw new IllegalStateException("ParameterEma.update: the averages are swapped in; close the swap scope first");
        for (int k = 0; k < parameters.size(); k++) {
            Tensor live = parameters.get(k).value(), shadow = shadows.get(k);
            if (live.dtype() == DType.F32) {
                updateFloat(live, shadow);
                continue;
            }
            for (long i = 0; i < live.numel(); i++) {
                double s = shadow.getDouble(i);
                shadow.setDouble(i, s - (1 - decay) * (s - live.getDouble(i)));
            }
        }
    }

    /** Parameters are contiguous (Parameter's invariant) and shadows are fresh copies, so both index linearly. */
    private void updateFloat(Tensor live, Tensor shadow) {
        MemorySegment l = live.segment(), s = shadow.segment();
        long lb = live.byteOffset(), sb = shadow.byteOffset(), n = live.numel();
        float rate = (float) (1 - decay);
        for (long i = 0; i < n; i++) {
            float sv = s.get(FLOAT, sb + 4 * i);
            s.set(FLOAT, sb + 4 * i, sv - rate * (sv - l.get(FLOAT, lb + 4 * i)));
        }
    }

    /** A scope during which the parameters hold the averages; closing it restores the trained values. */
    public Swap swapIn() {
        if (swapped) throw new IllegalStateException("ParameterEma.swapIn: already swapped in");
        exchange();
        swapped = true;
        return new Swap();
    }

    /** Restores the trained values on close (idempotent). */
    public final class Swap implements AutoCloseable {
        private boolean open = true;

        private Swap() {}

        @Override
        public void close() {
            if (!open) return;
            open = false;
            exchange();
            swapped = false;
        }
    }

    private void exchange() {
        for (int k = 0; k < parameters.size(); k++) {
            Tensor live = parameters.get(k).value(), shadow = shadows.get(k);
            for (long i = 0; i < live.numel(); i++) {
                long a = live.bitsAt(live.physicalIndex(i));
                live.setBitsAt(live.physicalIndex(i), shadow.bitsAt(i));
                shadow.setBitsAt(i, a);
            }
        }
    }
}
