// Storage: the bytes behind one or more tensors (a tensor and all its views share one Storage).
//
// Invariants: after close() every access through segment() throws IllegalStateException (a
// closed Storage hands out a segment whose scope is dead), whether the bytes were on the heap or
// off it; byteSize() never changes. Small allocations live on the Java heap because an off-heap
// one costs far more than its bytes: every shared arena's close is a handshake with every thread
// (~25 us here), and off-heap bytes left to the Cleaner count against MaxDirectMemorySize, which
// makes later allocations wait for System.gc(). Measured: 8 KB allocate+close 22 us off-heap,
// 0.55 us on the heap. Blocks of megabytes (activations, weight gradients) live on the heap too:
// each fresh off-heap block is new pages from the OS, zeroed and faulted in on first touch, which
// took a fifth of a small-preset transformer step (and half its process CPU time), while the
// heap's pages stay mapped from one step to the next.
package dev.tessel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes behind one or more tensors.
 *
 * <p>{@link #allocate(DType, long)} (what tensors use) places up to {@link #HEAP_LIMIT_BYTES} on
 * the Java heap and larger blocks off-heap, 64-byte aligned; {@link #allocate(long)} is always
 * off-heap. Release is
 * deterministic either way: {@link #close()} makes every view unusable at once (access then
 * throws IllegalStateException, it never crashes the JVM) and frees off-heap memory at once; heap
 * bytes go with the garbage collector. A Storage that is never closed is freed once unreachable,
 * so forgetting to close leaks nothing for long; closing is still the way to bound peak memory.
 *
 * <p>Off-heap bytes left to the Cleaner are bounded: the heap holds only small Storage objects, so
 * the garbage collector (which frees unreachable ones) may not run for gigabytes of native memory.
 * When the off-heap bytes held exceed {@link #NATIVE_SOFT_LIMIT_BYTES}, an allocation first runs
 * the collector and waits briefly for the Cleaner, as the JDK does for direct buffers; the next
 * such collection waits until the bytes held have doubled over what survived, so memory that is
 * really live never causes a collection per allocation.
 *
 * <p>Code that hands the bytes to native code (an FFM downcall, a device copy) must check
 * {@link #isNative()}: a heap segment cannot be passed to a downcall; use {@link #allocateNative}
 * for buffers that must be native.
 */
public final class Storage implements AutoCloseable {
    /**
     * Largest allocation placed on the heap; {@code -Dtessel.heapStorageMaxBytes} overrides (0 = never).
     * Larger blocks (e.g. one weight matrix of the 12b model, 250 MB) stay off-heap, where they do
     * not crowd the collector's regions.
     */
    public static final long HEAP_LIMIT_BYTES = Long.getLong("tessel.heapStorageMaxBytes", 64L << 20);

    /**
     * Off-heap bytes held before an allocation asks the collector to free unreachable storages;
     * {@code -Dtessel.nativeSoftLimitBytes} overrides; default the maximum heap size (the JDK's
     * default for direct buffers). Without it, two training runs side by side reached 12 GB each.
     */
    public static final long NATIVE_SOFT_LIMIT_BYTES = Long.getLong("tessel.nativeSoftLimitBytes", Runtime.getRuntime().maxMemory());

    private static final Cleaner CLEANER = Cleaner.create();
    /** Off-heap bytes of storages allocated here and not yet freed. */
    private static final AtomicLong NATIVE_BYTES = new AtomicLong();
    /** NATIVE_BYTES above which the next allocation collects first. */
    private static volatile long collectAbove = NATIVE_SOFT_LIMIT_BYTES;
    /** A segment of unbounded size whose scope is closed: any access through it throws IllegalStateException. */
    private static final MemorySegment CLOSED = closedSegment();

    private MemorySegment segment;
    private final long byteSize;
    private final Cleaner.Cleanable cleanable;

    private Storage(MemorySegment segment, Arena arena, long countedBytes) {
        this.segment = segment;
        this.byteSize = segment.byteSize();
        this.cleanable = arena == null ? null : CLEANER.register(this, new ArenaCloser(arena, countedBytes));
    }

    /** Zero-filled off-heap bytes, 64-byte aligned; what {@link #allocateNative} gives. */
    public static Storage allocate(long bytes) { return allocateNative(bytes); }

    /**
     * Zero-filled room for {@code count} elements of {@code dtype}: on the heap, in an array of the
     * dtype's own Java type, up to {@link #HEAP_LIMIT_BYTES}; else off-heap. The array type matters:
     * the Vector API runs at full speed on a heap segment only when the array's element type is the
     * vector's (a FloatVector load from a long[] segment measured 250x slower than from a float[]).
     */
    public static Storage allocate(DType dtype, long count) {
        long bytes = count * dtype.byteSize();
        if (bytes > HEAP_LIMIT_BYTES) return allocateNative(bytes);
        int n = (int) Math.max(count, 1);
        MemorySegment heap = switch (dtype) {
            case F64 -> MemorySegment.ofArray(new double[n]);
            case F32 -> MemorySegment.ofArray(new float[n]);
            case F16, BF16, MEAN_1_6_9, VAR_0_6_10 -> MemorySegment.ofArray(new short[n]);
            case I32 -> MemorySegment.ofArray(new int[n]);
            case I64 -> MemorySegment.ofArray(new long[n]);
            case U8, BOOL -> MemorySegment.ofArray(new byte[n]);
        };
        return new Storage(count == 0 ? heap.asSlice(0, 0) : heap, null, 0);
    }

    /** Zero-filled off-heap bytes, 64-byte aligned (so vector loads never straddle a cache line at the start). */
    public static Storage allocateNative(long bytes) {
        long size = Math.max(bytes, 1);
        if (NATIVE_BYTES.get() + size > collectAbove) collectUnreachable();
        Arena arena = Arena.ofShared();
        Storage storage = new Storage(arena.allocate(size, 64), arena, size);
        NATIVE_BYTES.addAndGet(size);
        return storage;
    }

    /** Off-heap bytes held by storages allocated here and not yet freed (closed or collected). */
    public static long nativeBytesHeld() { return NATIVE_BYTES.get(); }

    /** Runs the collector and waits up to ~100 ms for the Cleaner to free what it found unreachable. */
    private static synchronized void collectUnreachable() {
        if (NATIVE_BYTES.get() <= collectAbove) return;   // another thread just did it
        System.gc();
        try {
            for (int i = 0; i < 50 && NATIVE_BYTES.get() > NATIVE_SOFT_LIMIT_BYTES / 2; i++) Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        collectAbove = Math.max(NATIVE_SOFT_LIMIT_BYTES, 2 * NATIVE_BYTES.get());
    }

    /** Wraps memory owned elsewhere (a memory-mapped file, a caller's segment); close only revokes access then. */
    public static Storage wrap(MemorySegment segment) {
        return new Storage(segment, null, 0);
    }

    /** Wraps memory owned by {@code arena}, which this Storage closes. */
    public static Storage own(MemorySegment segment, Arena arena) {
        return new Storage(segment, arena, 0);
    }

    /** The bytes; after {@link #close()} a segment on which every access throws IllegalStateException. */
    public MemorySegment segment() { return segment; }

    public long byteSize() { return byteSize; }

    /** True when the bytes are off-heap (may be passed to native code). */
    public boolean isNative() { return segment.isNative(); }

    @Override
    public void close() {
        segment = CLOSED;
        if (cleanable != null) cleanable.clean();
    }

    private static MemorySegment closedSegment() {
        Arena dead = Arena.ofConfined();
        MemorySegment s = MemorySegment.NULL.reinterpret(Long.MAX_VALUE, dead, null);
        dead.close();
        return s;
    }

    private record ArenaCloser(Arena arena, long countedBytes) implements Runnable {
        @Override public void run() {
            arena.close();
            NATIVE_BYTES.addAndGet(-countedBytes);
        }
    }
}
