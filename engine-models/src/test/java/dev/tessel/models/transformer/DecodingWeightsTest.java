// DecodingWeightsTest: KV-cached decoding through weights packed once per call gives the same
// logits, bit for bit, as decoding that multiplies the weights as they are (the contract of
// Backend.matmulPrepared): packing once is a speed change only. The model is wide enough
// (d = 256, batch 8) that its products take the packed SGEMM path, not the small-product one.
package dev.tessel.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DecodingWeightsTest {
    /** 2 layers, d=256, 8 heads, 8 text + 4x4 image tokens, vocabularies 64 + 64, conv 3x3. */
    private static final TransformerConfig WIDE = new TransformerConfig(2, 256, 8, 8, 64, 4, 64, 3);
    private static final int BATCH = 8;

    /** The logits [B, V] of image tokens 2.. after a prefill of two given tokens, each as float bits. */
    private static List<int[]> decode(TextToImageTransformer model, int[][] images, DecodingWeights weights) {
        List<int[]> out = new ArrayList<>();
        List<int[]> captions = new ArrayList<>();
        for (int b = 0; b < BATCH; b++) captions.add(new int[] {b + 1, 3});
        try (KvCache cache = new KvCache(WIDE, BATCH, weights); Tensor text = model.textBatch(captions);
             Tensor prefix = TextToImageTransformer.ids(images, 2)) {
            Tensor logits = model.prefill(cache, text, prefix);
            for (int p = 2; ; p++) {
                int[] bits = new int[(int) logits.numel()];
                for (int i = 0; i < bits.length; i++) bits[i] = Float.floatToRawIntBits((float) logits.getDouble(i));
                out.add(bits);
                if (p + 1 == WIDE.imageTokens()) break;
                int[][] column = new int[BATCH][];
                for (int b = 0; b < BATCH; b++) column[b] = new int[] {images[b][p]};
                logits = model.step(cache, TextToImageTransformer.ids(column, 1), p);
            }
        }
        return out;
    }

    @Test
    void preparedWeightsDecodeExactlyAsPlainOnes() {
        TextToImageTransformer model = new TextToImageTransformer(WIDE, 4);
        SplittableRandom rng = new SplittableRandom(11);
        int[][] images = new int[BATCH][WIDE.imageTokens()];
        for (int[] row : images) for (int i = 0; i < row.length; i++) row[i] = rng.nextInt(WIDE.imageVocab());
        List<int[]> plain = decode(model, images, null), prepared = decode(model, images, DecodingWeights.of(model));
        assertEquals(plain.size(), prepared.size());
        for (int p = 0; p < plain.size(); p++) {
            int[] want = plain.get(p), got = prepared.get(p);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], "logit " + i + " of image token " + (p + 2) + ": " + Float.intBitsToFloat(got[i])
                        + " against " + Float.intBitsToFloat(want[i]));
            }
        }
    }
}
