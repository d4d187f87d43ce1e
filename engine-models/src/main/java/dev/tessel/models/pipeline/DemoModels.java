// DemoModels: the three trained models of the demo (dVAE, transformer, reranker) and the BPE
// they share, each trained within its budget or reused from the stage cache, in dependency order.
//
// Invariant: the transformer's vocabularies are the BPE's and the dVAE's it was trained with, and
// the reranker reads captions with the same BPE, so a caption means the same ids to both.
package dev.tessel.models.pipeline;

import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.clip.ClipModel;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.models.transformer.ImageSampler;
import dev.tessel.models.transformer.TextToImageTransformer;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/** The demo's trained models. */
public record DemoModels(DvaeTokenizer dvae, BpeTokenizer bpe, TextToImageTransformer prior, ClipModel clip, List<DemoReport.Training> training) {
    /** Trains or reuses every model of {@code config}; {@code bars} makes a progress bar from a label and a total. */
    public static DemoModels obtain(DemoConfig config, StageCache cache, PrintStream out, BiFunction<String, Long, ProgressBar> bars) {
        out.printf(Locale.ROOT, "[1/4] dVAE (%s): %s%n", config.dvaeBudget().describe(), status(cache, "dvae", config.dvaeKey()));
        out.flush();
        DvaeStage.Result dvae = DvaeStage.run(config, cache, total -> bars.apply("dvae", total).rateIn(config.dvaeBatch(), "img"));
        summary(out, dvae.report(), config.dvaeBudget());
        out.printf(Locale.ROOT, "[2/4] BPE vocabulary of the training captions: %s%n", status(cache, "bpe", config.bpeKey()));
        BpeTokenizer bpe = BpeStage.run(config, cache);
        out.printf(Locale.ROOT, "  %d tokens%n", bpe.vocabSize());
        out.printf(Locale.ROOT, "[3/4] transformer (%s): %s%n", config.priorBudget().describe(), status(cache, "prior", config.priorKey()));
        out.flush();
        PriorStage.Result prior = PriorStage.run(config, cache, bpe, dvae.tokenizer(),
                total -> bars.apply("transformer", total).rateIn(config.priorBatch(), "img"), out);
        summary(out, prior.report(), config.priorBudget());
        out.printf(Locale.ROOT, "[4/4] reranker (%s): %s%n", config.clipBudget().describe(), status(cache, "clip", config.clipKey()));
        out.flush();
        ClipStage.Cached clip = ClipStage.run(config, cache, bpe, dvae.tokenizer(), total -> bars.apply("reranker", total).rateIn(config.clipBatch(), "pairs"));
        summary(out, clip.report(), config.clipBudget());
        return new DemoModels(dvae.tokenizer(), bpe, prior.model(), clip.model(), List.of(
                new DemoReport.Training(dvae.report(), dvae.losses(), config.dvaeBudget().steps()),
                new DemoReport.Training(prior.report(), prior.losses(), config.priorBudget().steps()),
                new DemoReport.Training(clip.report(), clip.losses(), config.clipBudget().steps())));
    }

    /** The generator of these models, sampling at temperature 1 with no truncation (the paper's setting). */
    public CandidateGenerator generator() { return new CandidateGenerator(prior, bpe, dvae, ImageSampler.Options.defaults()); }

    private static String status(StageCache cache, String stage, String key) {
        StageCache.Entry e = cache.entry(stage, key);
        return e.done() ? "reusing " + e.dir() : "training into " + e.dir();
    }

    private static void summary(PrintStream out, StageReport r, TrainingLoop.Budget budget) {
        out.printf(Locale.ROOT, "  %s: %d steps (schedule %d), stopped by the %s, %.1f s%s%n", r.stage(), r.steps(), r.scheduledSteps(),
                r.stoppedBy(budget.steps()), r.trainingSeconds(), r.reused() ? " when it was trained" : "");
    }
}
