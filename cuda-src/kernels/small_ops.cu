/* small_ops.cu: the small ops a training step needs on the device besides GEMM, attention and
 * the optimizer: layernorm (forward), softmax cross-entropy (per-row loss), the three GELUs,
 * embedding gather. One file, so that one build per dtype serves them all (each PoCL build
 * costs seconds). Lab: cuda-src/dev/small_ops_lab.cu.
 * Build options: -DDTYPE=<code> -DBLOCK=<threads per group, a power of two>.
 *
 * Invariant: formulas are ScalarMath's (GELU_ERF via erfc, sigmoid never exponentiates a
 * positive number), computed in float; row kernels run one group per row and every thread of
 * the group reaches every barrier.
 */
#ifndef __OPENCL_VERSION__
#include "tessel_portable.h"
#endif

#ifndef DTYPE
#define DTYPE TESSEL_F32
#endif
#ifndef BLOCK
#define BLOCK 256
#endif

/* Sum / max of v over the group (tree in shared memory); every thread gets the result. */
DEVICE float tessel_group_sum(LOCAL float *partial, float v) {
    partial[LOCAL_ID_X] = v;
    TESSEL_GROUP_REDUCE(partial, TESSEL_ADD);
    float total = partial[0];
    BARRIER; /* all have read partial[0] before the next reduction overwrites it */
    return total;
}

DEVICE float tessel_group_max(LOCAL float *partial, float v) {
    partial[LOCAL_ID_X] = v;
    TESSEL_GROUP_REDUCE(partial, FMAXF);
    float total = partial[0];
    BARRIER;
    return total;
}

/* y = (x - mean) / sqrt(var + eps) * weight + bias over rows of C (biased variance, two passes). */
KERNEL void tessel_layer_norm(GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT x, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT weight,
                              GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT bias, GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT y,
                              int has_weight, int has_bias, int channels, float eps) {
    SHARED float partial[BLOCK];
    int tid = LOCAL_ID_X;
    i64 row = (i64) GROUP_ID_X * channels;
    float s = 0.0f;
    for (int k = tid; k < channels; k += BLOCK) s += TESSEL_LOAD(DTYPE, x, row + k);
    float mean = tessel_group_sum(partial, s) / (float) channels;
    float q = 0.0f;
    for (int k = tid; k < channels; k += BLOCK) {
        float d = TESSEL_LOAD(DTYPE, x, row + k) - mean;
        q += d * d;
    }
    float inv = 1.0f / SQRTF(tessel_group_sum(partial, q) / (float) channels + eps);
    for (int k = tid; k < channels; k += BLOCK) {
        float v = (TESSEL_LOAD(DTYPE, x, row + k) - mean) * inv;
        if (has_weight) v *= TESSEL_LOAD(DTYPE, weight, k);
        if (has_bias) v += TESSEL_LOAD(DTYPE, bias, k);
        TESSEL_STORE(DTYPE, y, row + k, v);
    }
}

/* loss[r] = logsumexp(logits[r]) - logits[r, targets[r]], in float; the host takes the mean in double. */
KERNEL void tessel_softmax_cross_entropy(GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT logits, GLOBAL const i64 *RESTRICT targets,
                                         GLOBAL float *RESTRICT loss, int classes) {
    SHARED float partial[BLOCK];
    int tid = LOCAL_ID_X;
    i64 row = (i64) GROUP_ID_X * classes;
    float m = -TESSEL_INFINITY;
    for (int k = tid; k < classes; k += BLOCK) m = FMAXF(m, TESSEL_LOAD(DTYPE, logits, row + k));
    float max = tessel_group_max(partial, m);
    float s = 0.0f;
    for (int k = tid; k < classes; k += BLOCK) s += EXPF(TESSEL_LOAD(DTYPE, logits, row + k) - max);
    float sum = tessel_group_sum(partial, s);
    if (tid == 0) loss[GROUP_ID_X] = max + LOGF(sum) - TESSEL_LOAD(DTYPE, logits, row + targets[GROUP_ID_X]);
}

DEVICE float tessel_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + EXPF(-x));
    float e = EXPF(x);
    return e / (1.0f + e);
}

/* op 0: GELU_ERF 0.5 x erfc(-x/sqrt 2); 1: GELU_TANH x sigmoid(2 s (x + c x^3)); 2: GELU_SIGMOID x sigmoid(1.702 x). */
KERNEL void tessel_gelu(GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT x, GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT y, int op, int n) {
    for (int i = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; i < n; i += NUM_GROUPS_X * LOCAL_SIZE_X) {
        float v = TESSEL_LOAD(DTYPE, x, i), r;
        if (op == 0) r = 0.5f * v * ERFCF(-v * 0.70710678118654752f);
        else if (op == 1) r = v * tessel_sigmoid(2.0f * 0.7978845608028654f * (v + 0.044715f * v * v * v));
        else r = v * tessel_sigmoid(1.702f * v);
        TESSEL_STORE(DTYPE, y, i, r);
    }
}

/* out[j, k] = table[ids[j], k]: a copy of the stored bits (ids checked on the host). */
KERNEL void tessel_embedding(GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT table, GLOBAL const i64 *RESTRICT ids,
                             GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT out, int dim, int count) {
    i64 total = (i64) dim * count;
    for (i64 i = (i64) GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; i < total; i += (i64) NUM_GROUPS_X * LOCAL_SIZE_X) {
        i64 j = i / dim;
        out[i] = table[ids[j] * dim + (i - j * dim)];
    }
}
