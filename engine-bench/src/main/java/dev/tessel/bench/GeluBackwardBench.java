package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of the GELU (erf form) backward, g · (Φ(x) + x·φ(x)): the fused
 * {@link BinaryOp#GELU_ERF_GRAD} that autograd uses, against the composite of backend
 * primitives it replaced (erf, exp and eight multiply/add passes, each a full read and write).
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar GeluBackwardBench
 *   java -jar engine-bench/target/benchmarks.jar GeluBackwardBench -p form=fused -p elements=262144
 * </pre>
 * Napkin math: the fused pass reads 8 and writes 4 bytes per element and costs ~40 flops in the
 * erf/exp polynomials: compute-bound at one or two cores; the composite moves ~10x the bytes.
 * 262,144 elements is one MLP activation of the small transformer preset (batch 8 x 32 tokens x 1024).
 *
 * <p>Invariant: inputs are made once per trial, seeded, uniform in [-1, 1) (the lanes evaluate both
 * branches of erf's split and blend, so the range does not change the cost).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class GeluBackwardBench {
    @Param({"cpu"})
    public String backend;

    @Param({"262144", "4194304"})
    public int elements;

    @Param({"fused", "composite"})
    public String form;

    private Backend impl;
    private Tensor x, g;

    @Setup(Level.Trial)
    public void setUp() {
        impl = Backends.byName(backend);
        x = GemmCommand.randomMatrix(DType.F32, elements / 1024, 1024, 5);
        g = GemmCommand.randomMatrix(DType.F32, elements / 1024, 1024, 6);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        g.close();
    }

    @Benchmark
    public double backward() {
        try (Tensor dx = form.equals("fused") ? impl.binary(BinaryOp.GELU_ERF_GRAD, x, g) : composite()) {
            return dx.getDouble(1);
        }
    }

    /** The formula as autograd wrote it before the fused op: Φ(x) = (1 + erf(x/√2))/2, φ(x) = exp(-x²/2)/√(2π). */
    private Tensor composite() {
        Tensor cdf = scaled(plusOne(impl.unary(UnaryOp.ERF, scaled(x, 1 / Math.sqrt(2)))), 0.5);
        Tensor pdf = scaled(impl.unary(UnaryOp.EXP, scaled(impl.binary(BinaryOp.MUL, x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return impl.binary(BinaryOp.MUL, g, impl.binary(BinaryOp.ADD, cdf, impl.binary(BinaryOp.MUL, x, pdf)));
    }

    private Tensor scaled(Tensor t, double factor) {
        try (Tensor s = Tensor.scalar(DType.F32, factor)) {
            return impl.binary(BinaryOp.MUL, t, s);
        }
    }

    private Tensor plusOne(Tensor t) {
        try (Tensor one = Tensor.scalar(DType.F32, 1)) {
            return impl.binary(BinaryOp.ADD, t, one);
        }
    }
}
