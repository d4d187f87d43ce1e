// DvaeMixedPrecisionTest: the dVAE in mixed precision with one global loss scale (DALL·E trained
// its dVAE so) against the same model in fp32: forward, gradients and a few training steps agree
// to half precision; an fp16 overflow skips the update and lowers the scale; a resumed mixed run
// repeats the killed one exactly; fp32 training is bit for bit what it was before mixed existed.
//
// Invariant: models are tiny (the tiny preset at batch 2, or a 16x16 model of widths 8/16) and
// runs a few steps, so the class takes seconds; exact comparisons run on the Reference backend,
// whose sums have a fixed order.
package dev.tessel.models.dvae;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.mixed.GradScale;
import dev.tessel.autograd.mixed.GradScaler;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.kernels.Backends;
import dev.tessel.models.data.Datasets;
import dev.tessel.models.data.Split;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DvaeMixedPrecisionTest {
    /** 16x16 RGB -> 8x8 tokens of 16, widths 8 and 16, the tiny preset's Gaussian likelihood. */
    private static final DvaeConfig SMALL = new DvaeConfig(16, 3, 2, 1, 8, 8, 16, Likelihood.GAUSSIAN);
    private static final double FP16_STEP = Math.pow(2, -11);

    /** Uniform noise images [2, 3, 16, 16], a pure function of the step. */
    private static Tensor noise(long step) {
        Tensor t = Tensor.zeros(DType.F32, 2, 3, 16, 16);
        Philox.fillUniform(t, 11, step * Philox.blocks(t.numel()));
        return t;
    }

    /** Two shapes images at the tiny preset's 32x32: flat regions and edges, like the real training data. */
    private static Tensor shapes() {
        DvaeConfig c = DvaeConfig.tiny();
        var data = Datasets.open("shapes", Split.TRAIN, Datasets.Options.defaults().withImageSize(c.imageSize()).withChannels(c.channels()));
        return new DatasetBatches(data, 2, 1).batch(0);
    }

    private static DvaeTrainingSettings settings(long steps, double klWeight) {
        return new DvaeTrainingSettings(2, steps, 1e-2, 1.0 / 80, klWeight, 0.5, 1.0 / 16, 0.5, 1e-4, 10, 0.9, 5, steps, false);
    }

    private static double relativeDifference(double[] want, double[] got) {
        double diff = 0, norm = 0;
        for (int i = 0; i < want.length; i++) {
            diff += (want[i] - got[i]) * (want[i] - got[i]);
            norm += want[i] * want[i];
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void mixedLogitsAndGradientsEqualFp32ToHalfPrecision() {
        DvaeConfig c = DvaeConfig.tiny();
        Tensor images = shapes();
        Dvae full = new Dvae(c, 3), half = new Dvae(c, 3);
        MixedPrecision mixed = MixedPrecision.globalScale();
        Tensor x = Dvae.mapPixels(images);
        double[] logits = full.encoder().forward(Variable.constant(x)).value().toDoubleArray();
        Tensor halfLogits = half.encoder().forward(Variable.constant(x), mixed).value();
        assertEquals(DType.F32, halfLogits.dtype(), "the logits stay fp32");
        double logitsDifference = relativeDifference(logits, halfLogits.toDoubleArray());
        // the residual paths really run in fp16 (the logits cannot equal fp32's bit for bit), and
        // each of their values is rounded to 2^-11, damped by the fp32 identity path they join
        assertTrue(logitsDifference > 0 && logitsDifference < FP16_STEP, "logits relative difference " + logitsDifference);

        full.relaxedElbo(images, 1.0, 0.0, 5, 0, false).loss().backward();
        GradScaler scaler = new GradScaler(mixed, half.parameters(), 1);
        scaler.scaleLoss(half.relaxedElbo(images, 1.0, 0.0, 5, 0, false, mixed).loss()).backward();
        scaler.unscale();
        assertEquals(0, scaler.globalScale().skipped(), "no overflow at the initial scale 2^13");
        List<Double> want = new ArrayList<>(), got = new ArrayList<>();
        for (var e : full.namedParameters().entrySet()) {
            Parameter p = half.namedParameters().get(e.getKey());
            assertEquals(DType.F32, p.dtype(), e.getKey() + ": the parameters stay fp32 masters");
            assertEquals(DType.F32, p.grad().dtype(), e.getKey() + ": master gradients are fp32");
            for (double v : e.getValue().grad().toDoubleArray()) want.add(v);
            for (double v : p.grad().toDoubleArray()) got.add(v);
        }
        double gradientDifference = relativeDifference(want.stream().mapToDouble(Double::doubleValue).toArray(),
                got.stream().mapToDouble(Double::doubleValue).toArray());
        // The whole gradient (what the global clip and the update see) agrees to about one fp16
        // step: most of its norm sits in the fp32 input/output convs and identity path, which see
        // the fp16 values only through the branches. Single tensors of the narrow (width 4) blocks
        // differ by up to ~10%: a 2^-12 relative nudge of the fp32 weights alone moves them by up to
        // 6% (ReLU masks and max-pool winners flip), so they are no test of the fp16 path.
        assertTrue(gradientDifference < FP16_STEP, "whole-gradient relative difference " + gradientDifference);
    }

    @Test
    void mixedTrainingLowersTheLossAndTracksFp32(@TempDir Path dir) {
        DvaeConfig c = DvaeConfig.tiny();
        Tensor images = shapes();
        DvaeTrainer fp32 = new DvaeTrainer(c, settings(8, 0)), mixed = new DvaeTrainer(c, settings(8, 0), MixedPrecision.globalScale());
        double first = Double.NaN, last = Double.NaN;
        for (int i = 0; i < 8; i++) {
            DvaeTrainer.StepReport a = fp32.trainStep(t -> images), b = mixed.trainStep(t -> images);
            assertFalse(b.skipped(), "step " + i + " overflowed at scale " + b.lossScale());
            assertEquals(1.0, a.lossScale(), "fp32 does not scale the loss");
            last = b.loss();
            if (i == 0) {
                first = a.loss();
                continue;
            }
            double progress = first - a.loss();
            // Same init, data and noise: the runs differ only by the fp16 error of each update (the
            // test above), which Adam's per-coordinate normalisation passes on, so the loss may drift
            // from fp32's by a small part of the progress made; measured: at most 0.5% (six seeds).
            assertTrue(Math.abs(b.loss() - a.loss()) <= 0.05 * progress, "step " + i + ": fp32 " + a.loss() + ", mixed " + b.loss()
                    + ", fp32 progress " + progress);
        }
        assertTrue(first - last > 1, "mixed training must learn the batch: " + first + " -> " + last);
        // M = 1: the scale starts at 2^13 and grows by 2^(1/1000) after each of the 8 finite updates
        assertEquals(8192 * Math.pow(2, 8 / 1000.0), mixed.lossScale().value(), 1e-9);
        assertEquals(8, mixed.scaleHistory().size());
        Path png = dir.resolve("loss-scale.png");
        mixed.writeScalePlot(png);
        assertTrue(png.toFile().length() > 0);
    }

    @Test
    void anFp16OverflowSkipsTheUpdateAndLowersTheScale(@TempDir Path dir) {
        DvaeTrainer trainer = new DvaeTrainer(SMALL, settings(4, 6.6), MixedPrecision.globalScale());
        assertFalse(trainer.trainStep(DvaeMixedPrecisionTest::noise).skipped());   // so the optimizer and EMA have state
        Path before = dir.resolve("before.safetensors"), after = dir.resolve("after.safetensors");
        trainer.saveCheckpoint(before, Map.of());
        // the scale at its maximum, M·2^24: the scaled gradients overflow fp16 in the residual paths
        GradScale scale = trainer.lossScale();
        Map<String, Tensor> state = scale.stateDict("");
        state.put("scale", Tensor.fromDoubles(DType.F64, new double[] {scale.max()}, 1));
        scale.loadStateDict(state, "");
        DvaeTrainer.StepReport r = trainer.trainStep(DvaeMixedPrecisionTest::noise);
        assertTrue(Double.isFinite(r.loss()), "the forward is finite; only the scaled gradients overflow: " + r.loss());
        assertTrue(r.skipped(), "the update must be skipped");
        assertTrue(Double.isNaN(r.gradNorm()), "an overflowed gradient has no known norm: " + r.gradNorm());
        assertEquals(Math.pow(2, 24) / Math.sqrt(2), r.lossScale(), 0, "the scale drops by sqrt(2)");
        assertEquals(1, scale.skipped());
        assertEquals(2, trainer.step(), "a skipped update still counts as a step (the schedules follow t)");

        trainer.saveCheckpoint(after, Map.of());
        try (SafetensorsFile a = Safetensors.read(before); SafetensorsFile b = Safetensors.read(after)) {
            int compared = 0;
            for (String name : a.names()) {
                if (name.startsWith("grad_scale")) continue;
                assertArrayEquals(a.tensor(name).toDoubleArray(), b.tensor(name).toDoubleArray(), name + " changed on a skipped update");
                compared++;
            }
            assertTrue(compared > 3 * trainer.model().parameters().size(), "weights, EMA and both Adam moments: " + compared);
        }
    }

    @Test
    void resumedMixedRunRepeatsTheKilledRunExactly(@TempDir Path dir) {
        try (var s = Autograd.backend(Backends.reference())) {
            DvaeTrainer straight = afterAnOverflow(new DvaeTrainer(SMALL, settings(4, 6.6), MixedPrecision.globalScale()));
            List<Double> lossesStraight = new ArrayList<>();
            straight.train(DvaeMixedPrecisionTest::noise, null, Map.of(), r -> lossesStraight.add(r.loss()));

            Path checkpoint = dir.resolve("checkpoint.safetensors");
            DvaeTrainer killed = afterAnOverflow(new DvaeTrainer(SMALL, settings(4, 6.6), MixedPrecision.globalScale()));
            killed.trainStep(DvaeMixedPrecisionTest::noise);
            killed.trainStep(DvaeMixedPrecisionTest::noise);
            killed.saveCheckpoint(checkpoint, Map.of());
            killed.trainStep(DvaeMixedPrecisionTest::noise);   // lost: after the checkpoint

            DvaeTrainer resumed = DvaeTrainer.resume(checkpoint, 0);
            assertEquals(MixedPrecision.globalScale(), resumed.precision());
            assertEquals(straight.scaleHistory().subList(0, 2), resumed.scaleHistory(), "the scale history survives the checkpoint");
            List<Double> losses = new ArrayList<>();
            resumed.train(DvaeMixedPrecisionTest::noise, null, Map.of(), r -> losses.add(r.loss()));
            assertEquals(lossesStraight.subList(2, 4), losses);
            assertEquals(straight.lossScale().stateDict("").keySet(), resumed.lossScale().stateDict("").keySet());
            straight.lossScale().stateDict("").forEach((k, v) ->
                    assertArrayEquals(v.toDoubleArray(), resumed.lossScale().stateDict("").get(k).toDoubleArray(), "loss scale " + k));
            assertEquals(straight.scaleHistory(), resumed.scaleHistory());
            var a = straight.model().stateDict();
            var b = resumed.model().stateDict();
            for (String name : a.keySet()) assertArrayEquals(a.get(name).toFloatArray(), b.get(name).toFloatArray(), name);
            for (int i = 0; i < straight.model().parameters().size(); i++) {
                assertArrayEquals(straight.ema().shadow(i).toFloatArray(), resumed.ema().shadow(i).toFloatArray(), "EMA " + i);
            }
        }
    }

    /**
     * The trainer with the scale state an overflow 3 updates ago leaves (scale 2^12, the decrease
     * recorded), so the checkpoint must carry every field of it: the next decrease waits for it.
     */
    private static DvaeTrainer afterAnOverflow(DvaeTrainer trainer) {
        GradScale scale = trainer.lossScale();
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("scale", Tensor.fromDoubles(DType.F64, new double[] {4096}, 1));
        state.put("updates", Tensor.ofLongs(new long[] {10}, 1));
        state.put("last_decrease", Tensor.ofLongs(new long[] {7}, 1));
        state.put("skipped", Tensor.ofLongs(new long[] {1}, 1));
        scale.loadStateDict(state, "");
        return trainer;
    }

    @Test
    void fp32TrainingIsBitForBitWhatItWasBeforeMixedPrecision(@TempDir Path dir) {
        try (var s = Autograd.backend(Backends.reference())) {
            DvaeTrainer trainer = new DvaeTrainer(SMALL, new DvaeTrainingSettings(2, 3, 1e-2, 1.0 / 80, 6.6, 0.5, 1.0 / 16, 0.5, 1e-4, 1.0, 0.9, 5, 3, false));
            // losses and gradient norms of these 3 steps as commit 7f4b906 (before mixed precision)
            // computed them: fp32 mode must build the same graph, so they match to the last bit
            double[] losses = {Double.longBitsToDouble(0x400572dc00000000L), Double.longBitsToDouble(0x4004efa940000000L),
                    Double.longBitsToDouble(0x400682a000000000L)};
            double[] norms = {Double.longBitsToDouble(0x3fe6e51502701cc4L), Double.longBitsToDouble(0x3fde5826184090b8L),
                    Double.longBitsToDouble(0x3fe651bef7cd1729L)};
            for (int i = 0; i < 3; i++) {
                DvaeTrainer.StepReport r = trainer.trainStep(DvaeMixedPrecisionTest::noise);
                assertEquals(losses[i], r.loss(), 0, "loss of step " + i);
                assertEquals(norms[i], r.gradNorm(), 0, "gradient norm of step " + i);
            }
            assertNull(trainer.lossScale());
            assertTrue(trainer.scaleHistory().isEmpty());
            Path checkpoint = dir.resolve("fp32.safetensors");
            trainer.saveCheckpoint(checkpoint, Map.of());
            try (SafetensorsFile f = Safetensors.read(checkpoint)) {
                assertEquals("fp32", f.metadata().get("precision"));
                assertTrue(f.names().stream().noneMatch(n -> n.startsWith("grad_scale")), f.names().toString());
            }
        }
        // a checkpoint written before mixed precision existed has no "precision": it was fp32
        assertEquals(MixedPrecision.fp32(), DvaeTrainer.precisionOf(Map.of("format", DvaeTrainer.FORMAT)));
    }
}
