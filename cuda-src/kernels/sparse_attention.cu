/* sparse_attention.cu: block-sparse self-attention of the DALL·E layers (row, transposed column,
 * convolutional; engine-kernels dev.tessel.kernels.attention.BlockLayout), forward and backward,
 * flash-style: the [N, N] score matrix never exists, and tiles the layout lists as empty are never
 * visited, so the cost follows the visible pairs.
 *   out_i = sum_j softmax_j(q_i . k_j * scale) v_j  over the keys j the layout shows query i;
 *   lse_i = log sum_j exp(q_i . k_j * scale)  (-inf when query i sees nothing; its output is 0).
 * The promoted kernels of cuda-src/dev/sparse_attention_lab.cu (kernel 1 there updates the
 * softmax key by key; kernel 2, promoted, once per tile).
 *
 * Layout: q, k [BH, N, d], v, out [BH, N, dv] dense in sequence order (DTYPE storage, computed in
 * float), lse [BH, N] float. Kernel position p reads token order[p] (the transposed column layers
 * are a gather, not a transpose pass). The layout tables: row_start [blocks + 1], key_block and
 * mask_offset per entry (-1 = every pair of the tile visible), mask_words (BLOCK rows of
 * WORDS_PER_ROW words per partial tile: bit c & 31 of word c >> 5 = key c visible), and for the
 * dk/dv pass column_start [blocks + 1], column_entry (entries per key block) and entry_block (the
 * query block of each entry).
 * Launch: groups (blocks, BH), BLOCK threads; thread r owns query (or key) row r of its block.
 * Build options: -DDTYPE=<code> -DBLOCK=<tile size, the layout's> -DMAX_DIM=<d, dv bound, 64>.
 *
 * Invariant: every barrier is reached by every thread of the group (rows past N are "dead" but
 * keep looping); shared tiles are zero past d / dv, so the unrolled MAX_DIM loops need no guard;
 * the backward recomputes P = exp(s - lse) from the forward's lse and D_i = dO_i . out_i.
 */
#ifndef __OPENCL_VERSION__
#include "tessel_portable.h"
#endif

#ifndef DTYPE
#define DTYPE TESSEL_F32
#endif
#ifndef BLOCK
#define BLOCK 32
#endif
#ifndef MAX_DIM
#define MAX_DIM 64
#endif
#define WORDS_PER_ROW ((BLOCK + 31) / 32)
/* Rows a thread reads as its own are padded by one word, so the BLOCK threads hit distinct banks. */
#define OWN_STRIDE (MAX_DIM + 1)

/* Whether row r of the tile sees key c (mask_offset < 0: a full tile). */
DEVICE int tessel_sa_visible(GLOBAL const u32 *mask_words, int mask_offset, int r, int c) {
    return mask_offset < 0 || ((mask_words[mask_offset + r * WORDS_PER_ROW + (c >> 5)] >> (c & 31)) & 1u) != 0u;
}

/* Row `row` of a [.., width] tensor into dst[0 .. MAX_DIM) times scale, zeros past width. */
DEVICE void tessel_sa_load_row(GLOBAL const TESSEL_TYPE(DTYPE) *src, i64 row, int width, float scale, LOCAL float *dst) {
    #pragma unroll
    for (int x = 0; x < MAX_DIM; x++) dst[x] = x < width ? TESSEL_LOAD(DTYPE, src, row * width + x) * scale : 0.0f;
}

