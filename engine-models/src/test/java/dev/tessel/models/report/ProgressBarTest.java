package dev.tessel.models.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Progress lines with a fake clock: plain mode throttles, terminal mode redraws, rate and ETA. */
class ProgressBarTest {
    private final AtomicLong nanos = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private ProgressBar bar(boolean terminal) {
        return new ProgressBar("train", 100, new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal, nanos::get);
    }

    @Test
    void plainModePrintsFirstThrottledAndLastLines() {
        try (ProgressBar bar = bar(false).rateIn(32, "img").plainEvery(10)) {
            for (int step = 1; step <= 100; step++) {
                nanos.addAndGet(500_000_000L);
                bar.field("loss", 1.0 / step).update(step);
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        // First step, every 10 s of the 50 s run (steps 21, 41, 61, 81) and the last step once.
        assertEquals(6, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("train [") && lines[0].contains(" 1/100"), lines[0]);
        String last = lines[lines.length - 1];
        assertTrue(last.contains("100/100") && last.contains("loss 0.01000") && last.contains("64.0 img/s"), last);
        assertTrue(!last.contains("ETA") && last.contains("elapsed 0:50"), last);
    }

    @Test
    void etaAndRateCountFromTheFirstStepShown() {
        ProgressBar bar = bar(false);
        bar.update(40);
        nanos.addAndGet(20_000_000_000L);
        bar.update(60);
        String line = bar.line();
        // 20 steps in 20 s: 1 step/s, 40 steps to go.
        assertTrue(line.contains("1.00 step/s") && line.contains("ETA 0:40"), line);
    }

    @Test
    void terminalModeRedrawsInPlace() {
        try (ProgressBar bar = bar(true)) {
            for (int step = 1; step <= 10; step++) {
                nanos.addAndGet(200_000_000L);
                bar.update(step);
            }
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.chars().filter(c -> c == '\n').count());
        assertTrue(out.chars().filter(c -> c == '\r').count() >= 10, out);
        assertTrue(out.contains("\u001b[K"));
    }

    @Test
    void clockTimeFormats() {
        assertEquals("0:05", ProgressBar.clockTime(4.6));
        assertEquals("1:01:01", ProgressBar.clockTime(3661));
    }
}
