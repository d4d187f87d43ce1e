/* unscale_filter_lab.cu: filtered gradient unscale (y = x / scale, Inf/NaN -> 0, count them) on f16.
 *   nvcc -O3 -arch=sm_80 -fmad=false -I../include unscale_filter_lab.cu -o unscale_filter_lab && ./unscale_filter_lab [variant]
 * Variants:
 *   1  one global atomicAdd per non-finite element (contention when a whole block overflowed)
 *   2  tessel_unscale_filter (promoted, ../kernels/unscale_filter.cu): grid-stride, per-group
 *      shared-memory tree of the count, one atomic per group
 * Validation against a CPU reference (values bit-exact, count exact), then a sweep of sizes and
 * block counts printing ms and GB/s (bytes read + written).
 */
#define DTYPE 1
#define BLOCK 256
#include "../kernels/unscale_filter.cu"
#include "lab_common.h"

extern "C" __global__ void unscale_kernel1(const u16 *x, u16 *y, unsigned int *count, float inverse_scale, float limit, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = tessel_half_to_float(x[i]) * inverse_scale;
    if (!(fabsf(v) < limit)) {
        v = 0.0f;
        atomicAdd(count, 1u);
    }
    y[i] = tessel_float_to_half(v);
}

static void run(int variant, int groups, const u16 *x, u16 *y, unsigned int *count, float inv, int n) {
    if (variant == 1) unscale_kernel1<<<(n + 255) / 256, 256>>>(x, y, count, inv, 65520.0f, n);
    else tessel_unscale_filter<<<groups, BLOCK>>>(x, y, count, inv, 65520.0f, n);
    CUDA_CHECK(cudaGetLastError());
}

int main(int argc, char **argv) {
    int only = argc > 1 ? std::atoi(argv[1]) : -1, failures = 0;
    int n = 1 << 20;
    std::vector<float> xf = lab_random(n, 3, -60000, 60000);
    std::vector<u16> xh(n);
    for (int i = 0; i < n; i++) xh[i] = lab_float_to_half(xf[i]);
    for (int i = 0; i < n; i += 997) xh[i] = 0x7c00; /* +Inf */
    for (int i = 5; i < n; i += 1999) xh[i] = 0x7e00; /* NaN */
    float scale = 0.5f, inv = 1.0f / scale;
    std::vector<float> ref(n);
    unsigned int ref_count = 0;
    for (int i = 0; i < n; i++) {
        float v = lab_half_to_float(xh[i]) * inv;
        if (!(std::fabs(v) < 65520.0f)) { v = 0; ref_count++; }
        ref[i] = lab_half_to_float(lab_float_to_half(v));
    }
    u16 *x = lab_to_device(xh), *y;
    unsigned int *count;
    CUDA_CHECK(cudaMalloc(&y, n * sizeof(u16)));
    CUDA_CHECK(cudaMalloc(&count, sizeof(unsigned int)));
    for (int v = 1; v <= 2; v++) {
        if (only >= 0 && v != only) continue;
        CUDA_CHECK(cudaMemset(count, 0, 4));
        run(v, 1024, x, y, count, inv, n);
        std::vector<u16> gh = lab_to_host(y, n);
        std::vector<float> got(n);
        for (int i = 0; i < n; i++) got[i] = lab_half_to_float(gh[i]);
        unsigned int c = lab_to_host(count, 1)[0];
        char what[48];
        std::snprintf(what, sizeof what, "variant %d (count %u, want %u)", v, c, ref_count);
        failures += lab_validate(what, got.data(), ref.data(), n, 0, 0) != 0 || c != ref_count;
    }
    std::printf("\n%10s %8s %8s %10s %10s\n", "n", "variant", "groups", "ms", "GB/s");
    for (int size = 1 << 20; size <= 1 << 26; size <<= 2) {
        u16 *xs, *ys;
        CUDA_CHECK(cudaMalloc(&xs, size * sizeof(u16)));
        CUDA_CHECK(cudaMalloc(&ys, size * sizeof(u16)));
        CUDA_CHECK(cudaMemset(xs, 0, size * sizeof(u16)));
        for (int v = 1; v <= 2; v++) {
            if (only >= 0 && v != only) continue;
            for (int groups : {256, 1024, 4096}) {
                if (v == 1 && groups != 1024) continue;
                float ms = lab_time_ms([&] { run(v, groups, xs, ys, count, inv, size); }, 20);
                std::printf("%10d %8d %8d %10.4f %10.1f\n", size, v, v == 1 ? (size + 255) / 256 : groups, ms, 4.0 * size / (ms * 1e6));
            }
        }
        cudaFree(xs); cudaFree(ys);
    }
    return failures ? 1 : 0;
}
