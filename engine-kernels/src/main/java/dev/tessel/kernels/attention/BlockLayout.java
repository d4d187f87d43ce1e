package dev.tessel.kernels.attention;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A self-attention mask cut into blockSize x blockSize tiles, as the block-sparse kernels consume it.
 *
 * <p>Kernel positions: the kernels run over positions p = 0 .. N-1 and read token {@code order[p]}
 * of the sequence (q, k, v and the output stay in sequence order; the reordering happens while the
 * kernel loads and stores). The order is the identity except for the transposed column layers of
 * {@link AttentionPattern#kernelOrder()}. Query block qb covers kernel positions
 * [qb*blockSize, min(N, (qb+1)*blockSize)), likewise key blocks; the last block may be short.
 *
 * <p>Per query block, in ascending key-block order, the non-empty key blocks (CSR: entries
 * rowStart[qb] .. rowStart[qb+1]-1). An entry is FULL when every in-range pair of the tile is
 * visible, else PARTIAL with a bit mask: blockSize rows of wordsPerRow() ints, bit (c & 31) of word
 * c >>> 5 of row r set iff query r of the tile sees key c (bits of out-of-range positions are 0).
 * Empty tiles have no entry: that is what lets a kernel skip them. The transposed index (per key
 * block, the entries whose key block it is, in ascending query-block order) serves the dk/dv pass.
 *
 * <p>Invariant: immutable; the arrays never leave this class except as copies, so one layout can
 * be shared by threads and cached per layer kind.
 */
public final class BlockLayout {
    /** Visibility between sequence positions. */
    @FunctionalInterface
    public interface Visibility { boolean visible(int query, int key); }

    private final int length, blockSize, blocks, wordsPerRow;
    private final int[] order, rowStart, keyBlocks, maskOffsets, maskWords, columnStart, columnEntries;
    private final long visiblePairs;
    private final String description;

    private BlockLayout(int length, int blockSize, int[] order, int[] rowStart, int[] keyBlocks, int[] maskOffsets, int[] maskWords,
                        long visiblePairs, String description) {
        this.length = length;
        this.blockSize = blockSize;
        this.blocks = blockCount(length, blockSize);
        this.wordsPerRow = (blockSize + 31) >>> 5;
        this.order = order;
        this.rowStart = rowStart;
        this.keyBlocks = keyBlocks;
        this.maskOffsets = maskOffsets;
        this.maskWords = maskWords;
        this.visiblePairs = visiblePairs;
        this.description = description;
        this.columnStart = new int[blocks + 1];
        this.columnEntries = new int[keyBlocks.length];
        for (int kb : keyBlocks) columnStart[kb + 1]++;
        for (int b = 0; b < blocks; b++) columnStart[b + 1] += columnStart[b];
        int[] fill = Arrays.copyOf(columnStart, blocks);
        for (int qb = 0; qb < blocks; qb++) {
            for (int e = rowStart[qb]; e < rowStart[qb + 1]; e++) columnEntries[fill[keyBlocks[e]]++] = e;
        }
    }

    static BlockLayout of(AttentionPattern pattern, int blockSize, int[] order) {
        return build(pattern.length(), blockSize, order, pattern::visible, pattern + " in blocks of " + blockSize);
    }

    /** Plain causal attention over {@code length} positions: the dense baseline of the sparse kernels. */
    public static BlockLayout causal(int length, int blockSize) {
        return build(length, blockSize, AttentionPattern.identityOrder(length), (q, k) -> k <= q, "causal(" + length + ") in blocks of " + blockSize);
    }

    /** The layout of an explicit mask [T, T] (U8/BOOL, nonzero = may attend), in sequence order. */
    public static BlockLayout fromMask(Tensor mask, int blockSize) {
        if (mask.rank() != 2 || mask.dim(0) != mask.dim(1) || (mask.dtype() != DType.U8 && mask.dtype() != DType.BOOL)) {
            throw new IllegalArgumentException("BlockLayout.fromMask: expected a square U8/BOOL mask [T, T], got " + mask.dtype() + mask.shape());
        }
        int t = mask.dim(0);
        byte[] bytes = new byte[t * t];
        if (mask.isContiguous()) {
            MemorySegment.copy(mask.segment(), ValueLayout.JAVA_BYTE, mask.byteOffset(), bytes, 0, bytes.length);
        } else {
            for (int f = 0; f < bytes.length; f++) bytes[f] = (byte) (mask.getLong(f) != 0 ? 1 : 0);
        }
        return build(t, blockSize, AttentionPattern.identityOrder(t), (q, k) -> bytes[q * t + k] != 0, "mask [" + t + ", " + t + "] in blocks of " + blockSize);
    }

    /** The layout of any visibility over sequence positions, with the kernels reading token order[p] at position p. */
    public static BlockLayout build(int length, int blockSize, int[] order, Visibility visibility, String description) {
        if (blockSize < 8 || blockSize > 256 || blockSize % 8 != 0) {
            throw new IllegalArgumentException("BlockLayout: block size must be a multiple of 8 in 8..256, got " + blockSize);
        }
        if (length < 1) throw new IllegalArgumentException("BlockLayout: sequence length must be >= 1, got " + length);
        checkPermutation(order, length);
        int blocks = blockCount(length, blockSize), words = (blockSize + 31) >>> 5;
        int[] rowStart = new int[blocks + 1];
        IntList keyBlocks = new IntList(), offsets = new IntList(), maskWords = new IntList();
        int[] tile = new int[blockSize * words];
        long visible = 0;
        for (int qb = 0; qb < blocks; qb++) {
            int q0 = qb * blockSize, rows = Math.min(blockSize, length - q0);
            for (int kb = 0; kb < blocks; kb++) {
                int k0 = kb * blockSize, cols = Math.min(blockSize, length - k0);
                Arrays.fill(tile, 0);
                int count = 0;
                for (int r = 0; r < rows; r++) {
                    int query = order[q0 + r];
                    for (int c = 0; c < cols; c++) {
                        if (visibility.visible(query, order[k0 + c])) {
                            tile[r * words + (c >>> 5)] |= 1 << (c & 31);
                            count++;
                        }
                    }
                }
                if (count == 0) continue;
                visible += count;
                keyBlocks.add(kb);
                if (count == rows * cols) {
                    offsets.add(-1);
                } else {
                    offsets.add(maskWords.size());
                    maskWords.addAll(tile);
                }
            }
            rowStart[qb + 1] = keyBlocks.size();
        }
        return new BlockLayout(length, blockSize, order.clone(), rowStart, keyBlocks.toArray(), offsets.toArray(), maskWords.toArray(),
                visible, description);
    }

    private static void checkPermutation(int[] order, int length) {
        if (order.length != length) throw new IllegalArgumentException("BlockLayout: order has " + order.length + " entries, expected " + length);
        boolean[] seen = new boolean[length];
        for (int p = 0; p < length; p++) {
            int s = order[p];
            if (s < 0 || s >= length || seen[s]) {
                throw new IllegalArgumentException("BlockLayout: order must be a permutation of 0.." + (length - 1) + "; entry " + p + " is " + s);
            }
            seen[s] = true;
        }
    }

    static int blockCount(int length, int blockSize) { return (length + blockSize - 1) / blockSize; }

    /** Sequence length N. */
    public int length() { return length; }

    public int blockSize() { return blockSize; }

    /** Query blocks = key blocks = ceil(N / blockSize). */
    public int blocks() { return blocks; }

    /** Ints per tile row of a partial block's mask. */
    public int wordsPerRow() { return wordsPerRow; }

    /** Number of non-empty tiles (entries). */
    public int entries() { return keyBlocks.length; }

    /** The kernel-position -> sequence-position map (a copy). */
    public int[] order() { return order.clone(); }

    /** True iff the order is the identity (no gather needed). */
    public boolean identityOrder() {
        for (int p = 0; p < length; p++) if (order[p] != p) return false;
        return true;
    }

    /** CSR row pointers over query blocks, [blocks + 1] (a copy). */
    public int[] rowStart() { return rowStart.clone(); }

    /** The key block of each entry (a copy). */
    public int[] keyBlocks() { return keyBlocks.clone(); }

    /** Per entry: -1 if FULL, else the index in {@link #maskWords()} of the tile's first word (a copy). */
    public int[] maskOffsets() { return maskOffsets.clone(); }

    /** The partial tiles' bit masks, blockSize x wordsPerRow ints each (a copy). */
    public int[] maskWords() { return maskWords.clone(); }

    /** CSC pointers over key blocks, [blocks + 1] (a copy). */
    public int[] columnStart() { return columnStart.clone(); }

    /** Per key block, its entries (indices into the CSR arrays) in ascending query-block order (a copy). */
    public int[] columnEntries() { return columnEntries.clone(); }

    /** The query block of CSR entry e. */
    public int queryBlockOf(int entry) {
        int qb = Arrays.binarySearch(rowStart, entry);
        if (qb >= 0) {
            while (qb + 1 < rowStart.length && rowStart[qb + 1] == entry) qb++;
            return qb;
        }
        return -qb - 2;
    }

    public boolean isFull(int entry) { return maskOffsets[entry] < 0; }

    /** Whether kernel query position p sees kernel key position p' (the layout's answer, from its tiles). */
    public boolean visibleInKernelOrder(int p, int pk) {
        int qb = p / blockSize, kb = pk / blockSize;
        int e = Arrays.binarySearch(keyBlocks, rowStart[qb], rowStart[qb + 1], kb);
        if (e < 0) return false;
        if (maskOffsets[e] < 0) return true;
        int r = p - qb * blockSize, c = pk - kb * blockSize;
        return (maskWords[maskOffsets[e] + r * wordsPerRow + (c >>> 5)] >>> (c & 31) & 1) != 0;
    }

    /**
     * Fills keys[0 ..) with the kernel key positions kernel query p sees, ascending, from the tiles
     * of its query block, and returns how many (keys needs room for N).
     */
    public int visibleKeys(int p, int[] keys) {
        int qb = p / blockSize, r = p - qb * blockSize, count = 0;
        for (int e = rowStart[qb]; e < rowStart[qb + 1]; e++) {
            int k0 = keyBlocks[e] * blockSize, cols = Math.min(blockSize, length - k0), off = maskOffsets[e];
            for (int c = 0; c < cols; c++) {
                if (off < 0 || (maskWords[off + r * wordsPerRow + (c >>> 5)] >>> (c & 31) & 1) != 0) keys[count++] = k0 + c;
            }
        }
        return count;
    }

    /** Visible (query, key) pairs. */
    public long visiblePairs() { return visiblePairs; }

    /** Pairs inside non-empty tiles: the work of a kernel that computes whole tiles. */
    public long scannedPairs() {
        long pairs = 0;
        for (int qb = 0; qb < blocks; qb++) {
            int rows = Math.min(blockSize, length - qb * blockSize);
            for (int e = rowStart[qb]; e < rowStart[qb + 1]; e++) pairs += (long) rows * Math.min(blockSize, length - keyBlocks[e] * blockSize);
        }
        return pairs;
    }

    public int fullEntries() {
        int n = 0;
        for (int off : maskOffsets) if (off < 0) n++;
        return n;
    }

    /** mask [N, N] U8 in sequence order, rebuilt from the tiles: the explicit mask dense attention needs for the same result. */
    public Tensor denseMask() {
        byte[] bytes = new byte[length * length];
        for (int p = 0; p < length; p++) {
            for (int pk = 0; pk < length; pk++) if (visibleInKernelOrder(p, pk)) bytes[order[p] * length + order[pk]] = 1;
        }
        return u8Mask(bytes, length);
    }

    /** A new U8 tensor [t, t] holding {@code bytes} row-major. */
    static Tensor u8Mask(byte[] bytes, int t) {
        Tensor mask = Tensor.zeros(DType.U8, t, t);
        MemorySegment.copy(bytes, 0, mask.segment(), ValueLayout.JAVA_BYTE, mask.byteOffset(), bytes.length);
        return mask;
    }

    @Override
    public String toString() {
        return description + ": " + entries() + " of " + (long) blocks * blocks + " tiles (" + fullEntries() + " full), "
                + visiblePairs + " visible pairs";
    }

    /** A growable int array (the layout is built once per layer kind, so simplicity wins). */
    private static final class IntList {
        private int[] data = new int[64];
        private int size;

        void add(int v) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = v;
        }

        void addAll(int[] values) {
            if (size + values.length > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + values.length));
            System.arraycopy(values, 0, data, size, values.length);
            size += values.length;
        }

        int size() { return size; }

        int[] toArray() { return Arrays.copyOf(data, size); }
    }
}
