package dev.tessel.bench;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Conv2d;
import dev.tessel.autograd.nn.Linear;
import dev.tessel.autograd.nn.Module;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * JMH benchmark of backward against forward through the autograd tape (issue 3's target:
 * backward at most 3x its forward), on a conv stack and on 4-layer MLPs, Cpu backend, float32.
 *
 * <p>How to run (docs/performance.md "## autograd" quotes the result):
 * <pre>
 *   ./mvnw -B -q -pl engine-bench -am package -DskipTests
 *   java -jar engine-bench/target/benchmarks.jar AutogradBench -jvmArgsAppend \
 *        "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions -XX:-OptoRegScheduling -XX:-UseProfiledLoopPredicate -XX:+UseTransparentHugePages -Dtessel.threads=1"
 * </pre>
 * (-jvmArgsAppend on the command line replaces the annotation's, so it repeats the engine's flags.)
 * backward = forwardBackward - forward (the same graph is built in both). Napkin math: a conv or
 * linear layer's backward is two products of its forward's size (input and weight gradients), so
 * a GEMM-bound net's backward is ~2x its forward; elementwise rules (relu's mask, bias sums) and
 * the first layer, which needs no input gradient, move it a little either way.
 *
 * <p>Invariant: inputs and parameters are seeded and built once per trial; every invocation
 * builds a fresh graph with recording on (a forward that training would run), and the loss is
 * consumed so nothing is dead code.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages"})
public class AutogradBench {
    /**
     * mlp-W-B: 4 Linear(W, W) with ReLU between, batch B, summed output. conv-C-HW-B: 4 conv3x3
     * C -> C with ReLU between, on B images of HW x HW, summed output.
     */
    @Param({"mlp-64-32", "mlp-512-256", "conv-32-32-8"})
    public String net;

    private Supplier<Variable> loss;
    private Module[] layers;

    @Setup(Level.Trial)
    public void setup() {
        String[] f = net.split("-");
        SplittableRandom rng = new SplittableRandom(11);
        layers = new Module[4];
        Variable input;
        if (f[0].equals("mlp")) {
            int width = Integer.parseInt(f[1]), batch = Integer.parseInt(f[2]);
            for (int i = 0; i < 4; i++) layers[i] = new Linear(width, width, true, DType.F32, rng);
            input = Variable.constant(randn(rng, batch, width));
        } else {
            int channels = Integer.parseInt(f[1]), hw = Integer.parseInt(f[2]), batch = Integer.parseInt(f[3]);
            for (int i = 0; i < 4; i++) layers[i] = new Conv2d(channels, channels, 3, DType.F32, rng);
            input = Variable.constant(randn(rng, batch, channels, hw, hw));
        }
        loss = () -> {
            Variable h = input;
            for (int i = 0; i < layers.length; i++) {
                h = layers[i] instanceof Linear l ? l.forward(h) : ((Conv2d) layers[i]).forward(h);
                if (i < layers.length - 1) h = Ops.relu(h);
            }
            return Ops.sumAll(h);
        };
    }

    /** A fresh graph of the loss (recording on when the caller records). */
    Variable loss() { return loss.get(); }

    /** Clears every layer's gradients. */
    void zeroGrad() {
        for (Module m : layers) m.zeroGrad();
    }

    @Benchmark
    public void forward(Blackhole bh) {
        try (var cpu = Autograd.backend(Backends.cpu())) {
            bh.consume(loss.get().value());
        }
    }

    @Benchmark
    public void forwardBackward(Blackhole bh) {
        try (var cpu = Autograd.backend(Backends.cpu())) {
            for (Module m : layers) m.zeroGrad();
            Variable l = loss.get();
            l.backward();
            bh.consume(l.value());
        }
    }

    private static Tensor randn(SplittableRandom rng, int... dims) {
        Tensor t = Tensor.zeros(DType.F32, dims);
        for (long i = 0, n = t.numel(); i < n; i++) t.setDouble(i, rng.nextGaussian());
        return t;
    }
}
