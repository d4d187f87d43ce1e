package dev.tessel.models.eval;

import dev.tessel.models.data.ShapesCaption;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Does a {@code shapes} image show what its caption says? Reads the image with the exact
 * {@link ShapesReader}, parses the caption with {@link ShapesCaption}, and judges it per
 * category, as DrawBench groups prompts: colour, shape, count, spatial relation (and size when
 * the caption has a size word).
 *
 * <p>Rules (the report's numbers mean exactly this):
 * <ul>
 * <li>count: the image has exactly as many objects as the caption names;
 * <li>color / shape: each caption object can be paired with its own detected object of that
 *     colour (shape), ignoring the other attributes;
 * <li>size and relation are read on the best pairing — the one matching the most colour, shape
 *     and size words, a pairing where the relation holds winning ties; a missing object fails them;
 * <li>match: count holds and one pairing matches every word of the caption, relation included.
 * </ul>
 * Invariant: categories a caption does not mention (size without a size word, relation for one
 * object) are absent from {@link Result#checks()}, never counted as passed.
 */
public final class CaptionMatch {
    /** What a caption can ask for. */
    public enum Category { COLOR, SHAPE, COUNT, SIZE, RELATION }

    /**
     * @param checks   verdict per category the caption mentions, in {@link Category} order
     * @param matches  every word of the caption holds
     */
    public record Result(ShapesCaption caption, List<ShapesReader.Detected> detected, Map<Category, Boolean> checks, boolean matches) {}

    private final ShapesReader reader;

    public CaptionMatch() {
        this(new ShapesReader());
    }

    public CaptionMatch(ShapesReader reader) {
        this.reader = reader;
    }

    public Result judge(String caption, Tensor image) {
        return judge(ShapesCaption.parse(caption), reader.read(image));
    }

    /** Judges objects already read from an image. */
    public static Result judge(ShapesCaption caption, List<ShapesReader.Detected> detected) {
        List<ShapesCaption.Phrase> wanted = caption.objects();
        List<int[]> pairings = pairings(wanted.size(), detected.size());
        boolean color = false;
        boolean shape = false;
        boolean full = false;
        int[] best = null;
        int bestScore = -1;
        boolean bestRelation = false;
        for (int[] p : pairings) {
            boolean colorsOk = true;
            boolean shapesOk = true;
            int score = 0;
            boolean attributesOk = true;
            for (int i = 0; i < wanted.size(); i++) {
                ShapesCaption.Phrase w = wanted.get(i);
                if (p[i] < 0) {
                    colorsOk = shapesOk = attributesOk = false;
                    continue;
                }
                ShapesReader.Detected d = detected.get(p[i]);
                boolean c = d.color() == w.color();
                boolean s = d.shape() == w.shape();
                boolean z = w.size() == null || d.size() == w.size();
                colorsOk &= c;
                shapesOk &= s;
                attributesOk &= c && s && z;
                score += (c ? 1 : 0) + (s ? 1 : 0) + (w.size() != null && z ? 1 : 0);
            }
            boolean relationOk = relationHolds(caption, detected, p);
            color |= colorsOk;
            shape |= shapesOk;
            full |= attributesOk && relationOk;
            if (score > bestScore || (score == bestScore && relationOk && !bestRelation)) {
                best = p;
                bestScore = score;
                bestRelation = relationOk;
            }
        }
        Map<Category, Boolean> checks = new EnumMap<>(Category.class);
        checks.put(Category.COLOR, color);
        checks.put(Category.SHAPE, shape);
        boolean count = detected.size() == wanted.size();
        checks.put(Category.COUNT, count);
        for (int i = 0; i < wanted.size(); i++) {
            if (wanted.get(i).size() == null) continue;
            boolean ok = best[i] >= 0 && detected.get(best[i]).size() == wanted.get(i).size();
            checks.merge(Category.SIZE, ok, Boolean::logicalAnd);
        }
        if (caption.relation() != null) checks.put(Category.RELATION, bestRelation);
        return new Result(caption, detected, Collections.unmodifiableMap(checks), count && full);
    }

    /**
     * Rates of a set of judged images: per category the fraction of the images whose caption
     * mentions it that pass it, and the fraction that match their caption in full.
     */
    public static final class Tally {
        private final Map<Category, int[]> counts = new EnumMap<>(Category.class);   // {passed, mentioned}
        private int matched, images;

        public void add(Result r) {
            r.checks().forEach((category, ok) -> {
                int[] c = counts.computeIfAbsent(category, k -> new int[2]);
                c[0] += ok ? 1 : 0;
                c[1]++;
            });
            matched += r.matches() ? 1 : 0;
            images++;
        }

        public int images() { return images; }

        /** Fraction passing {@code category} among the images whose caption mentions it; NaN when none does. */
        public double rate(Category category) {
            int[] c = counts.get(category);
            return c == null ? Double.NaN : c[0] / (double) c[1];
        }

        public double matchRate() { return images == 0 ? Double.NaN : matched / (double) images; }

        /** "color 0.950  shape 0.400  count 0.980  size 1.000  relation 0.700  match 0.310" (mentioned categories only). */
        public String summary() {
            StringBuilder sb = new StringBuilder();
            for (Category c : Category.values()) {
                if (counts.containsKey(c)) sb.append(String.format(java.util.Locale.ROOT, "%s %.3f  ", c.name().toLowerCase(java.util.Locale.ROOT), rate(c)));
            }
            return sb.append(String.format(java.util.Locale.ROOT, "match %.3f", matchRate())).toString();
        }
    }

    private static boolean relationHolds(ShapesCaption caption, List<ShapesReader.Detected> detected, int[] pairing) {
        if (caption.relation() == null) return true;
        if (pairing[0] < 0 || pairing[1] < 0) return false;
        return detected.get(pairing[0]).relationTo(detected.get(pairing[1])) == caption.relation();
    }

    /**
     * Every injective map of k caption objects into n detected ones; when n < k, exactly k - n
     * caption objects (any of them) map to -1 (missing). Small: k <= 2.
     */
    static List<int[]> pairings(int k, int n) {
        List<int[]> out = new ArrayList<>();
        extend(new int[k], 0, Math.max(0, k - n), new boolean[n], out);
        return out;
    }

    private static void extend(int[] partial, int i, int missingLeft, boolean[] used, List<int[]> out) {
        if (i == partial.length) {
            out.add(partial.clone());
            return;
        }
        for (int j = 0; j < used.length; j++) {
            if (used[j]) continue;
            used[j] = true;
            partial[i] = j;
            extend(partial, i + 1, missingLeft, used, out);
            used[j] = false;
        }
        if (missingLeft > 0) {
            partial[i] = -1;
            extend(partial, i + 1, missingLeft - 1, used, out);
        }
    }
}
