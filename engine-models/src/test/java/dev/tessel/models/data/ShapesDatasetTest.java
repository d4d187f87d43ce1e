package dev.tessel.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.tensor.Tensor;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shapes generator: determinism, the held-out rule, the grammar, and the drawn pixels. */
class ShapesDatasetTest {
    @Test
    void sameSeedAndIndexGiveTheSameExampleInAnyOrder() {
        ShapesDataset a = new ShapesDataset(Split.TRAIN, 7);
        ShapesDataset b = new ShapesDataset(Split.TRAIN, 7);
        for (long i = 40; i >= 0; i -= 3) {
            Example x = a.get(i);
            Example y = b.get(i);
            assertEquals(x.caption(), y.caption());
            assertEquals(x.objects(), y.objects());
            assertArrayEquals(x.image().toFloatArray(), y.image().toFloatArray());
        }
    }

    @Test
    void seedsAndSplitsGiveDifferentStreams() {
        Set<String> seen = new HashSet<>();
        int distinct = 0;
        for (long seed : new long[] {1, 2}) {
            for (Split split : Split.values()) {
                StringBuilder first = new StringBuilder();
                ShapesDataset d = new ShapesDataset(split, seed);
                for (int i = 0; i < 8; i++) first.append(d.scene(i).objects()).append('|');
                if (seen.add(first.toString())) distinct++;
            }
        }
        assertEquals(6, distinct);
    }

    @Test
    void trainAndTestNeverShowAHeldOutPairAndHeldOutAlwaysDoes() {
        for (Split split : Split.values()) {
            ShapesDataset d = new ShapesDataset(split, 11);
            Set<String> pairs = new HashSet<>();
            for (int i = 0; i < 10_000; i++) {
                ShapesDataset.Scene s = d.scene(i);
                boolean held = s.objects().stream().anyMatch(o -> ShapesVocabulary.isHeldOut(o.color(), o.shape()));
                assertEquals(held, ShapesCaption.parse(s.caption().text()).containsHeldOutPair(), s.caption().text());
                assertEquals(split == Split.HELD_OUT, held, split + " example " + i + ": " + s.caption());
                for (ShapeObject o : s.objects()) pairs.add(o.pair());
            }
            // Every pair the split may use shows up: the held-out rule removes exactly six.
            assertEquals(split == Split.HELD_OUT ? 28 : 22, pairs.size(), split + " pairs " + pairs);
        }
    }

    @Test
    void captionsFollowTheGrammarAndDescribeTheObjects() {
        ShapesDataset d = new ShapesDataset(Split.TRAIN, 3);
        EnumSet<Relation> relations = EnumSet.noneOf(Relation.class);
        int withSize = 0;
        int single = 0;
        for (int i = 0; i < 2000; i++) {
            ShapesDataset.Scene s = d.scene(i);
            ShapesCaption c = ShapesCaption.parse(s.caption().text());
            assertEquals(s.caption(), c);
            assertEquals(c.objects().size(), s.objects().size());
            for (int k = 0; k < c.objects().size(); k++) {
                ShapesCaption.Phrase p = c.objects().get(k);
                ShapeObject o = s.objects().get(k);
                assertEquals(p.color(), o.color());
                assertEquals(p.shape(), o.shape());
                if (p.size() != null) assertEquals(p.size(), o.size());
                assertTrue(o.extent() >= o.size().minExtent32() && o.extent() <= o.size().maxExtent32(), o.toString());
                assertTrue(o.x() >= 0 && o.y() >= 0 && o.x() + o.extent() <= 32 && o.y() + o.extent() <= 32, o.toString());
            }
            if (c.relation() != null) {
                relations.add(c.relation());
                ShapeObject a = s.objects().get(0);
                ShapeObject b = s.objects().get(1);
                assertEquals(c.relation(), Relation.between(a.centerX(), a.centerY(), b.centerX(), b.centerY()), c.text());
                assertFalse(boxesWithinGap(a, b), "objects touch: " + c.text());
            } else {
                single++;
                if (c.objects().get(0).size() != null) withSize++;
            }
        }
        assertEquals(EnumSet.allOf(Relation.class), relations);
        assertTrue(single > 800 && single < 1200, "one-object share " + single);
        assertTrue(withSize > single / 3 && withSize < 2 * single / 3, "size words " + withSize + " of " + single);
    }

