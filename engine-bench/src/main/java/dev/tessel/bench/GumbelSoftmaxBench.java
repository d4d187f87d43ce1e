package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.GumbelSample;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of Backend.gumbelSoftmaxPhilox (noise from the Philox stream) on dVAE-shaped
 * logits [batch, vocab, H, W] with the softmax over the vocabulary axis, soft and straight-through.
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar GumbelSoftmaxBench
 *   java -jar engine-bench/target/benchmarks.jar GumbelSoftmaxBench -p vocab=8192 -p grid=32
 *   java -jar engine-bench/target/benchmarks.jar GumbelSoftmaxBench -p backend=opencl -p vocab=512 -p grid=8
 * </pre>
 * Napkin math: per element one Philox draw (10 rounds of two 32x32 multiplies, on the host a
 * quarter of a block), two logs and an exp: ~30-50 ns scalar; the DALL·E shape 8192 x 32 x 32
 * has 8.4M elements, so ~0.3 s per sample on one core before vectorisation of the softmax.
 *
 * <p>Invariant: logits are made once per trial; each invocation draws fresh noise (the offset
 * advances by Philox.blocks(numel)), as training does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class GumbelSoftmaxBench {
    @Param({"cpu"})
    public String backend;

    @Param({"512", "8192"})
    public int vocab;

    @Param({"16"})
    public int grid;

    @Param({"f32", "f16"})
    public String dtype;

    @Param({"false", "true"})
    public boolean hard;

    private Backend impl;
    private Tensor logits;
    private long offset;

    @Setup(Level.Trial)
    public void setUp() {
        impl = Backends.byName(backend);
        try (Tensor flat = GemmCommand.randomMatrix(DType.valueOf(dtype.toUpperCase(Locale.ROOT)), vocab, grid * grid, 6)) {
            logits = flat.reshape(1, vocab, grid, grid).copy();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() { logits.close(); }

    @Benchmark
    public double sample() {
        GumbelSample s = impl.gumbelSoftmaxPhilox(logits, 2026, offset, 1.0 / 16, 1, hard);
        offset += dev.tessel.tensor.Philox.blocks(logits.numel());
        try (Tensor soft = s.soft(); Tensor hot = s.hard()) {
            return soft.getDouble(0) + (hot == null ? 0 : hot.getDouble(0));
        }
    }
}
