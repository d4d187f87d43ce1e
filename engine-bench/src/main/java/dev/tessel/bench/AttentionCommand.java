package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.kernels.attention.AttentionPattern.ConvolutionEdges;
import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * {@code bench attention}: forward time of the DALL·E block-sparse attention layers (row,
 * transposed column, clamped convolution) against dense causal attention on the Cpu backend,
 * next to each pattern's share of the causal (query, key) pairs. The dense baseline is the
 * fastest of three: the same sparse kernel with every causal tile visible, the Cpu backend's
 * dense masked-attention kernel with the causal mask, and GEMM-based attention (matmul, masked
 * softmax, matmul). Prints one table and, per pattern, {@code ratio <pattern>: <time ratio / pair ratio>}
 * (1.0 = time exactly proportional to the visible pairs).
 *
 * <p>Invariant: every variant is warmed up at the real size before timing, and the variants
 * alternate within each round (a shared machine slows them alike); medians are quoted.
 */
public final class AttentionCommand {
    private static final String USAGE = """
            usage: bench attention [--text T] [--grid N | --height H --width W] [--heads H] [--dim D] [--batch B]
                                   [--block S] [--kernel K] [--reps R] [--warmup SECONDS]
              Times the forward pass of block-sparse attention for the row, column (transposed) and
              convolutional (clamped, kernel K) layers against dense causal attention over T text +
              H x W image tokens, float32, on the Cpu backend (threads: the pool, -Dtessel.threads=N).
              Defaults: --text 256 --grid 32 --heads 1 --dim 64 --batch 1 --block 32 --kernel 11 --reps 9 --warmup 3.""";

