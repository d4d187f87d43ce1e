/* gemm_lab.cu: fp16 GEMM variants (f16 in, f32 accumulate, f32 out), row-major C = A·B.
 *   nvcc -O3 -arch=sm_80 -fmad=false -I../include -DLAB_CUBLAS gemm_lab.cu -lcublas -o gemm_lab && ./gemm_lab [variant]
 * (without -DLAB_CUBLAS -lcublas variant 0 is left out: cuBLAS is not installed on the CI machines)
 * Variants:
 *   0  cuBLAS cublasGemmEx (f16 in, f32 compute): the baseline
 *   1  naive: one thread per output, a k-loop over global memory
 *   2  tessel_gemm (promoted, ../kernels/gemm.cu): shared-memory tiles + 4x4 register blocking
 *   3  tessel_gemm_mma (promoted, CUDA sm_80+): tensor-core mma.sync m16n8k16
 * Validation against a CPU double reference on 257 x 129 x 191 (odd sizes), then a sweep of
 * square sizes printing ms and TFLOP/s per variant (and % of cuBLAS).
 *
 * Invariant: every variant takes the same operand convention as gemm.cu (row strides, batch 1).
 */
#define IN_DTYPE 1
#define OUT_DTYPE 0
#include "../kernels/gemm.cu"
#include "lab_common.h"
#ifdef LAB_CUBLAS
#include <cublas_v2.h>
static cublasHandle_t cublas;
#endif

extern "C" __global__ void gemm_kernel1(const u16 *a, const u16 *b, float *c, int M, int N, int K) {
    int col = blockIdx.x * blockDim.x + threadIdx.x, row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row >= M || col >= N) return;
    float acc = 0.0f;
    for (int k = 0; k < K; k++) acc = fmaf(tessel_half_to_float(a[row * K + k]), tessel_half_to_float(b[k * N + col]), acc);
    c[(size_t) row * N + col] = acc;
}

static void run(int variant, const u16 *a, const u16 *b, float *c, int M, int N, int K) {
    switch (variant) {
    case 0: {
#ifdef LAB_CUBLAS
        float one = 1.0f, zero = 0.0f;
        /* column-major C^T = B^T A^T */
        cublasGemmEx(cublas, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &one, b, CUDA_R_16F, N, a, CUDA_R_16F, K, &zero, c, CUDA_R_32F, N,
                     CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
#endif
        break;
    }
    case 1: gemm_kernel1<<<dim3((N + 15) / 16, (M + 15) / 16), dim3(16, 16)>>>(a, b, c, M, N, K); break;
    case 2: tessel_gemm<<<dim3((N + BN - 1) / BN, (M + BM - 1) / BM, 1), dim3(BN / TN, BM / TM)>>>(a, b, c, M, N, K, K, 1, 0, N, 1, 0); break;
    case 3: tessel_gemm_mma<<<dim3((N + 31) / 32, (M + 15) / 16, 1), dim3(32, 1)>>>(a, b, c, M, N, K, K, 1, 0, N, 1, 0); break;
    }
    CUDA_CHECK(cudaGetLastError());
}

int main(int argc, char **argv) {
    int only = argc > 1 ? std::atoi(argv[1]) : -1;
#ifdef LAB_CUBLAS
    cublasCreate(&cublas);
    const int first = 0;
#else
    const int first = 1;
#endif
    int failures = 0;
    {
        int M = 257, N = 129, K = 191;
        std::vector<float> af = lab_random((size_t) M * K, 1, -1, 1), bf = lab_random((size_t) K * N, 2, -1, 1);
        std::vector<u16> ah(af.size()), bh(bf.size());
        for (size_t i = 0; i < af.size(); i++) af[i] = lab_half_to_float(ah[i] = lab_float_to_half(af[i]));
        for (size_t i = 0; i < bf.size(); i++) bf[i] = lab_half_to_float(bh[i] = lab_float_to_half(bf[i]));
        std::vector<float> ref((size_t) M * N);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int k = 0; k < K; k++) s += (double) af[(size_t) i * K + k] * bf[(size_t) k * N + j];
                ref[(size_t) i * N + j] = (float) s;
            }
        u16 *a = lab_to_device(ah), *b = lab_to_device(bh);
        float *c;
        CUDA_CHECK(cudaMalloc(&c, ref.size() * sizeof(float)));
        for (int v = first; v <= 3; v++) {
            if (only >= 0 && v != only) continue;
            CUDA_CHECK(cudaMemset(c, 0, ref.size() * sizeof(float)));
            run(v, a, b, c, M, N, K);
            std::vector<float> got = lab_to_host(c, ref.size());
            char what[32];
            std::snprintf(what, sizeof what, "variant %d", v);
            /* float accumulation of K products of magnitude <= 1: (K+1) 2^-24 K absolute */
            failures += lab_validate(what, got.data(), ref.data(), ref.size(), (K + 1) * 5.96e-8f * K, 0) != 0;
        }
        cudaFree(a); cudaFree(b); cudaFree(c);
    }
    std::printf("\n%6s %8s %10s %10s %8s\n", "size", "variant", "ms", "TFLOP/s", first == 0 ? "%cuBLAS" : "%var1");
    for (int n = 512; n <= 8192; n *= 2) {
        std::vector<u16> ah((size_t) n * n, lab_float_to_half(0.5f));
        u16 *a = lab_to_device(ah), *b = lab_to_device(ah);
        float *c;
        CUDA_CHECK(cudaMalloc(&c, (size_t) n * n * sizeof(float)));
        float base = 0;
        for (int v = first; v <= 3; v++) {
            if (only >= 0 && v != only && v != first) continue;
            float ms = lab_time_ms([&] { run(v, a, b, c, n, n, n); }, 10);
            if (v == first) base = ms;
            std::printf("%6d %8d %10.3f %10.2f %7.1f%%\n", n, v, ms, 2.0 * n * n * n / (ms * 1e9), 100.0 * base / ms);
        }
        cudaFree(a); cudaFree(b); cudaFree(c);
    }
#ifdef LAB_CUBLAS
    cublasDestroy(cublas);
#endif
    return failures ? 1 : 0;
}
