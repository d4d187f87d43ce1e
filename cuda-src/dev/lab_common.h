/* lab_common.h: the shared scaffolding of the cuda-src/dev labs (llm.c's dev/cuda manner): error
 * checks, seeded host data, f16 conversions on the host, validation against a CPU reference
 * (|got - ref| <= atol + rtol * |ref|, first mismatches printed), and a timing helper.
 * Host-only C++ plus the CUDA runtime; the kernels themselves come from ../kernels.
 *
 * Invariant: labs print what they measured and exit non-zero when a variant fails validation.
 */
#ifndef TESSEL_LAB_COMMON_H
#define TESSEL_LAB_COMMON_H

#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cmath>
#include <vector>

#define CUDA_CHECK(call)                                                                        \
    do {                                                                                        \
        cudaError_t err_ = (call);                                                              \
        if (err_ != cudaSuccess) {                                                              \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(err_)); \
            std::exit(2);                                                                       \
        }                                                                                       \
    } while (0)

/* xorshift64*: reproducible host data. */
static inline float lab_uniform(unsigned long long *state, float lo, float hi) {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    unsigned long long r = *state * 2685821657736338717ULL;
    return lo + (hi - lo) * (float) ((r >> 40) * (1.0 / 16777216.0));
}

static inline std::vector<float> lab_random(size_t n, unsigned long long seed, float lo, float hi) {
    std::vector<float> v(n);
    unsigned long long s = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < n; i++) v[i] = lab_uniform(&s, lo, hi);
    return v;
}

/* Round-to-nearest-even float -> f16 bits and back, on the host (finite inputs in range). */
static inline unsigned short lab_float_to_half(float f) {
    unsigned int x;
    std::memcpy(&x, &f, 4);
    unsigned int sign = (x >> 16) & 0x8000u;
    int e = (int) ((x >> 23) & 0xff) - 127 + 15;
    unsigned int m = x & 0x7fffffu;
    if (e >= 31) return (unsigned short) (sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10) return (unsigned short) sign;
        m |= 0x800000u;
        int shift = 14 - e;
        unsigned int half = m >> shift, rem = m & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1u))) half++;
        return (unsigned short) (sign | half);
    }
    unsigned int half = ((unsigned int) e << 10) | (m >> 13), rem = m & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) half++;
    return (unsigned short) (sign | half);
}

static inline float lab_half_to_float(unsigned short h) {
    unsigned int sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, x;
    if (e == 0) {
        float v = std::ldexp((float) m, -24);
        return sign ? -v : v;
    }
    if (e == 31) x = sign | 0x7f800000u | (m << 13);
    else x = sign | ((e - 15 + 127) << 23) | (m << 13);
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

/* Compares n values; prints up to 5 mismatches; returns the number of mismatches. */
static inline int lab_validate(const char *what, const float *got, const float *ref, size_t n, float atol, float rtol) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        float d = std::fabs(got[i] - ref[i]);
        if (!(d <= atol + rtol * std::fabs(ref[i])) && !(std::isnan(got[i]) && std::isnan(ref[i]))) {
            if (bad < 5) std::printf("  %s mismatch at %zu: got %g ref %g\n", what, i, got[i], ref[i]);
            bad++;
        }
    }
    std::printf("%s: %s (%d of %zu off)\n", what, bad ? "FAIL" : "ok", bad, n);
    return bad;
}

/* Mean milliseconds per call of launch() over `repeats` after one warm-up. */
template <typename F>
static float lab_time_ms(F launch, int repeats) {
    cudaEvent_t start, stop;
    CUDA_CHECK(cudaEventCreate(&start));
    CUDA_CHECK(cudaEventCreate(&stop));
    launch();
    CUDA_CHECK(cudaEventRecord(start));
    for (int i = 0; i < repeats; i++) launch();
    CUDA_CHECK(cudaEventRecord(stop));
    CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    CUDA_CHECK(cudaEventDestroy(start));
    CUDA_CHECK(cudaEventDestroy(stop));
    return ms / repeats;
}

template <typename T>
static T *lab_to_device(const std::vector<T> &host) {
    T *d = nullptr;
    CUDA_CHECK(cudaMalloc(&d, host.size() * sizeof(T) + 16));
    CUDA_CHECK(cudaMemcpy(d, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

template <typename T>
static std::vector<T> lab_to_host(const T *d, size_t n) {
    std::vector<T> host(n);
    CUDA_CHECK(cudaMemcpy(host.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
}

#endif
