// ShapeConfusion: how the exact reader reads each drawn object's shape in a changed copy of its
// image (a dVAE reconstruction), by the object's true shape and size: where a ceiling below 1 is lost.
//
// Invariant: every true object is counted once, as the shape read for the detected object of its
// colour nearest its centre, or as missing when no object of its colour lies within its own extent
// of that centre; on the clean drawings themselves every object counts as kept (ShapeConfusionTest).
package dev.tessel.models.eval;

import dev.tessel.models.data.ShapeKind;
import dev.tessel.models.data.ShapeObject;
import dev.tessel.models.data.SizeClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Counts of true shape and size -> shape read (or missing), over many images. */
public final class ShapeConfusion {
    private static final int MISSING = ShapeKind.values().length;

    /** [size][true shape][read shape, or MISSING]. */
    private final int[][][] counts = new int[SizeClass.values().length][ShapeKind.values().length][ShapeKind.values().length + 1];

    /** Tallies the objects drawn in one image against what the reader found in its copy. */
    public void add(List<ShapeObject> drawn, List<ShapesReader.Detected> read) {
        for (ShapeObject o : drawn) {
            ShapesReader.Detected nearest = ReaderCheck.nearest(read, o, d -> d.color() == o.color());
            int column = nearest == null || ReaderCheck.distance(nearest, o) > o.extent() ? MISSING : nearest.shape().ordinal();
            counts[o.size().ordinal()][o.shape().ordinal()][column]++;
        }
    }

    /** Objects of this shape and size counted. */
    public int objects(SizeClass size, ShapeKind shape) {
        int n = 0;
        for (int c : counts[size.ordinal()][shape.ordinal()]) n += c;
        return n;
    }

    /** Of those, how many were read as {@code readAs}. */
    public int readAs(SizeClass size, ShapeKind shape, ShapeKind readAs) {
        return counts[size.ordinal()][shape.ordinal()][readAs.ordinal()];
    }

    /** Of those, how many had no object of their colour near their centre. */
    public int missing(SizeClass size, ShapeKind shape) {
        return counts[size.ordinal()][shape.ordinal()][MISSING];
    }

    /** The share read as their own shape; NaN when none was counted. */
    public double kept(SizeClass size, ShapeKind shape) {
        int n = objects(size, shape);
        return n == 0 ? Double.NaN : readAs(size, shape, shape) / (double) n;
    }

    /**
     * One line per size: each shape's kept share, its count, and what it was read as most often
     * when lost, e.g. "small: square 0.75 of 331 (else circle 71)".
     */
    public List<String> summary() {
        List<String> lines = new ArrayList<>();
        for (SizeClass size : SizeClass.values()) {
            List<String> parts = new ArrayList<>();
            for (ShapeKind shape : ShapeKind.values()) {
                int n = objects(size, shape);
                if (n == 0) continue;
                String part = String.format(Locale.ROOT, "%s %.2f of %d", shape.word(), kept(size, shape), n);
                int[] readAs = counts[size.ordinal()][shape.ordinal()];
                int commonest = -1;   // the commonest misreading, if any
                for (int c = 0; c <= MISSING; c++) {
                    if (c != shape.ordinal() && readAs[c] > 0 && (commonest < 0 || readAs[c] > readAs[commonest])) commonest = c;
                }
                if (commonest >= 0) part += " (else " + (commonest == MISSING ? "missing" : ShapeKind.values()[commonest].word()) + " " + readAs[commonest] + ")";
                parts.add(part);
            }
            lines.add(size.word() + ":" + (parts.isEmpty() ? "" : " " + String.join(", ", parts)));
        }
        return lines;
    }
}
