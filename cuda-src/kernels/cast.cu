/* cast.cu: conversion between the float storage dtypes (F32, F16, BF16) on the device.
 * The dtypes are run-time arguments (codes of tessel_portable.h), not build options: a cast is
 * memory-bound, the branch is uniform across the launch, and one build then serves all nine
 * pairs (each PoCL build costs seconds).
 *
 * Invariant: one rounding, float -> output dtype, to nearest even (a 16-bit input widens to float
 * exactly), so the result is bit-identical to the Reference backend's cast (NaN included).
 */
#ifndef __OPENCL_VERSION__
#include "tessel_portable.h"
#endif

DEVICE float tessel_load_float(GLOBAL const u16 *p, int dtype, int i) {
    if (dtype == TESSEL_F32) return ((GLOBAL const float *) p)[i];
    if (dtype == TESSEL_F16) return LOAD_HALF(p, i);
    return tessel_bf16_to_float(p[i]);
}

DEVICE void tessel_store_float(GLOBAL u16 *p, int dtype, int i, float v) {
    if (dtype == TESSEL_F32) ((GLOBAL float *) p)[i] = v;
    else if (dtype == TESSEL_F16) STORE_HALF(p, i, v);
    else p[i] = tessel_float_to_bf16(v);
}

/* y[i] = x[i] converted, i < n; buffers passed as raw 16-bit words whatever their dtype. */
KERNEL void tessel_cast(GLOBAL const u16 *RESTRICT x, GLOBAL u16 *RESTRICT y, int in_dtype, int out_dtype, int n) {
    for (int i = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; i < n; i += NUM_GROUPS_X * LOCAL_SIZE_X)
        tessel_store_float(y, out_dtype, i, tessel_load_float(x, in_dtype, i));
}
