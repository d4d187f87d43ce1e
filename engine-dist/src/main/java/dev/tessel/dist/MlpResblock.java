// MlpResblock: a pre-LayerNorm MLP resblock, x + fc2(gelu(fc1(ln(x)))), built from the autograd
// nn modules; the small model the distributed tests and the sharding timeline train.
//
// Invariant: parameter names and order are ln.weight, ln.bias, fc1.weight, fc1.bias, fc2.weight,
// fc2.bias (torch's state-dict order for this module), whatever the sizes.
package dev.tessel.dist;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import java.util.random.RandomGenerator;

/** One resblock of width {@code width} and hidden size {@code hidden}. */
public final class MlpResblock extends Module {
    private final LayerNorm ln;
    private final Linear fc1, fc2;

    public MlpResblock(int width, int hidden, RandomGenerator rng) {
        ln = registerModule("ln", new LayerNorm(width, 1e-5));
        fc1 = registerModule("fc1", new Linear(width, hidden, rng));
        fc2 = registerModule("fc2", new Linear(hidden, width, rng));
    }

    /** x [..., width] -> same shape. */
    public Variable forward(Variable x) {
        return Ops.add(x, fc2.forward(Ops.geluErf(fc1.forward(ln.forward(x)))));
    }
}
