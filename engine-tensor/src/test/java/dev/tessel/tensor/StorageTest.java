package dev.tessel.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Storage release is deterministic: after close, every tensor sharing the storage fails with
 * IllegalStateException (never a JVM crash), on the heap and off it; closing twice is harmless,
 * and wrapped memory belongs to its owner.
 */
class StorageTest {
    @Test
    void accessThroughAnyViewAfterCloseThrows() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor view = t.transpose(0, 1).slice(0, 1, 3);
        assertEquals(5.0, view.getDouble(1));
        t.close();
        assertThrows(IllegalStateException.class, () -> view.getDouble(0));
        assertThrows(IllegalStateException.class, () -> view.setDouble(0, 1));
        assertThrows(IllegalStateException.class, () -> t.getDouble(0));
        assertThrows(IllegalStateException.class, t::toFloatArray);
        t.close();
    }

    @Test
    void smallBlocksLiveOnTheHeapLargeOnesOffItAndBothRevokeAccessOnClose() {
        Storage small = Storage.allocate(DType.F32, 16), large = Storage.allocate(DType.F32, Storage.HEAP_LIMIT_BYTES / 4 + 1);
        assertTrue(!small.isNative(), "a small block is a heap array");
        assertTrue(large.isNative(), "a block above HEAP_LIMIT_BYTES is off-heap");
        for (Storage s : new Storage[] {small, large}) {
            s.segment().set(ValueLayout.JAVA_FLOAT, 4, 1.5f);
            s.close();
            assertThrows(IllegalStateException.class, () -> s.segment().get(ValueLayout.JAVA_FLOAT, 4));
            assertEquals(s == small ? 64 : Storage.HEAP_LIMIT_BYTES + 4, s.byteSize(), "byteSize survives close");
        }
    }

    @Test
    void closingAViewClosesTheSharedStorage() {
        Tensor t = Tensor.zeros(DType.BF16, 4);
        Tensor v = t.reshape(2, 2);
        v.close();
        assertThrows(IllegalStateException.class, () -> t.getDouble(3));
        assertThrows(IllegalStateException.class, () -> t.copyFrom(Tensor.zeros(DType.BF16, 4)));
    }

    @Test
    void allocateIsZeroedAndNativeBlocksAreAligned() {
        try (Storage s = Storage.allocateNative(100)) {
            assertEquals(100, s.byteSize());
            assertTrue(s.isNative());
            assertEquals(0, s.segment().address() % 64);
            for (long i = 0; i < 100; i++) assertEquals(0, s.segment().get(ValueLayout.JAVA_BYTE, i));
        }
        try (Storage s = Storage.allocate(DType.F32, 25)) {
            assertEquals(100, s.byteSize());
            for (long i = 0; i < 100; i++) assertEquals(0, s.segment().get(ValueLayout.JAVA_BYTE, i));
        }
        try (Storage empty = Storage.allocate(0)) {
            assertTrue(empty.byteSize() >= 0);
        }
    }

    @Test
    void ownClosesItsArenaAndWrapLeavesMemoryToItsOwner() {
        Arena owned = Arena.ofShared();
        Storage own = Storage.own(owned.allocate(8), owned);
        own.close();
        assertTrue(!owned.scope().isAlive(), "own() closes the arena it was given");

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(16);
            Tensor t = new Tensor(Storage.wrap(seg), DType.I32, Shape.of(4), new long[] {1}, 0);
            t.setDouble(2, 42);
            t.close();
            assertEquals(42, seg.get(ValueLayout.JAVA_INT, 8), "wrap(): close leaves the owner's memory alive");
        }
    }

    @Test
    void offHeapBytesAreCountedUntilClosedOrCollected() throws InterruptedException {
        long before = Storage.nativeBytesHeld();
        Storage kept = Storage.allocateNative(1 << 20);
        Storage.allocateNative(3 << 20);   // dropped at once: the collector's to free
        assertTrue(Storage.nativeBytesHeld() >= before + (4 << 20), "both blocks are counted while held");
        kept.close();
        // the dropped block goes with a collection; other tests' storages may come and go meanwhile
        for (int i = 0; i < 100 && Storage.nativeBytesHeld() > before; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertTrue(Storage.nativeBytesHeld() <= before, "closed and collected blocks are no longer counted: " + Storage.nativeBytesHeld() + " > " + before);
        assertTrue(Storage.NATIVE_SOFT_LIMIT_BYTES > 0);
    }
}
