package dev.tessel.models.data;

/**
 * Image resizing by area averaging: each output pixel is the mean of the source area it covers
 * (fractional pixels weighted by their covered fraction), done separably along x then y.
 *
 * <p>Invariant: a constant image stays exactly constant and the mean over the image is kept
 * (up to float rounding), which bilinear sampling does not do when shrinking a lot.
 */
final class AreaResize {
    private AreaResize() {}

    /** [C, h, w] to [C, size, size]: centre-crop the longer side to a square, then area-resize. */
    static float[] centreCropAndResize(float[] chw, int channels, int h, int w, int size) {
        int side = Math.min(h, w);
        int top = (h - side) / 2;
        int left = (w - side) / 2;
        float[] out = new float[channels * size * size];
        double[] crop = new double[side * side];
        double[] alongX = new double[side * size];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) crop[y * side + x] = chw[c * h * w + (top + y) * w + left + x];
            }
            // [side, side] -> [side rows, size cols] -> [size, size].
            for (int y = 0; y < side; y++) {
                for (int ox = 0; ox < size; ox++) alongX[y * size + ox] = average(crop, y * side, 1, side, size, ox);
            }
            for (int oy = 0; oy < size; oy++) {
                for (int ox = 0; ox < size; ox++) out[c * size * size + oy * size + ox] = (float) average(alongX, ox, size, side, size, oy);
            }
        }
        return out;
    }

    /** Mean over output cell {@code o} of {@code m} cells spanning n samples {@code src[base + k * stride]}. */
    private static double average(double[] src, int base, int stride, int n, int m, int o) {
        double from = (double) o * n / m;
        double to = (double) (o + 1) * n / m;
        double sum = 0;
        for (int k = (int) Math.floor(from); k < Math.min(n, (int) Math.ceil(to)); k++) {
            double weight = Math.min(to, k + 1) - Math.max(from, k);
            sum += weight * src[base + k * stride];
        }
        return sum / (to - from);
    }
}
