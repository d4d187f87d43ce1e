/* unscale_filter.cu: DALL·E's filtered gradient unscale (paper section 2.4): y = x * (1/scale),
 * every element that is not finite in the storage dtype (Inf, NaN, or a product that overflows
 * it) set to 0, and the number of such elements added to *count.
 * Build options: -DDTYPE=<code> -DBLOCK=<threads per group, a power of two>.
 *
 * Invariant: `limit` is the smallest float magnitude that rounds to infinity in DTYPE
 * (Unscaled.overflowLimit in Java), so !(|v| < limit) is exactly "not finite after storing".
 * The count is reduced in shared memory per group (a tree; every thread reaches every barrier),
 * then one atomic add per group.
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

KERNEL void tessel_unscale_filter(GLOBAL const TESSEL_TYPE(DTYPE) *RESTRICT x, GLOBAL TESSEL_TYPE(DTYPE) *RESTRICT y,
                                  GLOBAL u32 *RESTRICT count, float inverse_scale, float limit, int n) {
    SHARED u32 partial[BLOCK];
    int tid = LOCAL_ID_X;
    u32 bad = 0;
    for (int i = GROUP_ID_X * BLOCK + tid; i < n; i += NUM_GROUPS_X * BLOCK) {
        float v = TESSEL_LOAD(DTYPE, x, i) * inverse_scale;
        if (!(FABSF(v) < limit)) {
            v = 0.0f;
            bad++;
        }
        TESSEL_STORE(DTYPE, y, i, v);
    }
    partial[tid] = bad;
    TESSEL_GROUP_REDUCE(partial, TESSEL_ADD);
    if (tid == 0 && partial[0] != 0) ATOMIC_ADD_U32(count, partial[0]);
}
