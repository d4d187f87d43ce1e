package dev.tessel.autograd.mixed;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-resblock scale state machine on event sequences: exact scales (the expected values are
 * computed here from the paper's rule by a separate closed form, not by replaying the class), the
 * skipped steps, the 125-update decrease limit, both clamps, M, and the checkpoint round trip.
 */
class GradScaleTest {
    private static final double INIT = Math.pow(2, 13);

    @Test
    void startsAtMTimes2To13AndGrowsBy2ToTheOneThousandthPerFiniteUpdate() {
        GradScale s = new GradScale(1);
        assertEquals(INIT, s.value());
        for (int i = 0; i < 1000; i++) assertTrue(s.record(true), "a finite update is applied");
        // 1000 clean updates double the scale (to float-multiplication rounding)
        assertEquals(2 * INIT, s.value(), 2 * INIT * 1e-12);
        assertEquals(0, s.skipped());
        assertEquals(4 * INIT, new GradScale(4).value(), "M = 4 ranks start at 4 * 2^13");
    }

    @Test
    void nonFiniteUpdateIsSkippedAndShrinksBySqrt2AtMostOncePer125Updates() {
        GradScale s = new GradScale(1);
        assertFalse(s.record(false), "the first overflow skips its update");
        double afterFirst = INIT / Math.sqrt(2);
        assertEquals(afterFirst, s.value(), 1e-9);
        // 124 more overflows inside the window: each skipped, none shrinks the scale again
        for (int i = 1; i < 125; i++) assertFalse(s.record(false));
        assertEquals(afterFirst, s.value(), 1e-9);
        assertEquals(125, s.skipped());
        // update index 125 is 125 after the decrease at index 0: the next decrease is allowed
        assertFalse(s.record(false));
        assertEquals(INIT / 2, s.value(), 1e-9);
        // finite updates in between grow it; an overflow 10 updates later skips without shrinking
        for (int i = 0; i < 10; i++) assertTrue(s.record(true));
        double grown = INIT / 2 * Math.pow(2, 10.0 / 1000);
        assertEquals(grown, s.value(), grown * 1e-12);
        assertFalse(s.record(false));
        assertEquals(grown, s.value(), grown * 1e-12);
        assertEquals(127, s.skipped());
        assertEquals(137, s.updates());
    }

    @Test
    void mixedSequenceGivesTheExactScaleAndSkipList() {
        // events: F = finite, X = overflow; decreases allowed at update indices 0 and >= last + 125
        String events = "FFXFFFXX" + "F".repeat(120) + "XFX";
        GradScale s = new GradScale(2);
        StringBuilder skips = new StringBuilder();
        for (int i = 0; i < events.length(); i++) if (!s.record(events.charAt(i) == 'F')) skips.append(i).append(' ');
        assertEquals("2 6 7 128 130 ", skips.toString());
        // decreases at 2 (first) and 128 (= 2 + 126 >= 125); 6, 7, 130 are inside a window
        long finite = events.chars().filter(c -> c == 'F').count();
        double expected = 2 * INIT * Math.pow(2, finite / 1000.0) / 2;  // two decreases of sqrt 2
        assertEquals(expected, s.value(), expected * 1e-12);
    }

    @Test
    void clampsToMTimes2To7And2To24() {
        GradScale low = new GradScale(3);
        for (int i = 0; i < 125 * 20; i++) low.record(false);
        assertEquals(3 * Math.pow(2, 7), low.value(), "never below M * 2^7");
        GradScale high = new GradScale(3);
        for (int i = 0; i < 12_000; i++) high.record(true);
        assertEquals(3 * Math.pow(2, 24), high.value(), "never above M * 2^24");
    }

    @Test
    void checkpointRestoresTheStateExactly() {
        GradScale a = new GradScale(1), b = new GradScale(1);
        String events = "FXFFFXFFFFFFFFXF";
        for (char c : events.toCharArray()) a.record(c == 'F');
        Map<String, Tensor> saved = a.stateDict("mlp_3.");
        b.loadStateDict(saved, "mlp_3.");
        assertEquals(a.value(), b.value());
        assertEquals(a.skipped(), b.skipped());
        // the restored machine continues identically, including the decrease window
        for (char c : "XFFXX".toCharArray()) assertEquals(a.record(c == 'F'), b.record(c == 'F'));
        assertEquals(a.value(), b.value());
        // a checkpoint of a 64-rank run whose scale grew past the 1-rank maximum
        Map<String, Tensor> bad = new GradScale(64).stateDict("x.");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GradScale(1).loadStateDict(
                Map.of("x.scale", Tensor.fromDoubles(dev.tessel.tensor.DType.F64, new double[] {64 * Math.pow(2, 24)}, 1),
                        "x.updates", bad.get("x.updates"), "x.last_decrease", bad.get("x.last_decrease"), "x.skipped", bad.get("x.skipped")), "x."));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GradScale(0));
    }
}
