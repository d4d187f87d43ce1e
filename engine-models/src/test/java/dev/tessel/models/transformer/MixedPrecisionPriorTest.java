package dev.tessel.models.transformer;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer trained in mixed precision (DALL·E 2.4) against the same model in fp32. */
class MixedPrecisionPriorTest {
    private static final TransformerConfig TINY = TransformerConfig.tiny();
    private static final List<int[]> CAPTIONS = List.of(new int[] {5, 9, 2}, new int[] {7});

    private static int[][] images(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] out = new int[2][TINY.imageTokens()];
        for (int[] row : out) for (int i = 0; i < row.length; i++) row[i] = rng.nextInt(TINY.imageVocab());
        return out;
    }

    private static PriorTrainer.Settings settings() {
        return PriorTrainer.Settings.dalle().withPeakLr(3e-3).withWarmup(1).withCheckpointing(false);
    }

    @Test
    void mixedGradientsMatchFp32WithinHalfPrecision() {
        int[][] images = images(2);
        // the same draw; the mixed model stores its resblock weight matrices rounded to F16
        TextToImageTransformer full = new TextToImageTransformer(TINY, 7), mixed = new TextToImageTransformer(TINY, 7, DType.F16);
        PriorTrainer fp32 = new PriorTrainer(full, settings());
        PriorTrainer half = new PriorTrainer(mixed, settings(), MixedPrecision.perResblock());
        try (Tensor text = full.textBatch(CAPTIONS); Tensor image = TextToImageTransformer.ids(images, TINY.imageTokens())) {
            full.loss(text, image, false).total().backward();
            var loss = mixed.loss(text, image, false, half.gradScaler());
            half.gradScaler().scaleLoss(loss.total()).backward();
            int halfWeights = 0;
            for (var e : mixed.namedParameters().entrySet()) {
                if (e.getValue().dtype() != DType.F16) continue;
                assertEquals(DType.F16, e.getValue().grad().dtype(), e.getKey() + ": an F16 weight's (scaled) gradient is F16 too");
                halfWeights++;
            }
            assertEquals(4 * TINY.layers(), halfWeights, "qkv, out, fc and out of every layer are F16");
            half.gradScaler().unscale();
        }
        Map<String, Parameter> a = full.namedParameters(), b = mixed.namedParameters();
        int compared = 0;
        for (String name : a.keySet()) {
            Tensor ga = a.get(name).grad(), gb = b.get(name).grad();
            if (ga == null) continue;
            assertNotNull(gb, name + " has no gradient in mixed precision");
            double[] x = ga.toDoubleArray(), y = gb.toDoubleArray();
            double diff = 0, norm = 0;
            for (int i = 0; i < x.length; i++) {
                diff += (x[i] - y[i]) * (x[i] - y[i]);
                norm += x[i] * x[i];
            }
            // fp16 keeps 11 significant bits (relative rounding 2^-11 = 5e-4 per value); products of
            // a few dozen terms and several rounded layers drift to ~1e-2 of the gradient's norm at most
            assertTrue(Math.sqrt(diff) <= 2e-2 * Math.sqrt(norm) + 1e-7, name + ": relative difference " + Math.sqrt(diff / Math.max(norm, 1e-30)));
            compared++;
        }
        assertTrue(compared > 10, "compared only " + compared + " gradients");
    }

    @Test
    void mixedPrecisionKeepsParametersAndMomentsInAboutHalfTheBytes() {
        TextToImageTransformer full = new TextToImageTransformer(TINY, 5), mixed = new TextToImageTransformer(TINY, 5, DType.F16);
        long resblockWeights = 0, rest = 0;
        for (var e : mixed.namedParameters().entrySet()) {
            boolean matrix = e.getKey().startsWith("stack.") && e.getKey().endsWith(".weight") && e.getValue().shape().rank() == 2;
            assertEquals(matrix ? DType.F16 : DType.F32, e.getValue().dtype(), e.getKey());
            if (matrix) resblockWeights += e.getValue().numel();
            else rest += e.getValue().numel();
        }
        assertEquals(TextToImageTransformer.parameterCount(TINY), resblockWeights + rest);
        long fp32Bytes = new PriorTrainer(full, settings()).parameterAndMomentBytes();
        long mixedBytes = new PriorTrainer(mixed, settings(), MixedPrecision.perResblock()).parameterAndMomentBytes();
        assertEquals(12 * (resblockWeights + rest), fp32Bytes, "fp32: weight, mean and variance, 4 bytes each");
        assertEquals(6 * resblockWeights + 8 * rest, mixedBytes, "mixed: 2+2+2 for F16 weight matrices, 4+2+2 for the rest");
    }

    @Test
    void mixedTrainingLowersTheLossAndTheScalesGrowAfterFiniteUpdates(@TempDir Path dir) {
        int[][] images = images(4);
        PriorTrainer trainer = new PriorTrainer(new TextToImageTransformer(TINY, 3, DType.F16), settings(), MixedPrecision.perResblock());
        double first = trainer.step(CAPTIONS, images).loss(), last = first;
        for (int i = 0; i < 30; i++) last = trainer.step(CAPTIONS, images).loss();
        assertTrue(last < 0.6 * first, "mixed-precision loss should fall on a memorised batch: " + first + " -> " + last);
        assertEquals(DType.F16, trainer.model().namedParameters().get("stack.mlp_1.fc.weight").dtype(), "updates keep the weights in F16");
        // M = 1 rank: every scale starts at 2^13 and is multiplied by 2^(1/1000) after each finite update
        double scale = trainer.gradScaler().scale(ResblockStack.attentionName(1)).value();
        assertEquals(8192 * Math.pow(2, 31 / 1000.0), scale, 1e-6 * scale);
        Path png = dir.resolve("scales.png");
        trainer.writeScalePlot(png);
        assertTrue(Files.isRegularFile(png));
    }

    @Test
    void aCheckpointRestoresTheScalesAndRefusesTheOtherPrecision(@TempDir Path dir) {
        int[][] images = images(6);
        PriorTrainer trainer = new PriorTrainer(new TextToImageTransformer(TINY, 14, DType.F16), settings(), MixedPrecision.perResblock());
        trainer.step(CAPTIONS, images);
        trainer.step(CAPTIONS, images);
        Path file = dir.resolve("prior.safetensors");
        trainer.save(file);
        double expected = trainer.step(CAPTIONS, images).loss();

        PriorTrainer resumed = new PriorTrainer(new TextToImageTransformer(TINY, 99, DType.F16), settings(), MixedPrecision.perResblock());
        resumed.restore(file);
        for (String block : trainer.gradScaler().blockNames()) {
            assertEquals(8192 * Math.pow(2, 2 / 1000.0), resumed.gradScaler().scale(block).value(), 1e-9, block);
        }
        assertEquals(2, resumed.scaleHistory().size(), "the figure-12 history survives the checkpoint");
        assertEquals(expected, resumed.step(CAPTIONS, images).loss(), 1e-6);
        // sampling's loader builds an F32 model from the F32 averages of the F16 weights
        TextToImageTransformer sampler = PriorTrainer.loadEma(file);
        assertEquals(DType.F32, sampler.namedParameters().get("stack.attention_1.qkv.weight").dtype());
        assertEquals(3, resumed.scaleHistory().size());

        PriorTrainer fp32 = new PriorTrainer(new TextToImageTransformer(TINY, 1), settings());
        var e = assertThrows(IllegalArgumentException.class, () -> fp32.restore(file));
        assertTrue(e.getMessage().contains("mixed") && e.getMessage().contains("--precision"), e.getMessage());
    }
}
