package dev.tessel.kernels.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool every Cpu kernel shares, sized to the cores (override with
 * {@code -Dtessel.threads=N}). Kernels split work with {@link #parallelFor}; nested calls run
 * inline on the calling worker (or on the caller running its own chunk), so a kernel called from
 * inside another never oversubscribes. Chunk boundaries depend only on n, grain and the thread
 * cap, never on which thread runs a chunk.
 */
public final class CpuThreads {
    private static final int THREADS = Integer.getInteger("tessel.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS, pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("tessel-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

    /** Set while a caller outside the pool runs its own chunk of a parallelFor (see there). */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

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
        if (chunks <= 1 || insideParallelFor()) {
            if (n > 0) body.run(0, n);
            return;
        }
        RecursiveAction[] tasks = new RecursiveAction[chunks];
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            tasks[c] = new RecursiveAction() {
                @Override protected void compute() { body.run(from, to); }
            };
        }
        if (Thread.currentThread() instanceof ForkJoinWorkerThread) {
            // a worker of another pool: hand every chunk to ours
            POOL.invoke(new RecursiveAction() {
                @Override protected void compute() { invokeAll(tasks); }
            });
            return;
        }
        // The caller runs the first chunk itself and wakes workers only for the rest: handing every
        // chunk to the pool cost one more thread wake-up and one more switch back per call, which
        // weighs on the small products of KV-cached sampling (a one-token step makes ~40 calls).
        for (int c = 1; c < chunks; c++) POOL.execute(tasks[c]);
        INSIDE.set(Boolean.TRUE);
        try {
            tasks[0].invoke();
        } finally {
            INSIDE.set(Boolean.FALSE);
            for (int c = 1; c < chunks; c++) tasks[c].join();
        }
    }

    /** True on a pool worker and on a caller running its own chunk: nested calls then run inline. */
    private static boolean insideParallelFor() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == POOL || INSIDE.get();
    }
}
