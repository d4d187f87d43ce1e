package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.ReduceOp;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of a float32 SUM reduction of a [rows, columns] matrix over either axis: axis 0 is
 * a bias gradient (the sum over a batch of rows, which the Cpu backend adds row by row into a
 * column accumulator with vector adds, CpuReductions.sumColumns), axis 1 a sum along each row
 * (one contiguous line per result).
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar ReduceBench
 *   java -jar engine-bench/target/benchmarks.jar ReduceBench -p axis=0 -p backend=cpu
 * </pre>
 * Napkin math: 768 x 1024 floats are 3 MB read once, ~1 flop per element: memory-bound, ~0.1-0.2
 * ms at the 15-30 GB/s one or two cores draw from L3 and memory here. 768 x 1024 is the gradient of
 * the small transformer preset's MLP bias (batch 8 x 96 positions, 4d = 1024).
 *
 * <p>Invariant: the input is made once per trial, seeded, uniform in [-1, 1).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ReduceBench {
    @Param({"cpu"})
    public String backend;

    @Param({"768"})
    public int rows;

    @Param({"1024"})
    public int columns;

    @Param({"0", "1"})
    public int axis;

    private Backend impl;
    private Tensor x;

    @Setup(Level.Trial)
    public void setUp() {
        impl = Backends.byName(backend);
        x = GemmCommand.randomMatrix(DType.F32, rows, columns, 11);
    }

    @TearDown(Level.Trial)
    public void tearDown() { x.close(); }

    @Benchmark
    public double sum() {
        try (Tensor s = impl.reduce(ReduceOp.SUM, x, axis, false)) {
            return s.getDouble(0);
        }
    }
}
