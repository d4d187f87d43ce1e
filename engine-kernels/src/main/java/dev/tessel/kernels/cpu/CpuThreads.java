package dev.tessel.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one set of worker threads every Cpu kernel shares, sized to the cores (override with
 * {@code -Dtessel.threads=N}). Kernels split work with {@link #parallelFor}: the caller and the
 * workers claim its chunks one at a time. Nested calls (from inside a chunk) run
 * inline, so a kernel called from inside another never oversubscribes; a caller that finds the
 * workers busy with another caller's call runs its whole range inline too. Chunk boundaries
 * depend only on n, grain and the thread cap, never on which thread runs a chunk.
 *
 * <p>Why not a ForkJoinPool: its idle workers park, and waking a parked thread on these VMs takes
 * ~15-20 us, longer than the work of a one-token product of a 256-wide layer (5-25 us); a
 * 2-thread call then took twice as long as one thread (KV-cached sampling makes ~40 such calls
 * per token). Here an idle worker spins for {@link #SPIN_NANOS} before it parks, as OpenMP's
 * workers do, so the calls of one step find it awake.
 */
public final class CpuThreads {
    private static final int THREADS = Math.max(1, Integer.getInteger("tessel.threads", Runtime.getRuntime().availableProcessors()));
    /**
     * How long an idle worker stays awake for the next call: longer than the serial stretches
     * between the parallel calls of a decoding or training step (tens of microseconds), short
     * enough that an idle engine gives its cores back almost at once ({@code -Dtessel.spinMicros}).
     */
    static final long SPIN_NANOS = Long.getLong("tessel.spinMicros", 200) * 1000;

    /** Serialises callers: one call at a time owns the workers. */
    private static final ReentrantLock OWNER = new ReentrantLock();
    private static final Worker[] WORKERS = new Worker[THREADS - 1];
    /** Set while a caller runs chunks (see parallelFor): its nested calls run inline. */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    /**
     * The call in progress (null between calls, so a finished body and the tensors it captured are
     * not kept alive by this field); a worker claims chunks of each new one it sees.
     */
    private static volatile Call current;

    /**
     * One parallelFor. Its chunks are claimed one at a time by whoever is free, the caller
     * included, so a worker that has not got a core yet (a loaded machine) never holds the caller
     * up: the caller runs the chunks nobody has claimed.
     */
    private record Call(RangeBody body, int n, int chunks, int workers, AtomicInteger claimed, AtomicInteger finished,
                        AtomicReference<Throwable> failure) {
        /** {@code workers}: how many workers (besides the caller) may claim chunks. */
        Call(RangeBody body, int n, int chunks, int workers) {
            this(body, n, chunks, workers, new AtomicInteger(), new AtomicInteger(), new AtomicReference<>());
        }

        /** Runs unclaimed chunks until none is left. */
        void runChunks() {
            for (int c; (c = claimed.getAndIncrement()) < chunks; ) {
                try {
                    body.run(chunkStart(n, chunks, c), chunkStart(n, chunks, c + 1));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.incrementAndGet();
                }
            }
        }
    }

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private CpuThreads() {}

    public static int threads() { return THREADS; }

    /** A body over the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody { void run(int from, int to); }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous chunks
     * (fewer when n is small relative to {@code grain}, the smallest chunk worth a thread).
     */
    public static void parallelFor(int n, int grain, RangeBody body) {
        parallelFor(n, grain, THREADS, body);
    }

    /** As {@link #parallelFor(int, int, RangeBody)}, using at most {@code maxThreads} chunks (a per-call cap). */
    public static void parallelFor(int n, int grain, int maxThreads, RangeBody body) {
        int chunks = (int) Math.min(Math.min(THREADS, Math.max(1, maxThreads)), Math.max(1, n / Math.max(1, grain)));
        run(n, chunks, chunks, body);
    }

    /**
     * Runs {@code body} over [0, n) split into {@code chunks} contiguous chunks (at most n) that at
     * most {@code maxThreads} threads claim one at a time. More chunks than threads let a thread
     * that finishes early take over work from one that started late (a worker without a core on
     * a busy machine); use it where the chunk boundaries do not change the result's bits.
     */
    public static void parallelForChunks(int n, int chunks, int maxThreads, RangeBody body) {
        int threads = Math.min(THREADS, Math.max(1, maxThreads));
        run(n, Math.max(1, Math.min(chunks, n)), threads, body);
    }

    private static void run(int n, int chunks, int threads, RangeBody body) {
        if (chunks <= 1 || threads <= 1 || insideParallelFor() || !OWNER.tryLock()) {
            if (n > 0) body.run(0, n);
            return;
        }
        try {
            int workers = Math.min(chunks, threads) - 1;
            Call call = new Call(body, n, chunks, workers);
            current = call;
            for (int w = 0; w < workers; w++) WORKERS[w].wake();
            INSIDE.set(Boolean.TRUE);
            try {
                call.runChunks();
            } finally {
                INSIDE.set(Boolean.FALSE);
            }
            awaitWorkers(call);
            Throwable failure = call.failure().get();
            if (failure instanceof RuntimeException e) throw e;
            if (failure instanceof Error e) throw e;
            if (failure != null) throw new IllegalStateException(failure);
        } finally {
            current = null;
            OWNER.unlock();
        }
    }

    private static int chunkStart(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    /** The chunks still running on workers were claimed no later than the caller's last one, so this wait is short: spin, then yield. */
    private static void awaitWorkers(Call call) {
        long spins = 0;
        while (call.finished().get() < call.chunks()) {
            if (++spins < 10_000) Thread.onSpinWait();
            else Thread.yield(); // a worker lost its core (a loaded machine): let it run
        }
    }

    /** True on a worker and on a caller running chunks: nested calls then run inline. */
    private static boolean insideParallelFor() {
        return Thread.currentThread() instanceof Worker || INSIDE.get();
    }

    private static final class Worker extends Thread {
        private volatile boolean parked;
        /** The last call this worker has looked at (claimed chunks of, or found none left). */
        private Call seen;
        /** 1 for the first worker (the caller is thread 0). */
        private final int index;

        Worker(int index) {
            super("tessel-cpu-" + index);
            this.index = index;
            setDaemon(true);
        }

        void wake() {
            if (parked) LockSupport.unpark(this);
        }

        @Override public void run() {
            while (true) {
                Call call = awaitCall();
                seen = call;
                // Finds nothing to claim when the others took every chunk (or the call is over);
                // a worker beyond the call's thread cap leaves it to the others.
                if (call != null && index <= call.workers()) call.runChunks();
            }
        }

        /** The next change of {@code current} (a call, or null at a call's end): spin for SPIN_NANOS, then park until woken. */
        private Call awaitCall() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Call c = current;
                if (c != seen) return c;
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                // Park: announce it first, then look once more, so a caller that published a call
                // before reading `parked` is seen here, and one that publishes after unparks us.
                parked = true;
                if (current == seen) LockSupport.park(this);
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
