// TextToImageTransformerTest: on the tiny preset, the model overfits a small batch, its masks
// really block information flow, the KV-cached decoder reproduces the full forward pass,
// activation checkpointing leaves the gradients unchanged, and checkpoints resume exactly.
package dev.tessel.models.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Init;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.kernels.attention.AttentionPattern;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextToImageTransformerTest {
    private static final TransformerConfig TINY = TransformerConfig.tiny();

    private static int[][] randomImages(int batch, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][] out = new int[batch][TINY.imageTokens()];
        for (int[] row : out) for (int i = 0; i < row.length; i++) row[i] = rng.nextInt(TINY.imageVocab());
        return out;
    }

    private static final List<int[]> CAPTIONS = List.of(new int[] {5, 9, 2}, new int[] {7});

    private static PriorTrainer.Settings fastSettings() {
        return PriorTrainer.Settings.dalle().withPeakLr(3e-3).withWarmup(1).withCheckpointing(false);
    }

    @Test
    void overfitsATinyBatch() {
        PriorTrainer trainer = new PriorTrainer(new TextToImageTransformer(TINY, 3), fastSettings());
        int[][] images = randomImages(2, 4);
        double first = trainer.step(CAPTIONS, images).loss(), last = first;
        for (int i = 0; i < 40; i++) last = trainer.step(CAPTIONS, images).loss();
        assertTrue(last < 0.5 * first, "loss should at least halve on a memorised batch: " + first + " -> " + last);
        assertEquals(41, trainer.steps());
    }

    @Test
    void anAttentionResblockPassesNothingFromInvisibleKeys() {
        TextToImageTransformer model = new TextToImageTransformer(TINY, 5);
        for (AttentionResblock block : model.stack().attentionBlocks()) {
            AttentionPattern pattern = block.pattern();
            int t = pattern.length(), query = t - 2;
            Variable x = Variable.parameter(Init.normal(DType.F32, 1, new SplittableRandom(6), 1, t, TINY.dModel()));
            Variable y = block.forward(x, 0, null);
            Tensor seed = Tensor.zeros(DType.F32, 1, t, TINY.dModel());
            for (int c = 0; c < TINY.dModel(); c++) seed.set(1, 0, query, c);
            y.backward(seed);
            for (int key = 0; key < t; key++) {
                double norm = 0;
                for (int c = 0; c < TINY.dModel(); c++) norm += Math.abs(x.grad().get(0, key, c));
                String where = pattern.imageAttention() + " query " + query + " key " + key;
                if (pattern.visible(query, key)) assertTrue(norm > 0, where + " is visible and should receive gradient");
                else assertEquals(0.0, norm, where + " is masked: its gradient must be exactly zero");
            }
        }
    }

    @Test
    void noOutputDependsOnALaterToken() {
        TextToImageTransformer model = new TextToImageTransformer(TINY, 7);
        int t = TINY.sequenceLength(), query = TINY.textLength() + 5;
        Variable x = Variable.parameter(Init.normal(DType.F32, 1, new SplittableRandom(8), 1, t, TINY.dModel()));
        Variable y = model.stack().forward(x, 0, null, false);
        // The stack ends in a LayerNorm (unit gain at init), through which an all-ones seed has an
        // analytically zero gradient (the normalised output sums to zero): seed with distinct values.
        Tensor seed = Tensor.zeros(DType.F32, 1, t, TINY.dModel());
        for (int c = 0; c < TINY.dModel(); c++) seed.set(c + 1.0, 0, query, c);
        y.backward(seed);
        for (int key = 0; key < t; key++) {
            double norm = 0;
            for (int c = 0; c < TINY.dModel(); c++) norm += Math.abs(x.grad().get(0, key, c));
            if (key > query) assertEquals(0.0, norm, "position " + key + " is after the output at " + query);
            else assertTrue(norm > 0, "three layers (row, column, conv) reach every earlier position; " + key + " got no gradient");
        }
    }

    @Test
    void cachedDecodingReproducesTheFullForwardPass() {
        TextToImageTransformer model = new TextToImageTransformer(TINY, 9);
        int[][] images = randomImages(2, 10);
        int n = TINY.imageTokens(), given = 3;
        Tensor full;
        try (var off = Autograd.noGrad(); Tensor text = model.textBatch(CAPTIONS); Tensor image = TextToImageTransformer.ids(images, n)) {
            full = model.forward(text, image, false).image().value();   // [B, N, V]
        }
        try (KvCache cache = new KvCache(TINY, 2); Tensor text = model.textBatch(CAPTIONS); Tensor prefix = TextToImageTransformer.ids(images, given)) {
            Tensor logits = model.prefill(cache, text, prefix);
            for (int p = given; ; p++) {
                for (int b = 0; b < 2; b++) {
                    for (int v = 0; v < TINY.imageVocab(); v++) assertEquals(full.get(b, p, v), logits.get(b, v), 1e-4, "logit " + v + " of token " + p);
                }
                if (p + 1 == n) break;
                int[][] column = {{images[0][p]}, {images[1][p]}};
                logits = model.step(cache, TextToImageTransformer.ids(column, 1), p);
            }
        }
    }

    @Test
    void checkpointingLeavesGradientsUnchanged() {
        double[][] grads = new double[2][];
        for (int run = 0; run < 2; run++) {
            TextToImageTransformer model = new TextToImageTransformer(TINY, 11);
            try (Tensor text = model.textBatch(CAPTIONS); Tensor image = TextToImageTransformer.ids(randomImages(2, 12), TINY.imageTokens())) {
                model.loss(text, image, run == 1).total().backward();
            }
            Parameter qkv = model.namedParameters().get("stack.attention_1.qkv.weight");
            grads[run] = qkv.grad().toDoubleArray();
        }
        assertArrayEquals(grads[0], grads[1], 1e-6);
    }

    @Test
    void aResumedRunContinuesExactly(@TempDir Path dir) {
        int[][] images = randomImages(2, 13);
        PriorTrainer trainer = new PriorTrainer(new TextToImageTransformer(TINY, 14), fastSettings());
        trainer.step(CAPTIONS, images);
        trainer.step(CAPTIONS, images);
        Path file = dir.resolve("prior.safetensors");
        trainer.save(file);
        double expected = trainer.step(CAPTIONS, images).loss();

        assertEquals(TINY, PriorTrainer.configOf(file));
        PriorTrainer resumed = new PriorTrainer(new TextToImageTransformer(TINY, 99), fastSettings());
        resumed.restore(file);
        assertEquals(2, resumed.steps());
        assertEquals(expected, resumed.step(CAPTIONS, images).loss(), 1e-7);

        PriorTrainer other = new PriorTrainer(new TextToImageTransformer(TINY.withVocabularies(70, 32), 1), fastSettings());
        var e = assertThrows(IllegalArgumentException.class, () -> other.restore(file));
        assertTrue(e.getMessage().contains("another shape"), e.getMessage());
    }

    @Test
    void badCaptionsAreExplained() {
        TextToImageTransformer model = new TextToImageTransformer(TINY, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> model.textRow(new int[TINY.textLength()]));
        assertTrue(e.getMessage().contains("truncate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.textRow(new int[] {TINY.textVocab()}));
        assertTrue(e.getMessage().contains("outside the BPE vocabulary"), e.getMessage());
        int[] empty = model.textRow(new int[0]);
        assertEquals(TINY.startId(), empty[0]);
        assertEquals(TINY.paddingId(1), empty[1]);
    }
}
