/* gumbel_softmax_lab.cu: gumbel-softmax forward with in-kernel Philox noise, softmax over the
 * channels of NCHW logits (the dVAE's layout: vocabulary 8192 channels, 32 x 32 positions).
 *   nvcc -O3 -arch=sm_80 -fmad=false -I../include gumbel_softmax_lab.cu -o gumbel_softmax_lab && ./gumbel_softmax_lab [variant]
 * Variants:
 *   1  three passes over the channels (max, sum of exp, write), noise recomputed in each
 *   2  tessel_gumbel_softmax (promoted, ../kernels/gumbel_softmax.cu): online max and rescaled
 *      sum in one pass, then the write pass (two noise evaluations per element instead of three)
 * Validation against a CPU double reference fed the same Philox uniforms (the Philox block is
 * checked against the Random123 known-answer vector first), then a sweep printing ms and GB/s.
 */
#define DTYPE 0
#include "../kernels/gumbel_softmax.cu"
#include "lab_common.h"

extern "C" __global__ void gumbel_kernel1(const float *logits, float *y, long long seed, long long offset, float inv_tau, int outer, int channels, int inner) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= outer * inner) return;
    long long base = (long long) (r / inner) * channels * inner + r % inner;
    float max = -TESSEL_INFINITY, sum = 0.0f;
    for (int c = 0; c < channels; c++) max = fmaxf(max, tessel_gumbel_score(logits, logits, 1, seed, offset, base + (long long) c * inner, inv_tau));
    for (int c = 0; c < channels; c++) sum += expf(tessel_gumbel_score(logits, logits, 1, seed, offset, base + (long long) c * inner, inv_tau) - max);
    for (int c = 0; c < channels; c++) {
        long long k = base + (long long) c * inner;
        y[k] = expf(tessel_gumbel_score(logits, logits, 1, seed, offset, k, inv_tau) - max) / sum;
    }
}

extern "C" __global__ void philox_known_answer(unsigned int *out) {
    /* Random123 kat_vectors: philox4x32_10, counter and key all ones */
    tessel_philox_block b = tessel_philox4x32_10(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
    out[0] = b.w0; out[1] = b.w1; out[2] = b.w2; out[3] = b.w3;
}

static void run(int variant, const float *logits, float *y, float inv_tau, int outer, int channels, int inner) {
    int rows = outer * inner, blocks = (rows + 255) / 256;
    if (variant == 1) gumbel_kernel1<<<blocks, 256>>>(logits, y, 42, 7, inv_tau, outer, channels, inner);
    else tessel_gumbel_softmax<<<blocks < 1024 ? blocks : 1024, 256>>>(logits, logits, y, y, 42, 7, 1, 0, inv_tau, outer, channels, inner);
    CUDA_CHECK(cudaGetLastError());
}

/* Host Philox, written from the paper's round function, for the reference's uniforms. */
static unsigned int host_bits(long long seed, long long offset, long long i) {
    unsigned long long c = (unsigned long long) offset + ((unsigned long long) i >> 2);
    unsigned int c0 = (unsigned int) c, c1 = (unsigned int) (c >> 32), c2 = 0, c3 = 0, k0 = (unsigned int) seed, k1 = (unsigned int) ((unsigned long long) seed >> 32);
    for (int r = 0; r < 10; r++) {
        if (r) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        unsigned long long p0 = 0xD2511F53ull * c0, p1 = 0xCD9E8D57ull * c2;
        unsigned int n0 = (unsigned int) (p1 >> 32) ^ c1 ^ k0, n2 = (unsigned int) (p0 >> 32) ^ c3 ^ k1;
        c0 = n0; c1 = (unsigned int) p1; c2 = n2; c3 = (unsigned int) p0;
    }
    unsigned int w[4] = {c0, c1, c2, c3};
    return w[i & 3];
}

int main(int argc, char **argv) {
    int only = argc > 1 ? std::atoi(argv[1]) : -1, failures = 0;
    unsigned int *kat;
    CUDA_CHECK(cudaMalloc(&kat, 16));
    philox_known_answer<<<1, 1>>>(kat);
    std::vector<unsigned int> k = lab_to_host(kat, 4);
    const unsigned int want[4] = {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu};
    int kat_ok = k[0] == want[0] && k[1] == want[1] && k[2] == want[2] && k[3] == want[3];
    std::printf("philox known answer: %s\n", kat_ok ? "ok" : "FAIL");
    failures += !kat_ok;

    int outer = 2, channels = 511, inner = 37;
    float tau = 0.5f;
    size_t n = (size_t) outer * channels * inner;
    std::vector<float> logits = lab_random(n, 9, -3, 3), ref(n);
    for (int r = 0; r < outer * inner; r++) {
        size_t base = (size_t) (r / inner) * channels * inner + r % inner;
        double max = -INFINITY, sum = 0;
        std::vector<double> z(channels);
        for (int c = 0; c < channels; c++) {
            size_t kk = base + (size_t) c * inner;
            double u = ((host_bits(42, 7, kk) >> 9) + 0.5) * std::ldexp(1.0, -23);
            z[c] = (logits[kk] - std::log(-std::log(u))) / tau;
            max = z[c] > max ? z[c] : max;
        }
        for (int c = 0; c < channels; c++) sum += std::exp(z[c] - max);
        for (int c = 0; c < channels; c++) ref[base + (size_t) c * inner] = (float) (std::exp(z[c] - max) / sum);
    }
    float *ld = lab_to_device(logits), *y;
    CUDA_CHECK(cudaMalloc(&y, n * 4));
    for (int v = 1; v <= 2; v++) {
        if (only >= 0 && v != only) continue;
        run(v, ld, y, 1.0f / tau, outer, channels, inner);
        std::vector<float> got = lab_to_host(y, n);
        char what[32];
        std::snprintf(what, sizeof what, "variant %d", v);
        /* float log/exp of scores up to (3 + 16.6) / tau: a few ulps of 40, relative */
        failures += lab_validate(what, got.data(), ref.data(), n, 1e-9f, 4e-5f) != 0;
    }
    cudaFree(ld); cudaFree(y);
    std::printf("\n%8s %8s %8s %10s %10s\n", "batch", "channels", "variant", "ms", "GB/s");
    for (int batch : {1, 8, 32}) {
        int c = 8192, hw = 1024;
        size_t size = (size_t) batch * c * hw;
        float *lg, *yy;
        CUDA_CHECK(cudaMalloc(&lg, size * 4)); CUDA_CHECK(cudaMemset(lg, 0, size * 4));
        CUDA_CHECK(cudaMalloc(&yy, size * 4));
        for (int v = 1; v <= 2; v++) {
            if (only >= 0 && v != only) continue;
            float ms = lab_time_ms([&] { run(v, lg, yy, 2.0f, batch, c, hw); }, 5);
            /* bytes that must move: logits read (once per pass) and y written */
            double bytes = (v == 1 ? 3.0 : 2.0) * 4 * size + 4.0 * size;
            std::printf("%8d %8d %8d %10.3f %10.1f\n", batch, c, v, ms, bytes / (ms * 1e6));
        }
        cudaFree(lg); cudaFree(yy);
    }
    return failures ? 1 : 0;
}
