package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.Unscaled;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of Backend.unscaleFilter (DALL·E's filtered per-resblock gradient unscale) per
 * backend, element count and dtype.
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar UnscaleFilterBench
 *   java -jar engine-bench/target/benchmarks.jar UnscaleFilterBench -p backend=reference -p elements=1048576
 *   java -jar engine-bench/target/benchmarks.jar UnscaleFilterBench -p backend=opencl -p elements=1048576
 * </pre>
 * Napkin math: memory-bound; f16 reads 2 and writes 2 bytes per element (plus the output's zero
 * fill at allocation): 16M elements move ~64-96 MB, ~10-20 ms at the few GB/s one core streams here.
 *
 * <p>Invariant: the input (with a few Inf and NaN planted) is made once per trial, seeded.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class UnscaleFilterBench {
    @Param({"cpu"})
    public String backend;

    @Param({"1048576", "16777216"})
    public int elements;

    @Param({"f16", "f32"})
    public String dtype;

    private Backend impl;
    private Tensor x;

    @Setup(Level.Trial)
    public void setUp() {
        impl = Backends.byName(backend);
        x = GemmCommand.randomMatrix(DType.valueOf(dtype.toUpperCase(Locale.ROOT)), elements / 1024, 1024, 3);
        for (long i = 0; i < x.numel(); i += 100_003) x.setDouble(i, (i & 1) == 0 ? Double.POSITIVE_INFINITY : Double.NaN);
    }

    @TearDown(Level.Trial)
    public void tearDown() { x.close(); }

    @Benchmark
    public long unscaleFilter() {
        Unscaled u = impl.unscaleFilter(x, 65536.0);
        try (Tensor values = u.values()) {
            return u.nonFinite() + (long) values.getDouble(1);
        }
    }
}
