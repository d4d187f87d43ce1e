/* adamw.cu: one fused AdamW step (torch 1.13 single-tensor order, as AdamWStep in Java) with the
 * moments stored in float or in DALL·E's 16-bit formats (paper appendix D): m in 1-6-9 (sign, 6
 * exponent, 9 mantissa bits), v in 0-6-10 (no sign, 6 exponent, 10 mantissa bits), exponent bias
 * 60, no Inf/NaN codes, field 0 = subnormals, round to nearest even, saturate at the maximum.
 * Build options: -DGRAD_DTYPE=<code> -DMEAN16=0|1 -DVAR16=0|1 -DBLOCK=<threads, power of two>.
 *
 * Invariant: the codec is bit-identical to MomentFormat.encode/decode (and to the Cpu backend's
 * MomentCodec, the same algorithm); an element whose gradient is not finite is not touched and
 * is counted in *skipped (shared-memory tree per group, one atomic per group).
 */
#ifndef __OPENCL_VERSION__
#include "tessel_portable.h"
#endif

#ifndef GRAD_DTYPE
#define GRAD_DTYPE TESSEL_F32
#endif
#ifndef MEAN16
#define MEAN16 1
#endif
#ifndef VAR16
#define VAR16 1
#endif
#ifndef BLOCK
#define BLOCK 256
#endif

#if MEAN16 || VAR16
/* Float bits of (2 - 2^-m) * 2^3, the format's maximum. */
DEVICE u32 tessel_moment_max_bits(int m) { return (130u << 23) | (((1u << m) - 1u) << (23 - m)); }

/* Nearest-even code of x (not NaN; x >= 0 when sign_bit is 0), saturating at the maximum. Normal
 * codes are the float bits rebiased by 127 - 60 = 67 and shifted right by 23 - m; below 2^-59
 * (float exponent field 68) the code is rint(|x| * 2^(59+m)), an exact scaling then one rounding. */
DEVICE u32 tessel_moment_encode(float x, int m, u32 sign_bit) {
    u32 bits = AS_UINT(x), a = bits & 0x7fffffffu, magnitude;
    if (a >= tessel_moment_max_bits(m)) {
        magnitude = (1u << (6 + m)) - 1u;
    } else if (a >= (68u << 23)) {
        u32 t = a - (67u << 23);
        int shift = 23 - m;
        magnitude = (t + (1u << (shift - 1)) - 1u + ((t >> shift) & 1u)) >> shift;
    } else {
        magnitude = (u32) RINTF(FABSF(x) * AS_FLOAT((u32) (127 + 59 + m) << 23));
    }
    return ((bits >> 31) != 0u ? sign_bit : 0u) | magnitude;
}

DEVICE float tessel_moment_decode(u32 code, int m, u32 sign_bit) {
    u32 field = (code >> m) & 63u, mantissa = code & ((1u << m) - 1u);
    float magnitude = field == 0u ? (float) mantissa * AS_FLOAT((u32) (127 - 59 - m) << 23)
                                  : AS_FLOAT(((field + 67u) << 23) | (mantissa << (23 - m)));
    return (sign_bit != 0u && (code & sign_bit) != 0u) ? -magnitude : magnitude;
}

#endif

#if MEAN16
#define MEAN_T u16
#define LOAD_MEAN(p, i) tessel_moment_decode((p)[i], 9, 1u << 15)
#define STORE_MEAN(p, i, x) ((p)[i] = (u16) tessel_moment_encode((x), 9, 1u << 15))
#else
#define MEAN_T float
#define LOAD_MEAN(p, i) ((p)[i])
#define STORE_MEAN(p, i, x) ((p)[i] = (x))
#endif

#if VAR16
#define VAR_T u16
#define LOAD_VAR(p, i) tessel_moment_decode((p)[i], 10, 0u)
#define STORE_VAR(p, i, x) ((p)[i] = (u16) tessel_moment_encode((x), 10, 0u))
#else
#define VAR_T float
#define LOAD_VAR(p, i) ((p)[i])
#define STORE_VAR(p, i, x) ((p)[i] = (x))
#endif

/* p *= decay; m = b1 m + (1-b1) g; v = min(b2 v + (1-b2) g^2, clip); p += neg_step * m / (sqrt(v)/bias2 + eps). */
KERNEL void tessel_adamw(GLOBAL float *RESTRICT param, GLOBAL const TESSEL_TYPE(GRAD_DTYPE) *RESTRICT grad,
                         GLOBAL MEAN_T *RESTRICT mean, GLOBAL VAR_T *RESTRICT var, GLOBAL u32 *RESTRICT skipped,
                         float decay, float b1, float b2, float one_minus_b1, float one_minus_b2,
                         float bias2, float eps, float neg_step, float clip, int n) {
    SHARED u32 partial[BLOCK];
    int tid = LOCAL_ID_X;
    u32 bad = 0;
    for (int i = GROUP_ID_X * BLOCK + tid; i < n; i += NUM_GROUPS_X * BLOCK) {
        float g = TESSEL_LOAD(GRAD_DTYPE, grad, i);
        if (!tessel_is_finite(g)) {
            bad++;
            continue;
        }
        float p = param[i] * decay;
        float m = FMAF(one_minus_b1, g, LOAD_MEAN(mean, i) * b1);
        float v = LOAD_VAR(var, i) * b2 + one_minus_b2 * g * g;
        if (v > clip) v = clip;
        float denom = SQRTF(v) / bias2 + eps;
        STORE_MEAN(mean, i, m);
        STORE_VAR(var, i, v);
        param[i] = p + neg_step * m / denom;
    }
    partial[tid] = bad;
    TESSEL_GROUP_REDUCE(partial, TESSEL_ADD);
    if (tid == 0 && partial[0] != 0) ATOMIC_ADD_U32(skipped, partial[0]);
}
