// ShapesEvaluation: caption match of generated shapes images, judged by the exact attribute
// reader (never the reranker): per category, random candidate vs reranked top-1, on seen and on
// held-out compositions; top-1 match against N; the Fréchet distance of generated to real
// held-out images on the reranker's image features.
//
// Invariants: "random" is the mean over all N candidates (the expected score of an unranked
// pick); "top-1" is the best-scored candidate; the curve at N uses the first N candidates in
// sampling order, so N = 1 equals a random pick; a category is averaged only over prompts that
// mention it. Prompts alternate seen / held-out, and evaluation stops adding prompts before one
// would end past its wall-clock cap, reporting how many it did.
package dev.tessel.models.pipeline;

import dev.tessel.models.clip.ClipModel;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.eval.CaptionMatch;
import dev.tessel.models.eval.FrechetDistance;
import dev.tessel.models.eval.ReconstructionMatch;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;

/** Runs the evaluation and summarises it. */
public final class ShapesEvaluation {
    /** Candidate counts of the top-1-against-N curve (the paper saw gains up to 32). */
    public static final int[] CURVE_N = {1, 2, 4, 8, 16, 32};

    /** Fixed prompts shown in the report's gallery; the held-out ones contain a held-out colour-shape pair. */
    public static final List<String> GALLERY = List.of(
            "a red circle", "a large blue square", "a green triangle above a yellow circle", "a purple star left of a red square",
            "a red triangle", "a blue circle", "a yellow square below a purple circle", "a green star right of a white square");

    /**
     * Rate per category (and the overall match) for random picks and for reranked top-1, over
     * {@code prompts} prompts; {@code anyMatch} is the share of prompts with at least one matching
     * candidate: the top-1 match a perfect reranker would reach with these samples (so top-1 below
     * it is the reranker's loss, and it below 1 is the generator's).
     */
    public record Rates(int prompts, Map<String, Double> random, Map<String, Double> top1, double anyMatch) {}

    /** The whole evaluation. */
    public record Summary(List<PromptOutcome> outcomes, Rates seen, Rates heldOut, double[] curveSeen, double[] curveHeldOut,
                          double frechetHeldOut, double frechetRealTestVsHeldOut, double retrievalSeen, double retrievalHeldOut,
                          ReconstructionMatch ceilingSeen, ReconstructionMatch ceilingHeldOut, ShapeChoice shapeChoiceSeen, ShapeChoice shapeChoiceHeldOut,
                          double seconds, boolean timeBoxed) {}

    /**
     * How often the reranker scores an image's own caption above its shape twin (the same caption with
     * one object's shape changed to one seen with its colour; chance 0.5), on real images of one split
     * and on their dVAE reconstructions (what generated images look like): whether reranking can pick
     * shapes at all -- on held-out images, in colour-shape pairs it never saw.
     */
    public record ShapeChoice(int images, double real, double reconstructed) {}

    /** Real images per split whose dVAE reconstructions are judged: the ceiling rows of the table. */
    static final int CEILING_IMAGES = 256;

    /** Real images per batch of the reranker's retrieval check. */
    static final int RETRIEVAL_BATCH = 32;

    private ShapesEvaluation() {}

    /** Seen prompts (gallery ones first, then distinct captions of the TEST split) and held-out ones likewise. */
    static List<String> prompts(DemoConfig c, boolean heldOut, int count) {
        Set<String> out = new LinkedHashSet<>();
        for (String g : GALLERY) if (ShapesCaption.parse(g).containsHeldOutPair() == heldOut) out.add(g);
        ShapesDataset source = new ShapesDataset(heldOut ? Split.HELD_OUT : Split.TEST, c.dataSeed(), c.imageSize());
        for (long i = 0; out.size() < Math.max(count, 1); i++) out.add(source.scene(i).caption().text());
        return new ArrayList<>(out).subList(0, Math.max(count, 1));
    }

