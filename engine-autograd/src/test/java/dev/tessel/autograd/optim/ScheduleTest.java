package dev.tessel.autograd.optim;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Schedule values at the points their definitions pin down, and plateau halving. */
class ScheduleTest {
    @Test
    void cosineRunsFromStartToEndThroughTheMidpoint() {
        double start = 1e-4, end = 1.25e-6;
        long n = 1000;
        Schedule s = Schedule.cosine(start, end, n);
        assertEquals(start, s.value(0), 1e-20);
        assertEquals((start + end) / 2, s.value(n / 2), 1e-18);
        assertEquals(end, s.value(n), 1e-20);
        assertEquals(end, s.value(5 * n), 1e-20, "stays at end");
        // at a quarter: end + (start - end)(1 + cos(pi/4))/2
        assertEquals(end + (start - end) * (1 + Math.sqrt(0.5)) / 2, s.value(n / 4), 1e-18);
        for (long t = 1; t <= n; t++) assertTrue(s.value(t) <= s.value(t - 1), "monotone for start > end at " + t);
        Schedule rising = Schedule.cosine(0, 6.6, 5000);
        assertEquals(6.6, rising.value(5000), 1e-12, "works upward too (the KL weight)");
    }

    @Test
    void linearWarmupRampsThenHandsOver() {
        double peak = 4.5e-4;
        long warmup = 5000;
        Schedule s = Schedule.linearWarmup(peak, warmup);
        assertEquals(0, s.value(0));
        assertEquals(peak / 2, s.value(warmup / 2), 1e-18);
        assertEquals(peak, s.value(warmup), 1e-18);
        assertEquals(peak, s.value(10 * warmup), 1e-18);
        Schedule thenCosine = Schedule.linearWarmup(peak, warmup, Schedule.cosine(peak, 0, 100));
        assertEquals(peak, thenCosine.value(warmup), 1e-18);
        assertEquals(peak / 2, thenCosine.value(warmup + 50), 1e-15);
    }

    @Test
    void halveOnPlateauHalvesAfterPatienceAndStopsAtTheLimit() {
        int patience = 2, maxHalvings = 3;
        HalveOnPlateau plateau = new HalveOnPlateau(patience, maxHalvings, 0);
        assertEquals(1.0, plateau.factor());
        assertFalse(plateau.observe(10));
        assertFalse(plateau.observe(9), "improvement");
        assertFalse(plateau.observe(9.5));
        assertFalse(plateau.observe(9.5));
        assertTrue(plateau.observe(9.5), "third bad observation exceeds patience 2");
        assertEquals(0.5, plateau.factor());
        assertFalse(plateau.observe(8), "improvement resets the count");
        int halvedAt = 0;
        for (int i = 0; i < 40; i++) if (plateau.observe(8)) halvedAt++;
        assertEquals(maxHalvings - 1, halvedAt, "at most maxHalvings in total");
        assertEquals(Math.pow(0.5, maxHalvings), plateau.factor());
        HalveOnPlateau relative = new HalveOnPlateau(0, 5, 0.01);
        relative.observe(100);
        assertTrue(relative.observe(99.5), "an improvement below the relative threshold counts as a plateau");
    }
}
