package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.kernels.attention.AttentionPattern.ConvolutionEdges;
import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of the Cpu backend's block-sparse attention for DALL·E's layer patterns against
 * dense causal attention, at DALL·E's layout scaled down: 64 text + 16x16 image and 256 text +
 * 32x32 image tokens, one head of 64 (what `./tessel bench attention` measures in alternating
 * rounds, here under JMH's forks and warm-up).
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar AttentionBench
 *   java -jar engine-bench/target/benchmarks.jar AttentionBench -p size=256+32x32 -p pass=backward
 * </pre>
 * Patterns: {@code causal} (the sparse kernel with every causal tile visible: the dense baseline),
 * {@code row}, {@code column}, {@code conv11} (clamped edges); {@link DenseAttentionBench} is the
 * other dense baseline, causal attention through GEMM + masked softmax + GEMM (forward only). The time of a pattern over the time of
 * {@code causal} should follow the ratio of visible pairs, which {@link #visiblePairRatio} prints
 * once per trial. Napkin math: 4·d flops per visible pair; 256 + 32x32 causal has 820k pairs,
 * 0.2 GFLOP, ~10 ms on one core at 20 GFLOP/s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class AttentionBench {
    @Param({"64+16x16", "256+32x32"})
    public String size;

    @Param({"causal", "row", "column", "conv11"})
    public String pattern;

    @Param({"forward", "backward"})
    public String pass;

    private static final int BLOCK = 32, DIM = 64;

    private Backend cpu;
    private Tensor q, k, v, out, logSumExp, gradOut;
    private BlockLayout layout;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = size.split("[+x]");
        int text = Integer.parseInt(parts[0]), height = Integer.parseInt(parts[1]), width = Integer.parseInt(parts[2]);
        cpu = Backends.cpu();
        AttentionPattern causal = AttentionPattern.causal(text, height, width);
        AttentionPattern chosen = switch (pattern) {
            case "causal" -> causal;
            case "row" -> AttentionPattern.row(text, height, width);
            case "column" -> AttentionPattern.column(text, height, width);
            case "conv11" -> AttentionPattern.convolution(text, height, width, 11, ConvolutionEdges.CLAMPED);
            default -> throw new IllegalArgumentException("unknown pattern " + pattern);
        };
        int n = causal.length();
        q = AttentionCommand.random(1, 1, n, DIM, 1);
        k = AttentionCommand.random(1, 1, n, DIM, 2);
        v = AttentionCommand.random(1, 1, n, DIM, 3);
        gradOut = AttentionCommand.random(1, 1, n, DIM, 4);
        layout = chosen.blockLayout(BLOCK);
        Tensor[] forward = cpu.sparseAttention(q, k, v, layout);
        out = forward[0];
        logSumExp = forward[1];
        System.out.printf("%n%s %s: visible pairs / causal = %.4f%n", size, pattern, visiblePairRatio(chosen, causal));
    }

    /** Visible (query, key) pairs of the pattern over those of dense causal attention. */
    static double visiblePairRatio(AttentionPattern pattern, AttentionPattern causal) {
        return countTrue(pattern.denseMask()) / countTrue(causal.denseMask());
    }

    private static double countTrue(Tensor mask) {
        double n = 0;
        for (long i = 0; i < mask.numel(); i++) if (mask.getDouble(i) != 0) n++;
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {q, k, v, gradOut, out, logSumExp}) t.close();
    }

    @Benchmark
    public double attention() {
        Tensor[] results = pass.equals("forward") ? cpu.sparseAttention(q, k, v, layout)
                : cpu.sparseAttentionBackward(q, k, v, layout, out, logSumExp, gradOut);
        double first = results[0].getDouble(0);
        for (Tensor t : results) t.close();
        return first;
    }
}
