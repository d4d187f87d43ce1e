package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Collectives over threads: the self-test on 4 ranks as 2 machines x 2 devices (every collective,
 * every dtype, both splits), rounding of the hand-made 16-bit sum, argument errors, and that a
 * failing rank releases the others with an error naming it.
 */
class LocalCommunicatorTest {
    @Test
    void selftestPassesOnTwoMachinesOfTwoDevices() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        LocalCommunicator.launch(4, world -> DistSelftest.run(world, 2, out));
        assertEquals("dist selftest: ok (world=4)", bytes.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void sixteenBitSumRoundsOnceFromTheExactSum() {
        // 1 + 2^-11 + 2^-11 in F16: summing pairwise in F16 would round 1 + 2^-11 to 1 twice; the
        // exact sum 1 + 2^-10 is representable, so one rounding of the double sum must give it.
        double tiny = Math.scalb(1.0, -11);
        LocalCommunicator.launch(3, c -> {
            try (Tensor t = Tensor.fromDoubles(DType.F16, new double[] {c.rank() == 0 ? 1.0 : tiny}, 1)) {
                c.allReduce(t);
                assertEquals(1.0 + 2 * tiny, t.getDouble(0));
            }
            // 1-6-9 saturates at its maximum (15.984) rather than overflowing
            try (Tensor t = Tensor.fromDoubles(DType.MEAN_1_6_9, new double[] {9.0}, 1)) {
                c.allReduce(t);
                assertEquals(dev.tessel.tensor.MomentFormat.MEAN_1_6_9.maxValue(), t.getDouble(0));
            }
        });
    }

    @Test
    void mismatchedSizesAndViewsAreRejectedWithTheShapes() {
        LocalCommunicator.launch(2, c -> {
            try (Tensor in = Tensor.zeros(DType.F32, 5); Tensor out = Tensor.zeros(DType.F32, 2)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.reduceScatter(in, out));
                assertTrue(e.getMessage().contains("[5]") && e.getMessage().contains("2 ranks"), e.getMessage());
            }
            try (Tensor m = Tensor.zeros(DType.F32, 3, 4)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.allReduce(m.transpose(0, 1)));
                assertTrue(e.getMessage().contains("contiguous"), e.getMessage());
            }
            try (Tensor ints = Tensor.zeros(DType.I32, 3)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.allReduce(ints));
                assertTrue(e.getMessage().contains("I32"), e.getMessage());
            }
        });
    }

    @Test
    void aFailingRankReleasesTheOthersAndIsNamed() {
        AtomicInteger released = new AtomicInteger();
        RankFailedException e = assertThrows(RankFailedException.class, () -> LocalCommunicator.launch(4, c -> {
            if (c.rank() == 2) throw new IllegalStateException("boom on purpose");
            try {
                c.barrier();
            } catch (RankFailedException expected) {
                released.incrementAndGet();
                throw expected;
            }
        }));
        assertTrue(e.getMessage().contains("rank 2 failed") && e.getMessage().contains("boom on purpose"), e.getMessage());
        assertEquals(3, released.get());
    }
}
