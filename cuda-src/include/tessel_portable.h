/* tessel_portable.h: the portability layer that lets one kernel source compile as CUDA (nvcc,
 * NVRTC) and as OpenCL C 1.2 (the OpenCL backend prepends this text, then `#line 1 "file.cu"`,
 * then the kernel file). DESIGN.md section 2b lists the rules it encodes.
 *
 * Invariant: everything a kernel file needs that differs between the two dialects is a macro or
 * DEVICE helper here; kernel files use only the common subset of C (no templates, references,
 * overloading, C++ casts, `half` variables, `extern __shared__`, size_t/bool kernel arguments,
 * unsuffixed float literals) and guard their `#include "tessel_portable.h"` with
 * `#ifndef __OPENCL_VERSION__`. No CUDA header is included, so NVRTC needs no include path:
 * half <-> float conversions in CUDA are single PTX instructions (cvt).
 */
#ifndef TESSEL_PORTABLE_H
#define TESSEL_PORTABLE_H

typedef unsigned int u32;
typedef unsigned short u16;

#ifdef __OPENCL_VERSION__
/* ------------------------------------------------------------------ OpenCL C 1.2 */
/* a*b+c stays two roundings unless a kernel writes FMAF, as in Java (CUDA: NVRTC --fmad=false). */
#pragma OPENCL FP_CONTRACT OFF
typedef long i64;
typedef ulong u64;
#define KERNEL __kernel
#define DEVICE static inline
#define GLOBAL __global
#define LOCAL __local
#define SHARED __local
#define RESTRICT restrict
#define LOCAL_ID_X ((int) get_local_id(0))
#define LOCAL_ID_Y ((int) get_local_id(1))
#define GROUP_ID_X ((int) get_group_id(0))
#define GROUP_ID_Y ((int) get_group_id(1))
#define GROUP_ID_Z ((int) get_group_id(2))
#define LOCAL_SIZE_X ((int) get_local_size(0))
#define LOCAL_SIZE_Y ((int) get_local_size(1))
#define NUM_GROUPS_X ((int) get_num_groups(0))
#define BARRIER barrier(CLK_LOCAL_MEM_FENCE)
/* No cl_khr_fp16 on PoCL: half values only pass through vload_half / vstore_half_rte. */
#define LOAD_HALF(p, i) vload_half((i), (__global const half *) (p))
#define STORE_HALF(p, i, v) tessel_store_half((p), (i), (v))
#define LOAD_HALF_LOCAL(p, i) vload_half((i), (__local const half *) (p))
#define STORE_HALF_LOCAL(p, i, v) tessel_store_half_local((p), (i), (v))
#define UMULHI(a, b) mul_hi((uint) (a), (uint) (b))
#define AS_FLOAT(x) as_float(x)
#define AS_UINT(x) as_uint(x)
#define ATOMIC_ADD_U32(p, v) atomic_add((p), (v))
#define EXPF(x) exp(x)
#define LOGF(x) log(x)
#define SQRTF(x) sqrt(x)
#define TANHF(x) tanh(x)
#define ERFF(x) erf(x)
#define ERFCF(x) erfc(x)
#define FABSF(x) fabs(x)
#define FMAXF(a, b) fmax((a), (b))
#define FMINF(a, b) fmin((a), (b))
#define FMAF(a, b, c) fma((a), (b), (c))
#define RINTF(x) rint(x)

#else
/* ------------------------------------------------------------------ CUDA (nvcc, NVRTC) */
typedef long long i64;
typedef unsigned long long u64;
#define KERNEL extern "C" __global__
#define DEVICE static __device__ __forceinline__
#define GLOBAL
#define LOCAL
#define SHARED __shared__
#define RESTRICT __restrict__
#define LOCAL_ID_X ((int) threadIdx.x)
#define LOCAL_ID_Y ((int) threadIdx.y)
#define GROUP_ID_X ((int) blockIdx.x)
#define GROUP_ID_Y ((int) blockIdx.y)
#define GROUP_ID_Z ((int) blockIdx.z)
#define LOCAL_SIZE_X ((int) blockDim.x)
#define LOCAL_SIZE_Y ((int) blockDim.y)
#define NUM_GROUPS_X ((int) gridDim.x)
#define BARRIER __syncthreads()

DEVICE float tessel_half_to_float(u16 h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}

