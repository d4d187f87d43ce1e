package dev.tessel.models.report;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A one-line progress display for long work: step/total, a bar, named fields (loss, temperature,
 * ...), a rate and an ETA. On a terminal it redraws one line in place (at most 10 times a
 * second); otherwise (a log file, CI) it prints a plain line at the first step, then at most every
 * {@code plainEvery} (default 10 s), and at the end — so a redirected run still shows progress
 * without flooding the log.
 *
 * <p>Invariants: it writes only to its stream (stderr by default), so stdout stays clean for
 * results a script parses; the rate and ETA count from the first step it was shown, so a resumed
 * run (starting at step k) reports its own speed, not k steps in zero seconds.
 */
public final class ProgressBar implements AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR_WIDTH = 24;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;
    private final Map<String, String> fields = new LinkedHashMap<>();
    private long plainEveryNanos = 10_000_000_000L;
    private String rateUnit = "step";
    private double itemsPerStep = 1;
    private long startNanos;
    private long startStep = -1;
    private long step;
    private long lastShown = Long.MIN_VALUE;
    private long shownStep = -1;
    private boolean finished;

    /**
     * A bar on stderr that redraws in place when the process runs in a terminal (the JDK's
     * Console.isTerminal, which looks at stdin and stdout); TESSEL_PROGRESS=plain or =tty
     * overrides the guess, e.g. when only stderr is redirected.
     */
    public static ProgressBar create(String label, long total) {
        return new ProgressBar(label, total, System.err, redrawsInPlace(), System::nanoTime);
    }

    /** Whether {@link #create} draws bars that redraw in place (TESSEL_PROGRESS, else whether this process runs in a terminal). */
    public static boolean redrawsInPlace() {
        String forced = System.getenv("TESSEL_PROGRESS");
        var console = System.console();
        return forced != null ? forced.equals("tty") : console != null && console.isTerminal();
    }

    public ProgressBar(String label, long total, PrintStream out, boolean terminal, LongSupplier nanoClock) {
        if (total < 0) throw new IllegalArgumentException("ProgressBar '" + label + "': total must be >= 0, got " + total);
        this.label = label;
        this.total = total;
        this.out = out;
        this.terminal = terminal;
        this.clock = nanoClock;
    }

    /** Shows the rate in items per second, e.g. {@code rateIn(32, "img")} for batches of 32 images. */
    public ProgressBar rateIn(double itemsPerStep, String unit) {
        this.itemsPerStep = itemsPerStep;
        this.rateUnit = unit;
        return this;
    }

    /** How often a non-terminal stream gets a line. */
    public ProgressBar plainEvery(long seconds) {
        this.plainEveryNanos = seconds * 1_000_000_000L;
        return this;
    }

    /** Sets a numeric field, shown with 4 significant digits. */
    public ProgressBar field(String name, double value) {
        fields.put(name, String.format(Locale.ROOT, "%.4g", value));
        return this;
    }

    public ProgressBar field(String name, String value) {
        fields.put(name, value);
        return this;
    }

    /** Records that {@code step} steps (of total) are done and redraws if it is time to. */
    public void update(long step) {
        long now = clock.getAsLong();
        if (startStep < 0) {
            startStep = step;
            startNanos = now;
        }
        this.step = step;
        boolean first = lastShown == Long.MIN_VALUE;
        long interval = terminal ? REDRAW_NANOS : plainEveryNanos;
        if (first || now - lastShown >= interval || step >= total) show(now);
    }

    /** Shows the final state and ends the line. Idempotent. */
    @Override
    public void close() {
        if (finished) return;
        finished = true;
        if (startStep < 0) return;
        long now = clock.getAsLong();
        if (terminal) {
            show(now);
            out.print('\n');
        } else if (shownStep != step) {
            show(now);
        }
        out.flush();
    }

    /** The text of the current line (no carriage return). */
    public String line() {
        return line(clock.getAsLong());
    }

    private void show(long now) {
        lastShown = now;
        shownStep = step;
        String text = line(now);
        if (terminal) out.print("\r" + text + "\u001b[K");
        else out.println(text);
        out.flush();
    }

    private String line(long now) {
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(BAR_WIDTH, BAR_WIDTH * step / total);
            sb.append('[').append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ");
        }
        sb.append(step).append('/').append(total);
        for (var e : fields.entrySet()) sb.append("  ").append(e.getKey()).append(' ').append(e.getValue());
        double seconds = (now - startNanos) / 1e9;
        long done = step - startStep;
        if (done > 0 && seconds > 0) {
            double stepsPerSecond = done / seconds;
            sb.append(String.format(Locale.ROOT, "  %.3g %s/s", stepsPerSecond * itemsPerStep, rateUnit));
            if (step < total) sb.append("  ETA ").append(clockTime((total - step) / stepsPerSecond));
        }
        sb.append("  elapsed ").append(clockTime(seconds));
        return sb.toString();
    }

    /** h:mm:ss or m:ss. */
    static String clockTime(double seconds) {
        long s = Math.round(seconds);
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec) : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
