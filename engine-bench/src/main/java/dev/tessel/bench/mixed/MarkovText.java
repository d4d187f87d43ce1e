// MarkovText: the synthetic token stream of the scaling experiment: a fixed random first-order
// Markov chain in which every token has 4 possible successors with random weights, so a model
// can learn it (the entropy floor is well below log(vocab)) without any data file.
//
// Invariant: batch(step) and heldOut(i) are pure functions of (seed, step) and (seed, i), and the
// two families never share a stream, so every run sees exactly the same data.
package dev.tessel.bench.mixed;

import dev.tessel.tensor.Tensor;
import java.util.SplittableRandom;

final class MarkovText {
    private static final int SUCCESSORS = 4;

    private final int vocab, tokens, batch;
    private final long seed;
    private final int[][] next;
    private final double[][] cumulative;

    MarkovText(int vocab, int tokens, int batch, long seed) {
        this.vocab = vocab;
        this.tokens = tokens;
        this.batch = batch;
        this.seed = seed;
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5EEDL);
        next = new int[vocab][SUCCESSORS];
        cumulative = new double[vocab][SUCCESSORS];
        for (int v = 0; v < vocab; v++) {
            double total = 0;
            for (int s = 0; s < SUCCESSORS; s++) {
                next[v][s] = rng.nextInt(vocab);
                total += cumulative[v][s] = 0.1 + rng.nextDouble();
            }
            double acc = 0;
            for (int s = 0; s < SUCCESSORS; s++) cumulative[v][s] = (acc += cumulative[v][s] / total);
        }
    }

    /** {ids [B, T] I64, targets [B*T] I64} of training step {@code step}. */
    Tensor[] batch(int step) { return sample(new SplittableRandom(seed * 1_000_003L + step)); }

    /** The i-th held-out batch (a stream the training batches never use). */
    Tensor[] heldOut(int i) { return sample(new SplittableRandom(~seed * 7_919L - 1 - i)); }

    private Tensor[] sample(SplittableRandom rng) {
        long[] ids = new long[batch * tokens], targets = new long[batch * tokens];
        for (int b = 0; b < batch; b++) {
            int token = rng.nextInt(vocab);
            for (int t = 0; t < tokens; t++) {
                ids[b * tokens + t] = token;
                double u = rng.nextDouble();
                int s = 0;
                while (s < SUCCESSORS - 1 && u > cumulative[token][s]) s++;
                token = next[token][s];
                targets[b * tokens + t] = token;
            }
        }
        return new Tensor[] {Tensor.ofLongs(ids, batch, tokens), Tensor.ofLongs(targets, batch * tokens)};
    }
}
