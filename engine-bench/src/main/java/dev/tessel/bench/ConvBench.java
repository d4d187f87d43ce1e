package dev.tessel.bench;

import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark of conv2d and its two backward passes (float32, stride 1, "same" padding).
 *
 * <p>How to run:
 * <pre>
 *   ./mvnw -B -q -pl engine-bench -am package -DskipTests
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *        -XX:+UnlockDiagnosticVMOptions -XX:-OptoRegScheduling -XX:-UseProfiledLoopPredicate -XX:+UseTransparentHugePages -Dtessel.threads=2 \
 *        -jar engine-bench/target/benchmarks.jar ConvBench -p backend=cpu
 * </pre>
 * Napkin math for the headline shape (batch 8, 256->256, 3x3, 32x32): 2*8*256*256*9*1024 =
 * 9.66 GFLOP per pass. One core peaks near 100 GFLOP/s (AVX2 FMA, see DESIGN.md 2d) and the GEMM
 * reaches 60-70, so expect ~150 ms per pass on 1 thread and ~90 ms on 2. The reference backend
 * is a scalar double loop: run it only on the small shapes (-p shape=2x64x64x3x16x24). The narrow
 * dVAE layer 32x16x4x3x32x32 is 2*32*16*4*9*1024 = 38 MFLOP per pass: at the direct loops' ~30
 * GFLOP/s about 1.3 ms (through im2col + GEMM it ran at 5-10 GFLOP/s).
 *
 * <p>Invariant: inputs are seeded, built once per trial, and never written; every result is
 * consumed and closed so that off-heap memory does not pile up across invocations.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages"})
public class ConvBench {
    /**
     * batch x cin -> cout x kernel x height x width. The last two are the dVAE's narrow 3x3
     * bottleneck layers (DirectConv): 16 -> 4 at 32x32 and 4 -> 4.
     */
    @Param({"8x256x256x3x32x32", "8x256x256x1x32x32", "4x3x64x7x64x64", "2x64x64x3x16x24", "32x16x4x3x32x32", "32x4x4x3x32x32"})
    public String shape;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private Tensor x, weight, bias, gradOut;
    private int kernel;

    @Setup(Level.Trial)
    public void setup() {
        String[] f = shape.split("x");
        int batch = Integer.parseInt(f[0]), cin = Integer.parseInt(f[1]), cout = Integer.parseInt(f[2]);
        int h = Integer.parseInt(f[4]), w = Integer.parseInt(f[5]);
        kernel = Integer.parseInt(f[3]);
        be = Backends.byName(backend);
        Random rng = new Random(7);
        x = randn(rng, batch, cin, h, w);
        weight = randn(rng, cout, cin, kernel, kernel);
        bias = randn(rng, cout);
        gradOut = randn(rng, batch, cout, h, w);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        weight.close();
        bias.close();
        gradOut.close();
    }

    @Benchmark
    public void forward(Blackhole bh) {
        consume(bh, be.conv2d(x, weight, bias));
    }

    @Benchmark
    public void backwardInput(Blackhole bh) {
        consume(bh, be.conv2dBackwardInput(gradOut, weight));
    }

    @Benchmark
    public void backwardWeight(Blackhole bh) {
        consume(bh, be.conv2dBackwardWeight(x, gradOut, kernel));
    }

    private static void consume(Blackhole bh, Tensor t) {
        bh.consume(t.getDouble(0));
        t.close();
    }

    private static Tensor randn(Random rng, int... dims) {
        Tensor t = Tensor.zeros(DType.F32, dims);
        for (long i = 0, n = t.numel(); i < n; i++) t.setDouble(i, rng.nextGaussian());
        return t;
    }
}
