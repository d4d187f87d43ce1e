// Embedding: a [vocab, dim] table looked up by integer ids, torch.nn.Embedding's name ("weight")
// and init (N(0, 1)).
//
// Invariant: ids are data (I32/I64), never differentiated; only the table gets a gradient.
package dev.tessel.autograd.nn;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.random.RandomGenerator;

/** Rows of a learned table picked by ids: ids [...] -> [..., dim]. */
public final class Embedding extends Module {
    private final int vocab, dim;
    private final Parameter weight;

    public Embedding(int vocab, int dim, RandomGenerator rng) { this(vocab, dim, DType.F32, rng); }

    public Embedding(int vocab, int dim, DType dtype, RandomGenerator rng) {
        if (vocab <= 0 || dim <= 0) throw new IllegalArgumentException("Embedding: sizes must be positive, got " + vocab + " x " + dim);
        this.vocab = vocab;
        this.dim = dim;
        this.weight = registerParameter("weight", Init.normal(dtype, 1.0, rng, vocab, dim));
    }

    public Variable forward(Tensor ids) {
        if (ids.dtype() != DType.I32 && ids.dtype() != DType.I64) {
            throw new IllegalArgumentException("Embedding(" + vocab + " x " + dim + "): ids must be I32 or I64, got " + ids.dtype() + ids.shape());
        }
        return Ops.embedding(weight.variable(), ids);
    }

    public Parameter weight() { return weight; }
}
