// DemoConfig: every setting of ./tessel demo — data, the three trained models, their training
// budgets, and the evaluation — with two presets: "demo" (the README's 15-minute run on 2 cores)
// and "tiny" (the pipeline test: the whole chain in seconds).
//
// Invariant: a stage's cache key is built from the fields that stage reads (and the keys of the
// stages it reads from), so changing a field retrains exactly the stages that depend on it.
package dev.tessel.models.pipeline;

import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.models.dvae.DvaeTrainingSettings;
import dev.tessel.tensor.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo's settings. Budgets are a step count AND a wall-clock cap (TrainingLoop); the demo
 * preset's caps add up to 14.3 of the 15 minutes: dVAE 5 min, transformer 6.7 min, reranker 2 min,
 * generation and evaluation 40 s (so a second run, which only evaluates, stays under a minute);
 * the rest is for tokenising the transformer's image pool, the BPE, JVM start and the report.
 * The transformer gets the largest share because it is what limits a match now: with KL weight 1
 * at batch 16 the dVAE keeps 77-81% of real images' captions readable in four and a half minutes
 * (5,600-6,200 updates), while the transformer's random samples get a shape right 34-54% of the time
 * (docs/results.md, runs U and V). Its
 * pool is 24,576 images: with 2,048 it memorised them (pool loss 0.53 against 1.19 on test images), and
 * with 8,192 it began to once the dVAE's codes got richer (pool 0.83 against test 0.97 in run V); on
 * run V's dVAE, for the same 1,755 updates, 24,576 gave test loss 0.939 against 0.974 and random
 * two-object samples matching 0.20 / 0.10 against 0.17 / 0.07 (docs/results.md).
 * 48 prompts per set (about 30 s here): with 12, one prompt moved a rate by 0.083 and a rate near
 * 0.4 had a standard error of 0.14 -- larger than the effects being measured.
 */
public record DemoConfig(String name, long dataSeed, int imageSize,
                         DvaeConfig dvae, int dvaeBatch, TrainingLoop.Budget dvaeBudget,
                         int bpeVocab, int bpeCaptions,
                         int priorLayers, int priorWidth, int priorHeads, int priorTextLength, int priorBatch, double priorLr,
                         int priorPool, TrainingLoop.Budget priorBudget,
                         String clipPreset, int clipBatch, double clipLr, boolean clipShapeTwins, boolean clipBindingTwins, boolean clipReconstructions, boolean clipSeparateColour,
                         TrainingLoop.Budget clipBudget,
                         int evalPromptsPerSet, int candidates, int rerankTop, double evalSeconds, long seed) implements java.io.Serializable {

    /** The default of ./tessel demo. */
    public static DemoConfig demo() {
        return new DemoConfig("demo", 0, 32,
                DvaeConfig.tiny(), 16, new TrainingLoop.Budget(8000, 300),
                512, 4000,
                4, 128, 4, 16, 32, 3e-3, 24576, new TrainingLoop.Budget(4000, 400),
                "small", 64, 1e-3, true, true, true, true, new TrainingLoop.Budget(2000, 120),
                48, 32, 4, 40, 1);
    }

    /** The pipeline test: every stage for a handful of steps on the smallest models. */
    public static DemoConfig tiny() {
        return new DemoConfig("tiny", 0, 16,
                new DvaeConfig(16, 3, 3, 1, 8, 16, 64), 8, new TrainingLoop.Budget(8, 60),
                300, 200,
                1, 32, 2, 12, 8, 1e-3, 64, new TrainingLoop.Budget(8, 60),
                "tiny", 8, 1e-3, true, true, true, true, new TrainingLoop.Budget(8, 60),
                2, 4, 2, 60, 1);
    }

    public static DemoConfig preset(String name) {
        return switch (name) {
            case "demo" -> demo();
            case "tiny" -> tiny();
            default -> throw new IllegalArgumentException("unknown demo preset '" + name + "'; expected demo or tiny");
        };
    }

    /** The same settings with every training cap and the evaluation cap scaled by {@code factor}. */
    public DemoConfig withTimeScale(double factor) {
        if (!(factor > 0)) throw new IllegalArgumentException("time scale must be > 0, got " + factor);
        return new DemoConfig(name, dataSeed, imageSize, dvae, dvaeBatch, scaled(dvaeBudget, factor), bpeVocab, bpeCaptions,
                priorLayers, priorWidth, priorHeads, priorTextLength, priorBatch, priorLr, priorPool, scaled(priorBudget, factor),
                clipPreset, clipBatch, clipLr, clipShapeTwins, clipBindingTwins, clipReconstructions, clipSeparateColour, scaled(clipBudget, factor), evalPromptsPerSet, candidates, rerankTop, evalSeconds * factor, seed);
    }

    private static TrainingLoop.Budget scaled(TrainingLoop.Budget b, double factor) {
        return new TrainingLoop.Budget(b.steps(), b.seconds() * factor);
    }

    // ---------------------------------------------------------------- cache keys

    String dataKey() { return "\"data\":{\"name\":\"shapes\",\"seed\":" + dataSeed + ",\"size\":" + imageSize + "}"; }

    /** The dVAE's training settings before the schedule is fitted to the cap: the trainer's defaults for this run. */
    DvaeTrainingSettings dvaeSettings() {
        return DvaeTrainingSettings.forRun(dvaeBudget.steps(), dvaeBatch, seed, dvae.likelihood());
    }

    String dvaeKey() {
        // the whole settings, so a changed default of the trainer (lr, KL weight, schedules) retrains
        // "ema": since the EMA's window follows the fitted schedule (DvaeTrainingSettings.withSteps), earlier caches retrain
        return key("dvae", Map.of("config", dvae.toJson(), "budget", budget(dvaeBudget), "settings", dvaeSettings().toJson(),
                "ema", "window follows the fitted schedule"));
    }

    String bpeKey() { return key("bpe", Map.of("vocab", bpeVocab, "captions", bpeCaptions)); }

    String priorKey() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dvae", dvaeKey());
        m.put("bpe", bpeKey());
        m.put("layers", priorLayers);
        m.put("width", priorWidth);
        m.put("heads", priorHeads);
        m.put("text_length", priorTextLength);
        m.put("batch", priorBatch);
        m.put("lr", priorLr);
        m.put("pool", priorPool);
        m.put("budget", budget(priorBudget));
        m.put("seed", seed);
        return key("prior", m);
    }

    String clipKey() {
        Map<String, Object> m = new LinkedHashMap<>(Map.of("bpe", bpeKey(), "preset", clipPreset, "batch", clipBatch, "lr", clipLr,
                "budget", budget(clipBudget), "seed", seed));
        // absent when off, so the keys of older caches stay valid
        if (clipShapeTwins) m.put("shape_twins", true);
        if (clipBindingTwins) m.put("binding_twins", true);
        if (clipReconstructions) m.put("reconstructions_of", dvaeKey());   // it trains on that dVAE's decodes too
        if (clipSeparateColour) m.put("separate_colour", true);
        return key("clip", m);
    }

    private String key(String stage, Map<String, Object> fields) {
        Map<String, Object> sorted = new java.util.TreeMap<>(fields);
        return "{\"stage\":\"" + stage + "\"," + dataKey() + ",\"settings\":" + Json.write(sorted) + "}";
    }

    private static String budget(TrainingLoop.Budget b) { return b.steps() + "/" + b.seconds(); }
}
