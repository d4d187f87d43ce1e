/* adamw_lab.cu: the fused AdamW step with 16-bit moments (m in 1-6-9, v in 0-6-10), f32 params,
 * f16 gradients.
 *   nvcc -O3 -arch=sm_80 -fmad=false -I../include adamw_lab.cu -o adamw_lab && ./adamw_lab [variant]
 * Variants:
 *   1  unfused: three passes (decode moments to f32 scratch, f32 AdamW, encode back), the shape
 *      of an optimizer built from elementwise ops
 *   2  tessel_adamw (promoted, ../kernels/adamw.cu): one pass, moments decoded and encoded in
 *      registers; 12 bytes per element instead of 28
 * Validation against a CPU reference using the same codec (bit-exact moments, params within
 * float rounding), then a sweep printing ms and GB/s of the bytes each variant must move.
 */
#define GRAD_DTYPE 1
#define MEAN16 1
#define VAR16 1
#define BLOCK 256
#include "../kernels/adamw.cu"
#include "lab_common.h"

/* CPU reference codec, written independently of the kernel's bit manipulation (as MomentFormat.java:
 * exponent from frexp, nearest-even rounding of the scaled value, saturation). */
static unsigned int tessel_moment_encode_host(float x, int m, unsigned int sign_bit) {
    double a = std::fabs((double) x);
    unsigned int sign = (std::signbit(x) && sign_bit) ? sign_bit : 0u, max_code = (1u << (6 + m)) - 1u;
    if (a >= (2.0 - std::ldexp(1.0, -m)) * 8.0) return sign | max_code;
    int e;
    std::frexp(a, &e);
    e -= 1; /* a = f * 2^e, f in [1, 2) */
    unsigned int magnitude;
    if (a == 0 || e < -59) magnitude = (unsigned int) std::nearbyint(std::ldexp(a, 59 + m));
    else magnitude = ((unsigned int) (e + 60) << m) + ((unsigned int) std::nearbyint(std::ldexp(a, m - e)) - (1u << m));
    return sign | (magnitude > max_code ? max_code : magnitude);
}

static float tessel_moment_decode_host(unsigned int code, int m, unsigned int sign_bit) {
    unsigned int field = (code >> m) & 63u, mantissa = code & ((1u << m) - 1u);
    double v = field == 0 ? std::ldexp((double) mantissa, -59 - m) : std::ldexp(1.0 + std::ldexp((double) mantissa, -m), (int) field - 60);
    return (float) ((sign_bit && (code & sign_bit)) ? -v : v);
}

struct Hyper { float decay, b1, b2, omb1, omb2, bias2, eps, neg_step, clip; };

extern "C" __global__ void decode_kernel1(const u16 *m16, const u16 *v16, float *m, float *v, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { m[i] = tessel_moment_decode(m16[i], 9, 1u << 15); v[i] = tessel_moment_decode(v16[i], 10, 0u); }
}

extern "C" __global__ void adamw_f32_kernel1(float *p, const u16 *g16, float *m, float *v, Hyper h, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float g = tessel_half_to_float(g16[i]);
    if (!tessel_is_finite(g)) return;
    float pm = p[i] * h.decay, mm = fmaf(h.omb1, g, m[i] * h.b1), vv = __fadd_rn(__fmul_rn(v[i], h.b2), __fmul_rn(__fmul_rn(h.omb2, g), g));
    if (vv > h.clip) vv = h.clip;
    m[i] = mm;
    v[i] = vv;
    p[i] = pm + h.neg_step * mm / (sqrtf(vv) / h.bias2 + h.eps);
}

extern "C" __global__ void encode_kernel1(const float *m, const float *v, u16 *m16, u16 *v16, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { m16[i] = (u16) tessel_moment_encode(m[i], 9, 1u << 15); v16[i] = (u16) tessel_moment_encode(v[i], 10, 0u); }
}

static void run(int variant, float *p, const u16 *g, u16 *m16, u16 *v16, float *ms, float *vs, unsigned int *skipped, Hyper h, int n) {
    int blocks = (n + 255) / 256;
    if (variant == 1) {
        decode_kernel1<<<blocks, 256>>>(m16, v16, ms, vs, n);
        adamw_f32_kernel1<<<blocks, 256>>>(p, g, ms, vs, h, n);
        encode_kernel1<<<blocks, 256>>>(ms, vs, m16, v16, n);
    } else {
        tessel_adamw<<<blocks < 1024 ? blocks : 1024, BLOCK>>>(p, g, m16, v16, skipped, h.decay, h.b1, h.b2, h.omb1, h.omb2, h.bias2, h.eps,
                                                             h.neg_step, h.clip, n);
    }
    CUDA_CHECK(cudaGetLastError());
}

