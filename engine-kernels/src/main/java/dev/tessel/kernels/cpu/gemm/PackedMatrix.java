package dev.tessel.kernels.cpu.gemm;

/**
 * A B operand (k x n) packed once into {@link SgemmDriver}'s B-panel layout, for a matrix that is
 * multiplied many times while it does not change: a linear layer's weight during KV-cached
 * sampling, where every one-token step used to re-pack every weight (a third of a batch-16 step).
 *
 * <p>Layout: block b holds columns [b*NC, b*NC+nc) over all k rows, as the driver packs one group
 * of KC panels: panel pc (rows [pc, pc+kc)) starts at pc * panelStride, strip t of it at
 * pc * panelStride + t*NR*kc, element (p, j) of the strip at p*NR + j (zero-padded to full strips).
 *
 * <p>Invariant: the packed copy is a snapshot; whoever holds one promises that the source matrix
 * is not modified while it is used. The source stays attached because one-row and one-column
 * products read it in place, so results are bit-identical to the unpacked driver's.
 */
public final class PackedMatrix {
    final Operand source;
    final int k, n;
    /** blocks[b]: the packed columns of the b-th NC-wide block, all k rows. */
    final float[][] blocks;

    private PackedMatrix(Operand source, int k, int n, float[][] blocks) {
        this.source = source;
        this.k = k;
        this.n = n;
        this.blocks = blocks;
    }

    /** Packs the k x n matrix {@code b} (read through its strides, converted to float). */
    public static PackedMatrix pack(Operand b, int k, int n) {
        if (k <= 0 || n <= 0) throw new IllegalArgumentException("PackedMatrix: sizes must be positive, got k=" + k + " n=" + n);
        final int nr = MicroKernel.NR;
        float[][] blocks = new float[(n + SgemmDriver.NC - 1) / SgemmDriver.NC][];
        for (int jc = 0; jc < n; jc += SgemmDriver.NC) {
            int nc = Math.min(SgemmDriver.NC, n - jc);
            int nStrips = (nc + nr - 1) / nr, panelStride = nStrips * nr;
            float[] block = new float[k * panelStride];
            for (int pc = 0; pc < k; pc += SgemmDriver.KC) {
                Packing.packB(b, pc, Math.min(SgemmDriver.KC, k - pc), jc, nc, 0, nStrips, block, pc * panelStride);
            }
            blocks[jc / SgemmDriver.NC] = block;
        }
        return new PackedMatrix(b, k, n, blocks);
    }

    public int rows() { return k; }

    public int columns() { return n; }
}
