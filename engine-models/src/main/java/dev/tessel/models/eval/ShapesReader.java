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
 * <p>Steps: each pixel takes the nearest palette colour (or background when the background is
 * nearer, or no colour is within {@code maxColorDistance}); pixels of one colour form objects by
 * 8-connectivity; blobs under {@code minArea32} pixels (at 32x32, scaled by area) are noise. Shape
 * from two scale-free measures: solidity (area / convex-hull area) separates the star, the only
 * concave shape; hull fill (convex-hull area / bounding-box area) then orders square (1) >
 * circle (pi/4) > triangle (1/2) — the hull, not the pixel count, so that a stray pixel at a
 * circle's tip (which widens the box) barely moves it. Size: the larger bounding-box side against {@link SizeClass#THRESHOLD_32}.
 * Relations from centroids ({@link Relation#between}).
 *
 * <p>Invariant: thresholds sit between the ranges the renderer produces (ShapesReaderTest
 * measures those ranges over thousands of renders and asserts the accuracy), so changing the
 * renderer means re-running that test.
 */
public final class ShapesReader {
    // Ranges measured on 13,539 rendered objects at each of 32, 40, 48 and 64 px (ShapesReaderTest).
    /** Below this solidity a blob is a star (stars render at 0.55-0.78, the convex shapes at 0.84-1). */
    static final double STAR_SOLIDITY = 0.81;
    /** Hull fill above this is a square (squares render at 1.0, circles at 0.76-0.91). */
    static final double SQUARE_FILL = 0.955;
    /** Hull fill above this (and not a square) is a circle; triangles render at 0.54-0.68. */
    static final double CIRCLE_FILL = 0.72;

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
        boolean[] seen = new boolean[h * w];
        for (int start = 0; start < h * w; start++) {
            if (labels[start] < 0 || seen[start]) continue;
            int label = labels[start];
            // Flood fill of one colour with 8-connectivity.
            int top = 0;
            stack[top++] = start;
            seen[start] = true;
            List<Integer> pixels = new ArrayList<>();
            while (top > 0) {
                int p = stack[--top];
                pixels.add(p);
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
            if (pixels.size() >= minArea) found.add(describe(ShapeColor.values()[label], pixels, w, scale));
        }
        found.sort(Comparator.comparingDouble((Detected d) -> Math.round(d.centerY())).thenComparingDouble(Detected::centerX));
        return found;
    }

    /** Palette index of each pixel, or -1 for background and unreadable colours. */
    private int[] colourLabels(float[] v, int h, int w) {
        int plane = h * w;
        ShapeColor[] palette = ShapeColor.values();
        double[][] rgb = new double[palette.length][];
        for (int i = 0; i < palette.length; i++) rgb[i] = palette[i].rgb();
        int[] labels = new int[plane];
        for (int p = 0; p < plane; p++) {
            double r = v[p];
            double g = v[plane + p];
            double b = v[2 * plane + p];
            double best = distance(r, g, b, ShapeColor.BACKGROUND);
            int label = -1;
            for (int i = 0; i < palette.length; i++) {
                double d = distance(r, g, b, rgb[i]);
                if (d < best) {
                    best = d;
                    label = i;
                }
            }
            labels[p] = best <= maxColorDistance ? label : -1;
        }
        return labels;
    }

    private static double distance(double r, double g, double b, double[] c) {
        return Math.sqrt((r - c[0]) * (r - c[0]) + (g - c[1]) * (g - c[1]) + (b - c[2]) * (b - c[2]));
    }

    private static Detected describe(ShapeColor color, List<Integer> pixels, int w, double scale) {
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
        int area = pixels.size();
        int bw = maxX - minX + 1;
        int bh = maxY - minY + 1;
        double hull = hullArea(pixels, w);
        double hullFill = hull / (bw * bh);
        double solidity = area / hull;
        ShapeKind shape = solidity < STAR_SOLIDITY ? ShapeKind.STAR
                : hullFill > SQUARE_FILL ? ShapeKind.SQUARE
                : hullFill > CIRCLE_FILL ? ShapeKind.CIRCLE
                : ShapeKind.TRIANGLE;
        SizeClass size = Math.max(bw, bh) > SizeClass.THRESHOLD_32 * scale ? SizeClass.LARGE : SizeClass.SMALL;
        return new Detected(color, shape, size, sx / area, sy / area, minX, minY, maxX, maxY, area, hullFill, solidity);
    }

    /** Area of the convex hull of the pixels' corners (so a full square's hull equals its area). */
    static double hullArea(List<Integer> pixels, int w) {
        long[] points = new long[pixels.size() * 4];
        int n = 0;
        for (int p : pixels) {
            int x = p % w;
            int y = p / w;
            for (int k = 0; k < 4; k++) points[n++] = pack(x + (k & 1), y + (k >> 1));
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