int main(int argc, char **argv) {
    int only = argc > 1 ? std::atoi(argv[1]) : -1, failures = 0, n = 1 << 20;
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.96, t = 3;
    Hyper h = {(float) (1 - lr * 4.5e-2), (float) beta1, (float) beta2, (float) (1 - beta1), (float) (1 - beta2),
               (float) std::sqrt(1 - std::pow(beta2, t)), 1e-8f, (float) (-lr / (1 - std::pow(beta1, t))), 5.0f};
    std::vector<float> p0 = lab_random(n, 4, -1, 1), gf = lab_random(n, 5, -0.1f, 0.1f), mf = lab_random(n, 6, -0.01f, 0.01f), vf = lab_random(n, 7, 0, 1e-3f);
    std::vector<u16> g(n), m(n), v(n);
    for (int i = 0; i < n; i++) {
        g[i] = lab_float_to_half(gf[i]);
        m[i] = (u16) tessel_moment_encode_host(mf[i], 9, 1u << 15);
        v[i] = (u16) tessel_moment_encode_host(vf[i], 10, 0u);
    }
    std::vector<float> ref_p(n), ref_m(n), ref_v(n);
    for (int i = 0; i < n; i++) {
        float gi = lab_half_to_float(g[i]);
        float mm = std::fma(h.omb1, gi, tessel_moment_decode_host(m[i], 9, 1u << 15) * h.b1);
        float vv = tessel_moment_decode_host(v[i], 10, 0u) * h.b2 + h.omb2 * gi * gi;
        if (vv > h.clip) vv = h.clip;
        ref_p[i] = p0[i] * h.decay + h.neg_step * mm / (std::sqrt(vv) / h.bias2 + h.eps);
        ref_m[i] = tessel_moment_decode_host(tessel_moment_encode_host(mm, 9, 1u << 15), 9, 1u << 15);
        ref_v[i] = tessel_moment_decode_host(tessel_moment_encode_host(vv, 10, 0u), 10, 0u);
    }
    float *ms, *vs;
    unsigned int *skipped;
    CUDA_CHECK(cudaMalloc(&ms, n * 4));
    CUDA_CHECK(cudaMalloc(&vs, n * 4));
    CUDA_CHECK(cudaMalloc(&skipped, 4));
    u16 *gd = lab_to_device(g);
    for (int variant = 1; variant <= 2; variant++) {
        if (only >= 0 && variant != only) continue;
        float *pd = lab_to_device(p0);
        u16 *md = lab_to_device(m), *vd = lab_to_device(v);
        CUDA_CHECK(cudaMemset(skipped, 0, 4));
        run(variant, pd, gd, md, vd, ms, vs, skipped, h, n);
        std::vector<float> gp = lab_to_host(pd, n), gm(n), gv(n);
        std::vector<u16> hm = lab_to_host(md, n), hv = lab_to_host(vd, n);
        for (int i = 0; i < n; i++) { gm[i] = tessel_moment_decode_host(hm[i], 9, 1u << 15); gv[i] = tessel_moment_decode_host(hv[i], 10, 0u); }
        char what[32];
        std::snprintf(what, sizeof what, "variant %d param", variant);
        failures += lab_validate(what, gp.data(), ref_p.data(), n, 1e-7f, 1e-6f) != 0;
        std::snprintf(what, sizeof what, "variant %d m", variant);
        failures += lab_validate(what, gm.data(), ref_m.data(), n, 0, 0) != 0;
        std::snprintf(what, sizeof what, "variant %d v", variant);
        failures += lab_validate(what, gv.data(), ref_v.data(), n, 0, 0) != 0;
        cudaFree(pd); cudaFree(md); cudaFree(vd);
    }
    std::printf("\n%10s %8s %10s %10s\n", "n", "variant", "ms", "GB/s");
    for (int size = 1 << 20; size <= 1 << 26; size <<= 2) {
        float *pd, *mss, *vss;
        u16 *gs, *md, *vd;
        CUDA_CHECK(cudaMalloc(&pd, (size_t) size * 4)); CUDA_CHECK(cudaMemset(pd, 0, (size_t) size * 4));
        CUDA_CHECK(cudaMalloc(&gs, (size_t) size * 2)); CUDA_CHECK(cudaMemset(gs, 0, (size_t) size * 2));
        CUDA_CHECK(cudaMalloc(&md, (size_t) size * 2)); CUDA_CHECK(cudaMemset(md, 0, (size_t) size * 2));
        CUDA_CHECK(cudaMalloc(&vd, (size_t) size * 2)); CUDA_CHECK(cudaMemset(vd, 0, (size_t) size * 2));
        CUDA_CHECK(cudaMalloc(&mss, (size_t) size * 4)); CUDA_CHECK(cudaMalloc(&vss, (size_t) size * 4));
        for (int variant = 1; variant <= 2; variant++) {
            if (only >= 0 && variant != only) continue;
            float t_ms = lab_time_ms([&] { run(variant, pd, gs, md, vd, mss, vss, skipped, h, size); }, 20);
            /* variant 2 reads p, g, m, v and writes p, m, v: 4+2+2+2+4+2+2; variant 1 adds f32 scratch traffic */
            double bytes = variant == 2 ? 18.0 * size : 18.0 * size + 32.0 * size;
            std::printf("%10d %8d %10.4f %10.1f\n", size, variant, t_ms, bytes / (t_ms * 1e6));
        }
        cudaFree(pd); cudaFree(gs); cudaFree(md); cudaFree(vd); cudaFree(mss); cudaFree(vss);
    }
    return failures ? 1 : 0;
}
