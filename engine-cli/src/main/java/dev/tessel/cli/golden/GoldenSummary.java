package dev.tessel.cli.golden;

import java.util.List;

/**
 * The results of one golden run and its closing line {@code N passed, M failed}.
 *
 * <p>Invariant: every case is counted exactly once, as passed or failed.
 */
public record GoldenSummary(List<CaseResult> results) {
    public GoldenSummary {
        results = List.copyOf(results);
    }

    public long passed() { return results.stream().filter(CaseResult::passed).count(); }

    public long failed() { return results.size() - passed(); }

    /** Failed cases whose only fault is something not implemented yet. */
    public long failedUnsupportedOnly() { return results.stream().filter(r -> !r.passed() && r.onlyUnsupported()).count(); }

    public String line() { return passed() + " passed, " + failed() + " failed"; }
}
