// ShardLayout: how one resblock's parameters are split among the m devices of a machine.
//
// Invariants: a parameter of shape [d0, rest...] is a d0 x cols matrix (1-D: d0 x 1); its rows
// are padded with zeros to a multiple of m and device k owns rows [k·s, (k+1)·s), s = padded/m,
// so every shard of a weight is itself a matrix (what PowerSGD compresses). A device's shard of
// the whole block is one flat F32 vector: its row chunks of every parameter, in parameter order.
// The rank-major buffer [m·S] is the concatenation of all devices' shards in device order: exactly
// what an all-gather produces and what a reduce-scatter consumes.
package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** The shard geometry of one block's parameter list. */
public final class ShardLayout {
    private final int devices;
    private final Shape[] shapes;
    private final int[] rows, cols, shardRows;
    private final long[] shardOffset;
    private final long shardLength;

    public ShardLayout(List<Shape> parameterShapes, int devices) {
        if (devices < 1) throw new IllegalArgumentException("ShardLayout: devices must be >= 1, got " + devices);
        int n = parameterShapes.size();
        this.devices = devices;
        shapes = parameterShapes.toArray(Shape[]::new);
        rows = new int[n];
        cols = new int[n];
        shardRows = new int[n];
        shardOffset = new long[n];
        long at = 0;
        for (int i = 0; i < n; i++) {
            Shape s = shapes[i];
            if (s.rank() == 0 || s.numel() == 0) throw new IllegalArgumentException("ShardLayout: parameter " + i + " has shape " + s + "; need >= 1 element and dimension");
            rows[i] = s.dim(0);
            cols[i] = Math.toIntExact(s.numel() / rows[i]);
            shardRows[i] = (rows[i] + devices - 1) / devices;
            shardOffset[i] = at;
            at += (long) shardRows[i] * cols[i];
        }
        shardLength = at;
    }

    public int devices() { return devices; }

    public int parameterCount() { return shapes.length; }

    /** Elements of one device's shard of the block (S). */
    public long shardLength() { return shardLength; }

    /** Rows x cols of parameter {@code i}'s shard (the matrix PowerSGD sees). */
    public int[] shardMatrix(int i) { return new int[] {shardRows[i], cols[i]}; }

    /** Parameter {@code i}'s part of a flat block shard [S], as a shardRows x cols view. */
    public Tensor shardView(Tensor blockShard, int i) {
        long len = (long) shardRows[i] * cols[i];
        return blockShard.slice(0, Math.toIntExact(shardOffset[i]), Math.toIntExact(shardOffset[i] + len)).reshape(shardRows[i], cols[i]);
    }

    /** Copies device {@code device}'s rows of every parameter into {@code shard} [S] (padding rows zero). */
    public void extractShard(List<Tensor> full, int device, Tensor shard) {
        check(full);
        checkFlat(shard, shardLength, "shard");
        shard.segment().asSlice(shard.byteOffset(), shardLength * 4).fill((byte) 0);
        for (int i = 0; i < shapes.length; i++) copyRows(full.get(i), i, device, shard.segment(), shard.byteOffset() + shardOffset[i] * 4, true);
    }

    /** Fills the rank-major buffer [m·S] from full parameters (or gradients). */
    public void pack(List<Tensor> full, Tensor rankMajor) {
        check(full);
        checkFlat(rankMajor, devices * shardLength, "rank-major buffer");
        rankMajor.segment().asSlice(rankMajor.byteOffset(), devices * shardLength * 4).fill((byte) 0);
        for (int k = 0; k < devices; k++) {
            for (int i = 0; i < shapes.length; i++) {
                copyRows(full.get(i), i, k, rankMajor.segment(), rankMajor.byteOffset() + (k * shardLength + shardOffset[i]) * 4, true);
            }
        }
    }

    /** Writes full parameters from the rank-major buffer [m·S] (the padding rows are dropped). */
    public void unpack(Tensor rankMajor, List<Tensor> full) {
        check(full);
        checkFlat(rankMajor, devices * shardLength, "rank-major buffer");
        for (int k = 0; k < devices; k++) {
            for (int i = 0; i < shapes.length; i++) {
                copyRows(full.get(i), i, k, rankMajor.segment(), rankMajor.byteOffset() + (k * shardLength + shardOffset[i]) * 4, false);
            }
        }
    }

    /** Copies the real (unpadded) rows device k owns of parameter i between {@code t} and {@code flat} at byte {@code at}. */
    private void copyRows(Tensor t, int i, int k, MemorySegment flat, long at, boolean toFlat) {
        int first = k * shardRows[i];
        int count = Math.max(0, Math.min(shardRows[i], rows[i] - first));
        if (count == 0) return;
        long bytes = (long) count * cols[i] * 4;
        long src = t.byteOffset() + (long) first * cols[i] * 4;
        if (toFlat) MemorySegment.copy(t.segment(), src, flat, at, bytes);
        else MemorySegment.copy(flat, at, t.segment(), src, bytes);
    }

    private void check(List<Tensor> full) {
        if (full.size() != shapes.length) throw new IllegalArgumentException("ShardLayout: " + full.size() + " tensors for a layout of " + shapes.length);
        for (int i = 0; i < shapes.length; i++) {
            Tensor t = full.get(i);
            if (t.dtype() != DType.F32 || !t.isContiguous() || !t.shape().equals(shapes[i])) {
                throw new IllegalArgumentException("ShardLayout: tensor " + i + " is " + t.dtype() + t.shape() + (t.isContiguous() ? "" : " (a view)")
                        + "; expected contiguous F32" + shapes[i]);
            }
        }
    }

    private static void checkFlat(Tensor t, long length, String what) {
        if (t.dtype() != DType.F32 || !t.isContiguous() || t.numel() != length) {
            throw new IllegalArgumentException("ShardLayout: " + what + " is " + t.dtype() + t.shape() + "; expected contiguous F32 with " + length + " elements");
        }
    }
}