KERNEL void tessel_sparse_attention_forward(
        GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT q, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT k,
        GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT v, GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT out, GLOBAL float *RESTRICT lse,
        GLOBAL const int *RESTRICT order, GLOBAL const int *RESTRICT row_start, GLOBAL const int *RESTRICT key_block,
        GLOBAL const int *RESTRICT mask_offset, GLOBAL const u32 *RESTRICT mask_words,
        int n, int d, int dv, float scale) {
    SHARED float q_own[BLOCK * OWN_STRIDE];
    SHARED float k_tile[BLOCK * MAX_DIM];
    SHARED float v_tile[BLOCK * MAX_DIM];
    int qb = GROUP_ID_X, r = LOCAL_ID_X, p = qb * BLOCK + r, live = p < n;
    i64 base = (i64) GROUP_ID_Y * n;
    int i = live ? order[p] : 0;
    tessel_sa_load_row(q, base + i, live ? d : 0, scale, q_own + r * OWN_STRIDE);
    float o[MAX_DIM];
    #pragma unroll
    for (int x = 0; x < MAX_DIM; x++) o[x] = 0.0f;
    float m = -TESSEL_INFINITY, l = 0.0f;
    for (int e = row_start[qb]; e < row_start[qb + 1]; e++) {
        int k0 = key_block[e] * BLOCK, cols = n - k0 < BLOCK ? n - k0 : BLOCK, off = mask_offset[e];
        int j = r < cols ? order[k0 + r] : 0;
        tessel_sa_load_row(k, base + j, r < cols ? d : 0, 1.0f, k_tile + r * MAX_DIM);
        tessel_sa_load_row(v, base + j, r < cols ? dv : 0, 1.0f, v_tile + r * MAX_DIM);
        BARRIER;
        /* scores of this tile, the tile maximum, then one rescale of the running sums */
        float s[BLOCK];
        float tile_max = -TESSEL_INFINITY;
        #pragma unroll
        for (int c = 0; c < BLOCK; c++) {
            float dot = 0.0f;
            if (live && c < cols && tessel_sa_visible(mask_words, off, r, c)) {
                #pragma unroll
                for (int x = 0; x < MAX_DIM; x++) dot = FMAF(q_own[r * OWN_STRIDE + x], k_tile[c * MAX_DIM + x], dot);
                tile_max = FMAXF(tile_max, dot);
            } else {
                dot = -TESSEL_INFINITY;
            }
            s[c] = dot;
        }
        if (tile_max != -TESSEL_INFINITY) {
            float new_max = FMAXF(m, tile_max), alpha = EXPF(m - new_max);
            l *= alpha;
            #pragma unroll
            for (int x = 0; x < MAX_DIM; x++) o[x] *= alpha;
            #pragma unroll
            for (int c = 0; c < BLOCK; c++) {
                float w = EXPF(s[c] - new_max);
                l += w;
                #pragma unroll
                for (int x = 0; x < MAX_DIM; x++) o[x] = FMAF(w, v_tile[c * MAX_DIM + x], o[x]);
            }
            m = new_max;
        }
        BARRIER;
    }
    if (live) {
        float inv = l > 0.0f ? 1.0f / l : 0.0f;
        for (int x = 0; x < MAX_DIM; x++) if (x < dv) TESSEL_STORE(DTYPE, out, (base + i) * dv + x, o[x] * inv);
        lse[base + i] = l > 0.0f ? m + LOGF(l) : -TESSEL_INFINITY;
    }
}

/* dq_i = scale * sum_j P_ij (dO_i . v_j - D_i) k_j: group per (query block, BH), thread per query. */
KERNEL void tessel_sparse_attention_backward_dq(
        GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT q, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT k,
        GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT v, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT out,
        GLOBAL const float *RESTRICT lse, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT grad_out, GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT dq,
        GLOBAL const int *RESTRICT order, GLOBAL const int *RESTRICT row_start, GLOBAL const int *RESTRICT key_block,
        GLOBAL const int *RESTRICT mask_offset, GLOBAL const u32 *RESTRICT mask_words,
        int n, int d, int dv, float scale) {
    SHARED float q_own[BLOCK * OWN_STRIDE];
    SHARED float do_own[BLOCK * OWN_STRIDE];
    SHARED float k_tile[BLOCK * MAX_DIM];
    SHARED float v_tile[BLOCK * MAX_DIM];
    int qb = GROUP_ID_X, r = LOCAL_ID_X, p = qb * BLOCK + r, live = p < n;
    i64 base = (i64) GROUP_ID_Y * n;
    int i = live ? order[p] : 0;
    LOCAL float *qr = q_own + r * OWN_STRIDE;
    LOCAL float *dor = do_own + r * OWN_STRIDE;
    tessel_sa_load_row(q, base + i, live ? d : 0, scale, qr);
    tessel_sa_load_row(grad_out, base + i, live ? dv : 0, 1.0f, dor);
    float row_lse = live ? lse[base + i] : -TESSEL_INFINITY, dd = 0.0f;
    for (int x = 0; x < dv && live; x++) dd = FMAF(dor[x], TESSEL_LOAD(DTYPE, out, (base + i) * dv + x), dd);
    float g[MAX_DIM];
    #pragma unroll
    for (int x = 0; x < MAX_DIM; x++) g[x] = 0.0f;
    for (int e = row_start[qb]; e < row_start[qb + 1]; e++) {
        int k0 = key_block[e] * BLOCK, cols = n - k0 < BLOCK ? n - k0 : BLOCK, off = mask_offset[e];
        int j = r < cols ? order[k0 + r] : 0;
        tessel_sa_load_row(k, base + j, r < cols ? d : 0, 1.0f, k_tile + r * MAX_DIM);
        tessel_sa_load_row(v, base + j, r < cols ? dv : 0, 1.0f, v_tile + r * MAX_DIM);
        BARRIER;
        for (int c = 0; c < cols; c++) {
            if (!live || row_lse == -TESSEL_INFINITY || !tessel_sa_visible(mask_words, off, r, c)) continue;
            float s = 0.0f, dp = 0.0f;
            #pragma unroll
            for (int x = 0; x < MAX_DIM; x++) {
                s = FMAF(qr[x], k_tile[c * MAX_DIM + x], s);
                dp = FMAF(dor[x], v_tile[c * MAX_DIM + x], dp);
            }
            float ds = EXPF(s - row_lse) * (dp - dd);
            #pragma unroll
            for (int x = 0; x < MAX_DIM; x++) g[x] = FMAF(ds, k_tile[c * MAX_DIM + x], g[x]);
        }
        BARRIER;
    }
    if (live) {
#pragma unroll
        for (int x = 0; x < MAX_DIM; x++) if (x < d) TESSEL_STORE(DTYPE, dq, (base + i) * d + x, g[x] * scale);
    }
}

