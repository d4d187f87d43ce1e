package dev.tessel.cli.model;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.cli.VerbGroup;
import dev.tessel.models.transformer.LayerBenchmark;
import dev.tessel.models.transformer.MemoryBudget;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.models.transformer.TransformerConfig;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./tessel model info}: the size of a transformer preset (exact parameter count, by part),
 * its memory at batch 1 under mixed precision with activation checkpointing, and optionally the
 * CPU time of forward + backward of one layer at the preset's width.
 *
 * <p>Invariant: the count is computed from the config without allocating the model (the 12B
 * model would need 48 GB in fp32); the first output line is always {@code parameters: N}.
 */
public final class ModelCommands {
    private ModelCommands() {}

    /** The {@code model} verb for Main's table. */
    public static Verb verb() {
        return new VerbGroup("model", "describe a transformer preset: exact parameter count, memory, one layer's CPU time", List.of(new Info(), new PlanCommand()));
    }

    static final class Info implements Verb {
        @Override public String name() { return "model info"; }

        @Override public String summary() { return "parameters (exact, by part) and memory of a preset; --run-layer times one layer"; }

        @Override public String synopsis() { return "--preset NAME [--run-layer [--text N --grid N --reps R]]"; }

        @Override
        public String description() {
            return """
                    Prints 'parameters: N' for the preset (every stored parameter: token, padding, position, row and
                    column embeddings, all weights, biases and gains, and the untied text and image heads), counted
                    from the configuration without allocating the weights; then a per-part breakdown and the memory
                    of one training step at batch 1 with 16-bit parameters, gradients and Adam moments, fp32
                    checkpointed resblock inputs and fp32 logits.
                    --run-layer builds one layer (attention + MLP resblock) at the preset's width, runs forward +
                    backward on the CPU at a short stream of --text text + --grid x --grid image tokens, and prints
                    the median time of --reps passes after one warm-up.""";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("preset", "NAME", null, "one of " + TransformerConfig.PRESETS),
                    OptionSpec.flag("run-layer", "time forward + backward of one layer at the preset's width"),
                    OptionSpec.value("text", "N", "16", "text positions of the --run-layer stream"),
                    OptionSpec.value("grid", "N", "4", "image grid side of the --run-layer stream"),
                    OptionSpec.value("reps", "R", "3", "timed passes of --run-layer"));
        }

        @Override
        public List<String> examples() {
            return List.of("./tessel model info --preset 12b", "./tessel model info --preset 12b --run-layer --text 16 --grid 4");
        }

        @Override
        public int run(Arguments args, PrintStream out) {
            args.noPositionals();
            TransformerConfig c;
            try {
                c = TransformerConfig.preset(args.string("preset"));
            } catch (IllegalArgumentException e) {
                throw new UsageException(name(), e.getMessage());
            }
            long n = TextToImageTransformer.parameterCount(c);
            out.println("parameters: " + n);
            out.println("preset " + args.string("preset") + ": " + c);
            out.println("parameters by part:");
            for (var e : TextToImageTransformer.parameterBreakdown(c).entrySet()) {
                out.printf(Locale.ROOT, "  %-62s %,18d  (%5.2f%%)%n", e.getKey(), e.getValue(), 100.0 * e.getValue() / n);
            }
            out.println("memory of one training step at batch 1 (activation checkpointing per resblock):");
            for (var e : MemoryBudget.atBatchOne(c).entrySet()) out.printf(Locale.ROOT, "  %-62s %12s%n", e.getKey(), bytes(e.getValue()));
            out.printf(Locale.ROOT, "  %-62s %12s%n", "total", bytes(MemoryBudget.total(c)));
            if (args.flag("run-layer")) {
                int text = args.integer("text", 2, 4096), grid = args.integer("grid", 1, 256), reps = args.integer("reps", 1, 100);
                out.printf(Locale.ROOT, "running one layer of d=%d, %d heads on %d text + %dx%d image positions (batch 1) ...%n",
                        c.dModel(), c.heads(), text, grid, grid);
                out.flush();
                LayerBenchmark.Result r = LayerBenchmark.run(c, text, grid, 1, reps);
                out.printf(Locale.ROOT, "one layer (%,d parameters), forward + backward at T=%d: median %.3f s over %d passes %s%n",
                        r.parameters(), r.sequence(), r.median(), reps, java.util.Arrays.toString(r.seconds()));
            }
            return 0;
        }

        private static String bytes(long b) {
            return b >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30)) : String.format(Locale.ROOT, "%.2f MiB", b / (double) (1L << 20));
        }
    }
}
