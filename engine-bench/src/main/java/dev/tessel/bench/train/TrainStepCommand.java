// TrainStepCommand: `bench mlp`, `bench tiny-transformer` and `bench prior-step`: times whole training steps
// (zero grads, forward, backward, AdamW) of a StepModel on the Cpu backend and prints the median
// milliseconds per step as its last line, `ms: <median>`, after `cpu_ms: <median>` (process CPU
// time per step), which the Python peers parse.
//
// Invariant: the thread count must be fixed before the Cpu pool exists, so run() sets
// tessel.threads first and refuses to time if the pool already has another size. Each timed
// repetition averages a window of steps (one step is well under a millisecond, below the
// resolution a single nanoTime pair gives reliably under load); the median is over windows.
package dev.tessel.bench.train;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.models.transformer.TransformerConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/** The training-step benchmarks: issue 3's tape-overhead targets and the small preset's step (issue 5). */
public final class TrainStepCommand {
    /** Steps before timing starts whatever the clock says: C2 needs this many calls of each kernel. */
    static final int WARMUP_STEPS = 1000;

    private final String name;
    private final String usage;

    private TrainStepCommand(String name, String shapes) {
        this.name = name;
        this.usage = """
                usage: bench %s [--threads T] [--reps R] [--window S] [--warmup-seconds W] [--warmup-steps N]
                  Times training steps (zero grads, forward, backward, AdamW lr 1e-3) of %s
                  on the Cpu backend, float32. Each of R >= 5 repetitions averages S steps after a
                  warm-up of at least W seconds and N steps (C2 compiles the hot kernels late on
                  a loaded machine); the last line is 'ms: <median ms per step>'.
                  defaults: --threads <cores> --reps 9 --window 50 --warmup-seconds 8 --warmup-steps %d"""
                .formatted(name, shapes, WARMUP_STEPS);
    }

    /** `bench mlp`: the 4-layer MLP of width 64 at batch 32. */
    public static int mlp(String[] args) {
        return new TrainStepCommand("mlp", "a 4-layer MLP (width 64, batch 32, 64 classes)")
                .run(args, () -> new MlpStepModel(64, 32, new SplittableRandom(42)));
    }

    /** `bench tiny-transformer`: the 2-layer transformer of width 64 on 32 tokens. */
    public static int tinyTransformer(String[] args) {
        return new TrainStepCommand("tiny-transformer", "a 2-layer pre-LN transformer (width 64, 4 heads, vocab 128, 1 x 32 tokens)")
                .run(args, () -> new TinyTransformerStepModel(64, 4, 2, 128, 1, 32, new SplittableRandom(42)));
    }

    /**
     * `bench prior-step`: the text-to-image transformer of a preset (default small) at batch 8,
     * the prior train default, without activation checkpointing.
     */
    public static int priorStep(String[] args) {
        ModelArgs m;
        try {
            m = ModelArgs.parse(args, 8);
        } catch (IllegalArgumentException e) {
            System.err.println("bench prior-step: " + e.getMessage());
            return 2;
        }
        return new TrainStepCommand("prior-step", "the text-to-image transformer --preset P [--grid G] (default small: " + m.config() + ")\n"
                + "  at --batch B (default 8), no activation checkpointing")
                .run(m.rest(), () -> new PriorStepModel(m.config(), m.batch(), 42));
    }

