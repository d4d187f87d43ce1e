// LocalCommunicator: ranks as threads of one JVM (tests, several "devices" on one machine).
//
// Invariants: a collective is two barrier phases: every rank posts its buffers, waits, reads what
// it needs from the others' posted buffers into its own result, waits again (so no buffer is
// reused while a peer still reads it), and only then touches its own input in place. Sums run in
// rank order, so every rank computes identical bits. A rank that throws inside launch() breaks
// every barrier of its world: the other ranks fail at their next collective with an exception
// naming the failed rank instead of waiting forever.
package dev.tessel.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicReference;

/** One rank's handle on a group of threads; made by {@link #launch}. */
public final class LocalCommunicator implements Communicator {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** The body one rank runs. */
    @FunctionalInterface
    public interface RankBody {
        void run(Communicator world) throws Exception;
    }

    /** Shared by all groups split from one world: the first failure, and every group to break on it. */
    private static final class World {
        final AtomicReference<String> failure = new AtomicReference<>();
        final List<Group> groups = new CopyOnWriteArrayList<>();
        final Map<String, Group> splits = new ConcurrentHashMap<>();

        void fail(int worldRank, Throwable t) {
            if (failure.compareAndSet(null, "rank " + worldRank + " failed: " + t)) {
                for (Group g : groups) g.barrier.forceTermination();
            }
        }
    }

    /** The state threads of one group share: a barrier and the posted buffers of each rank. */
    private static final class Group {
        final String id;
        final World world;
        final int size;
        final Phaser barrier;
        final Object[] posted;

        Group(String id, World world, int size) {
            this.id = id;
            this.world = world;
            this.size = size;
            this.barrier = new Phaser(size);
            this.posted = new Object[size];
            world.groups.add(this);
            if (world.failure.get() != null) barrier.forceTermination();
        }
    }

    private final Group group;
    private final int rank;
    private int splitCount;

    private LocalCommunicator(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /**
     * Runs {@code body} on {@code ranks} threads, each with its rank of a fresh world, and waits
     * for all. If any rank throws, the others are released from their collectives and the first
     * failure is rethrown (its message names the rank).
     */
    public static void launch(int ranks, RankBody body) {
        if (ranks < 1) throw new IllegalArgumentException("LocalCommunicator.launch: need at least 1 rank, got " + ranks);
        World world = new World();
        Group root = new Group("world", world, ranks);
        Throwable[] errors = new Throwable[ranks];
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            Thread t = new Thread(() -> {
                try (LocalCommunicator comm = new LocalCommunicator(root, rank)) {
                    body.run(comm);
                } catch (Throwable e) {
                    errors[rank] = e;
                    world.fail(rank, e);
                }
            }, "tessel-rank-" + r);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for local ranks", e);
            }
        }
        if (world.failure.get() != null) {
            Throwable first = Arrays.stream(errors).filter(e -> e != null && !(e instanceof RankFailedException)).findFirst()
                    .orElse(Arrays.stream(errors).filter(e -> e != null).findFirst().orElseThrow());
            throw new RankFailedException(world.failure.get(), first);
        }
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return group.size; }

    /** A Phaser, not a CyclicBarrier: once terminated it releases late arrivals too, so no rank can miss the failure. */
    private void await() {
        if (group.barrier.arriveAndAwaitAdvance() < 0) {
            String why = group.world.failure.get();
            throw new RankFailedException("rank " + rank + " of group " + group.id + " gave up: " + (why == null ? "the group was terminated" : why), null);
        }
    }

    /** Posts {@code mine}, waits for everyone, returns every rank's posting. */
    private Object[] exchange(Object mine) {
        group.posted[rank] = mine;
        await();
        return group.posted.clone();
    }

    @Override
    public void allReduceFloatSum(MemorySegment buffer, long count) {
        Object[] all = exchange(buffer);
        float[] sum = new float[Math.toIntExact(count)];
        for (Object o : all) {
            MemorySegment s = (MemorySegment) o;
            for (int i = 0; i < sum.length; i++) sum[i] += s.getAtIndex(FLOAT, i);
        }
        await();
        MemorySegment.copy(sum, 0, buffer, FLOAT, 0, sum.length);
    }

    @Override
    public void reduceScatterFloatSum(MemorySegment send, MemorySegment recv, long count) {
        Object[] all = exchange(send);
        int n = Math.toIntExact(count);
        float[] sum = new float[n];
        long base = (long) rank * n;
        for (Object o : all) {
            MemorySegment s = (MemorySegment) o;
            for (int i = 0; i < n; i++) sum[i] += s.getAtIndex(FLOAT, base + i);
        }
        await();
        MemorySegment.copy(sum, 0, recv, FLOAT, 0, n);
    }

    @Override
    public void allGatherBytes(MemorySegment send, MemorySegment recv, long bytes) {
        Object[] all = exchange(send);
        for (int r = 0; r < all.length; r++) MemorySegment.copy((MemorySegment) all[r], 0, recv, r * bytes, bytes);
        await();
    }

    @Override
    public void allToAllBytes(MemorySegment send, MemorySegment recv, long bytes) {
        Object[] all = exchange(send);
        for (int r = 0; r < all.length; r++) MemorySegment.copy((MemorySegment) all[r], rank * bytes, recv, r * bytes, bytes);
        await();
    }

    @Override
    public void broadcastBytes(MemorySegment buffer, long bytes, int root) {
        Object[] all = exchange(buffer);
        if (rank != root) MemorySegment.copy((MemorySegment) all[root], 0, buffer, 0, bytes);
        await();
    }

    @Override
    public void barrier() { await(); }

    @Override
    public Communicator split(int color, int key) {
        Object[] all = exchange(new int[] {color, key});
        List<Integer> members = new ArrayList<>();
        for (int r = 0; r < all.length; r++) if (((int[]) all[r])[0] == color) members.add(r);
        members.sort(Comparator.<Integer>comparingInt(r -> ((int[]) all[r])[1]).thenComparingInt(r -> r));
        String id = group.id + "/split" + splitCount++ + ":color" + color;
        Group child = group.world.splits.computeIfAbsent(id, k -> new Group(k, group.world, members.size()));
        await();
        return new LocalCommunicator(child, members.indexOf(rank));
    }

    @Override
    public void close() {
        // Threads share nothing that needs releasing; the world ends with launch().
    }

    @Override
    public String toString() { return "LocalCommunicator(" + group.id + ", rank " + rank + " of " + group.size + ")"; }
}
