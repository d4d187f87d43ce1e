// The whole demo chain on the tiny preset: trains every stage for a handful of steps (each in a JVM
// of its own, as ./tessel demo does), generates, reranks, evaluates, writes the report; a second run
// reuses every cached stage.
package dev.tessel.models.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.models.report.ProgressBar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPipelineTest {
    private static final BiFunction<String, Long, ProgressBar> QUIET =
            (label, total) -> new ProgressBar(label, total, new PrintStream(new ByteArrayOutputStream()), false, System::nanoTime);

    @Test
    void tinyDemoRunsEndToEndAndASecondRunReusesEveryStage(@TempDir Path dir) throws Exception {
        DemoConfig config = DemoConfig.tiny();
        Path out = dir.resolve("demo"), cache = dir.resolve("cache");
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        DemoPipeline.Result result = DemoPipeline.run(config, out, cache, new PrintStream(first, true, StandardCharsets.UTF_8), QUIET,
                List.of("./tessel demo --preset tiny"), DemoModels.StageJvm.OWN);
        List<String> lines = first.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.getLast().matches("caption_match_top1: (0|1)\\.\\d{3}"), "last line: " + lines.getLast());
        assertEquals(String.format(java.util.Locale.ROOT, "caption_match_top1: %.3f", result.captionMatchTop1()), lines.getLast());
        assertEquals(4, lines.stream().filter(l -> l.startsWith("[") && l.contains("training into")).count(), String.join("\n", lines));
        // the dVAE's code usage on the transformer's pool (64 images of the tiny preset): 1 <= perplexity <= codes used <= vocabulary
        java.util.regex.Pattern usage = java.util.regex.Pattern.compile("  dVAE codes in these 64 images: (\\d+) of (\\d+) used, perplexity (\\d+\\.\\d)");
        java.util.regex.Matcher m = lines.stream().map(usage::matcher).filter(java.util.regex.Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no code-usage line for the pool in\n" + String.join("\n", lines)));
        double perplexity = Double.parseDouble(m.group(3));
        int used = Integer.parseInt(m.group(1));
        assertTrue(perplexity >= 1 && perplexity <= used && used <= Integer.parseInt(m.group(2)), m.group());
        // the transformer's loss on its training pool and on unseen test examples, so memorising shows
        assertTrue(lines.stream().anyMatch(l -> l.matches("  transformer loss \\(EMA weights, 8 x 8 examples\\): training pool \\d+\\.\\d{4} .*test split \\d+\\.\\d{4} .*")),
                String.join("\n", lines));

        String html = Files.readString(out.resolve("index.html"));
        for (String file : List.of("curve.png", "gallery-1.png", "ranked-1.png", "loss-dvae.png", "loss-transformer.png", "loss-reranker.png")) {
            assertTrue(Files.size(out.resolve(file)) > 0, file);
            assertTrue(html.contains("src=\"" + file + "\""), "index.html links " + file);
        }
        assertTrue(html.contains("held-out / reranked top-1"), "evaluation table");
        assertTrue(html.contains("<i>shape twin</i>") && html.contains("a perfect reranker would reach"), "the reranker's diagnostics");
        assertTrue(html.contains("./tessel demo --preset tiny"), "reproduce commands");
        ShapesEvaluation.Summary eval = result.evaluation();
        assertFalse(eval.timeBoxed(), "the tiny evaluation fits its cap");
        assertEquals(config.evalPromptsPerSet(), eval.seen().prompts());
        assertEquals(config.evalPromptsPerSet(), eval.heldOut().prompts());
        for (PromptOutcome o : eval.outcomes()) {
            assertEquals(config.candidates(), o.candidates());
            assertEquals(o.heldOut(), dev.tessel.models.data.ShapesCaption.parse(o.caption()).containsHeldOutPair(), o.caption());
        }
        assertTrue(Double.isFinite(eval.frechetHeldOut()) && eval.frechetHeldOut() >= 0, "Frechet distance " + eval.frechetHeldOut());
        assertTrue(eval.retrievalSeen() >= 0 && eval.retrievalSeen() <= 1 && eval.retrievalHeldOut() >= 0 && eval.retrievalHeldOut() <= 1);
        // the shape choice on both sets: rates of SHAPE_CHOICE_IMAGES images, as printed
        for (ShapesEvaluation.ShapeChoice choice : List.of(eval.shapeChoiceSeen(), eval.shapeChoiceHeldOut())) {
            assertEquals(ShapesEvaluation.SHAPE_CHOICE_IMAGES, choice.images());
            assertTrue(choice.real() >= 0 && choice.real() <= 1 && choice.reconstructed() >= 0 && choice.reconstructed() <= 1, choice.toString());
        }
        // the shape confusion of the ceiling counts every object drawn in its images, and is printed line by line
        var confusion = eval.ceilingSeen().reconstructedShapes();
        int counted = 0;
        for (var size : dev.tessel.models.data.SizeClass.values()) for (var shape : dev.tessel.models.data.ShapeKind.values()) counted += confusion.objects(size, shape);
        var split = new dev.tessel.models.data.ShapesDataset(dev.tessel.models.data.Split.TEST, config.dataSeed(), config.imageSize());
        int drawn = 0;
        for (long i = 0; i < ShapesEvaluation.CEILING_IMAGES; i++) drawn += split.scene(i).objects().size();
        assertEquals(drawn, counted);
        for (String line : confusion.summary()) assertTrue(lines.contains("    " + line), line + " printed");
        assertTrue(html.contains("Where the reconstructions lose a shape"), "the shape confusion in the report");
        assertTrue(lines.contains(String.format(java.util.Locale.ROOT, "  reranker, own caption above its shape twin (one shape changed; chance 0.5), "
                        + "%d images per set: seen real %.3f, dVAE reconstructions %.3f; held-out real %.3f, dVAE reconstructions %.3f",
                ShapesEvaluation.SHAPE_CHOICE_IMAGES, eval.shapeChoiceSeen().real(), eval.shapeChoiceSeen().reconstructed(),
                eval.shapeChoiceHeldOut().real(), eval.shapeChoiceHeldOut().reconstructed())), String.join("\n", lines));

        ByteArrayOutputStream second = new ByteArrayOutputStream();
        DemoPipeline.Result again = DemoPipeline.run(config, out, cache, new PrintStream(second, true, StandardCharsets.UTF_8), QUIET, List.of(),
                DemoModels.StageJvm.THIS);
        List<String> lines2 = second.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4, lines2.stream().filter(l -> l.startsWith("[") && l.contains("reusing")).count(), String.join("\n", lines2));
        // the reused models and the seeded sampler reproduce the first run's evaluation exactly
        assertEquals(result.captionMatchTop1(), again.captionMatchTop1());
    }
}
