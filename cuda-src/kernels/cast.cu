/* cast.cu: conversion between the float storage dtypes (F32, F16, BF16) on the device.
 * Build options: -DIN_DTYPE=<code> -DOUT_DTYPE=<code> (codes in tessel_portable.h).
 *
 * Invariant: one rounding, float -> output dtype, to nearest even (a 16-bit input widens to float
 * exactly), so the result is bit-identical to the Reference backend's cast.
 */
#ifndef __OPENCL_VERSION__
#include "tessel_portable.h"
#endif

#ifndef IN_DTYPE
#define IN_DTYPE TESSEL_F32
#endif
#ifndef OUT_DTYPE
#define OUT_DTYPE TESSEL_F16
#endif

/* y[i] = x[i] converted, i < n; grid-stride over any number of groups. */
KERNEL void tessel_cast(GLOBAL const TESSEL_TYPE(IN_DTYPE) *RESTRICT x, GLOBAL TESSEL_TYPE(OUT_DTYPE) *RESTRICT y, int n) {
    for (int i = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X; i < n; i += NUM_GROUPS_X * LOCAL_SIZE_X) {
        float v = TESSEL_LOAD(IN_DTYPE, x, i);
        TESSEL_STORE(OUT_DTYPE, y, i, v);
    }
}
