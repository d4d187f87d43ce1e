// PowerSgd: replaces a set of gradients by their average over a group, low-rank compressed
// where that pays (Vogels et al. 2019; torch 1.13's powerSGD_hook; DALL·E appendix E).
//
// Invariants (torch's algorithm, FORMAT.md 3.10, W = group size):
//  - steps before startIter: plain average, each rank dividing by W before the float sum;
//  - later steps: M = g + e (error feedback covers every tensor, compressed or not);
//    uncompressed tensors: one concatenated all-reduce, then / W;
//    compressed: P = orth(sum_R M_R Q) (not divided: it is orthogonalised), Q = (sum_R M_Rᵀ P) / W,
//    the average is P Qᵀ; e = M - average.
//  - A tensor is compressed iff the caller allows it and (rows+cols)·k·minCompressionRate <
//    rows·cols with k = min(rows, cols, rank): a 1-D tensor (an n x 1 matrix) never is.
//  - With error feedback, for every rank: sum over PowerSGD steps of the averages it applied +
//    its error buffer = sum of its gradients over those steps (+ the error it started from).
// Gradients are F32; P and Q travel, and the error buffers are kept, in F32 or, if asked, in the
// paper's 1-6-9 format (then the conservation above holds to 1-6-9 rounding of the buffer).
package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** One PowerSGD reducer for a fixed list of gradient matrices; call {@link #reduce} once per step on every rank. */
public final class PowerSgd {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Where each step's Q comes from. */
    public enum QMode {
        /** Vogels / torch: re-orthogonalise last step's averaged Q. */
        WARM_START,
        /** The DALL·E paper: the same random Gaussian Q every step. */
        FIXED_RANDOM
    }

    /**
     * @param rank               the approximation rank r
     * @param startIter          steps of plain averaging before compression starts (K)
     * @param minCompressionRate compress a matrix only if it shrinks by more than this factor
     * @param epsilon            Gram-Schmidt: added to column norms; Householder: added to the diagonal (paper: 1e-6)
     * @param wire               dtype P and Q are all-reduced in and the error buffer is stored in (F32, or MEAN_1_6_9 as in the paper)
     * @param seed               seed of the random initial Q (identical on every rank)
     */
    public record Options(int rank, int startIter, double minCompressionRate, boolean errorFeedback, QMode qMode,
                          Orthogonalization orthogonalization, double epsilon, DType wire, long seed) {
        public Options {
            if (rank < 1 || startIter < 0 || !(minCompressionRate >= 0) || !(epsilon >= 0)) {
                throw new IllegalArgumentException("PowerSgd.Options: need rank >= 1, startIter >= 0, minCompressionRate >= 0, epsilon >= 0; got rank "
                        + rank + ", startIter " + startIter + ", minCompressionRate " + minCompressionRate + ", epsilon " + epsilon);
            }
            if (wire != DType.F32 && wire != DType.MEAN_1_6_9) {
                throw new IllegalArgumentException("PowerSgd.Options: P and Q travel as F32 or MEAN_1_6_9, not " + wire);
            }
        }

        /** torch's powerSGD_hook defaults: warm start, error feedback, min compression rate 2, its orthogonalisation rule. */
        public static Options torch(int rank, int startIter, long seed) {
            return new Options(rank, startIter, 2, true, QMode.WARM_START, Orthogonalization.TORCH, 0, DType.F32, seed);
        }

        /** The DALL·E paper's variant: fixed Gaussian Q, Householder after adding 1e-6·I. */
        public static Options paper(int rank, int startIter, long seed) {
            return new Options(rank, startIter, 1, true, QMode.FIXED_RANDOM, Orthogonalization.HOUSEHOLDER, 1e-6, DType.F32, seed);
        }
    }

    private final Options options;
    private final Communicator group;
    private final int[] rows, cols, ranks;
    private final boolean[] compress;
    private final float[][] q, qInit, p;
    private final Tensor[] error;
    private boolean started;
    private long iteration;
    private long lastStepFloats;

    /**
     * @param shapes         each gradient as a matrix {rows, cols} (a tensor of shape [d0, ...] is d0 x rest; 1-D is n x 1)
     * @param mayCompress    false for tensors that must stay exact (embeddings, gains, biases)
     */
    public PowerSgd(Options options, Communicator group, List<int[]> shapes, List<Boolean> mayCompress) {
        if (shapes.size() != mayCompress.size()) {
            throw new IllegalArgumentException("PowerSgd: " + shapes.size() + " shapes but " + mayCompress.size() + " compression flags");
        }
        this.options = options;
        this.group = group;
        int n = shapes.size();
        rows = new int[n];
        cols = new int[n];
        ranks = new int[n];
        compress = new boolean[n];
        q = new float[n][];
        qInit = new float[n][];
        p = new float[n][];
        error = new Tensor[n];
        for (int i = 0; i < n; i++) {
            rows[i] = shapes.get(i)[0];
            cols[i] = shapes.get(i)[1];
            ranks[i] = Math.min(options.rank(), Math.min(rows[i], cols[i]));
            long full = (long) rows[i] * cols[i];
            compress[i] = mayCompress.get(i) && (rows[i] + cols[i]) * (double) ranks[i] * options.minCompressionRate() < full;
        }
    }

    public boolean compressed(int tensor) { return compress[tensor]; }

    /** Steps reduced so far. */
    public long iteration() { return iteration; }

    /** Floats this rank contributed to all-reduces in the last step (uncompressed would be the sum of numels). */
    public long lastStepFloats() { return lastStepFloats; }

    /** This rank's error-feedback memory of a tensor (row-major), or null before the first PowerSGD step. */
    public float[] error(int tensor) { return error[tensor] == null ? null : error[tensor].toFloatArray(); }

    /** The last orthogonalised, all-reduced P of a compressed tensor (rows x k). */
    public float[] p(int tensor) { return p[tensor]; }

    /** The last averaged Q of a compressed tensor (cols x k), the warm start of the next step. */
    public float[] q(int tensor) { return q[tensor]; }

    /**
     * Sets the raw (not yet orthogonalised) initial Q of a compressed tensor, instead of the
     * seeded Gaussian draw; must be identical on every rank. Used to replay torch's draw.
     */
    public void setInitialQ(int tensor, float[] raw) {
        if (!compress[tensor] || raw.length != cols[tensor] * ranks[tensor]) {
            throw new IllegalArgumentException("PowerSgd.setInitialQ: tensor " + tensor + (compress[tensor] ? " needs " + cols[tensor] + " x "
                    + ranks[tensor] + " = " + cols[tensor] * ranks[tensor] + " values, got " + raw.length : " is not compressed"));
        }
        qInit[tensor] = raw.clone();
    }

    /** Replaces every gradient (F32, contiguous, rows·cols elements, in constructor order) by the group average. */
    public void reduce(List<Tensor> grads) {
        if (grads.size() != rows.length) throw new IllegalArgumentException("PowerSgd.reduce: " + grads.size() + " gradients, expected " + rows.length);
        float[][] m = new float[rows.length][];
        for (int i = 0; i < m.length; i++) {
            Tensor g = grads.get(i);
            if (g.dtype() != DType.F32 || !g.isContiguous() || g.numel() != (long) rows[i] * cols[i]) {
                throw new IllegalArgumentException("PowerSgd.reduce: gradient " + i + " is " + g.dtype() + g.shape() + (g.isContiguous() ? "" : " (a view)")
                        + "; expected contiguous F32 with " + rows[i] + " x " + cols[i] + " elements");
            }
            m[i] = g.toFloatArray();
        }
        float world = group.size();
        if (iteration < options.startIter()) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < m.length; i++) {
                for (int j = 0; j < m[i].length; j++) m[i][j] /= world;
                all.add(i);
            }
            lastStepFloats = allReduceConcatenated(m, all, DType.F32);
        } else {
            powerStep(m, world);
        }
        for (int i = 0; i < m.length; i++) MemorySegment.copy(m[i], 0, grads.get(i).segment(), FLOAT, grads.get(i).byteOffset(), m[i].length);
        iteration++;
    }

    private void powerStep(float[][] m, float world) {
        int n = m.length;
        if (options.errorFeedback()) {
            for (int i = 0; i < n; i++) {
                if (error[i] == null) {
                    error[i] = Tensor.zeros(options.wire(), rows[i], cols[i]);
                } else {
                    float[] e = error[i].toFloatArray();
                    for (int j = 0; j < m[i].length; j++) m[i][j] += e[j];
                }
            }
        }
        float[][] before = new float[n][];
        for (int i = 0; i < n; i++) before[i] = m[i].clone();
        List<Integer> plain = new ArrayList<>(), low = new ArrayList<>();
        for (int i = 0; i < n; i++) (compress[i] ? low : plain).add(i);
        prepareQ(low);
        long floats = allReduceConcatenated(m, plain, DType.F32);
        for (int i : plain) for (int j = 0; j < m[i].length; j++) m[i][j] /= world;
        for (int i : low) p[i] = multiply(m[i], rows[i], cols[i], q[i], ranks[i], false);
        floats += allReduceConcatenated(p, low, options.wire());
        for (int i : low) options.orthogonalization().apply(p[i], rows[i], ranks[i], options.epsilon());
        for (int i : low) q[i] = multiply(m[i], rows[i], cols[i], p[i], ranks[i], true);
        floats += allReduceConcatenated(q, low, options.wire());
        for (int i : low) {
            for (int j = 0; j < q[i].length; j++) q[i][j] /= world;
            m[i] = outer(p[i], q[i], rows[i], cols[i], ranks[i]);
        }
        if (options.errorFeedback()) {
            for (int i = 0; i < n; i++) {
                float[] e = new float[m[i].length];
                for (int j = 0; j < e.length; j++) e[j] = before[i][j] - m[i][j];
                store(e, error[i]);
            }
        }
        lastStepFloats = floats;
        started = true;
    }

    /** Q for this step: the first step draws (or takes) the raw Q; later steps warm-start or reuse the fixed draw. */
    private void prepareQ(List<Integer> low) {
        for (int i : low) {
            if (qInit[i] == null) {
                try (Tensor draw = Tensor.zeros(DType.F32, cols[i], ranks[i])) {
                    Philox.fillNormal(draw, options.seed(), (long) i << 32, 0, 1);
                    qInit[i] = draw.toFloatArray();
                }
            }
            boolean fresh = !started || options.qMode() == QMode.FIXED_RANDOM;
            q[i] = fresh ? qInit[i].clone() : q[i];
            options.orthogonalization().apply(q[i], cols[i], ranks[i], options.epsilon());
        }
    }

    /** Writes floats into a contiguous F32 tensor by copy, or into a 1-6-9 one rounding each (saturating at its maximum). */
    private static void store(float[] values, Tensor target) {
        if (target.dtype() == DType.F32) MemorySegment.copy(values, 0, target.segment(), FLOAT, target.byteOffset(), values.length);
        else for (int j = 0; j < values.length; j++) target.setDouble(j, values[j]);
    }

    /** All-reduce (sum) of the listed arrays as one buffer in {@code wire} dtype; returns the floats sent. */
    private long allReduceConcatenated(float[][] arrays, List<Integer> which, DType wire) {
        long total = 0;
        for (int i : which) total += arrays[i].length;
        if (total == 0) return 0;
        try (Tensor flat = Tensor.zeros(wire, Math.toIntExact(total))) {
            long at = 0;
            for (int i : which) {
                store(arrays[i], flat.slice(0, Math.toIntExact(at), Math.toIntExact(at + arrays[i].length)));
                at += arrays[i].length;
            }
            group.allReduce(flat);
            at = 0;
            for (int i : which) {
                if (wire == DType.F32) MemorySegment.copy(flat.segment(), FLOAT, at * 4, arrays[i], 0, arrays[i].length);
                else for (int j = 0; j < arrays[i].length; j++) arrays[i][j] = (float) flat.getDouble(at + j);
                at += arrays[i].length;
            }
        }
        return total;
    }

    /** M (rows x cols) times B (cols x k), or Mᵀ (cols x rows) times B (rows x k) when {@code transposeM}; double accumulation. */
    private static float[] multiply(float[] mat, int rows, int cols, float[] b, int k, boolean transposeM) {
        int outRows = transposeM ? cols : rows;
        double[] acc = new double[outRows * k];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double v = mat[r * cols + c];
                if (v == 0) continue;
                int o = (transposeM ? c : r) * k, bRow = (transposeM ? r : c) * k;
                for (int j = 0; j < k; j++) acc[o + j] += v * b[bRow + j];
            }
        }
        float[] out = new float[acc.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) acc[i];
        return out;
    }

    /** P (rows x k) times Qᵀ (k x cols). */
    private static float[] outer(float[] pm, float[] qm, int rows, int cols, int k) {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double s = 0;
                for (int j = 0; j < k; j++) s += (double) pm[r * k + j] * qm[c * k + j];
                out[r * cols + c] = (float) s;
            }
        }
        return out;
    }
}
