package dev.tessel.kernels.device;

/**
 * Launch geometry in CUDA's terms: {@code groups} blocks of {@code local} threads per axis.
 * OpenCL's NDRange is derived from it (global = groups * local, local = local), which is the
 * mapping DESIGN.md 2b checked: grid(ceil(N/16), ceil(M/16)) x block(16,16) equals global
 * {roundup(N,16), roundup(M,16)}, local {16,16}.
 *
 * <p>Invariant: every component is >= 1; kernels bound-check their own indices.
 */
public record Launch(int groupsX, int groupsY, int groupsZ, int localX, int localY, int localZ) {
    /** Most groups a 1-D launch uses; the kernels loop grid-stride over the rest. */
    public static final int MAX_LINEAR_GROUPS = 1024;

    public Launch {
        if (groupsX < 1 || groupsY < 1 || groupsZ < 1 || localX < 1 || localY < 1 || localZ < 1) {
            throw new IllegalArgumentException("Launch: every extent must be >= 1, got groups (" + groupsX + ", " + groupsY + ", " + groupsZ
                    + ") local (" + localX + ", " + localY + ", " + localZ + ")");
        }
    }

    /** One axis of {@code n} work items in groups of {@code local}, capped at MAX_LINEAR_GROUPS groups (grid-stride). */
    public static Launch linear(long n, int local) {
        long groups = Math.max(1, Math.min(MAX_LINEAR_GROUPS, ceilDiv(n, local)));
        return new Launch((int) groups, 1, 1, local, 1, 1);
    }

    /** A 2-D tiling of a cols x rows output by tiles of tileX x tileY, each handled by a localX x localY group, times batches on z. */
    public static Launch tiles(int cols, int rows, int batches, int tileX, int tileY, int localX, int localY) {
        return new Launch((int) ceilDiv(cols, tileX), (int) ceilDiv(rows, tileY), Math.max(1, batches), localX, localY, 1);
    }

    /** One group of {@code local} threads per row, rows on the x axis (CUDA allows 2^31 - 1 groups there; y and z stop at 65535). */
    public static Launch rows(long rows, int local) {
        if (rows > Integer.MAX_VALUE) throw new IllegalArgumentException("Launch.rows: " + rows + " rows do not fit one launch");
        return new Launch((int) Math.max(1, rows), 1, 1, local, 1, 1);
    }

    public long[] openClGlobal() { return new long[] {(long) groupsX * localX, (long) groupsY * localY, (long) groupsZ * localZ}; }

    public long[] openClLocal() { return new long[] {localX, localY, localZ}; }

    static long ceilDiv(long a, long b) { return (a + b - 1) / b; }
}