    static Summary run(DemoConfig c, CandidateGenerator generator, ClipModel clip, LongFunction<ProgressBar> bars) {
        long start = System.nanoTime();
        List<String> seen = prompts(c, false, c.evalPromptsPerSet()), held = prompts(c, true, c.evalPromptsPerSet());
        CaptionMatch judge = new CaptionMatch();
        List<PromptOutcome> outcomes = new ArrayList<>();
        List<Tensor> heldOutFeatures = new ArrayList<>();
        boolean timeBoxed = false;
        int total = seen.size() + held.size();
        ProgressBar bar = bars.apply(total).rateIn(c.candidates(), "img");
        double lastPromptSeconds = 0;
        for (int k = 0; k < total; k++) {
            // stop before a prompt that would end past the cap (at the pace of the last one); one of each kind always runs
            if (k >= 2 && (System.nanoTime() - start) / 1e9 + lastPromptSeconds >= c.evalSeconds()) {
                timeBoxed = true;
                break;
            }
            long promptStart = System.nanoTime();
            boolean heldOut = k % 2 == 1;
            List<String> list = heldOut ? held : seen;
            if (k / 2 >= list.size()) continue;
            String caption = list.get(k / 2);
            Tensor images = generator.sample(caption, c.candidates(), c.seed() * 7919 + k);
            double[] scores = clip.scores(caption, images);
            if (heldOut) heldOutFeatures.add(clip.embedImages(images));
            List<Map<CaptionMatch.Category, Boolean>> checks = new ArrayList<>();
            boolean[] matches = new boolean[scores.length];
            for (int i = 0; i < scores.length; i++) {
                CaptionMatch.Result r = judge.judge(caption, images.slice(0, i, i + 1).squeeze(0));
                checks.add(r.checks());
                matches[i] = r.matches();
            }
            outcomes.add(new PromptOutcome(caption, heldOut, scores, checks, matches, GALLERY.contains(caption) ? images : null));
            if (!GALLERY.contains(caption)) images.close();
            lastPromptSeconds = (System.nanoTime() - promptStart) / 1e9;
            bar.update(k + 1);
        }
        bar.close();
        List<PromptOutcome> seenOut = outcomes.stream().filter(o -> !o.heldOut()).toList();
        List<PromptOutcome> heldOut = outcomes.stream().filter(PromptOutcome::heldOut).toList();
        double fid = Double.NaN, fidReal = Double.NaN;
        if (!heldOutFeatures.isEmpty()) {
            Tensor generated = stackRows(heldOutFeatures);
            int n = generated.dim(0);
            if (n >= 2) {
                Tensor realHeld = realFeatures(c, clip, Split.HELD_OUT, n), realTest = realFeatures(c, clip, Split.TEST, n);
                fid = FrechetDistance.between(generated, realHeld);
                fidReal = FrechetDistance.between(realTest, realHeld);
            }
        }
        return new Summary(outcomes, rates(seenOut), rates(heldOut), curve(seenOut, c.candidates()), curve(heldOut, c.candidates()),
                fid, fidReal, retrieval(c, clip, Split.TEST), retrieval(c, clip, Split.HELD_OUT),
                ceiling(c, generator, Split.TEST), ceiling(c, generator, Split.HELD_OUT), shapeChoice(c, clip, generator, Split.TEST),
                shapeChoice(c, clip, generator, Split.HELD_OUT),
                (System.nanoTime() - start) / 1e9, timeBoxed);
    }

    /** Real images of a split (and their reconstructions) the shape-choice check scores, in batches of 64. */
    static final int SHAPE_CHOICE_IMAGES = 256;

