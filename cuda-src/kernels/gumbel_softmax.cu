/* gumbel_softmax.cu: the gumbel-softmax relaxation of the dVAE (DALL·E section 2.1):
 *   y = softmax((logits + g) / tau) along one axis, g = -ln(-ln u),
 * soft, or straight-through (also writing the one-hot of the first maximum), with u either drawn
 * in-kernel from the Philox stream of engine-tensor (element at logical flat index k gets
 * uniform(seed, offset, k)) or read from a buffer; and its backward
 *   dlogits = y * (dy - sum_axis(dy * y)) / tau.
 * The promoted kernels of cuda-src/dev/gumbel_softmax_lab.cu (kernel 1 there is the 3-pass form).
 * Layout: a dense tensor seen as [outer, C, inner] with the softmax over C; one thread per
 * (outer, inner) row, walking C with stride inner, so neighbouring threads touch neighbouring
 * words (coalesced for NCHW logits with the softmax over channels).
 * Build options: -DDTYPE=<code>.
 *
 * Invariant: the noise is evaluated in float from bit-identical uniforms; forward is an online
 * (running max, rescaled sum) pass then a write pass, recomputing the noise rather than storing it.
 */
#ifndef __OPENCL_VERSION__
#include "tessel_portable.h"
#endif
#include "philox.h"

#ifndef DTYPE
#define DTYPE TESSEL_F32
#endif

/* Element i of the (seed, offset) stream as raw bits: the cross-backend identity check. */
KERNEL void tessel_philox_uniform_bits(GLOBAL u32 *RESTRICT out, i64 seed, i64 offset, int n) {
    for (int i = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; i < n; i += NUM_GROUPS_X * LOCAL_SIZE_X)
        out[i] = tessel_philox_bits(seed, offset, i);
}

/* g = -ln(-ln u) with u from the stream, in float. */
KERNEL void tessel_gumbel_noise(GLOBAL float *RESTRICT out, i64 seed, i64 offset, int n) {
    for (int i = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; i < n; i += NUM_GROUPS_X * LOCAL_SIZE_X)
        out[i] = -LOGF(-LOGF(tessel_uniform(tessel_philox_bits(seed, offset, i))));
}

DEVICE float tessel_gumbel_score(GLOBAL const TESSEL_TYPE(DTYPE) *logits, GLOBAL const TESSEL_TYPE(DTYPE) *u,
                                 int use_philox, i64 seed, i64 offset, i64 k, float inv_tau) {
    float uniform = use_philox ? tessel_uniform(tessel_philox_bits(seed, offset, k)) : TESSEL_LOAD(DTYPE, u, k);
    return (TESSEL_LOAD(DTYPE, logits, k) - LOGF(-LOGF(uniform))) * inv_tau;
}

/* y = soft sample; when write_hard, hard = one-hot of the first maximum. u is read only when !use_philox. */
KERNEL void tessel_gumbel_softmax(GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT logits, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT u,
                                  GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT y, GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT hard,
                                  i64 seed, i64 offset, int use_philox, int write_hard, float inv_tau,
                                  int outer, int channels, int inner) {
    int rows = outer * inner;
    for (int r = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; r < rows; r += NUM_GROUPS_X * LOCAL_SIZE_X) {
        i64 base = (i64) (r / inner) * channels * inner + r % inner;
        float max = -TESSEL_INFINITY, sum = 0.0f;
        int best = 0;
        for (int c = 0; c < channels; c++) {
            float z = tessel_gumbel_score(logits, u, use_philox, seed, offset, base + (i64) c * inner, inv_tau);
            if (z > max) {
                sum = sum * EXPF(max - z) + 1.0f;
                max = z;
                best = c;
            } else {
                sum += EXPF(z - max);
            }
        }
        float inv_sum = 1.0f / sum;
        for (int c = 0; c < channels; c++) {
            i64 k = base + (i64) c * inner;
            float z = tessel_gumbel_score(logits, u, use_philox, seed, offset, k, inv_tau);
            TESSEL_STORE(DTYPE, y, k, EXPF(z - max) * inv_sum);
            if (write_hard) TESSEL_STORE(DTYPE, hard, k, c == best ? 1.0f : 0.0f);
        }
    }
}

KERNEL void tessel_gumbel_softmax_backward(GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT y, GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT dy,
                                           GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT dlogits, float inv_tau,
                                           int outer, int channels, int inner) {
    int rows = outer * inner;
    for (int r = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; r < rows; r += NUM_GROUPS_X * LOCAL_SIZE_X) {
        i64 base = (i64) (r / inner) * channels * inner + r % inner;
        float dot = 0.0f;
        for (int c = 0; c < channels; c++) {
            i64 k = base + (i64) c * inner;
            dot += TESSEL_LOAD(DTYPE, y, k) * TESSEL_LOAD(DTYPE, dy, k);
        }
        for (int c = 0; c < channels; c++) {
            i64 k = base + (i64) c * inner;
            float p = TESSEL_LOAD(DTYPE, y, k);
            TESSEL_STORE(DTYPE, dlogits, k, p * (TESSEL_LOAD(DTYPE, dy, k) - dot) * inv_tau);
        }
    }
}
