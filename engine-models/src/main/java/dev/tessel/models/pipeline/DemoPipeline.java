// DemoPipeline: ./tessel demo end to end: obtain the models (train within budget or reuse the
// cache), generate N candidates for the evaluation prompts, rerank, judge with the attribute
// reader, and write the report.
//
// Invariant: the last line printed is "caption_match_top1: X" with X the reranked top-1 caption
// match on held-out compositions (3 decimals), so scripts can read the result from the tail.
package dev.tessel.models.pipeline;

import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.report.ProgressBar;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/** The demo's orchestration. */
public final class DemoPipeline {
    private DemoPipeline() {}

    public record Result(ShapesEvaluation.Summary evaluation, Path index, double seconds) {
        /** The demo's headline number: reranked top-1 caption match on held-out compositions. */
        public double captionMatchTop1() {
            Double v = evaluation.heldOut().top1().get("match");
            return v == null ? Double.NaN : v;
        }
    }

    /**
     * Runs the demo; writes {@code outDir}/index.html and its images, caches models under {@code cacheDir};
     * a stage not cached yet trains in {@code stageJvm}.
     */
    public static Result run(DemoConfig config, Path outDir, Path cacheDir, PrintStream out, BiFunction<String, Long, ProgressBar> bars,
                             List<String> commands, DemoModels.StageJvm stageJvm) {
        long start = System.nanoTime();
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the report directory " + outDir, e);
        }
        DemoModels models = DemoModels.obtain(config, new StageCache(cacheDir), out, bars, stageJvm);
        out.printf(Locale.ROOT, "evaluation: %d seen + %d held-out prompts x %d candidates, reranked (cap %.0f s)%n",
                config.evalPromptsPerSet(), config.evalPromptsPerSet(), config.candidates(), config.evalSeconds());
        out.flush();
        ShapesEvaluation.Summary eval = ShapesEvaluation.run(config, models.generator(), models.clip(), total -> bars.apply("generate", total));
        List<ImageCompletion.Outcome> completions = ImageCompletion.run(models.generator(), new ShapesDataset(Split.TEST, config.dataSeed(),
                config.imageSize()), ImageCompletion.DEMO_CAPTIONS, ImageCompletion.DEMO_CANDIDATES, config.seed());
        double seconds = (System.nanoTime() - start) / 1e9;
        Path index = DemoReport.write(outDir, config, models.training(), eval, completions, commands, seconds);
        printTable(out, eval);
        for (ImageCompletion.Outcome c : completions) {
            out.printf(Locale.ROOT, "  image-to-image, top half given (%s): \"%s\": kept %d, matched %d, both %d of %d%n",
                    c.heldOut() ? "held-out" : "seen", c.caption(), c.kept(), c.matched(), c.keptAndMatched(), c.candidates());
        }
        out.printf(Locale.ROOT, "report: %s (%.1f s in all)%n", index, seconds);
        Result result = new Result(eval, index, seconds);
        out.printf(Locale.ROOT, "caption_match_top1: %.3f%n", result.captionMatchTop1());
        out.flush();
        return result;
    }

    private static void printTable(PrintStream out, ShapesEvaluation.Summary eval) {
        List<String> cols = List.of("color", "shape", "count", "size", "relation", "match");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-26s %7s", "caption match", "prompts"));
        for (String c : cols) head.append(String.format(Locale.ROOT, " %8s", c));
        out.println(head);
        line(out, "seen, random sample", eval.seen(), eval.seen().random(), cols);
        line(out, "seen, reranked top-1", eval.seen(), eval.seen().top1(), cols);
        line(out, "held-out, random sample", eval.heldOut(), eval.heldOut().random(), cols);
        line(out, "held-out, reranked top-1", eval.heldOut(), eval.heldOut().top1(), cols);
        out.printf(Locale.ROOT, "  prompts with a match among their %d candidates (a perfect reranker's top-1): seen %.3f, held-out %.3f%n",
                eval.outcomes().isEmpty() ? 0 : eval.outcomes().getFirst().candidates(),
                eval.seen().anyMatch(), eval.heldOut().anyMatch());
        out.println("  match by objects in the caption: prompts, random sample / reranked top-1 / any candidate matches");
        for (ShapesEvaluation.ObjectSplit row : ShapesEvaluation.splitByObjects(eval.outcomes())) {
            ShapesEvaluation.Rates r = row.rates();
            out.printf(Locale.ROOT, "    %-8s %s %3d   %.3f / %.3f / %.3f%n", row.setName(), row.objects() == 1 ? "one object " : "two objects",
                    r.prompts(), r.random().get("match"), r.top1().get("match"), r.anyMatch());
        }
        out.println("  ceiling: the reader on real images' dVAE reconstructions (" + ShapesEvaluation.CEILING_IMAGES + " per set)");
        out.println("    seen:     " + eval.ceilingSeen().reconstructions().summary());
        out.println("    held-out: " + eval.ceilingHeldOut().reconstructions().summary());
        out.println("  shape read in those reconstructions (seen set), by the drawn object's shape and size: share kept (commonest misreading)");
        for (String line : eval.ceilingSeen().reconstructedShapes().summary()) out.println("    " + line);
        StringBuilder curve = new StringBuilder("  top-1 vs N (seen / held-out):");
        for (int i = 0; i < ShapesEvaluation.CURVE_N.length; i++) {
            if (Double.isNaN(eval.curveSeen()[i]) && Double.isNaN(eval.curveHeldOut()[i])) continue;
            curve.append(String.format(Locale.ROOT, " N=%d %.2f/%.2f", ShapesEvaluation.CURVE_N[i], eval.curveSeen()[i], eval.curveHeldOut()[i]));
        }
        out.println(curve);
        out.printf(Locale.ROOT, "  Frechet distance (reranker features), generated vs real held-out: %.4f (real test vs real held-out: %.4f)%n",
                eval.frechetHeldOut(), eval.frechetRealTestVsHeldOut());
        out.printf(Locale.ROOT, "  reranker on real images, own caption ranked first among %d: seen %.3f, held-out %.3f (chance %.3f)%n",
                ShapesEvaluation.RETRIEVAL_BATCH, eval.retrievalSeen(), eval.retrievalHeldOut(), 1.0 / ShapesEvaluation.RETRIEVAL_BATCH);
        out.printf(Locale.ROOT, "  reranker, own caption above its shape twin (one shape changed; chance 0.5), %d images per set: "
                        + "seen real %.3f, dVAE reconstructions %.3f; held-out real %.3f, dVAE reconstructions %.3f%n",
                eval.shapeChoiceSeen().images(), eval.shapeChoiceSeen().real(), eval.shapeChoiceSeen().reconstructed(),
                eval.shapeChoiceHeldOut().real(), eval.shapeChoiceHeldOut().reconstructed());
    }

    private static void line(PrintStream out, String name, ShapesEvaluation.Rates rates, java.util.Map<String, Double> values, List<String> cols) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-26s %7d", name, rates.prompts()));
        for (String c : cols) sb.append(values.containsKey(c) ? String.format(Locale.ROOT, " %8.3f", values.get(c)) : String.format(Locale.ROOT, " %8s", "-"));
        out.println(sb);
    }
}
