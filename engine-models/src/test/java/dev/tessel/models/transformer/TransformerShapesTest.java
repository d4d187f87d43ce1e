// TransformerShapesTest: the parameter count computed from the config (what `model info` prints for
// the 12B model without allocating it) equals the allocated model's, part by part; the 12B count
// matches the closed form of DESIGN.md 3's sizes.
package dev.tessel.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.autograd.nn.Parameter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TransformerShapesTest {
    @Test
    void countedParametersEqualAllocatedOnesPartByPart() {
        TransformerConfig c = TransformerConfig.tiny();
        TextToImageTransformer model = new TextToImageTransformer(c, 1);
        Map<String, Parameter> named = model.namedParameters();
        long allocated = named.values().stream().mapToLong(Parameter::numel).sum();
        assertEquals(allocated, TextToImageTransformer.parameterCount(c));
        Map<String, Long> parts = TextToImageTransformer.parameterBreakdown(c);
        assertEquals(sum(named, "embeddings."), parts.get("embeddings"));
        assertEquals(sum(named, "stack.attention_"), parts.get("attention resblocks"));
        assertEquals(sum(named, "stack.mlp_"), parts.get("mlp resblocks"));
        assertEquals(sum(named, "stack.final_norm."), parts.get("final layer norm"));
        assertEquals(sum(named, "text_head."), parts.get("text head"));
        assertEquals(sum(named, "image_head."), parts.get("image head"));
    }

    private static long sum(Map<String, Parameter> named, String prefix) {
        return named.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> e.getValue().numel()).sum();
    }

    @Test
    void theTwelveBillionModelMatchesItsClosedForm() {
        TransformerConfig c = TransformerConfig.dalle12b();
        long d = 3968, layers = 64, textRows = 16384 + 256;
        long embeddings = textRows * d + 256 * d + 8192 * d + 2 * 32 * d;
        long attention = 2 * d + (d * 3 * d + 3 * d) + (d * d + d);
        long mlp = 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d);
        long heads = (d * textRows + textRows) + (d * 8192 + 8192);
        assertEquals(embeddings + layers * (attention + mlp) + 2 * d + heads, TextToImageTransformer.parameterCount(c));
        assertTrue(TextToImageTransformer.parameterCount(c) > 12_000_000_000L, "the paper's model has about 12 billion parameters");
    }

    @Test
    void thePatternScheduleIsDallEs() {
        TransformerConfig c = TransformerConfig.dalle12b();
        int rows = 0, columns = 0, convolutions = 0;
        for (int i = 1; i <= c.layers(); i++) {
            switch (ResblockStack.layerPattern(c, i).imageAttention()) {
                case ROW -> rows++;
                case COLUMN -> columns++;
                case CONVOLUTION -> convolutions++;
                case CAUSAL -> throw new AssertionError("no causal layer in DALL·E");
            }
        }
        assertEquals(47, rows);
        assertEquals(16, columns);
        assertEquals(1, convolutions);
    }

    @Test
    void unknownPresetsAndBadSizesAreExplained() {
        var e = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.preset("huge"));
        assertTrue(e.getMessage().contains("tiny, compact, small, 2.8b, 5.6b, 12b"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TransformerConfig(2, 30, 4, 8, 64, 4, 32, 3));
        assertTrue(e.getMessage().contains("divisible by heads"), e.getMessage());
    }
}
