package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.ReduceOp;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;

import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of layer norm's backward (dx, dWeight, dBias from x, the gain and the upstream
 * gradient): the fused {@link Backend#layerNormBackward} that autograd uses, against the composite
 * of backend primitives it replaced (the row statistics, x̂ and the gradient formula as elementwise
 * ops and reductions, then two column sums for dWeight and dBias).
 *
 * <p>How to run (after {@code ./mvnw -B -q -pl engine-bench -am package -DskipTests}):
 * <pre>
 *   java -jar engine-bench/target/benchmarks.jar LayerNormBackwardBench
 *   java -jar engine-bench/target/benchmarks.jar LayerNormBackwardBench -p form=fused -p rows=768
 * </pre>
 * Napkin math: the fused kernel reads x and g and writes dx (12 bytes per element) in two passes
 * over rows that fit in L1, ~12 flops per element; the composite makes ~14 full passes, each
 * reading and writing a [rows, C] temporary. 768 x 256 is one layer norm of the small transformer
 * preset (batch 8 x 96 positions, d 256).
 *
 * <p>Invariant: inputs are made once per trial, seeded (x uniform, gain around 1, g uniform).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class LayerNormBackwardBench {
    private static final double EPS = 1e-5;

    @Param({"cpu"})
    public String backend;

    @Param({"768", "8192"})
    public int rows;

    @Param({"256"})
    public int channels;

    @Param({"fused", "composite"})
    public String form;

    private Backend impl;
    private Tensor x, weight, g;

    @Setup(Level.Trial)
    public void setUp() {
        impl = Backends.byName(backend);
        x = GemmCommand.randomMatrix(DType.F32, rows, channels, 7);
        g = GemmCommand.randomMatrix(DType.F32, rows, channels, 8);
        try (Tensor noise = GemmCommand.randomMatrix(DType.F32, 1, channels, 9); Tensor one = Tensor.scalar(DType.F32, 1)) {
            weight = impl.binary(BinaryOp.ADD, noise.reshape(channels), one);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        g.close();
        weight.close();
    }

    @Benchmark
    public double backward() {
        Tensor[] grads = form.equals("fused") ? impl.layerNormBackward(x, weight, g, EPS) : composite();
        double probe = grads[0].getDouble(1) + grads[1].getDouble(0) + grads[2].getDouble(0);
        for (Tensor t : grads) t.close();
        return probe;
    }

    /** The formula as autograd wrote it before the fused kernel (Ops.layerNorm's backward). */
    private Tensor[] composite() {
        int last = x.rank() - 1;
        Tensor centered = impl.binary(BinaryOp.SUB, x, impl.reduce(ReduceOp.MEAN, x, last, true));
        Tensor variance = impl.reduce(ReduceOp.MEAN, impl.binary(BinaryOp.MUL, centered, centered), last, true);
        Tensor rstd;
        try (Tensor eps = Tensor.scalar(DType.F32, EPS)) {
            rstd = impl.unary(UnaryOp.RSQRT, impl.binary(BinaryOp.ADD, variance, eps));
        }
        Tensor xhat = impl.binary(BinaryOp.MUL, centered, rstd);
        Tensor dxhat = impl.binary(BinaryOp.MUL, g, weight);
        Tensor meanD = impl.reduce(ReduceOp.MEAN, dxhat, last, true);
        Tensor meanDx = impl.reduce(ReduceOp.MEAN, impl.binary(BinaryOp.MUL, dxhat, xhat), last, true);
        Tensor dx = impl.binary(BinaryOp.MUL, rstd, impl.binary(BinaryOp.SUB, impl.binary(BinaryOp.SUB, dxhat, meanD),
                impl.binary(BinaryOp.MUL, xhat, meanDx)));
        Tensor dWeight = impl.reduce(ReduceOp.SUM, impl.binary(BinaryOp.MUL, g, xhat), 0, false);
        Tensor dBias = impl.reduce(ReduceOp.SUM, g, 0, false);
        return new Tensor[] {dx, dWeight, dBias};
    }
}
