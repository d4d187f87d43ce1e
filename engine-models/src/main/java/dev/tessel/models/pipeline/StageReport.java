// StageReport: one line of the demo's timing table: which stage, trained or reused, steps done,
// whether the wall clock stopped it, and how long it took in this run.
//
// Invariant: a reused stage reports the steps and time-boxing of the run that trained it, and
// its own (near-zero) time in this run.
package dev.tessel.models.pipeline;

/** A stage's summary for the report. */
public record StageReport(String stage, boolean reused, long steps, long scheduledSteps, boolean timeBoxed, double trainingSeconds, String cacheDir) {
    static StageReport trained(String stage, StageCache.Entry entry, TrainingLoop.Outcome outcome) {
        return new StageReport(stage, false, outcome.steps(), outcome.scheduledSteps(), outcome.timeBoxed(), outcome.seconds(), entry.dir().toString());
    }

    /** What ended the training: the wall-clock cap, the end of a schedule fitted to the cap, or the step budget. */
    public String stoppedBy(long budgetSteps) {
        if (timeBoxed) return "wall-clock cap";
        return scheduledSteps < budgetSteps ? "end of the schedule fitted to the cap" : "step budget";
    }

    static StageReport cached(String stage, StageCache.Entry entry) {
        var m = entry.doneRecord();
        return new StageReport(stage, true, ((Number) m.get("steps")).longValue(), ((Number) m.get("scheduled_steps")).longValue(),
                (Boolean) m.get("time_boxed"), ((Number) m.get("seconds")).doubleValue(), entry.dir().toString());
    }
}
