// DvaeStepBench: JMH benchmark of one dVAE training step (the unit dvae train repeats) and of the
// tokenizer's forward pass.
//
// Invariant: the model and batch are built once per trial from fixed seeds; a step updates the
// weights (as training does), which does not change its cost.
package dev.tessel.bench;

import dev.tessel.autograd.Autograd;
import dev.tessel.models.dvae.Dvae;
import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.models.dvae.DvaeTrainer;
import dev.tessel.models.dvae.DvaeTrainingSettings;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * How to run:
 * <pre>
 *   ./mvnw -B -q -pl engine-bench -am package -DskipTests
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *        -XX:+UnlockDiagnosticVMOptions -XX:-OptoRegScheduling -XX:-UseProfiledLoopPredicate -XX:+UseTransparentHugePages -Dtessel.threads=2 \
 *        -jar engine-bench/target/benchmarks.jar DvaeStepBench
 * </pre>
 * Napkin math, tiny preset (n_hid 16) at batch 32: encoder ~0.45 GFLOP and decoder ~0.33 GFLOP
 * forward (counting 2 per multiply-add), so a training step (forward + 2x for backward) is
 * ~2.3 GFLOP; at the ~30 GFLOP/s the conv GEMMs reach on these narrow (4-64 channel) layers on
 * 2 cores that is ~80 ms of arithmetic, so anything far above it is per-op overhead
 * (allocation, im2col, elementwise passes).
 * The side-by-side with PyTorch is engine-bench/src/main/python/dvae_peer.py.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:+UnlockDiagnosticVMOptions", "-XX:-OptoRegScheduling", "-XX:-UseProfiledLoopPredicate", "-XX:+UseTransparentHugePages"})
public class DvaeStepBench {
    @Param({"32"})
    public int batch;

    private DvaeTrainer trainer;
    private Tensor images;

    @Setup(Level.Trial)
    public void setup() {
        DvaeConfig config = DvaeConfig.tiny();
        trainer = new DvaeTrainer(config, DvaeTrainingSettings.forRun(1_000_000, batch, 1, config.likelihood()));
        images = Tensor.zeros(DType.F32, batch, config.channels(), config.imageSize(), config.imageSize());
        Philox.fillUniform(images, 42, 0);
    }

    @Benchmark
    public double trainStep() {
        return trainer.trainStep(t -> images).loss();
    }

    @Benchmark
    public void tokenizerForward(Blackhole bh) {
        Dvae model = trainer.model();
        try (var off = Autograd.noGrad()) {
            bh.consume(model.decodeCodes(model.oneHotCodes(model.encodeTokens(images))).getDouble(0));
        }
    }
}
