package dev.tessel.kernels.cpu;

import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;

/**
 * How a contiguous output of some shape maps onto its (strided, broadcast) operands, reduced to
 * rows: the output is seen as [rows, rowLength], and for each operand a row starts at a physical
 * element offset and advances by one inner stride (0 for a broadcast row, 1 when dense).
 *
 * <p>Adjacent axes are merged whenever every operand steps through them as one (and size-1 axes
 * are dropped), so a contiguous tensor is a single row and a bias broadcast over [B, T, C] is
 * rows of C. Invariant: element j of output row r is at flat index r·rowLength + j, and operand k
 * holds it at {@code rowStart(k, r) + j·innerStride(k)}.
 */
final class StridedLayout {
    private final int[] outerDims;      // the merged axes before the row axis
    private final long[][] outerStrides; // [operand][axis]
    private final long[] offsets;
    private final long[] innerStrides;
    private final int rowLength;
    private final long rows;

    /** Operands are broadcast (expanded) to {@code shape} first; their shapes must broadcast to it. */
    StridedLayout(Shape shape, Tensor... operands) {
        int rank = shape.rank();
        int[] outDims = shape.toArray();
        long[][] strides = new long[operands.length][];
        offsets = new long[operands.length];
        for (int k = 0; k < operands.length; k++) {
            Tensor v = operands[k].shape().equals(shape) ? operands[k] : operands[k].expand(outDims);
            strides[k] = v.strides();
            offsets[k] = v.offset();
        }
        // Merge from the innermost axis outwards; size-1 axes vanish.
        int[] dims = new int[Math.max(rank, 1)];
        long[][] merged = new long[operands.length][Math.max(rank, 1)];
        int m = 0;
        for (int axis = rank - 1; axis >= 0; axis--) {
            int d = outDims[axis];
            if (d == 1) continue;
            boolean mergeable = m > 0;
            for (int k = 0; k < operands.length && mergeable; k++) {
                mergeable = strides[k][axis] == merged[k][m - 1] * dims[m - 1];
            }
            if (mergeable) {
                dims[m - 1] *= d;
            } else {
                dims[m] = d;
                for (int k = 0; k < operands.length; k++) merged[k][m] = strides[k][axis];
                m++;
            }
        }
        if (m == 0) { // every axis has size 1 (or rank 0): one element
            dims[0] = shape.numel() == 0 ? 0 : 1;
            for (int k = 0; k < operands.length; k++) merged[k][0] = 1;
            m = 1;
        }
        // dims[0..m) and merged[.][0..m) run innermost first.
        rowLength = dims[0];
        innerStrides = new long[operands.length];
        for (int k = 0; k < operands.length; k++) innerStrides[k] = merged[k][0];
        outerDims = new int[m - 1];
        outerStrides = new long[operands.length][m - 1];
        long r = 1;
        for (int i = 1; i < m; i++) {
            outerDims[m - 1 - i] = dims[i];
            r *= dims[i];
            for (int k = 0; k < operands.length; k++) outerStrides[k][m - 1 - i] = merged[k][i];
        }
        rows = shape.numel() == 0 ? 0 : r;
    }

    int rowLength() { return rowLength; }

    long rows() { return rows; }

    long innerStride(int operand) { return innerStrides[operand]; }

    /** Physical element offset of the first element of output row {@code row} in operand {@code operand}. */
    long rowStart(int operand, long row) {
        long p = offsets[operand];
        long[] s = outerStrides[operand];
        for (int i = outerDims.length - 1; i >= 0; i--) {
            int d = outerDims[i];
            p += (row % d) * s[i];
            row /= d;
        }
        return p;
    }
}
