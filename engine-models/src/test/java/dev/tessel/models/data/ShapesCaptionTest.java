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
