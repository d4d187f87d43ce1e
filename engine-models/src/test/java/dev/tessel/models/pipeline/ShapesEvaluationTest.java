// The evaluation's arithmetic on hand-built outcomes (random = mean over candidates, top-1 = best
// score, categories only where mentioned, the curve over the first N), its prompt lists, and the
// stage cache's keying.
package dev.tessel.models.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.eval.CaptionMatch.Category;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapesEvaluationTest {
    private static Map<Category, Boolean> checks(boolean color, boolean shape, boolean count, Boolean relation) {
        Map<Category, Boolean> m = new EnumMap<>(Category.class);
        m.put(Category.COLOR, color);
        m.put(Category.SHAPE, shape);
        m.put(Category.COUNT, count);
        if (relation != null) m.put(Category.RELATION, relation);
        return m;
    }

    private static PromptOutcome outcome(String caption, double[] scores, List<Map<Category, Boolean>> checks) {
        boolean[] matches = new boolean[scores.length];
        for (int i = 0; i < scores.length; i++) matches[i] = !checks.get(i).containsValue(false);
        return new PromptOutcome(caption, false, scores, checks, matches, null);
    }

    @Test
    void randomIsTheMeanOverCandidatesAndTop1TheBestScoredCandidate() {
        // one-object prompt: candidate 2 (best score) matches, candidates 0 and 1 do not
        PromptOutcome one = outcome("a red circle", new double[] {0.1, 0.2, 0.9, 0.3},
                List.of(checks(true, false, true, null), checks(false, false, true, null), checks(true, true, true, null), checks(true, true, false, null)));
        // two-object prompt: the best-scored candidate 0 gets the relation wrong
        PromptOutcome two = outcome("a red circle above a green square", new double[] {0.8, 0.5, 0.1, 0.0},
                List.of(checks(true, true, true, false), checks(true, true, true, true), checks(false, true, true, false), checks(false, false, false, false)));
        ShapesEvaluation.Rates r = ShapesEvaluation.rates(List.of(one, two));
        assertEquals(2, r.prompts());
        assertEquals((3 / 4.0 + 2 / 4.0) / 2, r.random().get("color"), 1e-12);
        assertEquals((2 / 4.0 + 3 / 4.0) / 2, r.random().get("shape"), 1e-12);
        assertEquals(1 / 4.0, r.random().get("relation"), 1e-12, "relation averages the two-object prompt only");
        assertEquals((1 / 4.0 + 1 / 4.0) / 2, r.random().get("match"), 1e-12);
        assertEquals(1.0, r.top1().get("color"));
        assertEquals(0.0, r.top1().get("relation"));
        assertEquals(0.5, r.top1().get("match"));
        assertFalse(r.top1().containsKey("size"), "no prompt mentions a size");
    }

    @Test
    void ratesByObjectsKeepOnlyThePromptsOfOneSetNamingThatManyObjects() {
        PromptOutcome one = outcome("a red circle", new double[] {0.9, 0.1},
                List.of(checks(true, true, true, null), checks(false, true, true, null)));
        PromptOutcome two = outcome("a red circle above a green square", new double[] {0.9, 0.1},
                List.of(checks(true, false, true, true), checks(true, true, true, true)));
        PromptOutcome heldOutOne = new PromptOutcome("a red triangle", true, new double[] {0.5}, List.of(checks(true, true, true, null)),
                new boolean[] {true}, null);
        List<PromptOutcome> all = List.of(one, two, heldOutOne);
        ShapesEvaluation.Rates seenOne = ShapesEvaluation.ratesByObjects(all, false, 1);
        assertEquals(1, seenOne.prompts());
        assertEquals(0.5, seenOne.random().get("match"), 1e-12);
        assertEquals(1.0, seenOne.top1().get("match"));
        ShapesEvaluation.Rates seenTwo = ShapesEvaluation.ratesByObjects(all, false, 2);
        assertEquals(1, seenTwo.prompts());
        assertEquals(0.0, seenTwo.top1().get("match"), "the best-scored candidate gets a shape wrong");
        assertEquals(1.0, seenTwo.anyMatch(), "candidate 1 matches");
        assertEquals(1, ShapesEvaluation.ratesByObjects(all, true, 1).prompts());
        assertEquals(0, ShapesEvaluation.ratesByObjects(all, true, 2).prompts());
    }

    @Test
    void theTopPickFailuresNameTheCategoriesTheBestScoredCandidateFailsOrBinding() {
        // best-scored candidate 0 gets the shape and the relation wrong; candidate 1 matches
        PromptOutcome wrong = outcome("a red circle above a green square", new double[] {0.9, 0.1},
                List.of(checks(true, false, true, false), checks(true, true, true, true)));
        assertEquals(List.of("shape", "relation"), wrong.topPickFailures());
        assertEquals(1, wrong.matchingCandidates());
        // every category holds, yet it is no match: the colours sit on each other's shapes
        PromptOutcome swapped = new PromptOutcome("a red circle above a green square", false, new double[] {0.9},
                List.of(checks(true, true, true, true)), new boolean[] {false}, null);
        assertEquals(List.of("binding"), swapped.topPickFailures());
        PromptOutcome right = outcome("a red circle", new double[] {0.2, 0.8},
                List.of(checks(false, true, true, null), checks(true, true, true, null)));
        assertEquals(List.of(), right.topPickFailures());
    }

    @Test
    void theCurveRerankesTheFirstNCandidatesAndIsUndefinedBeyondTheCandidatesDrawn() {
        PromptOutcome p = outcome("a red circle", new double[] {0.1, 0.5, 0.3, 0.9},
                List.of(checks(false, true, true, null), checks(true, true, true, null), checks(false, false, true, null), checks(false, true, true, null)));
        double[] curve = ShapesEvaluation.curve(List.of(p), 4);
        // N=1 -> candidate 0 (no); N=2 -> best of {0,1} is 1 (match); N=4 -> best is 3 (no)
        assertEquals(0.0, curve[0]);
        assertEquals(1.0, curve[1]);
        assertEquals(0.0, curve[2]);
        for (int i = 3; i < curve.length; i++) assertTrue(Double.isNaN(curve[i]), "N=" + ShapesEvaluation.CURVE_N[i]);
    }

    @Test
    void promptListsStartWithTheGalleryAndKeepSeenAndHeldOutApart() {
        DemoConfig c = DemoConfig.demo();
        List<String> seen = ShapesEvaluation.prompts(c, false, 6), held = ShapesEvaluation.prompts(c, true, 6);
        assertEquals(6, seen.size());
        assertEquals(6, new java.util.HashSet<>(held).size(), "distinct prompts");
        assertEquals(ShapesEvaluation.GALLERY.subList(0, 4), seen.subList(0, 4));
        for (String s : seen) assertFalse(ShapesCaption.parse(s).containsHeldOutPair(), s);
        for (String h : held) assertTrue(ShapesCaption.parse(h).containsHeldOutPair(), h);
    }

    @Test
    void aStageKeyNamesItsDirectoryAndOnlyTheDoneMarkerMakesItReusable(@TempDir Path dir) {
        StageCache cache = new StageCache(dir);
        StageCache.Entry a = cache.entry("clip", DemoConfig.demo().clipKey());
        assertEquals(a.dir(), cache.entry("clip", DemoConfig.demo().clipKey()).dir());
        assertNotEquals(a.dir(), cache.entry("clip", DemoConfig.demo().withTimeScale(2).clipKey()).dir(), "a changed budget retrains");
        assertEquals(cache.entry("dvae", DemoConfig.demo().dvaeKey()).dir(), cache.entry("dvae", DemoConfig.demo().dvaeKey()).dir());
        a.file("clip.safetensors");
        assertFalse(a.done(), "a checkpoint alone is a run in progress");
        a.markDone(new TrainingLoop.Outcome(12, 20, true, 3.5, new float[0]));
        assertTrue(a.done());
        StageReport r = StageReport.fromDone("reranker", a, true);
        assertEquals(new StageReport("reranker", true, 12, 20, true, 3.5, a.dir().toString()), r);
        DemoConfig d = DemoConfig.demo();
        DemoConfig otherDvaeBatch = withDvaeBatchAndReconstructions(d, d.dvaeBatch() + 1, true);
        assertNotEquals(d.priorKey(), otherDvaeBatch.priorKey(), "a retrained dVAE retrains the transformer (its tokens changed)");
        assertNotEquals(d.clipKey(), otherDvaeBatch.clipKey(), "a reranker trained on the dVAE's reconstructions is retrained with it");
        assertEquals(withDvaeBatchAndReconstructions(d, d.dvaeBatch(), false).clipKey(), withDvaeBatchAndReconstructions(d, d.dvaeBatch() + 1, false).clipKey(),
                "a reranker of crisp images only does not depend on the dVAE");
    }

    private static DemoConfig withDvaeBatchAndReconstructions(DemoConfig d, int dvaeBatch, boolean reconstructions) {
        return new DemoConfig(d.name(), d.dataSeed(), d.imageSize(), d.dvae(), dvaeBatch, d.dvaeBudget(), d.bpeVocab(),
                d.bpeCaptions(), d.priorLayers(), d.priorWidth(), d.priorHeads(), d.priorTextLength(), d.priorBatch(), d.priorLr(), d.priorPool(),
                d.priorBudget(), d.clipPreset(), d.clipBatch(), d.clipLr(), d.clipShapeTwins(), d.clipBindingTwins(), reconstructions, d.clipSeparateColour(), d.clipBudget(), d.evalPromptsPerSet(),
                d.candidates(), d.rerankTop(), d.evalSeconds(), d.seed());
    }
}