DEVICE u16 tessel_float_to_half_cvt(float f) {
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

#define LOAD_HALF(p, i) tessel_half_to_float((p)[i])
#define STORE_HALF(p, i, v) ((p)[i] = tessel_float_to_half(v))
#define LOAD_HALF_LOCAL(p, i) tessel_half_to_float((p)[i])
#define STORE_HALF_LOCAL(p, i, v) ((p)[i] = tessel_float_to_half(v))
#define UMULHI(a, b) __umulhi((a), (b))
#define AS_FLOAT(x) __uint_as_float(x)
#define AS_UINT(x) __float_as_uint(x)
#define ATOMIC_ADD_U32(p, v) atomicAdd((p), (v))
#define EXPF(x) expf(x)
#define LOGF(x) logf(x)
#define SQRTF(x) sqrtf(x)
#define TANHF(x) tanhf(x)
#define ERFF(x) erff(x)
#define ERFCF(x) erfcf(x)
#define FABSF(x) fabsf(x)
#define FMAXF(a, b) fmaxf((a), (b))
#define FMINF(a, b) fminf((a), (b))
#define FMAF(a, b, c) fmaf((a), (b), (c))
#define RINTF(x) rintf(x)
#endif

/* ------------------------------------------------------------------ common helpers */

#define TESSEL_INFINITY AS_FLOAT(0x7f800000u)

/* The F16 NaN that Java's Float.floatToFloat16 makes of the float bits b (sign and payload bits
 * kept): the device conversions produce other NaNs, and stored results must be bit-identical to
 * the host backends'. */
DEVICE u16 tessel_half_nan(u32 b) {
    return (u16) (((b >> 16) & 0x8000u) | 0x7c00u | ((b & 0x7fe000u) >> 13) | ((b & 0x1ff0u) >> 4) | (b & 0xfu));
}

#ifdef __OPENCL_VERSION__
DEVICE void tessel_store_half(__global u16 *p, i64 i, float v) {
    if (v != v) p[i] = tessel_half_nan(as_uint(v));
    else vstore_half_rte(v, (size_t) i, (__global half *) p);
}
DEVICE void tessel_store_half_local(__local u16 *p, int i, float v) {
    if (v != v) p[i] = tessel_half_nan(as_uint(v));
    else vstore_half_rte(v, (size_t) i, (__local half *) p);
}
#else
/* Round to nearest even; NaN as Java makes it. */
DEVICE u16 tessel_float_to_half(float f) {
    return f != f ? tessel_half_nan(__float_as_uint(f)) : tessel_float_to_half_cvt(f);
}
#endif

/* A float is finite iff its exponent field is not all ones (no isfinite: NVRTC has no math.h). */
DEVICE int tessel_is_finite(float x) { return (AS_UINT(x) & 0x7f800000u) != 0x7f800000u; }

DEVICE float tessel_bf16_to_float(u16 b) { return AS_FLOAT(((u32) b) << 16); }

/* Round to nearest even, a NaN stays a quiet NaN: bit-identical to DType.floatToBf16. */
DEVICE u16 tessel_float_to_bf16(float f) {
    u32 bits = AS_UINT(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (u16) ((bits >> 16) | 0x40u);
    return (u16) ((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

/* Tree reduction over a work-group: partial[0 .. BLOCK) (shared memory, one value per thread,
 * already written) is combined pairwise into partial[0] with combine(a, b). BLOCK is the group
 * size, a power of two the kernel file defines; every thread of the group must reach it. */
#define TESSEL_ADD(a, b) ((a) + (b))
#define TESSEL_GROUP_REDUCE(partial, combine)                                                   \
    do {                                                                                        \
        BARRIER;                                                                                \
        for (int w_ = BLOCK / 2; w_ > 0; w_ >>= 1) {                                            \
            if (LOCAL_ID_X < w_) partial[LOCAL_ID_X] = combine(partial[LOCAL_ID_X], partial[LOCAL_ID_X + w_]); \
            BARRIER;                                                                            \
        }                                                                                       \
    } while (0)

/* Storage dtype codes of the -D build options that pick a buffer's element type (DeviceDType in
 * Java). 16-bit buffers hold raw u16 bits and compute in float. A kernel names its element types
 * and accesses through these macros with a code that is a preprocessor literal, e.g.
 *   TESSEL_TYPE(IN_DTYPE) *x;  float v = TESSEL_LOAD(IN_DTYPE, x, i);  TESSEL_STORE(OUT_DTYPE, y, i, v);
 */
#define TESSEL_F32 0
#define TESSEL_F16 1
#define TESSEL_BF16 2

#define TESSEL_TYPE(d) TESSEL_TYPE_I(d)
#define TESSEL_TYPE_I(d) TESSEL_TYPE_##d
#define TESSEL_TYPE_0 float
#define TESSEL_TYPE_1 u16
#define TESSEL_TYPE_2 u16

#define TESSEL_LOAD(d, p, i) TESSEL_LOAD_I(d, p, i)
#define TESSEL_LOAD_I(d, p, i) TESSEL_LOAD_##d(p, i)
#define TESSEL_LOAD_0(p, i) ((p)[i])
#define TESSEL_LOAD_1(p, i) LOAD_HALF(p, i)
#define TESSEL_LOAD_2(p, i) tessel_bf16_to_float((p)[i])

#define TESSEL_STORE(d, p, i, v) TESSEL_STORE_I(d, p, i, v)
#define TESSEL_STORE_I(d, p, i, v) TESSEL_STORE_##d(p, i, v)
#define TESSEL_STORE_0(p, i, v) ((p)[i] = (v))
#define TESSEL_STORE_1(p, i, v) STORE_HALF(p, i, v)
#define TESSEL_STORE_2(p, i, v) ((p)[i] = tessel_float_to_bf16(v))

#endif
