// StageReport: one line of the demo's timing table: which stage, trained in this run or reused,
// steps done, whether the wall clock stopped it, and how long its training took.
//
// Invariant: it is read from the stage's done marker, written by whichever process trained the
// stage (this JVM, a child JVM, or an earlier run), so all three report the same numbers.
package dev.tessel.models.pipeline;

/** A stage's summary for the report. */
public record StageReport(String stage, boolean reused, long steps, long scheduledSteps, boolean timeBoxed, double trainingSeconds, String cacheDir) {
    /** What ended the training: the wall-clock cap, the end of a schedule fitted to the cap, or the step budget. */
    public String stoppedBy(long budgetSteps) {
        if (timeBoxed) return "wall-clock cap";
        return scheduledSteps < budgetSteps ? "end of the schedule fitted to the cap" : "step budget";
    }

    /** What the done marker of {@code entry} recorded; {@code reused} says the stage was trained before this run. */
    static StageReport fromDone(String stage, StageCache.Entry entry, boolean reused) {
        var m = entry.doneRecord();
        return new StageReport(stage, reused, ((Number) m.get("steps")).longValue(), ((Number) m.get("scheduled_steps")).longValue(),
                (Boolean) m.get("time_boxed"), ((Number) m.get("seconds")).doubleValue(), entry.dir().toString());
    }
}
