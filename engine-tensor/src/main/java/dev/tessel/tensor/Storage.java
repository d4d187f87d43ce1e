package dev.tessel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * Off-heap bytes behind one or more tensors (a tensor and all its views share one Storage).
 *
 * <p>Release is deterministic: {@link #close()} frees the memory at once, and every view of it
 * becomes unusable (access then throws IllegalStateException, it never crashes the JVM). A
 * Storage that is never closed is freed by a Cleaner once it is unreachable, so forgetting to
 * close leaks nothing for long; closing is still the way to bound peak memory.
 */
public final class Storage implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final MemorySegment segment;
    private final Cleaner.Cleanable cleanable;

    private Storage(MemorySegment segment, Arena arena) {
        this.segment = segment;
        this.cleanable = arena == null ? null : CLEANER.register(this, new ArenaCloser(arena));
    }

    /** Zero-filled, 64-byte aligned (so vector loads never straddle a cache line at the start). */
    public static Storage allocate(long bytes) {
        Arena arena = Arena.ofShared();
        return new Storage(arena.allocate(Math.max(bytes, 1), 64), arena);
    }

    /** Wraps memory owned elsewhere (a memory-mapped file, a caller's segment); close is a no-op then. */
    public static Storage wrap(MemorySegment segment) {
        return new Storage(segment, null);
    }

    /** Wraps memory owned by {@code arena}, which this Storage closes. */
    public static Storage own(MemorySegment segment, Arena arena) {
        return new Storage(segment, arena);
    }

    public MemorySegment segment() { return segment; }

    public long byteSize() { return segment.byteSize(); }

    @Override
    public void close() {
        if (cleanable != null) cleanable.clean();
    }

    private record ArenaCloser(Arena arena) implements Runnable {
        @Override public void run() { arena.close(); }
    }
}
