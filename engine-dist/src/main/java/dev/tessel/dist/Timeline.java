// Timeline: what one rank's compute thread and communication thread did during a step, with
// start and end times, and how much of the all-gather time the compute thread had to wait for.
//
// Invariants: times are nanoseconds since the timeline's origin; events may be recorded from
// both threads concurrently; a "wait" event is time the compute thread spent blocked on a
// collective it needed: the exposed communication (including waiting for slower peer ranks).
package dev.tessel.dist;

import java.util.ArrayList;
import java.util.List;

/** A thread-safe list of timed events of one rank. */
public final class Timeline {
    /** Which thread an event ran on. */
    public enum Lane { COMPUTE, COMM }

    /** Kinds of work, for colouring and for the hidden-time summary. */
    public enum Kind { FORWARD, BACKWARD, OPTIMIZER, ALL_GATHER, REDUCE_SCATTER, CROSS_MACHINE, WAIT_GATHER, WAIT_REDUCE }

    public record Event(Lane lane, Kind kind, String label, long startNanos, long endNanos) {
        public long nanos() { return endNanos - startNanos; }
    }

    private final long origin = System.nanoTime();
    private final List<Event> events = new ArrayList<>();

    public long now() { return System.nanoTime() - origin; }

    public synchronized void record(Lane lane, Kind kind, String label, long start, long end) {
        events.add(new Event(lane, kind, label, start, end));
    }

    public synchronized List<Event> events() { return List.copyOf(events); }

    /** Total nanoseconds of events of {@code kind}. */
    public synchronized long total(Kind kind) {
        long sum = 0;
        for (Event e : events) if (e.kind() == kind) sum += e.nanos();
        return sum;
    }

    /** Events of one lane, in start order. */
    public synchronized List<Event> lane(Lane lane) {
        List<Event> out = new ArrayList<>();
        for (Event e : events) if (e.lane() == lane) out.add(e);
        out.sort(java.util.Comparator.comparingLong(Event::startNanos));
        return out;
    }
}
