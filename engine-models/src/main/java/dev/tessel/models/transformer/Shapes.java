// Shapes: the parameter counts of the leaf layers the transformer is built from, so each part can
// state its size without allocating it (the 12B model's 48 GB of fp32 weights cannot be).
//
// Invariant: each formula is exactly what the matching autograd.nn constructor registers (Linear:
// weight [out,in] + bias [out]; LayerNorm: weight + bias [d]; Embedding: weight [rows,d]);
// TransformerShapesTest checks the sum against an allocated model for every part.
package dev.tessel.models.transformer;

/** Parameter counts of Linear, LayerNorm and Embedding. */
final class Shapes {
    private Shapes() {}

    static long linear(int in, int out) { return (long) in * out + out; }

    static long layerNorm(int features) { return 2L * features; }

    static long table(int rows, int dim) { return (long) rows * dim; }
}
