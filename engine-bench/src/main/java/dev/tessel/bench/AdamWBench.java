package dev.tessel.bench;

import dev.tessel.kernels.AdamWStep;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of Backend.adamwStep, the fused AdamW update, with F32 moments against the
 * paper's 16-bit moments (1-6-9 mean, 0-6-10 variance), per backend and parameter count.
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar AdamWBench
 *   java -jar engine-bench/target/benchmarks.jar AdamWBench -p moments=16bit -p elements=16777216
 *   java -jar engine-bench/target/benchmarks.jar AdamWBench -p backend=reference -p elements=1048576
 * </pre>
 * Napkin math: per element F32 moments read/write 4+4+4+4 (p, g, m, v) + 12 = 28 bytes, 16-bit
 * moments 4+4+2+2 + 8 = 20 bytes but add an encode and decode each; a 16M-parameter step moves
 * 330-470 MB: ~0.1 s at a few GB/s. The 16-bit codec is bit manipulation (MomentCodec), not math.
 *
 * <p>Invariant: the state persists across invocations (the step count grows, as in training);
 * the gradient is fixed and finite, so no element is ever skipped.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class AdamWBench {
    @Param({"cpu"})
    public String backend;

    @Param({"1048576", "16777216"})
    public int elements;

    @Param({"f32", "16bit"})
    public String moments;

    private Backend impl;
    private Tensor param, grad, mean, var;
    private long step;

    @Setup(Level.Trial)
    public void setUp() {
        impl = Backends.byName(backend);
        int rows = elements / 1024;
        param = GemmCommand.randomMatrix(DType.F32, rows, 1024, 4);
        grad = GemmCommand.randomMatrix(DType.F32, rows, 1024, 5);
        boolean narrow = moments.equals("16bit");
        mean = Tensor.zeros(narrow ? DType.MEAN_1_6_9 : DType.F32, rows, 1024);
        var = Tensor.zeros(narrow ? DType.VAR_0_6_10 : DType.F32, rows, 1024);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {param, grad, mean, var}) t.close();
    }

    @Benchmark
    public long adamwStep() {
        return impl.adamwStep(param, grad, mean, var, new AdamWStep(4.5e-4, 0.9, 0.96, 1e-8, 4.5e-2, ++step, 5.0));
    }
}
