// DemoReport: writes out/demo/index.html and its PNGs: the evaluation table, the top-1-vs-N plot,
// the gallery of fixed prompts (reranked top-k), the failure display (every candidate of a prompt
// ordered by the reranker, top and bottom, each marked by the attribute reader), the training
// table and loss curves, and the commands that reproduce the page.
//
// Invariants: every file is written atomically (Png, AtomicFile); the page only links files this
// class wrote in the same call; numbers on the page are the ones DemoPipeline prints.
package dev.tessel.models.pipeline;

import dev.tessel.models.eval.CaptionMatch;
import dev.tessel.models.report.AtomicFile;
import dev.tessel.models.report.ImageGrid;
import dev.tessel.models.report.LinePlot;
import dev.tessel.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The demo's HTML report. */
final class DemoReport {
    /** Prompts per set whose every candidate the page shows ordered by score. */
    static final int FAILURE_PROMPTS_PER_SET = 2;

    private DemoReport() {}

    /** A trained (or reused) stage with its loss history and its step budget. */
    public record Training(StageReport report, float[] losses, long budgetSteps) {}

    static Path write(Path dir, DemoConfig config, List<Training> training, ShapesEvaluation.Summary eval, List<ImageCompletion.Outcome> completions,
                      List<String> commands, double totalSeconds) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tessel demo</title>\n<style>")
                .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}")
                .append("code,pre{background:#f6f6f6}img{image-rendering:pixelated}</style></head><body>\n");
        html.append("<h1>tessel demo: DALL·E on <code>shapes</code></h1>\n");
        html.append(String.format(Locale.ROOT, "<p>Preset <code>%s</code>, %d-pixel images, %d candidates per prompt, reranked by the "
                + "contrastive model. Total time of this run: %.1f s. Every number below comes from this run; images are the "
                + "samples as drawn, not picked by hand.</p>%n", config.name(), config.imageSize(), config.candidates(), totalSeconds));
        html.append(String.format(Locale.ROOT, "<p><b>caption_match_top1 on held-out compositions: %s</b> (seen compositions: %s)</p>%n",
                pct(eval.heldOut().top1().get("match")), pct(eval.seen().top1().get("match"))));
        evaluationTable(html, eval, config);
        writeCurve(dir, eval);
        html.append("<h2>Top-1 caption match against the number of candidates N</h2>\n<img src=\"curve.png\" alt=\"top-1 match vs N\">\n");
        html.append("<p>N = 1 is a random sample; at N the reranker picks the best of the first N candidates.</p>\n");
        gallery(dir, html, eval, config);
        failures(dir, html, eval);
        completionSection(dir, html, completions, config);
        trainingSection(dir, html, training);
        html.append("<h2>Reproduce</h2>\n<pre>");
        for (String c : commands) html.append(escape(c)).append('\n');
        html.append("</pre>\n</body></html>\n");
        Path index = dir.resolve("index.html");
        AtomicFile.write(index, html.toString().getBytes(StandardCharsets.UTF_8));
        return index;
    }

    /** Zero-shot image-to-image (paper 3.3): per prompt the counts and a grid of every completion. */
    private static void completionSection(Path dir, StringBuilder html, List<ImageCompletion.Outcome> completions, DemoConfig config) {
        html.append("<h2>Zero-shot image-to-image: the top half given, the bottom half drawn from the caption</h2>\n")
                .append("<p>The dVAE tokens of the top half of a real image of the caption are given; the transformer samples the rest. ")
                .append("<i>kept</i>: the reader finds the upper object (colour and shape) in the top half; <i>matched</i>: the whole caption holds.</p>\n")
                .append("<table><tr><th>caption</th><th>composition</th><th>kept</th><th>matched</th><th>both</th><th>completions</th></tr>\n");
        for (int i = 0; i < completions.size(); i++) {
            ImageCompletion.Outcome c = completions.get(i);
            String file = "completion-" + i + ".png";
            ImageGrid.of(c.images(), c.candidates()).scale(scaleFor(config)).write(dir.resolve(file));
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%d/%d</td><td>%d/%d</td><td>%d/%d</td><td><img src=\"%s\"></td></tr>%n",
                    escape(c.caption()), c.heldOut() ? "held-out" : "seen", c.kept(), c.candidates(), c.matched(), c.candidates(),
                    c.keptAndMatched(), c.candidates(), file));
        }
        html.append("</table>\n");
    }

    private static void evaluationTable(StringBuilder html, ShapesEvaluation.Summary eval, DemoConfig config) {
        List<String> columns = List.of("color", "shape", "count", "size", "relation", "match");
        html.append("<h2>Caption match, judged by the exact attribute reader</h2>\n<table><tr><th>compositions / pick</th><th>prompts</th>");
        for (String c : columns) html.append("<th>").append(c).append("</th>");
        html.append("</tr>\n");
        row(html, "seen / random sample", eval.seen(), eval.seen().random(), columns);
        row(html, "seen / reranked top-1 of " + config.candidates(), eval.seen(), eval.seen().top1(), columns);
        row(html, "held-out / random sample", eval.heldOut(), eval.heldOut().random(), columns);
        row(html, "held-out / reranked top-1 of " + config.candidates(), eval.heldOut(), eval.heldOut().top1(), columns);
        ceilingRow(html, "seen / dVAE reconstruction of real images (ceiling)", eval.ceilingSeen().reconstructions(), columns);
        ceilingRow(html, "held-out / dVAE reconstruction of real images (ceiling)", eval.ceilingHeldOut().reconstructions(), columns);
        html.append("</table>\n");
        html.append("<p>The two <i>ceiling</i> rows judge real images' dVAE reconstructions, decode(argmax encode(x)), counted per image "
                + "(the <i>prompts</i> column gives the images): every generated image is a dVAE decode, so no sample can do better "
                + "than its own dVAE. The same reader passes every original (").append(pct(eval.ceilingSeen().originals().matchRate()))
                .append(" seen, ").append(pct(eval.ceilingHeldOut().originals().matchRate())).append(" held-out). Where the reconstructions "
                + "lose a shape, by the drawn object's shape and size (seen set; share read as its own shape, and the commonest misreading):</p>\n<ul>");
        for (String line : eval.ceilingSeen().reconstructedShapes().summary()) html.append("<li>").append(escape(line)).append("</li>");
        html.append("</ul>\n");
        html.append("<p>A category is averaged over the prompts that mention it (size only for one-object captions with a size word, "
                + "relation only for two-object captions); <i>match</i> means every word of the caption holds. A random sample's rate is "
                + "the mean over all candidates of a prompt.")
                .append(eval.timeBoxed() ? " The evaluation reached its time cap before all prompts were done." : "").append("</p>\n");
        html.append(String.format(Locale.ROOT, "<p>Fréchet distance on the reranker's image features: generated held-out candidates vs real "
                + "held-out images <b>%.4f</b>; for scale, real test images vs real held-out images %.4f.</p>%n",
                eval.frechetHeldOut(), eval.frechetRealTestVsHeldOut()));
        html.append(String.format(Locale.ROOT, "<p>The reranker alone, on real images: it gives an image's own caption the highest score "
                + "among %d distinct captions for %s of test images (seen compositions) and %s of held-out images (chance: %.3f).</p>%n",
                ShapesEvaluation.RETRIEVAL_BATCH, pct(eval.retrievalSeen()), pct(eval.retrievalHeldOut()), 1.0 / ShapesEvaluation.RETRIEVAL_BATCH));
        html.append(String.format(Locale.ROOT, "<p>Can it pick shapes? Over %d test images it scores an image's own caption above its "
                        + "<i>shape twin</i> (the same caption with one object's shape changed; chance 0.5) for %s of the real images and %s of "
                        + "their dVAE reconstructions, which is what generated images look like; over as many held-out images, where a "
                        + "colour-shape pair is one it never saw, for %s and %s.</p>%n",
                eval.shapeChoiceSeen().images(), pct(eval.shapeChoiceSeen().real()), pct(eval.shapeChoiceSeen().reconstructed()),
                pct(eval.shapeChoiceHeldOut().real()), pct(eval.shapeChoiceHeldOut().reconstructed())));
        html.append(String.format(Locale.ROOT, "<p>Prompts with at least one matching candidate, the top-1 match a perfect reranker would "
                        + "reach with these samples: <b>%s</b> seen, <b>%s</b> held-out. Reranked top-1 below these is the reranker's loss; these "
                        + "below 1 are the generator's.</p>%n",
                pct(eval.seen().anyMatch()), pct(eval.heldOut().anyMatch())));
        appendByObjects(html, eval.outcomes());
        appendEveryPrompt(html, eval.outcomes());
    }

    /** One row per evaluated prompt: how many candidates match, and what the reranker's pick gets wrong. */
    private static void appendEveryPrompt(StringBuilder html, List<PromptOutcome> outcomes) {
        html.append("<details><summary>Every prompt: matching candidates and what the reranker's pick gets wrong</summary>\n"
                + "<table><tr><th>caption</th><th>compositions</th><th>matching candidates</th><th>reranked top-1</th>"
                + "<th>what the top-1 gets wrong</th></tr>\n");
        for (PromptOutcome o : outcomes) {
            List<String> failures = o.topPickFailures();
            html.append("<tr><td>").append(escape(o.caption())).append("</td><td>").append(o.heldOut() ? "held-out" : "seen")
                    .append("</td><td>").append(o.matchingCandidates()).append(" of ").append(o.candidates()).append("</td><td>")
                    .append(failures.isEmpty() ? "match" : "miss").append("</td><td>").append(String.join(", ", failures)).append("</td></tr>\n");
        }
        html.append("</table>\n<p><i>binding</i>: every category holds on its own, but no one pairing of objects matches every "
                + "word (a colour on the other object's shape).</p></details>\n");
    }

    /** One object against two, per set: where the match is lost (the set's rates above mix the two kinds). */
    private static void appendByObjects(StringBuilder html, List<PromptOutcome> outcomes) {
        html.append("<h3>One object against two</h3>\n<table><tr><th>compositions</th><th>objects in the caption</th><th>prompts</th>"
                + "<th>random sample</th><th>reranked top-1</th><th>any candidate matches</th></tr>\n");
        for (ShapesEvaluation.ObjectSplit row : ShapesEvaluation.splitByObjects(outcomes)) {
            ShapesEvaluation.Rates r = row.rates();
            html.append("<tr><td>").append(row.setName()).append("</td><td>").append(row.objects()).append("</td><td>")
                    .append(r.prompts()).append("</td><td>").append(pct(r.random().get("match"))).append("</td><td>")
                    .append(pct(r.top1().get("match"))).append("</td><td>").append(pct(r.anyMatch())).append("</td></tr>\n");
        }
        html.append("</table>\n<p>Match rates of the same prompts as above, split by how many objects the caption names "
                + "(two-object captions draw both objects small and add a relation).</p>\n");
    }

    private static void ceilingRow(StringBuilder html, String name, CaptionMatch.Tally tally, List<String> columns) {
        html.append("<tr><td>").append(name).append("</td><td>").append(tally.images()).append("</td>");
        for (String c : columns) {
            double v = c.equals("match") ? tally.matchRate() : tally.rate(CaptionMatch.Category.valueOf(c.toUpperCase(Locale.ROOT)));
            html.append("<td>").append(Double.isNaN(v) ? "&ndash;" : pct(v)).append("</td>");
        }
        html.append("</tr>\n");
    }

    private static void row(StringBuilder html, String name, ShapesEvaluation.Rates rates, Map<String, Double> values, List<String> columns) {
        html.append("<tr><td>").append(name).append("</td><td>").append(rates.prompts()).append("</td>");
        for (String c : columns) html.append("<td>").append(values.containsKey(c) ? pct(values.get(c)) : "&ndash;").append("</td>");
        html.append("</tr>\n");
    }

    private static void writeCurve(Path dir, ShapesEvaluation.Summary eval) {
        double[] n = new double[ShapesEvaluation.CURVE_N.length];
        for (int i = 0; i < n.length; i++) n[i] = ShapesEvaluation.CURVE_N[i];
        new LinePlot().title("top-1 caption match vs candidates N").xLabel("N (candidates reranked)").yLabel("caption match")
                .series("seen compositions", n, eval.curveSeen()).series("held-out compositions", n, eval.curveHeldOut())
                .write(dir.resolve("curve.png"));
    }

    private static void gallery(Path dir, StringBuilder html, ShapesEvaluation.Summary eval, DemoConfig config) {
        html.append("<h2>Gallery: fixed prompts, reranked top-").append(config.rerankTop()).append("</h2>\n<table>");
        int i = 0;
        for (PromptOutcome o : eval.outcomes()) {
            if (o.imagesOrNull() == null) continue;
            int[] order = o.ranking();
            int k = Math.min(config.rerankTop(), order.length);
            List<String> labels = new ArrayList<>();
            for (int r = 0; r < k; r++) labels.add(String.format(Locale.ROOT, "%.3f %s", o.scores()[order[r]], o.matches()[order[r]] ? "match" : "no"));
            String file = "gallery-" + (++i) + ".png";
            try (Tensor top = CandidateGenerator.select(o.imagesOrNull(), java.util.Arrays.copyOf(order, k))) {
                ImageGrid.of(top, k).labels(labels).scale(scaleFor(config)).write(dir.resolve(file));
            }
            html.append("<tr><td>").append(escape(o.caption())).append(o.heldOut() ? " <i>(held-out)</i>" : "").append("<br>")
                    .append(String.format(Locale.ROOT, "%d of %d candidates match", Math.round(o.matchRate() * o.candidates()), o.candidates()))
                    .append("</td><td><img src=\"").append(file).append("\"></td></tr>\n");
        }
        html.append("</table>\n<p>Labels: the reranker's score (cosine) and the attribute reader's verdict.</p>\n");
    }

    private static void failures(Path dir, StringBuilder html, ShapesEvaluation.Summary eval) {
        html.append("<h2>Every candidate, ordered by the reranker (best first)</h2>\n");
        html.append("<p>Not only successes: all candidates of a few prompts, so the bottom of the ranking and the reranker's mistakes "
                + "(a match ranked low, a miss ranked high) are visible.</p>\n");
        int seen = 0, held = 0;
        for (PromptOutcome o : eval.outcomes()) {
            if (o.imagesOrNull() == null || (o.heldOut() ? held : seen) >= FAILURE_PROMPTS_PER_SET) continue;
            if (o.heldOut()) held++;
            else seen++;
            int[] order = o.ranking();
            List<String> labels = new ArrayList<>();
            for (int r = 0; r < order.length; r++) {
                labels.add(String.format(Locale.ROOT, "#%d %.3f %s", r + 1, o.scores()[order[r]], o.matches()[order[r]] ? "match" : "no"));
            }
            String file = "ranked-" + (seen + held) + ".png";
            try (Tensor all = CandidateGenerator.select(o.imagesOrNull(), order)) {
                ImageGrid.of(all, Math.min(8, order.length)).labels(labels).scale(3).write(dir.resolve(file));
            }
            html.append("<h3>").append(escape(o.caption())).append(o.heldOut() ? " (held-out)" : "").append("</h3>\n<img src=\"").append(file).append("\">\n");
        }
    }

    private static void trainingSection(Path dir, StringBuilder html, List<Training> training) {
        html.append("<h2>Training</h2>\n<table><tr><th>stage</th><th>this run</th><th>steps</th><th>schedule</th><th>stopped by</th><th>seconds</th></tr>\n");
        for (Training t : training) {
            StageReport r = t.report();
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s</td><td>%.1f</td></tr>%n", r.stage(),
                    r.reused() ? "reused cache" : "trained", r.steps(), r.scheduledSteps(), r.stoppedBy(t.budgetSteps()),
                    r.trainingSeconds()));
        }
        html.append("</table>\n<p>Seconds are those of the run that trained the stage.</p>\n");
        for (Training t : training) {
            if (t.losses().length == 0) continue;
            String file = "loss-" + t.report().stage().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + ".png";
            new LinePlot().title(t.report().stage() + " training loss").xLabel("step").yLabel("loss")
                    .series(t.report().stage(), toDoubles(t.losses())).write(dir.resolve(file));
            html.append("<img src=\"").append(file).append("\" alt=\"").append(t.report().stage()).append(" loss\">\n");
        }
    }

    private static int scaleFor(DemoConfig config) { return Math.max(1, 96 / config.imageSize()); }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static String pct(Double v) { return v == null || v.isNaN() ? "&ndash;" : String.format(Locale.ROOT, "%.3f", v); }

    static String escape(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;"); }
}
