// package-info: the overview a newcomer reads first; keep the example compiling in their head
// (every name in it is public API of this package).
/**
 * Reverse-mode automatic differentiation for tessel.
 *
 * <pre>{@code
 * Variable w = Variable.parameter(Tensor.of(new float[] {...}, 64, 10));
 * Variable x = Variable.constant(batch);                          // (B, 64)
 * Variable loss = Ops.softmaxCrossEntropy(Ops.matmul(x, w), labels);
 * loss.backward();                                                // w.grad() is (64, 10)
 * w.zeroGrad();                                                   // before the next step
 *
 * try (var s = Autograd.backend(Backends.reference())) { ... }   // compute on another backend
 * try (var s = Autograd.noGrad()) { ... }                         // evaluation: no graph
 * Variable h = Checkpoint.run(block, List.of(h0));                // recompute block in backward
 * GradCheck.assertGradients(f, List.of(inputs...));               // float64 finite differences
 * }</pre>
 *
 * <p>The pieces: {@link dev.tessel.autograd.Variable} (a value and its place on the tape),
 * {@link dev.tessel.autograd.Ops} (one differentiable function per backend primitive, each with
 * its backward rule), {@link dev.tessel.autograd.Variable#fromOp} (how any other op joins the
 * tape), {@link dev.tessel.autograd.Autograd} (recording, the backend rule, when the graph is
 * freed, gradient accumulation, the graph-bytes counter), {@link dev.tessel.autograd.GradCheck}
 * and {@link dev.tessel.autograd.Checkpoint}.
 */
package dev.tessel.autograd;