    private AttentionCommand() {}

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) System.exit(code);
    }

    public static int run(String[] args) {
        int text = 256, height = 32, width = 32, heads = 1, dim = 64, batch = 1, block = 32, kernel = AttentionPattern.DALLE_KERNEL;
        int reps = 9;
        double warmup = 3;
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
                    case "--text" -> text = Integer.parseInt(value);
                    case "--grid" -> height = width = Integer.parseInt(value);
                    case "--height" -> height = Integer.parseInt(value);
                    case "--width" -> width = Integer.parseInt(value);
                    case "--heads" -> heads = Integer.parseInt(value);
                    case "--dim" -> dim = Integer.parseInt(value);
                    case "--batch" -> batch = Integer.parseInt(value);
                    case "--block" -> block = Integer.parseInt(value);
                    case "--kernel" -> kernel = Integer.parseInt(value);
                    case "--reps" -> reps = Integer.parseInt(value);
                    case "--warmup" -> warmup = Double.parseDouble(value);
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (text < 0 || height < 1 || width < 1 || heads < 1 || dim < 1 || batch < 1) {
                throw new IllegalArgumentException("sizes must be >= 1 (text >= 0)");
            }
            if (reps < 3) throw new IllegalArgumentException("--reps must be at least 3, got " + reps);
        } catch (IllegalArgumentException e) {
            System.err.println("bench attention: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        try {
            return measure(text, height, width, heads, dim, batch, block, kernel, reps, warmup);
        } catch (IllegalArgumentException e) {
            System.err.println("bench attention: " + e.getMessage());
            return 2;
        }
    }

    private static int measure(int text, int height, int width, int heads, int dim, int batch, int block, int kernel, int reps, double warmup) {
        Backend cpu = Backends.cpu();
        AttentionPattern causal = AttentionPattern.causal(text, height, width);
        int n = causal.length();
        Tensor q = random(batch, heads, n, dim, 1), k = random(batch, heads, n, dim, 2), v = random(batch, heads, n, dim, 3);
        System.out.printf(Locale.ROOT, "bench attention: %d text + %dx%d image = %d positions, batch %d, %d head(s) of %d, block %d, "
                + "float32, %d threads%n", text, height, width, n, batch, heads, dim, block, CpuThreads.threads());

        Map<String, Supplier<Tensor>> dense = new LinkedHashMap<>();
        BlockLayout causalLayout = causal.blockLayout(block);
        Tensor causalMask = causal.denseMask();
        dense.put("dense: sparse kernel, all causal tiles", () -> first(cpu.sparseAttention(q, k, v, causalLayout)));
        dense.put("dense: maskedAttention kernel", () -> cpu.maskedAttention(q, k, v, causalMask));
        dense.put("dense: GEMM + masked softmax + GEMM", () -> gemmAttention(cpu, q, k, v, causalMask));

        Map<String, BlockLayout> sparse = new LinkedHashMap<>();
        sparse.put("row", AttentionPattern.row(text, height, width).blockLayout(block));
        sparse.put("column", AttentionPattern.column(text, height, width).blockLayout(block));
        sparse.put("conv" + kernel, AttentionPattern.convolution(text, height, width, kernel, ConvolutionEdges.CLAMPED).blockLayout(block));
        sparse.put("column-raster", AttentionPattern.column(text, height, width).rasterBlockLayout(block));

        List<String> names = new ArrayList<>(dense.keySet());
        List<Supplier<Tensor>> calls = new ArrayList<>(dense.values());
        sparse.forEach((name, layout) -> {
            names.add(name);
            calls.add(() -> first(cpu.sparseAttention(q, k, v, layout)));
        });

        long warmStart = System.nanoTime();
        for (int round = 0; round < 3 || System.nanoTime() - warmStart < warmup * 1e9; round++) {
            for (Supplier<Tensor> call : calls) call.get().close();
        }
        System.out.printf(Locale.ROOT, "warm-up %.1f s; %d timed rounds, variants alternating%n", (System.nanoTime() - warmStart) / 1e9, reps);
        double[][] ms = new double[calls.size()][reps];
        for (int r = 0; r < reps; r++) {
            for (int c = 0; c < calls.size(); c++) {
                long t0 = System.nanoTime();
                calls.get(c).get().close();
                ms[c][r] = (System.nanoTime() - t0) / 1e6;
            }
            System.out.print("\rround " + (r + 1) + "/" + reps);
        }
        System.out.println();

        double best = Double.POSITIVE_INFINITY;
        String bestName = null;
        for (int c = 0; c < dense.size(); c++) {
            double m = median(ms[c]);
            System.out.printf(Locale.ROOT, "%-42s %9.3f ms%n", names.get(c), m);
            if (m < best) {
                best = m;
                bestName = names.get(c);
            }
        }
        System.out.printf(Locale.ROOT, "dense causal baseline = %s: %.3f ms, %d visible pairs%n%n", bestName, best, causalLayout.visiblePairs());
        System.out.printf(Locale.ROOT, "%-14s %12s %10s %10s %10s %10s %12s%n", "pattern", "pairs", "pair ratio", "tile ratio", "ms", "time ratio",
                "time/pairs");
        int c = dense.size();
        List<String> summary = new ArrayList<>();
        for (var entry : sparse.entrySet()) {
            BlockLayout layout = entry.getValue();
            double pairRatio = (double) layout.visiblePairs() / causalLayout.visiblePairs();
            double tileRatio = (double) layout.scannedPairs() / causalLayout.scannedPairs();
            double m = median(ms[c++]), timeRatio = m / best;
            System.out.printf(Locale.ROOT, "%-14s %12d %10.3f %10.3f %10.3f %10.3f %12.3f%n", entry.getKey(), layout.visiblePairs(), pairRatio, tileRatio,
                    m, timeRatio, timeRatio / pairRatio);
            summary.add(String.format(Locale.ROOT, "ratio %s: %.3f", entry.getKey(), timeRatio / pairRatio));
        }
        summary.forEach(System.out::println);
        for (Tensor t : List.of(q, k, v, causalMask)) t.close();
        return 0;
    }

    /** softmax(mask(q·kᵀ/√D))·v with the Cpu backend's GEMM: the dense attention a framework would run. */
    static Tensor gemmAttention(Backend be, Tensor q, Tensor k, Tensor v, Tensor mask) {
        try (Tensor scores = be.matmul(q, k, false, true);
             Tensor scale = Tensor.full(DType.F32, 1.0 / Math.sqrt(q.dim(3)));
             Tensor scaled = be.binary(BinaryOp.MUL, scores, scale);
             Tensor minusInf = Tensor.full(DType.F32, Double.NEGATIVE_INFINITY);
             Tensor masked = be.where(mask, scaled, minusInf);
             Tensor p = be.softmax(masked, -1)) {
            return be.matmul(p, v, false, false);
        }
    }

    private static Tensor first(Tensor[] results) {
        for (int i = 1; i < results.length; i++) results[i].close();
        return results[0];
    }

    static Tensor random(int b, int h, int n, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[b * h * n * d];
        for (int i = 0; i < data.length; i++) data[i] = (float) (rng.nextDouble() * 2 - 1);
        return Tensor.of(data, b, h, n, d);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