    static ShapeChoice shapeChoice(DemoConfig c, ClipModel clip, CandidateGenerator generator, Split split) {
        ShapesDataset data = new ShapesDataset(split, c.dataSeed(), c.imageSize());
        java.util.SplittableRandom random = new java.util.SplittableRandom(c.seed());
        int real = 0, reconstructed = 0;
        for (int from = 0; from < SHAPE_CHOICE_IMAGES; from += 64) {
            try (ImageBatch batch = ImageBatch.range(data, from, Math.min(64, SHAPE_CHOICE_IMAGES - from));
                 Tensor decoded = generator.dvae().decode(generator.dvae().encode(batch.images()))) {
                List<String> twins = new ArrayList<>();
                for (String caption : batch.captions()) twins.add(ShapesCaption.parse(caption).shapeTwin(random).text());
                real += ownCaptionWins(clip, batch.images(), batch.captions(), twins);
                reconstructed += ownCaptionWins(clip, decoded, batch.captions(), twins);
            }
        }
        return new ShapeChoice(SHAPE_CHOICE_IMAGES, (double) real / SHAPE_CHOICE_IMAGES, (double) reconstructed / SHAPE_CHOICE_IMAGES);
    }

    /** Images whose own caption scores above their twin caption. */
    private static int ownCaptionWins(ClipModel clip, Tensor images, List<String> captions, List<String> twins) {
        Tensor own = similarities(clip, images, captions), twin = similarities(clip, images, twins);
        int wins = 0;
        for (int i = 0; i < captions.size(); i++) if (own.get(i, i) > twin.get(i, i)) wins++;
        return wins;
    }

    /** Cosine similarities of every image with every text, [images, texts], without a graph. */
    private static Tensor similarities(ClipModel clip, Tensor images, List<String> texts) {
        try (var noGrad = dev.tessel.autograd.Autograd.noGrad()) {
            return dev.tessel.autograd.Ops.matmul(clip.imageFeatures(dev.tessel.autograd.Variable.constant(images)),
                    clip.textFeatures(texts), false, true).value();
        }
    }

    /** The reader on real images of {@code split} and on their dVAE reconstructions (what no sample can exceed). */
    private static ReconstructionMatch ceiling(DemoConfig c, CandidateGenerator generator, Split split) {
        try (ImageBatch batch = ImageBatch.range(new ShapesDataset(split, c.dataSeed(), c.imageSize()), 0, CEILING_IMAGES)) {
            return ReconstructionMatch.of(generator.dvae(), batch, 64);
        }
    }

    static Rates rates(List<PromptOutcome> outcomes) {
        Map<String, double[]> random = new java.util.LinkedHashMap<>(), top1 = new java.util.LinkedHashMap<>();
        for (PromptOutcome o : outcomes) {
            int best = o.bestOf(o.candidates());
            Map<String, Double> meanChecks = new java.util.LinkedHashMap<>();
            for (CaptionMatch.Category cat : CaptionMatch.Category.values()) {
                if (!o.checks().getFirst().containsKey(cat)) continue;
                double sum = 0;
                for (var ch : o.checks()) sum += ch.get(cat) ? 1 : 0;
                add(random, label(cat), sum / o.candidates());
                add(top1, label(cat), o.checks().get(best).get(cat) ? 1 : 0);
            }
            add(random, "match", o.matchRate());
            add(top1, "match", o.matches()[best] ? 1 : 0);
        }
        double anyMatch = outcomes.isEmpty() ? Double.NaN : outcomes.stream().filter(o -> o.matchRate() > 0).count() / (double) outcomes.size();
        return new Rates(outcomes.size(), means(random), means(top1), anyMatch);
    }

    /**
     * The rates of the prompts of one set ({@code heldOut}) that name {@code objects} objects: one-object
     * prompts and two-object prompts fail for different reasons, and the set's rate mixes them.
     */
    static Rates ratesByObjects(List<PromptOutcome> outcomes, boolean heldOut, int objects) {
        return rates(outcomes.stream().filter(o -> o.heldOut() == heldOut && ShapesCaption.parse(o.caption()).objects().size() == objects).toList());
    }

    /** One row of the split by objects: a set, an object count, and the rates of its prompts. */
    record ObjectSplit(boolean heldOut, int objects, Rates rates) {
        String setName() { return heldOut ? "held-out" : "seen"; }
    }

