package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of Backend.matmul, C[n,n] = A[n,n]·B[n,n], per backend, size and input dtype.
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar GemmBench
 *   java -jar engine-bench/target/benchmarks.jar GemmBench -p backend=cpu -p size=1024 -p dtype=f32
 *   java -jar engine-bench/target/benchmarks.jar GemmBench -jvmArgsAppend -Dtessel.threads=1
 *   java -jar engine-bench/target/benchmarks.jar GemmBench -p backend=reference -p size=128
 * </pre>
 * Napkin math: one product is 2n^3 flops — 2.1 GFLOP at n=1024, 17.2 GFLOP at n=2048; a core here
 * peaks near 100 GFLOP/s (two 8-lane FMAs a cycle), so expect ~25 ms and ~200 ms per op on one
 * core. f16/bf16 inputs are converted while packing and accumulate in float.
 *
 * <p>Invariant: inputs are made once per trial with a fixed seed; each invocation allocates and
 * closes its own output, as every caller of matmul does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages"})
@State(Scope.Benchmark)
public class GemmBench {
    /** Only cpu by default: the scalar reference takes minutes at n=1024 (try -p backend=reference -p size=128). */
    @Param({"cpu"})
    public String backend;

    @Param({"256", "1024", "2048"})
    public int size;

    @Param({"f32", "f16", "bf16"})
    public String dtype;

    private Backend impl;
    private Tensor a, b;

    @Setup(Level.Trial)
    public void setUp() {
        impl = Backends.byName(backend);
        DType type = DType.valueOf(dtype.toUpperCase(Locale.ROOT));
        a = GemmCommand.randomMatrix(type, size, size, 1);
        b = GemmCommand.randomMatrix(type, size, size, 2);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
    }

    @Benchmark
    public double matmul() {
        try (Tensor c = impl.matmul(a, b, false, false)) {
            return c.getDouble(0);
        }
    }
}
