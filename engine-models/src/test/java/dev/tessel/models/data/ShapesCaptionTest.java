package dev.tessel.models.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The caption grammar: round trips, and errors that say what was expected where. */
class ShapesCaptionTest {
    @Test
    void parsesEveryForm() {
        ShapesCaption one = ShapesCaption.parse("a red square");
        assertEquals(1, one.objects().size());
        assertNull(one.objects().get(0).size());
        assertEquals(SizeClass.LARGE, ShapesCaption.parse(" A Large white star ").objects().get(0).size());
        ShapesCaption two = ShapesCaption.parse("a green circle left of a orange triangle");
        assertEquals(Relation.LEFT_OF, two.relation());
        assertEquals(ShapeKind.TRIANGLE, two.objects().get(1).shape());
        assertEquals("a green circle left of a orange triangle", two.text());
        assertTrue(ShapesCaption.parse("a yellow star below a white circle").containsHeldOutPair());
    }

    @Test
    void colourSwapTwinSwapsTheColoursOfTwoObjectsAndNeverMakesAHeldOutPair() {
        assertEquals("a orange circle left of a green triangle",
                ShapesCaption.parse("a green circle left of a orange triangle").colourSwapTwin().text());
        assertNull(ShapesCaption.parse("a red square").colourSwapTwin(), "one object has no binding twin");
        assertNull(ShapesCaption.parse("a red square above a red circle").colourSwapTwin(), "one colour: swapping changes nothing");
        assertTrue(ShapesVocabulary.isHeldOut(ShapeColor.YELLOW, ShapeKind.SQUARE));
        assertNull(ShapesCaption.parse("a yellow circle above a blue square").colourSwapTwin(), "a yellow square is held out");
        int twins = 0;
        ShapesDataset train = new ShapesDataset(Split.TRAIN, 5, 16);
        for (long i = 0; i < 2000; i++) {
            ShapesCaption caption = train.scene(i).caption(), twin = caption.colourSwapTwin();
            if (twin == null) continue;
            twins++;
            assertTrue(!twin.containsHeldOutPair(), twin.text());
            assertEquals(caption.relation(), twin.relation());
            for (int o = 0; o < 2; o++) {
                assertEquals(caption.objects().get(o).shape(), twin.objects().get(o).shape(), twin.text());
                assertEquals(caption.objects().get(1 - o).color(), twin.objects().get(o).color(), twin.text());
            }
        }
        assertTrue(twins > 200, "two-object training captions with a binding twin: " + twins);
    }

    @Test
    void rejectsWhatTheGrammarDoesNotHave() {
        assertError("a red", "expected a shape but found the end");
        assertError("a crimson square", "expected a colour but found 'crimson' (word 2)");
        assertError("the red square", "expected 'a' but found 'the' (word 1)");
        assertError("a red square next to a blue star", "expected a relation");
        assertError("a red square left a blue star", "'of' after 'left'");
        assertError("a small red square above a blue star", "no size words");
        assertError("a red square above a small blue star", "expected a colour but found 'small'");
        assertError("a red square above", "expected 'a' but found the end");
        assertError("a red square square", "expected a relation");
    }

    private static void assertError(String caption, String fragment) {
        var e = assertThrows(IllegalArgumentException.class, () -> ShapesCaption.parse(caption));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains(caption.trim()) || e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), caption + " -> " + e.getMessage());
    }
}
