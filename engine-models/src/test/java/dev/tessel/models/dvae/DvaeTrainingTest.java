// DvaeTrainingTest: the training loop on a tiny dVAE: it learns, checkpoints round-trip, a
// resumed run repeats the killed run's trajectory exactly, and the tokenizer API loads it.
//
// Invariant: models here are tiny (8x8 images, 4x4 grid, vocab 8) and runs a few steps, so the
// whole class takes seconds; the exact-resume check runs on the Reference backend, whose sums
// have a fixed order (the Cpu weight gradient adds per-thread partials in finishing order).
package dev.tessel.models.dvae;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DvaeTrainingTest {
    static final DvaeConfig TINY = new DvaeConfig(8, 3, 2, 1, 4, 4, 8);

    /** Random images in [0,1], a pure function of the step. */
    static Tensor images(long step) {
        Tensor t = Tensor.zeros(DType.F32, 2, 3, 8, 8);
        Philox.fillUniform(t, 11, step * Philox.blocks(t.numel()));
        return t;
    }

    /** Straight-through on, so the exact-resume check also covers it and its trip through checkpoint metadata. */
    static DvaeTrainingSettings settings(long steps) {
        return new DvaeTrainingSettings(2, steps, 1e-2, 1.0 / 80, 6.6, 0.5, 1.0 / 16, 0.5, 1e-4, 1.0, 0.9, 5, 2, true);
    }

    @Test
    void resumedRunRepeatsTheKilledRunExactly(@TempDir Path dir) {
        try (var s = Autograd.backend(Backends.reference())) {
            DvaeTrainer straight = new DvaeTrainer(TINY, settings(4));
            List<Double> lossesStraight = new ArrayList<>();
            straight.train(DvaeTrainingTest::images, null, Map.of(), r -> lossesStraight.add(r.loss()));

            Path checkpoint = dir.resolve("checkpoint.safetensors");
            DvaeTrainer killed = new DvaeTrainer(TINY, settings(4));
            List<Double> losses = new ArrayList<>();
            killed.trainStep(DvaeTrainingTest::images);
            losses.add(null);
            killed.trainStep(DvaeTrainingTest::images);
            killed.saveCheckpoint(checkpoint, Map.of("data", "test"));
            killed.trainStep(DvaeTrainingTest::images);   // lost: after the checkpoint

            DvaeTrainer resumed = DvaeTrainer.resume(checkpoint, 0);
            assertEquals(2, resumed.step());
            assertEquals(settings(4), resumed.settings());
            resumed.train(DvaeTrainingTest::images, checkpoint, Map.of(), r -> losses.add(r.loss()));
            assertEquals(lossesStraight.subList(2, 4), losses.subList(1, 3));
            var a = straight.model().stateDict();
            var b = resumed.model().stateDict();
            for (String name : a.keySet()) assertArrayEquals(a.get(name).toFloatArray(), b.get(name).toFloatArray(), name);
            for (int i = 0; i < straight.model().parameters().size(); i++) {
                assertArrayEquals(straight.ema().shadow(i).toFloatArray(), resumed.ema().shadow(i).toFloatArray(), "EMA " + i);
            }
        }
    }

    @Test
    void lossFallsOnAFixedBatchAndSchedulesFollowThePaperShape() {
        DvaeTrainer trainer = new DvaeTrainer(TINY, new DvaeTrainingSettings(2, 30, 1e-2, 1.0 / 80, 0.0, 0.5, 1.0 / 16, 0.5, 0, 10, 0.5, 5, 30, false));
        Tensor batch = images(0);
        double first = trainer.trainStep(t -> batch).loss(), last = first;
        for (int i = 1; i < 30; i++) last = trainer.trainStep(t -> batch).loss();
        assertTrue(last < first - 0.05, "loss " + first + " -> " + last);

        DvaeTrainer schedules = new DvaeTrainer(TINY, settings(100));
        assertArrayEquals(new double[] {1.0, 0.0, 1e-2}, schedules.schedulesAt(0), 1e-12);
        double[] end = schedules.schedulesAt(100);
        assertEquals(1.0 / 16, end[0], 1e-12);
        assertEquals(6.6, end[1], 1e-12);
        assertEquals(1e-2 / 80, end[2], 1e-12);
        assertEquals(6.6, schedules.schedulesAt(50)[1], 1e-12, "KL weight reaches 6.6 after its warm-up fraction (0.5 here)");
    }

    @Test
    void klToUniformIsTheSumOfQTimesLogQv() {
        Tensor logits = Tensor.of(new float[] {0, 1, 2, 3, -1, 0.5f, 2, 2}, 1, 4, 2, 1);   // (B, V, h, w)
        double kl = Dvae.klToUniform(Variable.constant(logits)).value().getDouble(0);
        double expected = 0;
        for (int cell = 0; cell < 2; cell++) {
            double z = 0;
            for (int v = 0; v < 4; v++) z += Math.exp(logits.get(0, v, cell, 0));
            for (int v = 0; v < 4; v++) {
                double q = Math.exp(logits.get(0, v, cell, 0)) / z;
                expected += q * Math.log(q * 4);
            }
        }
        assertEquals(expected, kl, 1e-6);
    }

    @Test
    void tokenizerLoadsTheCheckpointAndRoundTripsShapes(@TempDir Path dir) {
        DvaeTrainer trainer = new DvaeTrainer(TINY, settings(2));
        trainer.train(DvaeTrainingTest::images, dir.resolve("c.safetensors"), Map.of(), null);
        DvaeTokenizer raw = DvaeTokenizer.load(dir.resolve("c.safetensors"), false);
        Tensor batch = images(9);
        Tensor ids = raw.encode(batch);
        assertEquals(List.of(2, 16), List.of(ids.dim(0), ids.dim(1)));
        assertArrayEquals(trainer.model().encodeTokens(batch).toLongArray(), ids.toLongArray(), "raw weights = the trained model");
        Tensor decoded = raw.decode(ids);
        assertEquals(batch.shape(), decoded.shape());
        for (long i = 0; i < decoded.numel(); i++) assertTrue(decoded.getDouble(i) >= 0 && decoded.getDouble(i) <= 1);

        Tensor bad = Tensor.ofLongs(new long[32], 2, 16);
        bad.setBitsAt(5, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> raw.decode(bad));
        assertTrue(e.getMessage().contains("id 8 at flat position 5 is outside [0, 8)"), e.getMessage());
        var shape = assertThrows(IllegalArgumentException.class, () -> raw.decode(Tensor.ofLongs(new long[8], 2, 4)));
        assertTrue(shape.getMessage().contains("must be I64 or I32 [B, 16]"), shape.getMessage());
        var notCheckpoint = assertThrows(IllegalArgumentException.class, () -> {
            Path other = dir.resolve("other.safetensors");
            trainer.model().save(other);
            DvaeTokenizer.load(other);
        });
        assertTrue(notCheckpoint.getMessage().contains("not a tessel dVAE checkpoint"), notCheckpoint.getMessage());
    }

    @Test
    void evaluationReportsPerfectCodebookStatisticsAndConfigRoundTrips() {
        assertEquals(4.0, DvaeEvaluation.perplexity(new long[] {5, 5, 0, 5, 5}), 1e-12);
        assertEquals(4, DvaeEvaluation.used(new long[] {5, 5, 0, 5, 5}));
        DvaeEvaluation e = DvaeEvaluation.of(new Dvae(TINY, 3), images(4), 1, 0);
        assertTrue(e.codebookUsed() >= 1 && e.codebookUsed() <= 8 && Double.isFinite(e.psnrDb()) && Double.isFinite(e.elbBitsPerDim()), e.report());
        DvaeEvaluation batched = DvaeEvaluation.of(new Dvae(TINY, 3), images(4), 2, 0);
        // batching only changes the order of float sums, and the Gumbel noise is laid out per element either way
        assertEquals(e.elbBitsPerDim(), batched.elbBitsPerDim(), 1e-6);
        assertEquals(e.psnrDb(), batched.psnrDb(), 1e-6);
        assertEquals(e.codebookPerplexity(), batched.codebookPerplexity(), 0);

        assertEquals(TINY, DvaeConfig.fromJson(TINY.toJson(), "test"));
        DvaeTrainingSettings s = DvaeTrainingSettings.forRun(1234, 32, Long.MIN_VALUE + 7, Likelihood.GAUSSIAN);
        assertEquals(s, DvaeTrainingSettings.fromJson(s.toJson(), "test"));
        // the KL weight follows the likelihood: the paper's 6.6 belongs to logit-Laplace (Likelihood.defaultKlWeight)
        assertEquals(1.0, s.klWeight());
        assertEquals(6.6, DvaeTrainingSettings.forRun(1234, 32, 1, Likelihood.LOGIT_LAPLACE).klWeight());
        // a run cut to fewer updates gets the EMA window of its new length, not the plan's
        DvaeTrainingSettings planned = DvaeTrainingSettings.forRun(8000, 16, 1, Likelihood.GAUSSIAN);
        assertEquals(1 - 10.0 / 8000, planned.emaDecay(), 1e-15);
        DvaeTrainingSettings cut = planned.withSteps(2000);
        assertEquals(1 - 10.0 / 2000, cut.emaDecay(), 1e-15);
        assertEquals(2000, cut.steps());
        assertEquals(planned.learningRate(), cut.learningRate(), "only the length and what follows from it change");
        assertEquals(0.999, planned.withSteps(100_000).emaDecay(), 0, "capped at 0.999");
        var bad = assertThrows(IllegalArgumentException.class, () -> new DvaeConfig(30, 3, 3, 1, 16, 32, 512));
        assertTrue(bad.getMessage().contains("multiple of the downsampling 2^(groupCount-1) = 4"), bad.getMessage());
        assertEquals(32, DvaeConfig.paper().gridSize());
        assertEquals(8, DvaeConfig.tiny().gridSize());
        var wrong = assertThrows(IllegalArgumentException.class, () -> new Dvae(TINY, 1).encodeTokens(Tensor.zeros(DType.F32, 1, 1, 8, 8)));
        assertTrue(wrong.getMessage().contains("must be F32 [B, 3, 8, 8]"), wrong.getMessage());
    }
}
