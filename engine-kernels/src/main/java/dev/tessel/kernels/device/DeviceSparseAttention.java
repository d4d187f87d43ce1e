package dev.tessel.kernels.device;

import dev.tessel.kernels.attention.BlockLayout;
import dev.tessel.kernels.attention.SparseAttentionShapes;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Block-sparse attention on a device (sparse_attention.cu): the forward kernel, then the dq and
 * dk/dv kernels of the backward, over the layout's tables uploaded as int buffers.
 *
 * <p>Invariant: the program is built with BLOCK = the layout's block size and MAX_DIM = 64, so
 * heads up to 64 wide (DALL·E's) run here; {@link #supports} says so and the backend sends any
 * other call to the host. One group per (block, batch·head), one thread per row of the block.
 */
public final class DeviceSparseAttention {
    private static final String FILE = "sparse_attention.cu";
    static final int MAX_DIM = 64;

    private DeviceSparseAttention() {}

    /** Whether the device kernels take these inputs (float dtypes, head widths up to 64, blocks up to 64). */
    public static boolean supports(Tensor q, Tensor v, BlockLayout layout) {
        return DeviceDType.supported(q.dtype()) && q.rank() == 4 && v.rank() == 4 && q.dim(3) <= MAX_DIM && v.dim(3) <= MAX_DIM
                && layout.blockSize() <= 64;
    }

    private static ProgramSource program(DType d, BlockLayout layout) {
        return ProgramSource.of(FILE, "DTYPE", DeviceDType.code(d), "BLOCK", layout.blockSize(), "MAX_DIM", MAX_DIM);
    }

    private static DeviceBuffer ints(DeviceScope scope, int[] values) {
        try (Tensor t = Tensor.ofInts(values.length == 0 ? new int[] {0} : values, Math.max(1, values.length))) {
            return scope.upload(t);
        }
    }

    /** The layout's tables on the device: order, rowStart, keyBlocks, maskOffsets, maskWords, columnStart, columnEntries, entry blocks. */
    private static DeviceBuffer[] tables(DeviceScope scope, BlockLayout layout) {
        int[] rowStart = layout.rowStart();
        int[] entryBlock = new int[layout.entries()];
        for (int b = 0; b + 1 < rowStart.length; b++) java.util.Arrays.fill(entryBlock, rowStart[b], rowStart[b + 1], b);
        return new DeviceBuffer[] {
            ints(scope, layout.order()), ints(scope, rowStart), ints(scope, layout.keyBlocks()), ints(scope, layout.maskOffsets()),
            ints(scope, layout.maskWords()), ints(scope, layout.columnStart()), ints(scope, layout.columnEntries()), ints(scope, entryBlock)
        };
    }

    private static Launch launch(SparseAttentionShapes s, BlockLayout layout) {
        return new Launch(layout.blocks(), s.batch() * s.heads(), 1, layout.blockSize(), 1, 1);
    }

    public static Tensor[] forward(DeviceApi api, Tensor q, Tensor k, Tensor v, BlockLayout layout) {
        var s = SparseAttentionShapes.check("sparseAttention", q, k, v, layout);
        DType d = s.dtype();
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer[] t = tables(scope, layout);
            DeviceBuffer qb = scope.upload(q), kb = scope.upload(k), vb = scope.upload(v);
            long rows = (long) s.batch() * s.heads() * s.length();
            DeviceBuffer out = scope.allocate(rows * s.dv() * d.byteSize()), lse = scope.allocate(rows * 4);
            api.launch(api.kernel(program(d, layout), "tessel_sparse_attention_forward"), launch(s, layout), new KernelArgs()
                    .buffer(qb).buffer(kb).buffer(vb).buffer(out).buffer(lse).buffer(t[0]).buffer(t[1]).buffer(t[2]).buffer(t[3]).buffer(t[4])
                    .i32(s.length()).i32(s.d()).i32(s.dv()).f32((float) (1.0 / Math.sqrt(s.d()))));
            return new Tensor[] {
                scope.download(out, d, s.batch(), s.heads(), s.length(), s.dv()),
                scope.download(lse, DType.F32, s.batch(), s.heads(), s.length())
            };
        }
    }

    public static Tensor[] backward(DeviceApi api, Tensor q, Tensor k, Tensor v, BlockLayout layout, Tensor out, Tensor logSumExp, Tensor gradOut) {
        var s = SparseAttentionShapes.check("sparseAttentionBackward", q, k, v, layout);
        s.checkBackward("sparseAttentionBackward", out, logSumExp, gradOut);
        DType d = s.dtype();
        float scale = (float) (1.0 / Math.sqrt(s.d()));
        try (DeviceScope scope = new DeviceScope(api)) {
            DeviceBuffer[] t = tables(scope, layout);
            DeviceBuffer qb = scope.upload(q), kb = scope.upload(k), vb = scope.upload(v), ob = scope.upload(out);
            DeviceBuffer lb = scope.upload(logSumExp), gb = scope.upload(gradOut);
            DeviceBuffer dq = scope.allocate(q.numel() * d.byteSize()), dk = scope.allocate(k.numel() * d.byteSize()), dv = scope.allocate(v.numel() * d.byteSize());
            ProgramSource program = program(d, layout);
            api.launch(api.kernel(program, "tessel_sparse_attention_backward_dq"), launch(s, layout), new KernelArgs()
                    .buffer(qb).buffer(kb).buffer(vb).buffer(ob).buffer(lb).buffer(gb).buffer(dq)
                    .buffer(t[0]).buffer(t[1]).buffer(t[2]).buffer(t[3]).buffer(t[4])
                    .i32(s.length()).i32(s.d()).i32(s.dv()).f32(scale));
            api.launch(api.kernel(program, "tessel_sparse_attention_backward_dkv"), launch(s, layout), new KernelArgs()
                    .buffer(qb).buffer(kb).buffer(vb).buffer(ob).buffer(lb).buffer(gb).buffer(dk).buffer(dv)
                    .buffer(t[0]).buffer(t[5]).buffer(t[6]).buffer(t[7]).buffer(t[3]).buffer(t[4])
                    .i32(s.length()).i32(s.d()).i32(s.dv()).f32(scale));
            return new Tensor[] {
                scope.download(dq, d, q.shape().toArray()), scope.download(dk, d, k.shape().toArray()), scope.download(dv, d, v.shape().toArray())
            };
        }
    }
}
