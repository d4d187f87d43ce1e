// KvCache: the keys and values every attention layer has computed so far during sampling, so each
// new image token costs one position's work per layer instead of a pass over the whole stream;
// it also carries the call's DecodingWeights (if any), the other state that lives exactly as long.
//
// Invariant: a layer's cache holds positions 0 .. length-1 exactly, written in order: new
// positions must start at length (no gaps, no rewrites), and the keys returned cover 0 .. the
// last new position, which is what a causal pattern lets those queries see.
package dev.tessel.models.transformer;

import dev.tessel.autograd.Variable;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Per-layer key/value storage [B, H, T, Dh] for incremental decoding. */
public final class KvCache implements AutoCloseable {
    private final List<Layer> layers = new ArrayList<>();
    private final DecodingWeights weights;

    /** Room for the whole stream of {@code config} at batch {@code batch}; linear layers run as they are. */
    public KvCache(TransformerConfig config, int batch) {
        this(config, batch, null);
    }

    /** As above, with the model's weights prepared for this decoding run (null: none). */
    public KvCache(TransformerConfig config, int batch, DecodingWeights weights) {
        this.weights = weights;
        for (int i = 0; i < config.layers(); i++) layers.add(new Layer(config, batch, weights));
    }

    Layer layer(int index) { return layers.get(index); }

    /** The weights prepared for this run, or null. */
    DecodingWeights weights() { return weights; }

    /** Positions cached so far (the same in every layer once a pass has finished). */
    public int length() { return layers.getFirst().length; }

    @Override
    public void close() {
        for (Layer l : layers) {
            l.keys.close();
            l.values.close();
        }
    }

    /** One attention layer's keys and values. */
    static final class Layer {
        private final Tensor keys, values;
        private final DecodingWeights weights;
        private int length;

        Layer(TransformerConfig c, int batch, DecodingWeights weights) {
            this.weights = weights;
            this.keys = Tensor.zeros(DType.F32, batch, c.heads(), c.sequenceLength(), c.headDim());
            this.values = Tensor.zeros(DType.F32, batch, c.heads(), c.sequenceLength(), c.headDim());
        }

        DecodingWeights weights() { return weights; }

        /** Writes k, v [B, H, n, Dh] at positions start.. and returns the cached keys and values of 0 .. start+n-1. */
        Variable[] append(Tensor k, Tensor v, int start) {
            int n = k.dim(2);
            if (start != length || start + n > keys.dim(2) || k.dim(0) != keys.dim(0)) {
                throw new IllegalArgumentException("KvCache: cannot write " + n + " positions of batch " + k.dim(0) + " at " + start
                        + "; the cache holds " + length + " of " + keys.dim(2) + " positions at batch " + keys.dim(0));
            }
            keys.slice(2, start, start + n).copyFrom(k);
            values.slice(2, start, start + n).copyFrom(v);
            length = start + n;
            return new Variable[] {Variable.constant(keys.slice(2, 0, length)), Variable.constant(values.slice(2, 0, length))};
        }
    }
}
