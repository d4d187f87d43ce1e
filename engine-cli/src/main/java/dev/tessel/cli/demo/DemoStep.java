package dev.tessel.cli.demo;

import java.io.PrintStream;

/**
 * One self-check of {@code ./tessel demo --checks} (golden cases, a GEMM against the reference),
 * run in order before the DALL·E pipeline.
 *
 * <p>Contract: a step prints its own progress to {@code out} as it goes (anything slow must show
 * it is alive) and returns an outcome; it throws only for an unexpected failure, which the demo
 * reports as a failed check and then continues with the next one.
 */
public interface DemoStep {
    /** A few words for the progress header and the summary table. */
    String title();

    Outcome run(PrintStream out) throws Exception;

    /**
     * OK: ran and was right. INCOMPLETE: ran as far as the engine allows today (something is not
     * implemented yet), with nothing wrong. FAILED: a wrong result or an error.
     */
    enum Status { OK, INCOMPLETE, FAILED }

    record Outcome(Status status, String summary) {}
}
