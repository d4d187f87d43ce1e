// TrainStepCommand: `bench mlp` and `bench tiny-transformer`: times whole training steps
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
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/** The two training-step benchmarks of issue 3's tape-overhead target. */
public final class TrainStepCommand {
    /** Steps before timing starts whatever the clock says: C2 needs this many calls of each kernel. */
    static final int WARMUP_STEPS = 1000;

    private final String name;
    private final String usage;

    private TrainStepCommand(String name, String shapes) {
        this.name = name;
        this.usage = """
                usage: bench %s [--threads T] [--reps R] [--window S] [--warmup-seconds W]
                  Times training steps (zero grads, forward, backward, AdamW lr 1e-3) of %s
                  on the Cpu backend, float32. Each of R >= 5 repetitions averages S steps after a
                  warm-up of at least W seconds and 1000 steps (C2 compiles the hot kernels late on
                  a loaded machine); the last line is 'ms: <median ms per step>'.
                  defaults: --threads <cores> --reps 9 --window 50 --warmup-seconds 8"""
                .formatted(name, shapes);
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

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: TrainStepCommand mlp|tiny-transformer [options]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        System.exit(switch (args[0]) {
            case "mlp" -> mlp(rest);
            case "tiny-transformer" -> tinyTransformer(rest);
            default -> {
                System.err.println("TrainStepCommand: unknown model '" + args[0] + "', expected mlp or tiny-transformer");
                yield 2;
            }
        });
    }

    private int run(String[] args, Supplier<StepModel> build) {
        int threads = Runtime.getRuntime().availableProcessors(), reps = 9, window = 50;
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
        StepModel model = build.get();
        AdamW optimizer = new AdamW(model.module().parameters(), 1e-3);
        Runnable step = () -> {
            optimizer.zeroGrad();
            model.loss().backward();
            optimizer.step();
        };
        System.out.printf("%s: %d parameters, float32, %d thread(s)%n", name, model.module().parameterCount(), threads);
        double[] perStepMs = new double[reps], perStepCpuMs = new double[reps];
        try (var cpu = Autograd.backend(Backends.cpu())) {
            long warmStart = System.nanoTime();
            int warmSteps = 0;
            while (warmSteps < WARMUP_STEPS || System.nanoTime() - warmStart < warmupSeconds * 1e9) {
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
        double[] sorted = perStepMs.clone();
        Arrays.sort(sorted);
        double median = reps % 2 == 1 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
        System.out.printf("%d reps of %d steps, ms per step: %s%n", reps, window,
                Arrays.toString(Arrays.stream(perStepMs).map(v -> Math.round(v * 1000) / 1000.0).toArray()));
        double[] cpuSorted = perStepCpuMs.clone();
        Arrays.sort(cpuSorted);
        System.out.printf("cpu_ms: %.4f%n", reps % 2 == 1 ? cpuSorted[reps / 2] : (cpuSorted[reps / 2 - 1] + cpuSorted[reps / 2]) / 2);
        System.out.printf("ms: %.4f%n", median);
        return 0;
    }

    /** CPU time of the whole process (every thread: workers, GC, JIT), which a loaded machine inflates far less than wall time. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static int positive(String option, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v <= 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a positive integer, not '" + value + "'");
        }
    }
}
