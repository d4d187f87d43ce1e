package dev.tessel.cli.golden;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The verdict on one golden case file, and its one-line report.
 *
 * <p>Invariant: a case passes only if it was read and run without a problem, has at least one field,
 * and every field passed. {@code problem} is set when the case could not be checked field by field
 * at all (malformed file, no handler for the op, an engine error).
 */
public record CaseResult(String caseName, String op, List<FieldResult> fields, Problem problem, String problemDetail) {
    public enum Problem { MALFORMED, UNSUPPORTED_OP, ERROR }

    public CaseResult {
        fields = List.copyOf(fields);
    }

    public static CaseResult of(String caseName, String op, List<FieldResult> fields) {
        return new CaseResult(caseName, op, fields, null, null);
    }

    public static CaseResult problem(String caseName, String op, Problem problem, String detail) {
        return new CaseResult(caseName, op, List.of(), problem, detail);
    }

    public boolean passed() {
        return problem == null && !fields.isEmpty() && fields.stream().allMatch(FieldResult::passed);
    }

    /** Failed, but only because something is not implemented yet (no mismatch, error or bad file). */
    public boolean onlyUnsupported() {
        if (problem != null) return problem == Problem.UNSUPPORTED_OP;
        return !fields.isEmpty() && !passed() && fields.stream().noneMatch(f -> f.status() == FieldResult.Status.MISMATCH);
    }

    public Optional<FieldResult> field(String name) {
        return fields.stream().filter(f -> f.field().equals(name)).findFirst();
    }

    /** The compared field closest to (or furthest past) its tolerance. */
    public Optional<FieldResult> worstField() {
        return fields.stream().filter(FieldResult::compared).max(Comparator.comparingDouble(FieldResult::worstRatio));
    }

    /** {@code PASS|FAIL  case  worst-field  max_abs_err  tol  [-- why it failed]}. */
    public String line() {
        StringBuilder sb = new StringBuilder(passed() ? "PASS" : "FAIL").append("  ");
        sb.append(String.format(Locale.ROOT, "%-36s", caseName));
        worstField().ifPresent(w -> sb.append(String.format(Locale.ROOT, "  %-14s max_abs_err %.2e  tol %s", w.field(), w.maxAbsError(), w.tolerance())));
        if (!passed()) sb.append("  -- ").append(whyFailed());
        return sb.toString().stripTrailing();
    }

    /** The reasons, most serious first: bad file or error, mismatches, then unsupported fields grouped by reason. */
    public String whyFailed() {
        if (problem != null) {
            return switch (problem) {
                case MALFORMED -> "malformed: " + problemDetail;
                case UNSUPPORTED_OP -> "unsupported op: " + problemDetail;
                case ERROR -> "error: " + problemDetail;
            };
        }
        StringBuilder sb = new StringBuilder();
        for (FieldResult f : fields) {
            if (f.status() == FieldResult.Status.MISMATCH) {
                if (!sb.isEmpty()) sb.append("; ");
                sb.append("mismatch: ").append(f.field()).append(" (").append(f.detail()).append(')');
            }
        }
        Map<String, List<String>> unsupportedByReason = new LinkedHashMap<>();
        for (FieldResult f : fields) {
            if (f.status() == FieldResult.Status.UNSUPPORTED) {
                unsupportedByReason.computeIfAbsent(f.detail(), k -> new ArrayList<>()).add(f.field());
            }
        }
        unsupportedByReason.forEach((reason, names) -> {
            if (!sb.isEmpty()) sb.append("; ");
            sb.append("unsupported: ").append(String.join(", ", names)).append(" (").append(reason).append(')');
        });
        return sb.toString();
    }
}
