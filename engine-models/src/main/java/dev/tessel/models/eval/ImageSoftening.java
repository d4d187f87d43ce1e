package dev.tessel.models.eval;

import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;

/**
 * Controlled damage for testing readers against what a decoder produces instead of clean renders:
 * a 3x3 binomial blur and additive Gaussian pixel noise.
 *
 * <p>Invariant: both return a new F32 [C, H, W] tensor and leave the input alone; noise is a pure
 * function of (seed, stream), drawn from Philox, and values are not clamped (a reader must cope
 * with them as they are).
 */
public final class ImageSoftening {
    private ImageSoftening() {}

    /** Convolves each channel with [1 2 1]^T [1 2 1] / 16, renormalised at the borders. */
    public static Tensor blur(Tensor image) {
        int c = image.dim(0);
        int h = image.dim(1);
        int w = image.dim(2);
        float[] v = image.contiguous().toFloatArray();
        float[] out = new float[v.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double sum = 0;
                    double weight = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = y + dy;
                            int xx = x + dx;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            double k = (2 - Math.abs(dx)) * (2 - Math.abs(dy));
                            sum += k * v[ch * h * w + yy * w + xx];
                            weight += k;
                        }
                    }
                    out[ch * h * w + y * w + x] = (float) (sum / weight);
                }
            }
        }
        return Tensor.of(out, c, h, w);
    }

    /** Adds N(0, sigma^2) to every value; element i uses Philox normal (seed, stream, i). */
    public static Tensor noise(Tensor image, double sigma, long seed, long stream) {
        float[] v = image.contiguous().toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] += (float) (sigma * Philox.normal(seed, stream, i));
        return Tensor.of(v, image.shape().toArray());
    }
}
