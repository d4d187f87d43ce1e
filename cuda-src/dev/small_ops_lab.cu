/* small_ops_lab.cu: layernorm forward over rows of C (the transformer's d_model rows), f32.
 *   nvcc -O3 -arch=sm_80 -fmad=false -I../include small_ops_lab.cu -o small_ops_lab && ./small_ops_lab [variant]
 * Variants:
 *   1  one thread per row (three serial passes over C; fine for many short rows)
 *   2  tessel_layer_norm (promoted, ../kernels/small_ops.cu): one group of BLOCK threads per row,
 *      shared-memory tree reductions for the mean and the (centred) variance
 * Also validates the promoted GELU (erf form) and softmax cross-entropy kernels of the same file.
 * Validation against CPU double references, then a sweep over rows x C printing ms and GB/s.
 */
#define DTYPE 0
#define BLOCK 256
#include "../kernels/small_ops.cu"
#include "lab_common.h"

extern "C" __global__ void layer_norm_kernel1(const float *x, const float *w, const float *b, float *y, int rows, int c, float eps) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const float *xr = x + (size_t) r * c;
    float mean = 0, var = 0;
    for (int k = 0; k < c; k++) mean += xr[k];
    mean /= c;
    for (int k = 0; k < c; k++) var += (xr[k] - mean) * (xr[k] - mean);
    float inv = 1.0f / sqrtf(var / c + eps);
    for (int k = 0; k < c; k++) y[(size_t) r * c + k] = (xr[k] - mean) * inv * w[k] + b[k];
}

static void run(int variant, const float *x, const float *w, const float *b, float *y, int rows, int c) {
    if (variant == 1) layer_norm_kernel1<<<(rows + 127) / 128, 128>>>(x, w, b, y, rows, c, 1e-5f);
    else tessel_layer_norm<<<rows, BLOCK>>>(x, w, b, y, 1, 1, c, 1e-5f);
    CUDA_CHECK(cudaGetLastError());
}

int main(int argc, char **argv) {
    int only = argc > 1 ? std::atoi(argv[1]) : -1, failures = 0;
    int rows = 37, c = 1031;
    std::vector<float> x = lab_random((size_t) rows * c, 11, -2, 3), w = lab_random(c, 12, 0.5f, 1.5f), b = lab_random(c, 13, -1, 1), ref(x.size());
    for (int r = 0; r < rows; r++) {
        double mean = 0, var = 0;
        for (int k = 0; k < c; k++) mean += x[(size_t) r * c + k];
        mean /= c;
        for (int k = 0; k < c; k++) var += (x[(size_t) r * c + k] - mean) * (x[(size_t) r * c + k] - mean);
        double inv = 1 / std::sqrt(var / c + 1e-5);
        for (int k = 0; k < c; k++) ref[(size_t) r * c + k] = (float) ((x[(size_t) r * c + k] - mean) * inv * w[k] + b[k]);
    }
    float *xd = lab_to_device(x), *wd = lab_to_device(w), *bd = lab_to_device(b), *yd;
    CUDA_CHECK(cudaMalloc(&yd, x.size() * 4));
    for (int v = 1; v <= 2; v++) {
        if (only >= 0 && v != only) continue;
        run(v, xd, wd, bd, yd, rows, c);
        std::vector<float> got = lab_to_host(yd, x.size());
        char what[40];
        std::snprintf(what, sizeof what, "layernorm variant %d", v);
        failures += lab_validate(what, got.data(), ref.data(), x.size(), 2e-6f, 1e-5f) != 0;
    }
    {   /* GELU (erf) and cross-entropy of the promoted file */
        int n = (int) x.size();
        tessel_gelu<<<64, 256>>>(xd, yd, 0, n);
        std::vector<float> got = lab_to_host(yd, x.size()), gref(x.size());
        for (int i = 0; i < n; i++) gref[i] = (float) (0.5 * x[i] * std::erfc(-x[i] / std::sqrt(2.0)));
        failures += lab_validate("gelu erf", got.data(), gref.data(), x.size(), 2e-6f, 1e-5f) != 0;
        std::vector<long long> targets(rows);
        for (int r = 0; r < rows; r++) targets[r] = (r * 131) % c;
        long long *td = lab_to_device(targets);
        float *loss;
        CUDA_CHECK(cudaMalloc(&loss, rows * 4));
        tessel_softmax_cross_entropy<<<rows, BLOCK>>>(xd, td, loss, c);
        std::vector<float> lg = lab_to_host(loss, rows), lref(rows);
        for (int r = 0; r < rows; r++) {
            double max = -INFINITY, sum = 0;
            for (int k = 0; k < c; k++) max = std::fmax(max, (double) x[(size_t) r * c + k]);
            for (int k = 0; k < c; k++) sum += std::exp(x[(size_t) r * c + k] - max);
            lref[r] = (float) (max + std::log(sum) - x[(size_t) r * c + targets[r]]);
        }
        failures += lab_validate("cross-entropy rows", lg.data(), lref.data(), rows, 1e-5f, 1e-5f) != 0;
        cudaFree(td); cudaFree(loss);
    }
    cudaFree(xd); cudaFree(wd); cudaFree(bd); cudaFree(yd);
    std::printf("\n%8s %6s %8s %10s %10s\n", "rows", "C", "variant", "ms", "GB/s");
    for (int cc : {512, 1024, 3968}) {
        int rr = 8 * 1280;
        size_t size = (size_t) rr * cc;
        float *xs, *ys, *ws, *bs;
        CUDA_CHECK(cudaMalloc(&xs, size * 4)); CUDA_CHECK(cudaMemset(xs, 0, size * 4));
        CUDA_CHECK(cudaMalloc(&ys, size * 4));
        CUDA_CHECK(cudaMalloc(&ws, cc * 4)); CUDA_CHECK(cudaMemset(ws, 0, cc * 4));
        CUDA_CHECK(cudaMalloc(&bs, cc * 4)); CUDA_CHECK(cudaMemset(bs, 0, cc * 4));
        for (int v = 1; v <= 2; v++) {
            if (only >= 0 && v != only) continue;
            float ms = lab_time_ms([&] { run(v, xs, ws, bs, ys, rr, cc); }, 10);
            std::printf("%8d %6d %8d %10.3f %10.1f\n", rr, cc, v, ms, 8.0 * size / (ms * 1e6));
        }
        cudaFree(xs); cudaFree(ys); cudaFree(ws); cudaFree(bs);
    }
    return failures ? 1 : 0;
}