    /** Seen then held-out, one then two objects; kinds with no prompt are left out (what the report and the console print). */
    static List<ObjectSplit> splitByObjects(List<PromptOutcome> outcomes) {
        List<ObjectSplit> rows = new ArrayList<>();
        for (boolean heldOut : new boolean[] {false, true}) {
            for (int objects = 1; objects <= 2; objects++) {
                Rates r = ratesByObjects(outcomes, heldOut, objects);
                if (r.prompts() > 0) rows.add(new ObjectSplit(heldOut, objects, r));
            }
        }
        return rows;
    }

    static String label(CaptionMatch.Category c) { return c.name().toLowerCase(java.util.Locale.ROOT); }

    private static void add(Map<String, double[]> acc, String key, double v) {
        double[] s = acc.computeIfAbsent(key, k -> new double[2]);
        s[0] += v;
        s[1]++;
    }

    private static Map<String, Double> means(Map<String, double[]> acc) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (String k : List.of("color", "shape", "count", "size", "relation", "match")) {
            double[] s = acc.get(k);
            if (s != null) out.put(k, s[0] / s[1]);
        }
        return out;
    }

    /** Top-1 match among the first N candidates, for each N of CURVE_N that is at most {@code candidates} (NaN beyond). */
    static double[] curve(List<PromptOutcome> outcomes, int candidates) {
        double[] out = new double[CURVE_N.length];
        for (int j = 0; j < CURVE_N.length; j++) {
            int n = CURVE_N[j];
            if (n > candidates || outcomes.isEmpty()) {
                out[j] = Double.NaN;
                continue;
            }
            double sum = 0;
            for (PromptOutcome o : outcomes) sum += o.matches()[o.bestOf(n)] ? 1 : 0;
            out[j] = sum / outcomes.size();
        }
        return out;
    }

    /**
     * The reranker alone, on real images: over a batch of real images with distinct captions, the
     * share of images whose own caption scores highest among the batch's captions (chance is
     * 1 / batch size). Reranking can only help when this is well above chance.
     */
    static double retrieval(DemoConfig c, ClipModel clip, Split split) {
        ShapesDataset data = new ShapesDataset(split, c.dataSeed(), c.imageSize());
        List<dev.tessel.models.data.Example> picked = new ArrayList<>();
        Set<String> captions = new LinkedHashSet<>();
        for (long i = 0; picked.size() < RETRIEVAL_BATCH && i < 64L * RETRIEVAL_BATCH; i++) {
            dev.tessel.models.data.Example e = data.get(i);
            if (captions.add(e.caption())) picked.add(e);
        }
        List<String> texts = new ArrayList<>(captions);
        try (ImageBatch batch = ImageBatch.stack(picked)) {
            Tensor sims = similarities(clip, batch.images(), texts);                                   // (B images, B captions)
            int b = texts.size(), right = 0;
            for (int i = 0; i < b; i++) {
                int best = 0;
                for (int j = 1; j < b; j++) if (sims.get(i, j) > sims.get(i, best)) best = j;
                if (best == i) right++;
            }
            return (double) right / b;
        }
    }

    private static Tensor realFeatures(DemoConfig c, ClipModel clip, Split split, int n) {
        List<Tensor> parts = new ArrayList<>();
        for (int from = 0; from < n; from += 64) {
            try (ImageBatch batch = ImageBatch.range(new ShapesDataset(split, c.dataSeed(), c.imageSize()), from, Math.min(64, n - from))) {
                parts.add(clip.embedImages(batch.images()));
            }
        }
        return stackRows(parts);
    }

    private static Tensor stackRows(List<Tensor> parts) {
        int rows = 0, d = parts.getFirst().dim(1);
        for (Tensor t : parts) rows += t.dim(0);
        Tensor out = Tensor.zeros(DType.F32, rows, d);
        int at = 0;
        for (Tensor t : parts) {
            out.slice(0, at, at + t.dim(0)).copyFrom(t);
            at += t.dim(0);
        }
        return out;
    }
}
