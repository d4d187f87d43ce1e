package dev.tessel.bench;

import dev.tessel.kernels.Backends;
import dev.tessel.kernels.cpu.CpuGemm;
import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code bench gemm}: times the Cpu backend's matmul C[M,N] = A[M,K]·B[K,N] at a fixed thread count
 * and prints GFLOP/s (2*M*N*K flops per product). The last line is always {@code gflops: <median>}
 * so scripts (gemm_peer.py) can read it.
 *
 * <p>Invariant: timings start only after a warm-up at the real size (the JIT recompiles the
 * micro-kernel 2-3 times in the first seconds, DESIGN.md 2d), and every timed call includes the
 * output allocation, as numpy's {@code a @ b} does.
 */
public final class GemmCommand {
    private static final String USAGE = """
            usage: bench gemm --m M --k K --n N --threads T [--dtype f32|f16|bf16] [--reps R]
              Times C = A·B on the Cpu backend with at most T worker threads (after a warm-up),
              R timed repetitions (default 7, at least 5); prints per-rep times, then 'gflops: <median>'.""";

    private GemmCommand() {}

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) System.exit(code);
    }

    public static int run(String[] args) {
        int m = 0, k = 0, n = 0, threads = 0, reps = 7;
        DType dtype = DType.F32;
        try {
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--help") || flag.equals("-h")) {
                    System.out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + flag);
                String value = args[++i];
                switch (flag) {
                    case "--m" -> m = Integer.parseInt(value);
                    case "--k" -> k = Integer.parseInt(value);
                    case "--n" -> n = Integer.parseInt(value);
                    case "--threads" -> threads = Integer.parseInt(value);
                    case "--reps" -> reps = Integer.parseInt(value);
                    case "--dtype" -> dtype = switch (value.toLowerCase(Locale.ROOT)) {
                        case "f32" -> DType.F32;
                        case "f16" -> DType.F16;
                        case "bf16" -> DType.BF16;
                        default -> throw new IllegalArgumentException("--dtype must be f32, f16 or bf16, not " + value);
                    };
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (m < 1 || k < 1 || n < 1 || threads < 1) throw new IllegalArgumentException("--m, --k, --n and --threads are required and must be >= 1");
            if (reps < 5) throw new IllegalArgumentException("--reps must be at least 5, got " + reps);
        } catch (IllegalArgumentException e) {
            System.err.println("bench gemm: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }

        if (threads > CpuThreads.threads()) {
            System.out.println("note: " + threads + " threads asked, the pool has " + CpuThreads.threads() + " (-Dtessel.threads=N raises it)");
        }
        CpuGemm.limitThreads(threads);
        Tensor a = randomMatrix(dtype, m, k, 1), b = randomMatrix(dtype, k, n, 2);
        double flops = 2.0 * m * n * k;
        System.out.printf(Locale.ROOT, "bench gemm: M=%d K=%d N=%d dtype=%s threads=%d (pool %d), output F32%n",
                m, k, n, dtype, CpuGemm.threads(), CpuThreads.threads());

        long warmStart = System.nanoTime();
        int warmCalls = 0;
        while (warmCalls < 10 || System.nanoTime() - warmStart < 3_000_000_000L) {
            multiply(a, b);
            warmCalls++;
        }
        System.out.printf(Locale.ROOT, "warm-up: %d calls in %.2f s%n", warmCalls, (System.nanoTime() - warmStart) / 1e9);

        // With one thread the product runs on this thread, so its CPU time excludes time lost to
        // other processes on a shared machine: a second, load-robust rate.
        ThreadMXBean cpuClock = ManagementFactory.getThreadMXBean();
        boolean cpuRate = CpuGemm.threads() == 1 && cpuClock.isCurrentThreadCpuTimeSupported();
        double[] gflops = new double[reps], cpuGflops = new double[reps];
        for (int r = 0; r < reps; r++) {
            long c0 = cpuRate ? cpuClock.getCurrentThreadCpuTime() : 0, t0 = System.nanoTime();
            multiply(a, b);
            long ns = System.nanoTime() - t0, cpuNs = cpuRate ? cpuClock.getCurrentThreadCpuTime() - c0 : 0;
            gflops[r] = flops / ns;
            cpuGflops[r] = cpuRate ? flops / Math.max(1, cpuNs) : 0;
            System.out.printf(Locale.ROOT, "rep %d: %.3f ms  %.2f GFLOP/s%s%n", r + 1, ns / 1e6, gflops[r],
                    cpuRate ? String.format(Locale.ROOT, "  (%.2f per CPU-second)", cpuGflops[r]) : "");
        }
        if (cpuRate) System.out.printf(Locale.ROOT, "cpu-gflops: %.2f%n", median(cpuGflops));
        double[] sorted = gflops.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "min %.2f  max %.2f GFLOP/s%n", sorted[0], sorted[reps - 1]);
        System.out.printf(Locale.ROOT, "gflops: %.2f%n", median(gflops));
        a.close();
        b.close();
        return 0;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void multiply(Tensor a, Tensor b) {
        try (Tensor c = Backends.cpu().matmul(a, b, false, false)) {
            if (c.numel() == 0) throw new IllegalStateException("empty product");
        }
    }

    /** Uniform values in [-1, 1), fixed seed, stored in {@code dtype}. */
    static Tensor randomMatrix(DType dtype, int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dtype, rows, cols);
        long count = t.numel();
        for (long i = 0; i < count; i++) t.setDouble(i, rng.nextDouble() * 2 - 1);
        return t;
    }
}