/* dv_j = sum_i P_ij dO_i and dk_j = scale * sum_i P_ij (dO_i . v_j - D_i) q_i: group per (key block, BH),
 * thread per key, visiting the query blocks that see the key block (the layout's column index). */
KERNEL void tessel_sparse_attention_backward_dkv(
        GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT q, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT k,
        GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT v, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT out,
        GLOBAL const float *RESTRICT lse, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT grad_out,
        GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT dk, GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT dv_out,
        GLOBAL const int *RESTRICT order, GLOBAL const int *RESTRICT column_start, GLOBAL const int *RESTRICT column_entry,
        GLOBAL const int *RESTRICT entry_block, GLOBAL const int *RESTRICT mask_offset, GLOBAL const u32 *RESTRICT mask_words,
        int n, int d, int dv, float scale) {
    SHARED float k_own[BLOCK * OWN_STRIDE];
    SHARED float v_own[BLOCK * OWN_STRIDE];
    SHARED float q_tile[BLOCK * MAX_DIM];
    SHARED float do_tile[BLOCK * MAX_DIM];
    SHARED float lse_tile[BLOCK];
    SHARED float dd_tile[BLOCK];
    /* dv accumulates in this thread's own shared row: with gk and gv both in registers the kernel
     * spilled on sm_90 (2 x MAX_DIM accumulators plus the row pointers and loop state). */
    SHARED float gv_own[BLOCK * OWN_STRIDE];
    int kb = GROUP_ID_X, c = LOCAL_ID_X, pk = kb * BLOCK + c, live = pk < n;
    i64 base = (i64) GROUP_ID_Y * n;
    int j = live ? order[pk] : 0;
    LOCAL float *kr = k_own + c * OWN_STRIDE;
    LOCAL float *vr = v_own + c * OWN_STRIDE;
    tessel_sa_load_row(k, base + j, live ? d : 0, 1.0f, kr);
    tessel_sa_load_row(v, base + j, live ? dv : 0, 1.0f, vr);
    LOCAL float *gv = gv_own + c * OWN_STRIDE;
    float gk[MAX_DIM];
    #pragma unroll
    for (int x = 0; x < MAX_DIM; x++) {
        gk[x] = 0.0f;
        gv[x] = 0.0f;
    }
    for (int t = column_start[kb]; t < column_start[kb + 1]; t++) {
        int e = column_entry[t], q0 = entry_block[e] * BLOCK, rows = n - q0 < BLOCK ? n - q0 : BLOCK, off = mask_offset[e];
        /* thread c loads query row c of the tile, its lse and D = dO . out */
        int i = c < rows ? order[q0 + c] : 0;
        tessel_sa_load_row(q, base + i, c < rows ? d : 0, scale, q_tile + c * MAX_DIM);
        tessel_sa_load_row(grad_out, base + i, c < rows ? dv : 0, 1.0f, do_tile + c * MAX_DIM);
        float dd = 0.0f;
        for (int x = 0; x < dv && c < rows; x++) dd = FMAF(do_tile[c * MAX_DIM + x], TESSEL_LOAD(DTYPE, out, (base + i) * dv + x), dd);
        dd_tile[c] = dd;
        lse_tile[c] = c < rows ? lse[base + i] : -TESSEL_INFINITY;
        BARRIER;
        for (int r = 0; r < rows; r++) {
            if (!live || !tessel_sa_visible(mask_words, off, r, c)) continue;
            float s = 0.0f, dp = 0.0f;
            #pragma unroll
            for (int x = 0; x < MAX_DIM; x++) {
                s = FMAF(q_tile[r * MAX_DIM + x], kr[x], s);
                dp = FMAF(do_tile[r * MAX_DIM + x], vr[x], dp);
            }
            float w = EXPF(s - lse_tile[r]), ds = w * (dp - dd_tile[r]);
            #pragma unroll
            for (int x = 0; x < MAX_DIM; x++) {
                gv[x] = FMAF(w, do_tile[r * MAX_DIM + x], gv[x]);
                gk[x] = FMAF(ds, q_tile[r * MAX_DIM + x], gk[x]);
            }
        }
        BARRIER;
    }
    if (live) {
#pragma unroll
        for (int x = 0; x < MAX_DIM; x++) {
            if (x < d) TESSEL_STORE(DTYPE, dk, (base + j) * d + x, gk[x]);
            if (x < dv) TESSEL_STORE(DTYPE, dv_out, (base + j) * dv + x, gv[x]);
        }
    }
}
