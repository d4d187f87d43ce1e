package dev.tessel.models.eval;

import dev.tessel.models.data.Relation;
import dev.tessel.models.data.ShapeColor;
import dev.tessel.models.data.ShapeKind;
import dev.tessel.models.data.SizeClass;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The exact attribute reader of the {@code shapes} data set: reads colour, shape, size and
 * position of every object from the pixels by plain geometry — no learned model, so it can judge
 * generated images without sharing a learned model's blind spots.
 *
 * <p>Steps: each pixel is read as a mix of the background with the palette colour whose mixing
 * line passes nearest, and counts as that colour when it is at least half colour and within
 * {@code maxColorDistance} of the line (so blurred edges split at their midpoint); pixels of one colour form objects by
 * 8-connectivity; blobs under {@code minArea32} pixels (at 32x32, scaled by area) are noise. Shape
 * from three scale-free measures, in this order: the drop of the centroid below the box centre
 * marks the triangle (its mass sits in the base — a measure blur barely moves); solidity (area /
 * convex-hull area) marks the star, the only concave shape; hull fill (convex-hull area /
 * bounding-box area) then tells the square (1) from the circle (pi/4) — the hull, not the pixel
 * count, so a stray pixel at a circle's tip barely moves it. Size: the larger bounding-box side
 * against {@link SizeClass#THRESHOLD_32}.
 * Relations from centroids ({@link Relation#between}).
 *
 * <p>Invariant: thresholds sit between the ranges the renderer produces (ShapesReaderTest
 * measures those ranges over thousands of renders and asserts the accuracy), so changing the
 * renderer means re-running that test.
 */
public final class ShapesReader {
    // Ranges measured on 13,539 rendered objects at each of 32, 40, 48 and 64 px, clean and after
    // a 3x3 [1 2 1] blur at 32 px (ShapesReaderTest checks the clean ones exactly).
    /**
     * Centroid below the box centre by more than this fraction of the box height is a triangle
     * (triangles sit at 0.105-0.166, clean or blurred: their mass is in the base; stars at 0.02-0.08,
     * circles and squares at 0). Checked first because blur rounds a small triangle's hull.
     */
    static final double TRIANGLE_DROP = 0.093;
    /** Below this solidity a blob is a star (stars 0.55-0.78 clean, up to 0.86 blurred; circles 0.91-0.97). */
    static final double STAR_SOLIDITY = 0.885;
    /** Hull fill above this is a square (squares render at 1.0, circles at 0.79-0.93). */
    static final double SQUARE_FILL = 0.955;

    private final double maxColorDistance;
    private final double minArea32;

    /** Defaults: a pixel must be within 0.3 (RGB distance) of a palette colour; blobs of 6+ px at 32x32 count. */
    public ShapesReader() {
        this(0.3, 6);
    }

    public ShapesReader(double maxColorDistance, double minArea32) {
        this.maxColorDistance = maxColorDistance;
        this.minArea32 = minArea32;
    }

    /** One object read from an image; coordinates in pixels of that image. */
    public record Detected(ShapeColor color, ShapeKind shape, SizeClass size, double centerX, double centerY,
                           int minX, int minY, int maxX, int maxY, int area, double hullFill, double solidity) {
        /** This object's relation to {@code other}, e.g. ABOVE when this one is higher. */
        public Relation relationTo(Detected other) {
            return Relation.between(centerX, centerY, other.centerX, other.centerY);
        }
    }

    /** The objects of a [3, H, W] image, in raster order of their centroids. */
    public List<Detected> read(Tensor image) {
        if (image.rank() != 3 || image.dim(0) != 3 || !image.dtype().isFloating()) {
            throw new IllegalArgumentException("ShapesReader: expected a floating [3, H, W] image, got " + image.dtype() + " " + image.shape());
        }
        int h = image.dim(1);
        int w = image.dim(2);
        int[] labels = colourLabels(image.contiguous().toFloatArray(), h, w);
        double scale = w / 32.0;
        double minArea = minArea32 * scale * scale;
        List<Detected> found = new ArrayList<>();
        int[] stack = new int[h * w];
        int[] component = new int[h * w];
        boolean[] seen = new boolean[h * w];
        for (int start = 0; start < h * w; start++) {
            if (labels[start] < 0 || seen[start]) continue;
            int label = labels[start];
            // Flood fill of one colour with 8-connectivity.
            int top = 0;
            stack[top++] = start;
            seen[start] = true;
            int count = 0;
            while (top > 0) {
                int p = stack[--top];
                component[count++] = p;
                int py = p / w;
                int px = p % w;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int ny = py + dy;
                        int nx = px + dx;
                        if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
                        int q = ny * w + nx;
                        if (!seen[q] && labels[q] == label) {
                            seen[q] = true;
                            stack[top++] = q;
                        }
                    }
                }
            }
            if (count >= minArea) found.add(describe(ShapeColor.values()[label], Arrays.copyOf(component, count), w, scale));
        }
        found.sort(Comparator.comparingDouble((Detected d) -> Math.round(d.centerY())).thenComparingDouble(Detected::centerX));
        return found;
    }

    /**
     * Palette index of each pixel, or -1 for background and unreadable colours. A pixel is read as
     * a mix of the background and one palette colour — p = bg + a (c - bg), a clamped to [0, 1] —
     * because that is what a soft or blurred edge of an object on the background looks like: the
     * colour whose mixing line passes nearest wins, and the pixel belongs to the object when the
     * mix is at least half colour (a >= 0.5) and the line passes within maxColorDistance. On a
     * clean render a is 0 or 1 and this is plain nearest-colour reading.
     */
    private int[] colourLabels(float[] v, int h, int w) {
        int plane = h * w;
        ShapeColor[] palette = ShapeColor.values();
        double[] bg = ShapeColor.BACKGROUND;
        double[][] dir = new double[palette.length][3];
        double[] norm2 = new double[palette.length];
        for (int i = 0; i < palette.length; i++) {
            double[] c = palette[i].rgb();
            for (int k = 0; k < 3; k++) dir[i][k] = c[k] - bg[k];
            norm2[i] = dir[i][0] * dir[i][0] + dir[i][1] * dir[i][1] + dir[i][2] * dir[i][2];
        }
        double limit = maxColorDistance * maxColorDistance;
        int[] labels = new int[plane];
        for (int p = 0; p < plane; p++) {
            double dr = v[p] - bg[0];
            double dg = v[plane + p] - bg[1];
            double db = v[2 * plane + p] - bg[2];
            double best = Double.POSITIVE_INFINITY;
            double bestMix = 0;
            int label = -1;
            for (int i = 0; i < palette.length; i++) {
                double mix = Math.min(1, Math.max(0, (dr * dir[i][0] + dg * dir[i][1] + db * dir[i][2]) / norm2[i]));
                double er = dr - mix * dir[i][0];
                double eg = dg - mix * dir[i][1];
                double eb = db - mix * dir[i][2];
                double residual = er * er + eg * eg + eb * eb;
                if (residual < best) {
                    best = residual;
                    bestMix = mix;
                    label = i;
                }
            }
            labels[p] = best <= limit && bestMix >= 0.5 ? label : -1;
        }
        return labels;
    }

    private static Detected describe(ShapeColor color, int[] pixels, int w, double scale) {
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        double sx = 0, sy = 0;
        for (int p : pixels) {
            int x = p % w;
            int y = p / w;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
            sx += x + 0.5;
            sy += y + 0.5;
        }
        int area = pixels.length;
        int bw = maxX - minX + 1;
        int bh = maxY - minY + 1;
        double hull = hullArea(pixels, w);
        double hullFill = hull / (bw * bh);
        double solidity = area / hull;
        double drop = (sy / area - (minY + maxY + 1) / 2.0) / bh;
        ShapeKind shape = drop > TRIANGLE_DROP ? ShapeKind.TRIANGLE
                : solidity < STAR_SOLIDITY ? ShapeKind.STAR
                : hullFill > SQUARE_FILL ? ShapeKind.SQUARE
                : ShapeKind.CIRCLE;
        SizeClass size = Math.max(bw, bh) > SizeClass.THRESHOLD_32 * scale ? SizeClass.LARGE : SizeClass.SMALL;
        return new Detected(color, shape, size, sx / area, sy / area, minX, minY, maxX, maxY, area, hullFill, solidity);
    }

    /**
     * Area of the convex hull of the pixels' corners (so a full square's hull equals its area).
     * Only the outer corners of each row's leftmost and rightmost pixel can be hull vertices.
     */
    static double hullArea(int[] pixels, int w) {
        java.util.Map<Integer, int[]> rowSpan = new java.util.TreeMap<>();
        for (int p : pixels) {
            int[] span = rowSpan.computeIfAbsent(p / w, y -> new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE});
            span[0] = Math.min(span[0], p % w);
            span[1] = Math.max(span[1], p % w);
        }
        long[] points = new long[rowSpan.size() * 4];
        int n = 0;
        for (var row : rowSpan.entrySet()) {
            int y = row.getKey();
            int[] span = row.getValue();
            points[n++] = pack(span[0], y);
            points[n++] = pack(span[0], y + 1);
            points[n++] = pack(span[1] + 1, y);
            points[n++] = pack(span[1] + 1, y + 1);
        }
        Arrays.sort(points);
        int[] hx = new int[2 * points.length + 1];
        int[] hy = new int[2 * points.length + 1];
        int k = 0;
        // Andrew's monotone chain: lower hull left to right, then upper hull right to left.
        for (long pt : points) {
            while (k >= 2 && cross(hx[k - 2], hy[k - 2], hx[k - 1], hy[k - 1], (int) (pt >> 32), (int) pt) <= 0) k--;
            hx[k] = (int) (pt >> 32);
            hy[k++] = (int) pt;
        }
        for (int i = points.length - 2, lower = k + 1; i >= 0; i--) {
            long pt = points[i];
            while (k >= lower && cross(hx[k - 2], hy[k - 2], hx[k - 1], hy[k - 1], (int) (pt >> 32), (int) pt) <= 0) k--;
            hx[k] = (int) (pt >> 32);
            hy[k++] = (int) pt;
        }
        k--; // the last point repeats the first
        double twice = 0;
        for (int i = 0; i < k; i++) {
            int j = (i + 1) % k;
            twice += (double) hx[i] * hy[j] - (double) hx[j] * hy[i];
        }
        return Math.abs(twice) / 2;
    }

    private static long pack(int x, int y) {
        return ((long) x << 32) | (y & 0xFFFFFFFFL);
    }

    private static long cross(int ox, int oy, int ax, int ay, int bx, int by) {
        return (long) (ax - ox) * (by - oy) - (long) (ay - oy) * (bx - ox);
    }
}