    /**
     * The model options of the transformer benchmarks, taken out of the timing options: --preset
     * (default small), --grid (the same model on another image grid) and --batch; rest is the
     * timing options.
     */
    record ModelArgs(TransformerConfig config, int batch, String[] rest) {
        static ModelArgs parse(String[] args, int defaultBatch) {
            TransformerConfig c = TransformerConfig.small();
            int batch = defaultBatch, grid = 0;
            java.util.List<String> rest = new java.util.ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                boolean model = args[i].equals("--preset") || args[i].equals("--batch") || args[i].equals("--grid");
                if (!model) {
                    rest.add(args[i]);
                    continue;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + args[i]);
                String v = args[++i];
                switch (args[i - 1]) {
                    case "--preset" -> c = TransformerConfig.preset(v);
                    case "--batch" -> batch = positive("--batch", v);
                    default -> grid = positive("--grid", v);
                }
            }
            if (grid > 0) c = new TransformerConfig(c.layers(), c.dModel(), c.heads(), c.textLength(), c.textVocab(), grid, c.imageVocab(), c.convKernel());
            return new ModelArgs(c, batch, rest.toArray(String[]::new));
        }
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: TrainStepCommand mlp|tiny-transformer|prior-step [options]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        System.exit(switch (args[0]) {
            case "mlp" -> mlp(rest);
            case "tiny-transformer" -> tinyTransformer(rest);
            case "prior-step" -> priorStep(rest);
            default -> {
                System.err.println("TrainStepCommand: unknown model '" + args[0] + "', expected mlp, tiny-transformer or prior-step");
                yield 2;
            }
        });
    }

    private int run(String[] args, Supplier<StepModel> build) {
        return time(name, usage, args, () -> {
            StepModel model = build.get();
            AdamW optimizer = new AdamW(model.module().parameters(), 1e-3);
            return new Workload(model.module().parameterCount() + " parameters, float32", () -> {
                optimizer.zeroGrad();
                model.loss().backward();
                optimizer.step();
            });
        });
    }

    /** One timed unit of work (a training step, a whole sampled batch) and a line saying what it is. */
    record Workload(String description, Runnable step) {}

    /**
     * Parses the timing options of {@code usage}, fixes the Cpu pool's size, builds the workload
     * and prints the median ms (and process-CPU ms) per step after warm-up; 2 on a usage error.
     */
    static int time(String name, String usage, String[] args, Supplier<Workload> build) {
        int threads = Runtime.getRuntime().availableProcessors(), reps = 9, window = 50, warmupSteps = WARMUP_STEPS;
        double warmupSeconds = 8;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    System.out.println(usage);
                    return 0;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + a);
                String v = args[++i];
                switch (a) {
                    case "--threads" -> threads = positive(a, v);
                    case "--reps" -> reps = positive(a, v);
                    case "--window" -> window = positive(a, v);
                    case "--warmup-seconds" -> warmupSeconds = positive(a, v);
                    case "--warmup-steps" -> warmupSteps = positive(a, v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (reps < 5) throw new IllegalArgumentException("--reps must be at least 5, not " + reps);
        } catch (IllegalArgumentException e) {
            System.err.println("bench " + name + ": " + e.getMessage());
            System.err.println(usage);
            return 2;
        }
        System.setProperty("tessel.threads", Integer.toString(threads));
        if (CpuThreads.threads() != threads) {
            System.err.println("bench " + name + ": the Cpu thread pool already runs " + CpuThreads.threads() + " threads; start a new JVM for --threads " + threads);
            return 2;
        }
        Workload work = build.get();
        Runnable step = work.step();
        System.out.printf("%s: %s, %d thread(s)%n", name, work.description(), threads);
        double[] perStepMs = new double[reps], perStepCpuMs = new double[reps];
        try (var cpu = Autograd.backend(Backends.cpu())) {
            long warmStart = System.nanoTime();
            int warmSteps = 0;
            while (warmSteps < warmupSteps || System.nanoTime() - warmStart < warmupSeconds * 1e9) {
                step.run();
                warmSteps++;
            }
            System.out.printf("warm-up %d steps%n", warmSteps);
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime(), c0 = processCpuNanos();
                for (int s = 0; s < window; s++) step.run();
                perStepMs[r] = (System.nanoTime() - t0) / 1e6 / window;
                perStepCpuMs[r] = (processCpuNanos() - c0) / 1e6 / window;
            }
        }
        System.out.printf("%d reps of %d steps, ms per step: %s%n", reps, window,
                Arrays.toString(Arrays.stream(perStepMs).map(v -> Math.round(v * 1000) / 1000.0).toArray()));
        System.out.printf("cpu_ms: %.4f%n", median(perStepCpuMs));
        System.out.printf("ms: %.4f%n", median(perStepMs));
        return 0;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** CPU time of the whole process (every thread: workers, GC, JIT), which a loaded machine inflates far less than wall time. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static int positive(String option, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v <= 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a positive integer, not '" + value + "'");
        }
    }
}
