package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.util.Arrays;
import java.util.Random;

/**
 * {@code bench conv2d}: times the Cpu backend's float32 conv2d (stride 1, "same" padding) on one
 * shape and prints the median GFLOP/s as its last line, {@code gflops: <median>}, which
 * conv_peer.py parses. With {@code --pass train} it times forward plus both backward passes
 * (input and weight gradient), counting three convolutions' worth of FLOPs.
 *
 * <p>Invariant: the thread count must be fixed before the Cpu pool exists, so {@link #run} sets
 * {@code tessel.threads} first and refuses to time if the pool already has another size.
 * FLOPs count every multiply-add of the padded k x k window (2*B*Cout*Cin*k*k*H*W per conv),
 * the convention PyTorch benchmarks use, so the numbers compare directly.
 */
public final class Conv2dCommand {
    private Conv2dCommand() {}

    private static final String USAGE = """
            usage: bench conv2d [--batch B] [--cin C] [--cout C] [--hw N | --h H --w W] [--kernel K]
                                [--threads T] [--reps R] [--pass forward|train]
              Times the Cpu backend's float32 conv2d (stride 1, same padding) and prints the median
              of R >= 5 timed repetitions after a warm-up; the last line is 'gflops: <median>'.
              defaults: --batch 8 --cin 256 --cout 256 --hw 32 --kernel 3 --threads <cores> --reps 7 --pass forward""";

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        int batch = 8, cin = 256, cout = 256, h = 32, w = 32, kernel = 3, reps = 7;
        int threads = Runtime.getRuntime().availableProcessors();
        boolean train = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    System.out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + a);
                String v = args[++i];
                switch (a) {
                    case "--batch" -> batch = positive(a, v);
                    case "--cin" -> cin = positive(a, v);
                    case "--cout" -> cout = positive(a, v);
                    case "--hw" -> h = w = positive(a, v);
                    case "--h" -> h = positive(a, v);
                    case "--w" -> w = positive(a, v);
                    case "--kernel" -> kernel = positive(a, v);
                    case "--threads" -> threads = positive(a, v);
                    case "--reps" -> reps = positive(a, v);
                    case "--pass" -> {
                        if (!v.equals("forward") && !v.equals("train")) throw new IllegalArgumentException("--pass is forward or train, not " + v);
                        train = v.equals("train");
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (kernel % 2 == 0) throw new IllegalArgumentException("--kernel must be odd, not " + kernel);
            if (reps < 5) throw new IllegalArgumentException("--reps must be at least 5, not " + reps);
        } catch (IllegalArgumentException e) {
            System.err.println("bench conv2d: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }

        System.setProperty("tessel.threads", Integer.toString(threads));
        if (CpuThreads.threads() != threads) {
            System.err.println("bench conv2d: the Cpu thread pool already runs " + CpuThreads.threads() + " threads; start a new JVM for --threads " + threads);
            return 2;
        }
        Backend cpu = Backends.cpu();
        Random rng = new Random(42);
        Tensor x = randn(rng, batch, cin, h, w);
        Tensor weight = randn(rng, cout, cin, kernel, kernel);
        Tensor bias = randn(rng, cout);
        Tensor gradOut = randn(rng, batch, cout, h, w);
        double gflop = 2.0 * batch * cout * cin * kernel * kernel * h * w * (train ? 3 : 1) / 1e9;
        int k = kernel;
        boolean isTrain = train;
        Runnable step = () -> {
            cpu.conv2d(x, weight, bias).close();
            if (isTrain) {
                cpu.conv2dBackwardInput(gradOut, weight).close();
                cpu.conv2dBackwardWeight(x, gradOut, k).close();
            }
        };

        System.out.printf("conv2d %s: x [%d,%d,%d,%d], weight [%d,%d,%d,%d], float32, %d thread(s), %.3f GFLOP per step%n",
                train ? "forward+backward" : "forward", batch, cin, h, w, cout, cin, kernel, kernel, threads, gflop);
        // warm-up: until C2 has compiled (and recompiled) the GEMM kernel at the real sizes: the
        // first steps run boxed vectors at a few GFLOP/s, so count both time and steps
        long warmStart = System.nanoTime();
        int warmSteps = 0;
        while (warmSteps < 5 || System.nanoTime() - warmStart < 4_000_000_000L) {
            step.run();
            warmSteps++;
        }
        double[] rates = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            step.run();
            double seconds = (System.nanoTime() - t0) / 1e9;
            rates[r] = gflop / seconds;
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double median = reps % 2 == 1 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
        System.out.printf("warm-up %d steps; %d timed reps, GFLOP/s: %s%n", warmSteps, reps,
                Arrays.toString(Arrays.stream(rates).map(v -> Math.round(v * 10) / 10.0).toArray()));
        System.out.printf("median %.2f ms per step%n", gflop / median * 1e3);
        System.out.printf("gflops: %.2f%n", median);
        return 0;
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

    private static Tensor randn(Random rng, int... dims) {
        Tensor t = Tensor.zeros(DType.F32, dims);
        for (long i = 0, n = t.numel(); i < n; i++) t.setDouble(i, rng.nextGaussian());
        return t;
    }
}
