// DemoModels: the three trained models of the demo (dVAE, transformer, reranker) and the BPE
// they share, each trained within its budget or reused from the stage cache, in dependency order.
//
// Invariants: a stage is trained (in this JVM or a JVM of its own) into the stage cache, then
// loaded from it, so a fresh and a reused stage hand back the same models; the transformer's
// vocabularies are the BPE's and the dVAE's it was trained with, and the reranker reads captions
// with the same BPE, so a caption means the same ids to both.
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
    /** Where a stage that is not cached yet trains. */
    public enum StageJvm {
        /** In this JVM (for embedding, and a test that compares both). */
        THIS,
        /**
         * In a JVM of its own, started for the stage ({@link StageProcess}), the demo's default. The JIT
         * compiles from what ran before in its process: in one run the transformer's GEMM micro-kernel ran
         * 3x slower, on code C2 compiled during the dVAE's training (docs/results.md, "The first fit
         * came too early"); a fresh JVM per stage compiles each stage's code for that stage alone, as JMH forks
         * a JVM per benchmark for the same reason.
         */
        OWN
    }

    /**
     * Trains (in {@code stageJvm}) or reuses every model of {@code config}; {@code bars} makes a progress
     * bar from a label and a total (a stage in its own JVM draws its own on the standard error).
     */
    public static DemoModels obtain(DemoConfig config, StageCache cache, PrintStream out, BiFunction<String, Long, ProgressBar> bars, StageJvm stageJvm) {
        boolean dvaeCached = trainUnlessDone("[1/4] dVAE", config.dvaeBudget(), STAGE_DVAE, DvaeStage.entry(config, cache), config, cache, out, bars, stageJvm);
        DvaeStage.Result dvae = DvaeStage.load(config, cache, dvaeCached);
        summary(out, dvae.report(), config.dvaeBudget());
        out.printf(Locale.ROOT, "[2/4] BPE vocabulary of the training captions: %s%n", status(cache.entry("bpe", config.bpeKey())));
        BpeTokenizer bpe = BpeStage.run(config, cache);
        out.printf(Locale.ROOT, "  %d tokens%n", bpe.vocabSize());
        boolean priorCached = trainUnlessDone("[3/4] transformer", config.priorBudget(), STAGE_PRIOR, PriorStage.entry(config, cache), config, cache, out, bars, stageJvm);
        PriorStage.Result prior = PriorStage.load(config, cache, bpe, dvae.tokenizer(), priorCached);
        summary(out, prior.report(), config.priorBudget());
        boolean clipCached = trainUnlessDone("[4/4] reranker", config.clipBudget(), STAGE_CLIP, ClipStage.entry(config, cache), config, cache, out, bars, stageJvm);
        ClipStage.Cached clip = ClipStage.loadForDemo(config, cache, bpe, clipCached);
        summary(out, clip.report(), config.clipBudget());
        return new DemoModels(dvae.tokenizer(), bpe, prior.model(), clip.model(), List.of(
                new DemoReport.Training(dvae.report(), dvae.losses(), config.dvaeBudget().steps()),
                new DemoReport.Training(prior.report(), prior.losses(), config.priorBudget().steps()),
                new DemoReport.Training(clip.report(), clip.losses(), config.clipBudget().steps())));
    }

    /** The stages that train, by the name {@link StageProcess} passes to a child JVM. */
    static final String STAGE_DVAE = "dvae", STAGE_PRIOR = "prior", STAGE_CLIP = "clip";

    /** Prints the stage's status line and trains it (in {@code stageJvm}) unless its entry is done; true when it was done already. */
    private static boolean trainUnlessDone(String title, TrainingLoop.Budget budget, String stage, StageCache.Entry entry, DemoConfig config,
                                           StageCache cache, PrintStream out, BiFunction<String, Long, ProgressBar> bars, StageJvm stageJvm) {
        boolean done = entry.done();
        out.printf(Locale.ROOT, "%s (%s): %s%n", title, budget.describe(), status(entry));
        out.flush();
        if (done) return true;
        switch (stageJvm) {
            case THIS -> trainHere(stage, config, cache, out, bars);
            case OWN -> StageProcess.train(stage, config, cache.root(), out);
        }
        return false;
    }

    /**
     * Trains {@code stage} in this JVM into the cache and marks it done, loading the stages it reads
     * (which must be done). What a child JVM of {@link StageProcess} runs.
     */
    static void trainHere(String stage, DemoConfig config, StageCache cache, PrintStream out, BiFunction<String, Long, ProgressBar> bars) {
        switch (stage) {
            case STAGE_DVAE -> DvaeStage.train(config, cache, total -> bars.apply("dvae", total).rateIn(config.dvaeBatch(), "img"));
            case STAGE_PRIOR -> PriorStage.train(config, cache, BpeStage.run(config, cache), DvaeStage.load(config, cache, true).tokenizer(),
                    total -> bars.apply("transformer", total).rateIn(config.priorBatch(), "img"), out);
            case STAGE_CLIP -> ClipStage.trainForDemo(config, cache, BpeStage.run(config, cache), DvaeStage.load(config, cache, true).tokenizer(),
                    total -> bars.apply("reranker", total).rateIn(config.clipBatch(), "pairs"));
            default -> throw new IllegalArgumentException("unknown demo stage '" + stage + "'; expected " + STAGE_DVAE + ", " + STAGE_PRIOR + " or " + STAGE_CLIP);
        }
    }

    /** The generator of these models, sampling at temperature 1 with no truncation (the paper's setting). */
    public CandidateGenerator generator() { return new CandidateGenerator(prior, bpe, dvae, ImageSampler.Options.defaults()); }

    private static String status(StageCache.Entry e) {
        return e.done() ? "reusing " + e.dir() : "training into " + e.dir();
    }

    private static void summary(PrintStream out, StageReport r, TrainingLoop.Budget budget) {
        out.printf(Locale.ROOT, "  %s: %d steps (schedule %d), stopped by the %s, %.1f s%s%n", r.stage(), r.steps(), r.scheduledSteps(),
                r.stoppedBy(budget.steps()), r.trainingSeconds(), r.reused() ? " when it was trained" : "");
    }
}
