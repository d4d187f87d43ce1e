package dev.tessel.models.data;

import dev.tessel.tensor.Tensor;
import java.util.List;

/**
 * Draws {@link ShapeObject}s on the plain background: a pixel takes an object's colour when its
 * centre lies inside the shape (no anti-aliasing), so every pixel is exactly one palette colour
 * or the background and an exact reader can recover the scene.
 *
 * <p>Invariants: shapes stand upright (triangle apex up, star point up) and fill their
 * extent x extent box as described in docs/data-shapes.md; objects do not overlap (the layout
 * guarantees it), so drawing order never matters.
 */
public final class ShapesRenderer {
    /** Inner to outer radius of the five-pointed star (a regular pentagram has 0.382; fatter reads better at 8 px). */
    static final double STAR_INNER_RATIO = 0.5;

    private ShapesRenderer() {}

    /** An F32 [3, size, size] image in [0, 1]. */
    public static Tensor render(List<ShapeObject> objects, int size) {
        float[] pixels = new float[3 * size * size];
        int plane = size * size;
        for (int c = 0; c < 3; c++) java.util.Arrays.fill(pixels, c * plane, (c + 1) * plane, (float) ShapeColor.BACKGROUND[c]);
        for (ShapeObject o : objects) draw(pixels, size, o);
        return Tensor.of(pixels, 3, size, size);
    }

    private static void draw(float[] pixels, int size, ShapeObject o) {
        double[] rgb = o.color().rgb();
        int plane = size * size;
        int x0 = Math.max(0, (int) Math.floor(o.x()));
        int y0 = Math.max(0, (int) Math.floor(o.y()));
        int x1 = Math.min(size - 1, (int) Math.ceil(o.x() + o.extent()));
        int y1 = Math.min(size - 1, (int) Math.ceil(o.y() + o.extent()));
        double[] star = o.shape() == ShapeKind.STAR ? starPolygon(o) : null;
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                if (!covers(o, star, x + 0.5, y + 0.5)) continue;
                int at = y * size + x;
                for (int c = 0; c < 3; c++) pixels[c * plane + at] = (float) rgb[c];
            }
        }
    }

    /** True when the point (px, py) lies inside the object's shape. */
    static boolean covers(ShapeObject o, double[] starPolygon, double px, double py) {
        double e = o.extent();
        double u = px - o.x();
        double v = py - o.y();
        return switch (o.shape()) {
            case SQUARE -> u >= 0 && u < e && v >= 0 && v < e;
            case CIRCLE -> {
                // Strictly inside: a pixel centre exactly on the circle (which happens at the four
                // extremes when the centre sits on a pixel centre) would stick out as a one-pixel nub.
                double du = u - e / 2;
                double dv = v - e / 2;
                yield du * du + dv * dv < e * e / 4;
            }
            // Apex (e/2, 0), base from (0, e) to (e, e): inside when below both slanted edges.
            case TRIANGLE -> v <= e && v >= 2 * Math.abs(u - e / 2);
            case STAR -> insidePolygon(starPolygon, px, py);
        };
    }

    /**
     * The star's 10 vertices {x0, y0, x1, y1, ...}: outer radius R with width 2R sin 72 equal to
     * the extent, centred in the box (its height, R (1 + cos 36), is 0.95 of the width).
     */
    static double[] starPolygon(ShapeObject o) {
        double e = o.extent();
        double outer = e / (2 * Math.sin(Math.toRadians(72)));
        double inner = outer * STAR_INNER_RATIO;
        double height = outer * (1 + Math.cos(Math.toRadians(36)));
        double cx = o.x() + e / 2;
        double cy = o.y() + (e - height) / 2 + outer;
        double[] xy = new double[20];
        for (int k = 0; k < 10; k++) {
            double radius = k % 2 == 0 ? outer : inner;
            double angle = Math.toRadians(-90 + 36 * k);
            xy[2 * k] = cx + radius * Math.cos(angle);
            xy[2 * k + 1] = cy + radius * Math.sin(angle);
        }
        return xy;
    }

    /** Even-odd ray casting. */
    private static boolean insidePolygon(double[] xy, double px, double py) {
        boolean inside = false;
        int n = xy.length / 2;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double xi = xy[2 * i], yi = xy[2 * i + 1], xj = xy[2 * j], yj = xy[2 * j + 1];
            if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi) inside = !inside;
        }
        return inside;
    }
}
