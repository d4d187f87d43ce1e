// ParameterEma: an exponential moving average of parameters (DALL·E: 0.999 for the dVAE, 0.99
// for the transformer), with a scope that swaps the averages in for evaluation.
//
// Invariants: the shadow copies have the parameters' shapes and dtypes (F32 for a 16-bit
// parameter: a step of 1% of the gap between average and weight is below half a unit of F16 and
// would round away, freezing the average) and are only changed by update(); a swap exchanges the
// contents of shadow and live tensors (no replacement of the Parameter's tensor; a 16-bit
// parameter receives its average rounded to 16 bits and keeps its own values aside) and closing
// the scope restores both exactly.
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
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final List<Parameter> parameters;
    private final List<Tensor> shadows = new ArrayList<>();
    private final double decay;
    private boolean swapped;

    /** Starts the averages at the parameters' current values. */
    public ParameterEma(List<Parameter> parameters, double decay) {
        if (!(decay >= 0 && decay <= 1)) throw new IllegalArgumentException("ParameterEma: decay must be in [0, 1], got " + decay);
        this.parameters = List.copyOf(parameters);
        this.decay = decay;
        for (Parameter p : this.parameters) shadows.add(p.dtype().byteSize() == 2 ? p.value().to(DType.F32) : p.value().copy());
    }

    public double decay() { return decay; }

    /** The average of parameter i (in the order given to the constructor). */
    public Tensor shadow(int i) { return shadows.get(i); }

    /** Folds the current parameter values into the averages; call after each optimizer step. */
    public void update() {
        if (swapped) throw new IllegalStateException("ParameterEma.update: the averages are swapped in; close the swap scope first");
        for (int k = 0; k < parameters.size(); k++) {
            Tensor live = parameters.get(k).value(), shadow = shadows.get(k);
            if ((live.dtype() == DType.F32 || live.dtype() == DType.F16) && shadow.dtype() == DType.F32) {
                updateFloat(live, shadow);
                continue;
            }
            for (long i = 0; i < live.numel(); i++) {
                double s = shadow.getDouble(i);
                shadow.setDouble(i, s - (1 - decay) * (s - live.getDouble(i)));
            }
        }
    }

    /** Parameters are contiguous (Parameter's invariant) and shadows are fresh copies, so both index linearly; live is F32 or F16. */
    private void updateFloat(Tensor live, Tensor shadow) {
        MemorySegment l = live.segment(), s = shadow.segment();
        long lb = live.byteOffset(), sb = shadow.byteOffset(), n = live.numel();
        boolean half = live.dtype() == DType.F16;
        float rate = (float) (1 - decay);
        for (long i = 0; i < n; i++) {
            float sv = s.get(FLOAT, sb + 4 * i);
            float lv = half ? Float.float16ToFloat(l.get(SHORT, lb + 2 * i)) : l.get(FLOAT, lb + 4 * i);
            s.set(FLOAT, sb + 4 * i, sv - rate * (sv - lv));
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

    /** The trained values of 16-bit parameters while their averages are swapped in (their shadows are wider). */
    private final List<Tensor> setAside = new ArrayList<>();

    private void exchange() {
        boolean in = !swapped;
        int narrow = 0;
        for (int k = 0; k < parameters.size(); k++) {
            Tensor live = parameters.get(k).value(), shadow = shadows.get(k);
            if (live.dtype() != shadow.dtype()) {
                if (in) {
                    setAside.add(live.copy());
                    try (Tensor rounded = shadow.to(live.dtype())) { live.copyFrom(rounded); }
                } else {
                    live.copyFrom(setAside.get(narrow++));
                }
                continue;
            }
            for (long i = 0; i < live.numel(); i++) {
                long a = live.bitsAt(live.physicalIndex(i));
                live.setBitsAt(live.physicalIndex(i), shadow.bitsAt(i));
                shadow.setBitsAt(i, a);
            }
        }
        if (!in) {
            setAside.forEach(Tensor::close);
            setAside.clear();
        }
    }
}
