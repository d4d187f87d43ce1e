package dev.tessel.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The worker threads: every index exactly once, nesting inline, failures rethrown, concurrent callers. */
class CpuThreadsTest {

    private static int[] visits(int n, int grain, int maxThreads) {
        AtomicIntegerArray count = new AtomicIntegerArray(n);
        CpuThreads.parallelFor(n, grain, maxThreads, (from, to) -> {
            for (int i = from; i < to; i++) count.incrementAndGet(i);
        });
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = count.get(i);
        return out;
    }

    @Test
    void everyIndexRunsExactlyOnceForManyCallsInARow() {
        // many calls back to back: the workers see each call once, whether awake or parked
        for (int call = 0; call < 2000; call++) {
            int n = call % 97;
            int[] expected = new int[n];
            java.util.Arrays.fill(expected, 1);
            assertArrayEquals(expected, visits(n, 1, 1 + call % 4), "call " + call);
        }
    }

    @Test
    void callsAfterTheWorkersParkedStillRun() throws InterruptedException {
        for (int call = 0; call < 3; call++) {
            Thread.sleep(CpuThreads.SPIN_NANOS / 1_000_000 + 5); // past the spin: the workers park
            int[] expected = new int[64];
            java.util.Arrays.fill(expected, 1);
            assertArrayEquals(expected, visits(64, 1, Integer.MAX_VALUE));
        }
    }

    @Test
    void chunksDependOnlyOnTheArguments() {
        int chunks = Math.min(CpuThreads.threads(), 4);
        List<int[]> ranges = java.util.Collections.synchronizedList(new ArrayList<>());
        CpuThreads.parallelFor(10, 1, 4, (from, to) -> ranges.add(new int[] {from, to}));
        ranges.sort(java.util.Comparator.comparingInt(r -> r[0]));
        assertEquals(chunks, ranges.size());
        for (int c = 0; c < chunks; c++) {
            assertEquals(10 * c / chunks, ranges.get(c)[0]);
            assertEquals(10 * (c + 1) / chunks, ranges.get(c)[1]);
        }
    }

    @Test
    void moreChunksThanThreadsAreEachRunOnceWithFixedBoundaries() {
        for (int call = 0; call < 500; call++) {
            int n = 1 + call % 61, chunks = 1 + call % 9, maxThreads = 1 + call % 3;
            List<int[]> ranges = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.Set<Thread> runners = java.util.concurrent.ConcurrentHashMap.newKeySet();
            CpuThreads.parallelForChunks(n, chunks, maxThreads, (from, to) -> {
                ranges.add(new int[] {from, to});
                runners.add(Thread.currentThread());
            });
            ranges.sort(java.util.Comparator.comparingInt(r -> r[0]));
            int expectedChunks = Math.min(chunks, n);
            if (Math.min(maxThreads, CpuThreads.threads()) == 1) expectedChunks = 1; // one thread runs the range whole
            assertEquals(expectedChunks, ranges.size(), "call " + call);
            for (int c = 0; c < expectedChunks; c++) {
                assertEquals((long) n * c / expectedChunks, ranges.get(c)[0], "call " + call);
                assertEquals((long) n * (c + 1) / expectedChunks, ranges.get(c)[1], "call " + call);
            }
            assertTrue(runners.size() <= maxThreads, "call " + call + " ran on " + runners.size() + " threads, cap " + maxThreads);
        }
    }

    @Test
    void nestedCallsRunInlineOnTheirChunk() {
        AtomicIntegerArray count = new AtomicIntegerArray(40);
        CpuThreads.parallelFor(4, 1, (outerFrom, outerTo) -> {
            for (int o = outerFrom; o < outerTo; o++) {
                int base = o * 10;
                CpuThreads.parallelFor(10, 1, (from, to) -> {
                    for (int i = from; i < to; i++) count.incrementAndGet(base + i);
                });
            }
        });
        for (int i = 0; i < 40; i++) assertEquals(1, count.get(i), "index " + i);
    }

    @Test
    void aFailingChunkIsRethrownToTheCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        for (int failing = 0; failing < CpuThreads.threads(); failing++) {
            int chunkStart = 100 * failing / CpuThreads.threads();
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () ->
                    CpuThreads.parallelFor(100, 1, (from, to) -> {
                        if (from == chunkStart) throw boom;
                    }));
            assertSame(boom, thrown);
        }
        assertEquals(1, visits(1, 1, 2)[0]); // and the threads still work afterwards
    }

    @Test
    void concurrentCallersEachGetTheirWholeRange() throws InterruptedException {
        int callers = 4;
        AtomicIntegerArray[] counts = new AtomicIntegerArray[callers];
        Thread[] threads = new Thread[callers];
        Throwable[] failures = new Throwable[callers];
        for (int t = 0; t < callers; t++) {
            int id = t;
            counts[t] = new AtomicIntegerArray(50);
            threads[t] = new Thread(() -> {
                try {
                    for (int call = 0; call < 500; call++) {
                        CpuThreads.parallelFor(50, 1, (from, to) -> {
                            for (int i = from; i < to; i++) counts[id].incrementAndGet(i);
                        });
                    }
                } catch (Throwable e) {
                    failures[id] = e;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        for (int t = 0; t < callers; t++) {
            assertEquals(null, failures[t]);
            for (int i = 0; i < 50; i++) assertEquals(500, counts[t].get(i), "caller " + t + " index " + i);
        }
    }
}
