package dev.tessel.cli.golden;

/**
 * The verdict on one {@code out.*} / {@code grad.*} field of a case.
 *
 * <p>Invariant: {@code maxAbsError} and {@code worstRatio} are meaningful only when the field was
 * compared (PASS or MISMATCH with matching shapes); {@code worstRatio} is the largest
 * |got-exp| / allowed over the elements (1 = right at the tolerance, infinite for any error in an
 * exact field), which is how the "worst field" of a case is chosen.
 */
public record FieldResult(String field, Status status, double maxAbsError, double worstRatio, Tolerance tolerance, String detail) {
    public enum Status { PASS, MISMATCH, UNSUPPORTED }

    public static FieldResult unsupported(String field, String reason) {
        return new FieldResult(field, Status.UNSUPPORTED, Double.NaN, Double.NaN, null, reason);
    }

    public boolean passed() { return status == Status.PASS; }

    public boolean compared() { return !Double.isNaN(worstRatio); }
}
