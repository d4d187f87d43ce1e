package dev.tessel.cli.demo;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.Verb;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./tessel demo}: the README's main job. Runs everything the engine can do so far, end to end,
 * as a list of {@link DemoStep}s, then prints a summary table. It grows into the DALL·E demo by adding
 * steps to {@link #steps}.
 *
 * <p>Invariant: exit status 0 when no step FAILED (steps that are INCOMPLETE because a part is not
 * implemented yet do not fail the demo), 1 otherwise; every step runs even if an earlier one failed.
 */
public final class DemoCommand implements Verb {
    @Override public String name() { return "demo"; }

    @Override public String summary() { return "run everything the engine can do so far, end to end, and summarise"; }

    @Override public String synopsis() { return "[options]"; }

    @Override
    public String description() {
        return """
                The main job. Today it checks the golden reference cases bundled in the jar (the same
                files as ./tessel golden takes) and a random GEMM of the Cpu backend against the
                Reference backend, then prints one summary line per step: OK, INCOMPLETE (ran as far
                as the engine allows; something is not implemented yet) or FAILED (a wrong result).
                Exit status 1 if any step FAILED.""";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("backend", "NAME", null, "backend for the golden cases: reference or cpu (default: -Dtessel.backend, else cpu)"),
                OptionSpec.value("seed", "N", "2102", "seed of the random GEMM operands"));
    }

    @Override
    public List<String> examples() { return List.of("./tessel demo", "./tessel demo --backend reference --seed 7"); }

    /** The demo's stages in order. */
    static List<DemoStep> steps(Backend backend, long seed) {
        return List.of(
                new GoldenCasesStep(backend),
                new GemmCheckStep(96, 80, 72, seed));
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        args.noPositionals();
        Backend backend = args.given("backend") ? Backends.byName(args.choice("backend", "reference", "cpu")) : Backends.get();
        List<DemoStep> steps = steps(backend, args.longValue("seed"));
        out.println("tessel demo: " + steps.size() + " steps");
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
        out.println(failed ? "demo: FAILED" : "demo: done, nothing wrong");
        return failed ? 1 : 0;
    }
}
