package dev.tessel.cli.demo;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.models.pipeline.DemoConfig;
import dev.tessel.models.pipeline.DemoModels;
import dev.tessel.models.pipeline.DemoPipeline;
import dev.tessel.models.report.ProgressBar;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./tessel demo}: the README's main job. DALL·E end to end on the built-in {@code shapes}
 * data: trains (or reuses the cached) dVAE, transformer and reranker within a time budget,
 * generates and reranks candidates for seen and held-out prompts, evaluates them with the exact
 * attribute reader and writes {@code out/demo/index.html}. With {@code --checks} it first runs the
 * engine's quick self-checks (the bundled golden cases and a GEMM against the reference backend)
 * as a list of {@link DemoStep}s.
 *
 * <p>Invariants: the last line printed is {@code caption_match_top1: X} (held-out compositions);
 * exit status 1 when a self-check FAILED (the DALL·E part then still runs), else 0.
 */
public final class DemoCommand implements Verb {
    @Override public String name() { return "demo"; }

    @Override public String summary() { return "DALL·E end to end on shapes: train (or reuse), generate, rerank, evaluate, report"; }

    @Override public String synopsis() { return "[options]"; }

    @Override
    public String description() {
        return """
                The main job. On the built-in shapes data (generated, nothing to download) it trains the dVAE,
                learns a BPE vocabulary of the training captions, trains the transformer on (caption, dVAE
                tokens) and the contrastive reranker on (caption, image) -- each within a step budget and a
                wall-clock cap, in a JVM of its own (the JIT then compiles each stage's code for that stage),
                checkpointed under --cache keyed by its settings, so a second run reuses them.
                Then it samples --candidates images per prompt for seen and held-out compositions (colour-shape
                pairs no model ever saw), reranks them, judges every image with the exact attribute reader and
                writes --out/index.html: the evaluation table (per category, random vs reranked, seen vs
                held-out), top-1 match against N, a Fréchet distance on the reranker's features, image grids,
                every candidate of a few prompts ordered by score, loss curves and the commands to reproduce.
                The default preset is budgeted for 15 minutes on 2 cores (%s); --time-scale stretches or
                shrinks every cap. The last line is caption_match_top1: X, the reranked top-1 caption match on
                held-out compositions.""".formatted(defaultCaps());
    }

    /** The demo preset's caps, read from it so the help cannot drift from the settings. */
    private static String defaultCaps() {
        DemoConfig d = DemoConfig.demo();
        return String.format(Locale.ROOT, "caps: dVAE %.0f s, transformer %.0f s, reranker %.0f s, evaluation %.0f s",
                d.dvaeBudget().seconds(), d.priorBudget().seconds(), d.clipBudget().seconds(), d.evalSeconds());
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("preset", "NAME", "demo", "demo (15 minutes on 2 cores) or tiny (every stage a few steps; seconds)"),
                OptionSpec.value("out", "DIR", "out/demo", "where index.html and its images go"),
                OptionSpec.value("cache", "DIR", "out/cache", "where trained models are kept and reused (keyed by their settings)"),
                OptionSpec.value("time-scale", "X", "1", "multiply every training and evaluation time cap by X (e.g. 2 on a slow machine)"),
                OptionSpec.flag("checks", "first run the engine's quick self-checks (golden cases, a GEMM against the reference)"),
                OptionSpec.value("backend", "NAME", null, "backend of the self-checks: reference or cpu (default: -Dtessel.backend, else cpu)"),
                OptionSpec.value("seed", "N", "2102", "seed of the self-check's random GEMM operands"));
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel demo", "./tessel demo --preset tiny --out /tmp/demo --cache /tmp/demo-cache", "./tessel demo --checks --time-scale 2");
    }

    /** The self-check stages in order. */
    static List<DemoStep> steps(Backend backend, long seed) {
        return List.of(
                new GoldenCasesStep(backend),
                new GemmCheckStep(96, 80, 72, seed));
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        args.noPositionals();
        DemoConfig config;
        try {
            config = DemoConfig.preset(args.choice("preset", "demo", "tiny")).withTimeScale(args.number("time-scale"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(name(), e.getMessage());
        }
        boolean failed = false;
        if (args.flag("checks")) {
            Backend backend = args.given("backend") ? Backends.byName(args.choice("backend", "reference", "cpu")) : Backends.get();
            failed = runChecks(steps(backend, args.longValue("seed")), out);
        }
        List<String> commands = new ArrayList<>(List.of(
                "./tessel demo" + (config.name().equals("demo") ? "" : " --preset " + config.name())
                        + (args.given("time-scale") ? " --time-scale " + args.string("time-scale") : ""),
                "./tessel generate --caption \"a blue circle above a red square\" --n 32 --rerank 4 --out out/generate",
                "./tessel clip train --steps 600 --out out/clip/clip.safetensors",
                "./tessel dvae train --data shapes --preset tiny --steps 3000 --out out/dvae"));
        out.println("tessel demo: DALL·E on shapes, preset " + config.name() + "; models cached under " + args.string("cache"));
        DemoPipeline.run(config, Path.of(args.string("out")), Path.of(args.string("cache")), out,
                (label, total) -> ProgressBar.create(label, total), commands, DemoModels.StageJvm.OWN);
        return failed ? 1 : 0;
    }

    /** Runs the self-checks, prints one summary line each; true when one FAILED. */
    static boolean runChecks(List<DemoStep> steps, PrintStream out) {
        out.println("self-checks: " + steps.size() + " steps");
        List<String> summary = new ArrayList<>();
        boolean failed = false;
        for (int i = 0; i < steps.size(); i++) {
            DemoStep step = steps.get(i);
            out.printf(Locale.ROOT, "[%d/%d] %s%n", i + 1, steps.size(), step.title());
            out.flush();
            long start = System.nanoTime();
            DemoStep.Outcome outcome;
            try {
                outcome = step.run(out);
            } catch (Exception | StackOverflowError e) {
                String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                outcome = new DemoStep.Outcome(DemoStep.Status.FAILED, "error: " + message.replaceAll("\\s*\\R\\s*", " "));
            }
            failed |= outcome.status() == DemoStep.Status.FAILED;
            summary.add(String.format(Locale.ROOT, "  %-10s %-48s %s (%.1f s)", outcome.status(), step.title(), outcome.summary(),
                    (System.nanoTime() - start) / 1e9));
        }
        out.println("Summary:");
        summary.forEach(out::println);
        out.println(failed ? "self-checks: FAILED" : "self-checks: done, nothing wrong");
        return failed;
    }
}
