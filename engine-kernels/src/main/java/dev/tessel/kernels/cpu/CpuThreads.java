package dev.tessel.kernels.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool every Cpu kernel shares, sized to the cores (override with
 * {@code -Dtessel.threads=N}). Kernels split work with {@link #parallelFor}; nested calls run
 * inline on the calling worker, so a kernel called from inside another never oversubscribes.
 */
public final class CpuThreads {
    private static final int THREADS = Integer.getInteger("tessel.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS, pool -> {
        var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
        t.setName("tessel-cpu-" + t.getPoolIndex());
        t.setDaemon(true);
        return t;
    }, null, false);

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
        if (chunks <= 1 || Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == POOL) {
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
        POOL.invoke(new RecursiveAction() {
            @Override protected void compute() { invokeAll(tasks); }
        });
    }
}
