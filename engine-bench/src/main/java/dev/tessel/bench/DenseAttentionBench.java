package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * The GEMM-based dense baseline of {@link AttentionBench}: causal attention as
 * softmax(mask(q·kᵀ/√d))·v through the Cpu backend's GEMM, at the same sizes (forward only).
 * {@code java -jar engine-bench/target/benchmarks.jar DenseAttentionBench}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class DenseAttentionBench {
    @Param({"64+16x16", "256+32x32"})
    public String size;

    private static final int DIM = 64;

    private Backend cpu;
    private Tensor q, k, v, mask;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = size.split("[+x]");
        AttentionPattern causal = AttentionPattern.causal(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        cpu = Backends.cpu();
        int n = causal.length();
        q = AttentionCommand.random(1, 1, n, DIM, 1);
        k = AttentionCommand.random(1, 1, n, DIM, 2);
        v = AttentionCommand.random(1, 1, n, DIM, 3);
        mask = causal.denseMask();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {q, k, v, mask}) t.close();
    }

    @Benchmark
    public double forward() {
        try (Tensor o = AttentionCommand.gemmAttention(cpu, q, k, v, mask)) {
            return o.getDouble(0);
        }
    }
}