    private static boolean boxesWithinGap(ShapeObject a, ShapeObject b) {
        double gap = 2;
        return a.x() < b.x() + b.extent() + gap && b.x() < a.x() + a.extent() + gap
                && a.y() < b.y() + b.extent() + gap && b.y() < a.y() + a.extent() + gap;
    }

    @Test
    void pixelsArePaletteColoursOnTheBackground() {
        Tensor image = new ShapesDataset(Split.TRAIN, 5).get(0).image();
        assertEquals(List.of(3, 32, 32), List.of(image.dim(0), image.dim(1), image.dim(2)));
        float[] v = image.toFloatArray();
        int plane = 32 * 32;
        int background = 0;
        for (int p = 0; p < plane; p++) {
            double[] rgb = {v[p], v[plane + p], v[2 * plane + p]};
            boolean isBackground = close(rgb, ShapeColor.BACKGROUND);
            boolean isPalette = false;
            for (ShapeColor c : ShapeColor.values()) isPalette |= close(rgb, c.rgb());
            assertTrue(isBackground || isPalette, "pixel " + p);
            if (isBackground) background++;
        }
        assertTrue(background > 0 && background < plane);
    }

    @Test
    void paletteColoursAreFarApart() {
        List<double[]> colours = new java.util.ArrayList<>();
        colours.add(ShapeColor.BACKGROUND);
        for (ShapeColor c : ShapeColor.values()) colours.add(c.rgb());
        for (int i = 0; i < colours.size(); i++) {
            for (int j = i + 1; j < colours.size(); j++) {
                double d = 0;
                for (int k = 0; k < 3; k++) d += Math.pow(colours.get(i)[k] - colours.get(j)[k], 2);
                assertTrue(Math.sqrt(d) >= 0.45, "colours " + i + " and " + j + " are " + Math.sqrt(d) + " apart");
            }
        }
    }

    @Test
    void largerImagesShowTheSameSceneScaled() {
        ShapesDataset small = new ShapesDataset(Split.TEST, 9, 32);
        ShapesDataset big = new ShapesDataset(Split.TEST, 9, 64);
        for (int i = 0; i < 10; i++) {
            assertEquals(small.scene(i).caption(), big.scene(i).caption());
            ShapeObject a = small.scene(i).objects().get(0);
            ShapeObject b = big.scene(i).objects().get(0);
            assertEquals(2 * a.extent(), b.extent());
            assertEquals(2 * a.x(), b.x());
        }
        assertEquals(64, big.get(0).image().dim(2));
    }

    @Test
    void sceneForDrawsAnyCaptionIncludingHeldOutOnes() {
        ShapesDataset d = new ShapesDataset(Split.TEST, 2);
        ShapesCaption c = ShapesCaption.parse("a blue circle above a red triangle");
        ShapesDataset.Scene v0 = d.sceneFor(c, 0);
        assertEquals(c, v0.caption());
        assertEquals(ShapeKind.CIRCLE, v0.objects().get(0).shape());
        assertTrue(v0.objects().get(0).centerY() < v0.objects().get(1).centerY());
        assertEquals(v0, d.sceneFor(c, 0));
        assertNotEquals(v0.objects(), d.sceneFor(c, 1).objects());
    }

    @Test
    void badArgumentsAreNamed() {
        var tooSmall = assertThrows(IllegalArgumentException.class, () -> new ShapesDataset(Split.TRAIN, 1, 8));
        assertTrue(tooSmall.getMessage().contains("8"), tooSmall.getMessage());
        var negative = assertThrows(IndexOutOfBoundsException.class, () -> new ShapesDataset(Split.TRAIN, 1).get(-1));
        assertTrue(negative.getMessage().contains("shapes"), negative.getMessage());
    }

    private static boolean close(double[] a, double[] b) {
        for (int k = 0; k < 3; k++) if (Math.abs(a[k] - b[k]) > 1e-6) return false;
        return true;
    }
}
