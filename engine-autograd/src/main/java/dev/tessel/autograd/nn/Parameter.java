// Parameter: one trainable tensor of a Module, under the name it was registered with.
//
// Invariant: the Tensor behind a Parameter is allocated once and never replaced; optimizers,
// EMA swaps and loadStateDict write into it in place, so every holder of value() always sees
// the current weights. Do not update it while a recorded graph that read it still awaits its
// backward (the backward rules would see the new values).
package dev.tessel.autograd.nn;

import dev.tessel.autograd.Variable;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

/** A named trainable leaf: a {@link Variable#parameter} plus its local name in its module. */
public final class Parameter {
    private final String name;
    private final Variable variable;

    /** Wraps {@code value} (a float tensor, owned by the parameter from now on) as a trainable leaf. */
    public Parameter(String name, Tensor value) {
        Module.checkName("Parameter", name);
        if (!value.isContiguous()) {
            throw new IllegalArgumentException("Parameter '" + name + "': value " + value.dtype() + value.shape()
                    + " must be contiguous (optimizers update it in place); pass value.contiguous()");
        }
        this.name = name;
        this.variable = Variable.parameter(value);
    }

    /** The local name (the last component of its dotted name in a state dict). */
    public String name() { return name; }

    /** The leaf to compute with; the same Variable for the parameter's whole life. */
    public Variable variable() { return variable; }

    /** The live weights (updated in place). */
    public Tensor value() { return variable.value(); }

    /** Accumulated gradient, or null when no backward has reached this parameter since the last zeroGrad. */
    public Tensor grad() { return variable.grad(); }

    public void setGrad(Tensor grad) { variable.setGrad(grad); }

    public void zeroGrad() { variable.zeroGrad(); }

    public Shape shape() { return value().shape(); }

    public DType dtype() { return value().dtype(); }

    public long numel() { return value().numel(); }

    @Override
    public String toString() { return "Parameter(" + name + ", " + dtype() + shape() + ")"; }
}
