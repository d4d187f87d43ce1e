package dev.tessel.models.eval;

import dev.tessel.models.data.Example;
import dev.tessel.models.data.Relation;
import dev.tessel.models.data.ShapeObject;
import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.function.Predicate;

/**
 * Measures {@link ShapesReader} against the {@code shapes} data set's own ground truth: reads n
 * scenes of a split (optionally blurred and/or noised first) and counts, per attribute, the
 * objects read wrong, and how many captions {@link CaptionMatch} accepts.
 *
 * <p>Invariant: an object is compared with the detected object whose centroid is nearest its box
 * centre; a scene whose object count is wrong counts as a count error and its objects are not
 * compared further (there is no fair pairing).
 */
public final class ReaderCheck {
    /** What to do to each render before reading it. */
    public record Damage(boolean blur, double noiseSigma) {
        public static final Damage NONE = new Damage(false, 0);
    }

    /** Totals of one check; {@code firstMiss} describes the first wrong reading (null if none). */
    public record Tally(int scenes, int objects, int countErrors, int colorErrors, int shapeErrors, int sizeErrors,
                        int relationErrors, int captionMatches, String firstMiss) {
        public int objectErrors() {
            return colorErrors + shapeErrors + sizeErrors;
        }
    }

    private ReaderCheck() {}

    public static Tally run(ShapesReader reader, Split split, long seed, int imageSize, int scenes, Damage damage) {
        ShapesDataset data = new ShapesDataset(split, seed, imageSize);
        int objects = 0, count = 0, color = 0, shape = 0, size = 0, relation = 0, matches = 0;
        String firstMiss = null;
        for (int i = 0; i < scenes; i++) {
            Example e = data.get(i);
            Tensor image = e.image();
            if (damage.blur()) image = ImageSoftening.blur(image);
            if (damage.noiseSigma() > 0) image = ImageSoftening.noise(image, damage.noiseSigma(), seed, ((long) split.ordinal() << 40) + i);
            List<ShapesReader.Detected> found = reader.read(image);
            if (CaptionMatch.judge(ShapesCaption.parse(e.caption()), found).matches()) matches++;
            objects += e.objects().size();
            String where = "scene " + i + " '" + e.caption() + "' " + e.objects() + " read as " + found;
            if (found.size() != e.objects().size()) {
                count++;
                if (firstMiss == null) firstMiss = where;
                continue;
            }
            for (ShapeObject truth : e.objects()) {
                ShapesReader.Detected d = nearest(found, truth);
                boolean ok = true;
                if (d.color() != truth.color()) { color++; ok = false; }
                if (d.shape() != truth.shape()) { shape++; ok = false; }
                if (d.size() != truth.size()) { size++; ok = false; }
                if (!ok && firstMiss == null) firstMiss = where;
            }
            if (e.objects().size() == 2) {
                ShapeObject a = e.objects().get(0);
                ShapeObject b = e.objects().get(1);
                Relation truth = Relation.between(a.centerX(), a.centerY(), b.centerX(), b.centerY());
                if (nearest(found, a).relationTo(nearest(found, b)) != truth) {
                    relation++;
                    if (firstMiss == null) firstMiss = where;
                }
            }
        }
        return new Tally(scenes, objects, count, color, shape, size, relation, matches, firstMiss);
    }

    private static ShapesReader.Detected nearest(List<ShapesReader.Detected> found, ShapeObject o) {
        return nearest(found, o, d -> true);
    }

    /** The eligible detected object whose centroid is nearest {@code o}'s box centre; null when none is eligible. */
    static ShapesReader.Detected nearest(List<ShapesReader.Detected> found, ShapeObject o, Predicate<ShapesReader.Detected> eligible) {
        ShapesReader.Detected best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (ShapesReader.Detected d : found) {
            if (!eligible.test(d)) continue;
            double dist = distance(d, o);
            if (dist < bestDistance) {
                bestDistance = dist;
                best = d;
            }
        }
        return best;
    }

    /** From a detected object's centroid to a drawn object's box centre, in pixels. */
    static double distance(ShapesReader.Detected d, ShapeObject o) {
        return Math.hypot(d.centerX() - o.centerX(), d.centerY() - o.centerY());
    }
}
