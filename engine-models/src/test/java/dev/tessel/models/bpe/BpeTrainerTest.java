// BpeTrainerTest: a vocabulary trained on captions encodes and decodes every text, lowercases,
// learns frequent words as single tokens, is deterministic, survives save/load, truncates
// captions, and applies seeded BPE dropout.
package dev.tessel.models.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    private static final List<String> CAPTIONS = captions();

    private static List<String> captions() {
        String[] colours = {"red", "green", "blue", "yellow"}, shapes = {"circle", "square", "triangle"};
        List<String> out = new ArrayList<>();
        for (String c1 : colours) for (String s1 : shapes) for (String c2 : colours) out.add("A " + c1 + " " + s1 + " above a " + c2 + " square.");
        return out;
    }

    @Test
    void frequentWordsBecomeSingleTokensAndTextsRoundTrip() {
        BpeTokenizer bpe = BpeTrainer.train(CAPTIONS, 400, true);
        assertTrue(bpe.vocabSize() > 256 && bpe.vocabSize() <= 400, "vocabulary " + bpe.vocabSize());
        assertEquals(1, bpe.encode(" triangle").length, "' triangle' is in every fourth caption and should be one token");
        for (String text : List.of("a red circle above a blue square.", "An unseen Ünïcode text 🚀 with\ttabs\nand lines", "")) {
            assertEquals(text.toLowerCase(java.util.Locale.ROOT), bpe.decode(bpe.encode(text)));
        }
        assertArrayEquals(bpe.encode("a red circle"), bpe.encode("A RED Circle"), "captions are lowercased");
    }

    @Test
    void trainingIsDeterministicAndMergesStayOrdered() {
        BpeTokenizer a = BpeTrainer.train(CAPTIONS, 270, true), b = BpeTrainer.train(CAPTIONS, 270, true);
        assertEquals(a.merges(), b.merges());
        assertEquals(270, a.vocabSize(), "the corpus has more than 14 pairs to merge");
        // merge r creates token 256 + r, the join of its two halves
        for (int r = 0; r < a.merges().size(); r++) assertEquals(a.token(256 + r), a.merges().get(r).replace(" ", ""));
    }

    @Test
    void aSmallCorpusStopsWhenNoPairIsLeft() {
        BpeTokenizer bpe = BpeTrainer.train(List.of("ab ab"), 16384, false);
        assertTrue(bpe.vocabSize() < 300, "only a few merges exist in 'ab ab', got " + bpe.vocabSize());
        assertEquals(1, bpe.encode(" ab").length);
    }

    @Test
    void saveAndLoadKeepTheEncoding(@TempDir Path dir) {
        BpeTokenizer bpe = BpeTrainer.train(CAPTIONS, 350, true);
        Path file = dir.resolve("bpe.json");
        bpe.save(file);
        BpeTokenizer back = BpeTokenizer.load(file);
        assertEquals(bpe.merges(), back.merges());
        for (String c : CAPTIONS) assertArrayEquals(bpe.encode(c), back.encode(c));
    }

    @Test
    void captionsAreTruncatedToTheTextLength() {
        BpeTokenizer bpe = BpeTrainer.train(CAPTIONS, 350, true);
        int full = bpe.encode(CAPTIONS.get(0)).length;
        BpeTokenizer.CaptionIds cut = bpe.encodeCaption(CAPTIONS.get(0), full - 2, 0, null);
        assertTrue(cut.truncated());
        assertEquals(full, cut.fullLength());
        assertArrayEquals(java.util.Arrays.copyOf(bpe.encode(CAPTIONS.get(0)), full - 2), cut.ids());
        assertFalse(bpe.encodeCaption(CAPTIONS.get(0), full, 0, null).truncated());
    }

    @Test
    void dropoutVariesTheSegmentationReproduciblyAndDecodesToTheSameText() {
        BpeTokenizer bpe = BpeTrainer.train(CAPTIONS, 400, true);
        String text = CAPTIONS.get(7);
        int[] plain = bpe.encode(text);
        boolean varied = false;
        for (long seed = 0; seed < 20; seed++) {
            int[] dropped = bpe.encode(text, 0.1, new SplittableRandom(seed));
            assertArrayEquals(dropped, bpe.encode(text, 0.1, new SplittableRandom(seed)), "one seed, one segmentation");
            assertEquals(text.toLowerCase(java.util.Locale.ROOT), bpe.decode(dropped));
            assertTrue(dropped.length >= plain.length, "dropout can only skip merges");
            varied |= dropped.length != plain.length;
        }
        assertTrue(varied, "10% dropout over 20 seeds should split some word");
        assertNotEquals(0, plain.length);
    }

    @Test
    void badInputIsExplained(@TempDir Path dir) throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(CAPTIONS, 20000, true));
        assertTrue(e.getMessage().contains("16384"), e.getMessage());
        Path notBpe = dir.resolve("x.json");
        Files.writeString(notBpe, "{\"a\": 1}");
        e = assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.load(notBpe));
        assertTrue(e.getMessage().contains("not a tessel BPE file"), e.getMessage());
        BpeTokenizer bpe = BpeTrainer.train(CAPTIONS, 300, true);
        e = assertThrows(IllegalArgumentException.class, () -> bpe.decode(new int[] {300}));
        assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bpe.encode("x", 0.1, null));
        assertTrue(e.getMessage().contains("random generator"), e.getMessage());
    }
}
