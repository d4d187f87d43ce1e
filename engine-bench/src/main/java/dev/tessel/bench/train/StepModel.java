// StepModel: a network whose training step the tape-overhead benchmark times (issue 3).
//
// Invariant: loss() builds a fresh graph each call from the same fixed batch, so every timed step
// does the same work.
package dev.tessel.bench.train;

import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Module;

/** A model that turns its fixed batch into a scalar loss. */
public interface StepModel {
    /** The loss of the batch, a [1] Variable. */
    Variable loss();

    /** The trainable module. */
    Module module();
}
