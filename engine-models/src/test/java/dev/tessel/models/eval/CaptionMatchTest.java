package dev.tessel.models.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.models.data.Example;
import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.eval.CaptionMatch.Category;
import dev.tessel.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Caption matching: true captions match their images; each kind of wrong caption fails its own category. */
class CaptionMatchTest {
    private final CaptionMatch match = new CaptionMatch();
    private final ShapesDataset data = new ShapesDataset(Split.TEST, 21);

    @Test
    void everyGroundTruthCaptionMatchesItsImage() {
        for (Split split : Split.values()) {
            ShapesDataset d = new ShapesDataset(split, 3);
            for (int i = 0; i < 400; i++) {
                Example e = d.get(i);
                CaptionMatch.Result r = match.judge(e.caption(), e.image());
                assertTrue(r.matches(), e.caption() + " " + r);
                assertTrue(r.checks().values().stream().allMatch(b -> b), e.caption() + " " + r.checks());
            }
        }
    }

    private Tensor image(String caption) {
        return data.draw(data.sceneFor(ShapesCaption.parse(caption), 0)).image();
    }

    @Test
    void eachWrongWordFailsItsCategory() {
        Tensor two = image("a red square above a blue star");
        assertFails("a green square above a blue star", two, Category.COLOR);
        assertFails("a red circle above a blue star", two, Category.SHAPE);
        assertFails("a red square below a blue star", two, Category.RELATION);
        assertFails("a blue star above a red square", two, Category.RELATION);
        assertFails("a red square", two, Category.COUNT);
        Tensor one = image("a small white triangle");
        assertFails("a large white triangle", one, Category.SIZE);
        // A missing object fails every category that needs it to be paired.
        CaptionMatch.Result missing = match.judge("a white triangle left of a white triangle", one);
        assertFalse(missing.matches());
        assertEquals(Map.of(Category.COLOR, false, Category.SHAPE, false, Category.COUNT, false, Category.RELATION, false), missing.checks());
        CaptionMatch.Result ok = match.judge("a white triangle", one);
        assertTrue(ok.matches());
        assertEquals(List.of(Category.COLOR, Category.SHAPE, Category.COUNT), List.copyOf(ok.checks().keySet()));
    }

    private void assertFails(String caption, Tensor image, Category category) {
        CaptionMatch.Result r = match.judge(caption, image);
        assertFalse(r.matches(), caption);
        Map<Category, Boolean> checks = r.checks();
        assertFalse(checks.get(category), caption + " " + checks);
        // Every object is present in these cases, so only the category of the wrong word fails.
        for (var e : checks.entrySet()) {
            if (e.getKey() != category) assertTrue(e.getValue(), caption + " " + checks);
        }
    }

    @Test
    void pairingsCoverMissingObjectsOnEitherSide() {
        assertEquals(2, CaptionMatch.pairings(2, 1).size());
        assertEquals(6, CaptionMatch.pairings(2, 3).size());
        assertEquals(1, CaptionMatch.pairings(1, 0).size());
        assertEquals(-1, CaptionMatch.pairings(1, 0).get(0)[0]);
    }

    @Test
    void blankImageMatchesNothing() {
        float[] v = new float[3 * 32 * 32];
        java.util.Arrays.fill(v, 0.18f);
        CaptionMatch.Result r = match.judge("a red square left of a blue star", Tensor.of(v, 3, 32, 32));
        assertFalse(r.matches());
        assertTrue(r.checks().values().stream().noneMatch(b -> b), r.checks().toString());
    }

    @Test
    void tallyAveragesEachCategoryOverTheCaptionsThatMentionIt() {
        CaptionMatch.Tally tally = new CaptionMatch.Tally();
        Tensor two = image("a red square above a blue star");
        tally.add(match.judge("a red square above a blue star", two));     // all pass
        tally.add(match.judge("a red circle above a blue star", two));     // shape fails
        tally.add(match.judge("a large green circle", image("a large green circle")));   // one object, a size word
        assertEquals(3, tally.images());
        assertEquals(1.0, tally.rate(Category.COLOR));
        assertEquals(2 / 3.0, tally.rate(Category.SHAPE), 1e-12);
        assertEquals(1.0, tally.rate(Category.RELATION), "relation: only the two two-object captions count");
        assertEquals(1.0, tally.rate(Category.SIZE), "size: only the caption with a size word counts");
        assertEquals(2 / 3.0, tally.matchRate(), 1e-12);
        assertEquals("color 1.000  shape 0.667  count 1.000  size 1.000  relation 1.000  match 0.667", tally.summary());
        assertTrue(Double.isNaN(new CaptionMatch.Tally().rate(Category.COLOR)));
    }
}
