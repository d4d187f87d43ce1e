/* sparse_attention_lab.cu: block-sparse attention of the DALL·E layers, forward and backward, on a
 * layout built here on the host from a visibility rule (the Java side builds the same tables in
 * engine-kernels dev.tessel.kernels.attention.BlockLayout).
 *   nvcc -O3 -arch=sm_80 -fmad=false -I../include sparse_attention_lab.cu -o sparse_attention_lab && ./sparse_attention_lab [variant]
 * Variants (forward):
 *   1  online softmax updated key by key (one rescale of the running output per visible key)
 *   2  tessel_sparse_attention_forward (promoted, ../kernels/sparse_attention.cu): the scores of a
 *      whole tile first, then one rescale per tile
 * The backward kernels (dq per query block, dk/dv per key block over the layout's column index) are
 * validated with variant 2's lse and output. Validation: a CPU double reference on a small
 * problem (causal text + row / column (transposed order) / 11x11 convolutional image attention,
 * sizes that do not divide the block); then a sweep at 256 text + 32x32 image tokens printing ms,
 * TFLOP/s over the visible pairs, and each pattern's time relative to dense causal next to its
 * visible-pair ratio (the cost should follow the visible pairs).
 */
#define DTYPE 0
#include "../kernels/sparse_attention.cu"
#include "lab_common.h"

extern "C" __global__ void sparse_attention_kernel1(const float *q, const float *k, const float *v, float *out, float *lse,
        const int *order, const int *row_start, const int *key_block, const int *mask_offset, const u32 *mask_words,
        int n, int d, int dv, float scale) {
    __shared__ float k_tile[BLOCK * MAX_DIM];
    __shared__ float v_tile[BLOCK * MAX_DIM];
    int qb = blockIdx.x, r = threadIdx.x, p = qb * BLOCK + r, live = p < n;
    long long base = (long long) blockIdx.y * n;
    int i = live ? order[p] : 0;
    float qr[MAX_DIM], o[MAX_DIM];
    for (int x = 0; x < MAX_DIM; x++) {
        qr[x] = live && x < d ? q[(base + i) * d + x] * scale : 0.0f;
        o[x] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    for (int e = row_start[qb]; e < row_start[qb + 1]; e++) {
        int k0 = key_block[e] * BLOCK, cols = n - k0 < BLOCK ? n - k0 : BLOCK, off = mask_offset[e];
        int j = r < cols ? order[k0 + r] : 0;
        for (int x = 0; x < MAX_DIM; x++) {
            k_tile[r * MAX_DIM + x] = r < cols && x < d ? k[(base + j) * d + x] : 0.0f;
            v_tile[r * MAX_DIM + x] = r < cols && x < dv ? v[(base + j) * dv + x] : 0.0f;
        }
        __syncthreads();
        for (int c = 0; c < cols; c++) {
            if (!live || !tessel_sa_visible(mask_words, off, r, c)) continue;
            float s = 0.0f;
            for (int x = 0; x < MAX_DIM; x++) s = fmaf(qr[x], k_tile[c * MAX_DIM + x], s);
            float new_max = fmaxf(m, s), alpha = expf(m - new_max), w = expf(s - new_max);
            l = l * alpha + w;
            for (int x = 0; x < MAX_DIM; x++) o[x] = fmaf(w, v_tile[c * MAX_DIM + x], o[x] * alpha);
            m = new_max;
        }
        __syncthreads();
    }
    if (live) {
        float inv = l > 0.0f ? 1.0f / l : 0.0f;
        for (int x = 0; x < dv; x++) out[(base + i) * dv + x] = o[x] * inv;
        lse[base + i] = l > 0.0f ? m + logf(l) : -INFINITY;
    }
}

/* The layout tables of one pattern, in kernel order (position p reads token order[p]). */
struct Layout {
    std::vector<int> order, row_start, key_block, mask_offset, column_start, column_entry, entry_block;
    std::vector<unsigned int> mask_words;
    long long visible = 0;
};

/* visible(i, j): token i may attend to token j (sequence ids); text is the first `text` tokens. */
template <typename Rule>
static Layout build_layout(int n, const std::vector<int> &order, Rule visible) {
    Layout L;
    L.order = order;
    int blocks = (n + BLOCK - 1) / BLOCK;
    for (int qb = 0; qb < blocks; qb++) {
        L.row_start.push_back((int) L.key_block.size());
        for (int kb = 0; kb < blocks; kb++) {
            int rows = n - qb * BLOCK < BLOCK ? n - qb * BLOCK : BLOCK, cols = n - kb * BLOCK < BLOCK ? n - kb * BLOCK : BLOCK;
            std::vector<unsigned int> words(BLOCK * WORDS_PER_ROW, 0u);
            int seen = 0;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    if (visible(order[qb * BLOCK + r], order[kb * BLOCK + c])) {
                        words[r * WORDS_PER_ROW + (c >> 5)] |= 1u << (c & 31);
                        seen++;
                    }
            if (seen == 0) continue;
            L.visible += seen;
            L.key_block.push_back(kb);
            L.entry_block.push_back(qb);
            if (seen == rows * cols) {
                L.mask_offset.push_back(-1);
            } else {
                L.mask_offset.push_back((int) L.mask_words.size());
                L.mask_words.insert(L.mask_words.end(), words.begin(), words.end());
            }
        }
    }
    L.row_start.push_back((int) L.key_block.size());
    for (int kb = 0; kb < blocks; kb++) {
        L.column_start.push_back((int) L.column_entry.size());
        for (int e = 0; e < (int) L.key_block.size(); e++) if (L.key_block[e] == kb) L.column_entry.push_back(e);
    }
    L.column_start.push_back((int) L.column_entry.size());
    if (L.mask_words.empty()) L.mask_words.push_back(0u);
    return L;
}

/* DALL·E's patterns at `text` text tokens and an h x w image grid (kind: 0 causal, 1 row, 2 column, 3 conv 11x11). */
static Layout dalle_layout(int kind, int text, int h, int w) {
    int n = text + h * w;
    std::vector<int> order(n);
    for (int p = 0; p < n; p++) order[p] = p;
    if (kind == 2) /* column layers run in the transposed (column-major) image order */
        for (int p = 0; p < h * w; p++) order[text + p] = text + (p % h) * w + p / h;
    return build_layout(n, order, [=](int i, int j) {
        if (j > i) return false;
        if (i < text || j < text) return true;                     /* causal text; image -> all text */
        int ri = (i - text) / w, ci = (i - text) % w, rj = (j - text) / w, cj = (j - text) % w;
        switch (kind) {
            case 1: return ri == rj;
            case 2: return ci == cj;
            case 3: return std::abs(ri - rj) <= 5 && std::abs(ci - cj) <= 5;
            default: return true;
        }
    });
}

struct DeviceLayout {
    int *order, *row_start, *key_block, *mask_offset, *column_start, *column_entry, *entry_block;
    u32 *mask_words;
    explicit DeviceLayout(const Layout &L)
        : order(lab_to_device(L.order)), row_start(lab_to_device(L.row_start)), key_block(lab_to_device(L.key_block)),
          mask_offset(lab_to_device(L.mask_offset)), column_start(lab_to_device(L.column_start)),
          column_entry(lab_to_device(L.column_entry)), entry_block(lab_to_device(L.entry_block)),
          mask_words(lab_to_device(L.mask_words)) {}
    ~DeviceLayout() {
        cudaFree(order); cudaFree(row_start); cudaFree(key_block); cudaFree(mask_offset);
        cudaFree(column_start); cudaFree(column_entry); cudaFree(entry_block); cudaFree(mask_words);
    }
};

static void forward(int variant, const DeviceLayout &D, const float *q, const float *k, const float *v, float *out, float *lse,
                    int bh, int n, int d, float scale) {
    dim3 grid((n + BLOCK - 1) / BLOCK, bh);
    if (variant == 1) sparse_attention_kernel1<<<grid, BLOCK>>>(q, k, v, out, lse, D.order, D.row_start, D.key_block, D.mask_offset, D.mask_words, n, d, d, scale);
    else tessel_sparse_attention_forward<<<grid, BLOCK>>>(q, k, v, out, lse, D.order, D.row_start, D.key_block, D.mask_offset, D.mask_words, n, d, d, scale);
    CUDA_CHECK(cudaGetLastError());
}

/* Double-precision reference: out, lse, and for grad_out the gradients dq, dk, dv. */
static void reference(const Layout &L, int bh, int n, int d, float scale, const std::vector<float> &q, const std::vector<float> &k,
                      const std::vector<float> &v, const std::vector<float> &dout, std::vector<float> &out, std::vector<float> &lse,
                      std::vector<float> &dq, std::vector<float> &dk, std::vector<float> &dv) {
    /* visibility in sequence ids, recovered from the tables */
    std::vector<char> vis((size_t) n * n, 0);
    for (int qb = 0; qb + 1 < (int) L.row_start.size(); qb++)
        for (int e = L.row_start[qb]; e < L.row_start[qb + 1]; e++)
            for (int r = 0; r < BLOCK && qb * BLOCK + r < n; r++)
                for (int c = 0; c < BLOCK && L.key_block[e] * BLOCK + c < n; c++)
                    if (L.mask_offset[e] < 0 || ((L.mask_words[L.mask_offset[e] + r * WORDS_PER_ROW + (c >> 5)] >> (c & 31)) & 1u))
                        vis[(size_t) L.order[qb * BLOCK + r] * n + L.order[L.key_block[e] * BLOCK + c]] = 1;
    out.assign((size_t) bh * n * d, 0.0f); lse.assign((size_t) bh * n, 0.0f);
    dq.assign(out.size(), 0.0f); dk.assign(out.size(), 0.0f); dv.assign(out.size(), 0.0f);
    std::vector<double> s(n), gk((size_t) n * d), gv((size_t) n * d);
    for (int b = 0; b < bh; b++) {
        const float *Q = &q[(size_t) b * n * d], *K = &k[(size_t) b * n * d], *V = &v[(size_t) b * n * d], *G = &dout[(size_t) b * n * d];
        std::fill(gk.begin(), gk.end(), 0.0); std::fill(gv.begin(), gv.end(), 0.0);
        for (int i = 0; i < n; i++) {
            double m = -INFINITY, sum = 0;
            for (int j = 0; j < n; j++) {
                if (!vis[(size_t) i * n + j]) continue;
                double dot = 0;
                for (int x = 0; x < d; x++) dot += (double) Q[i * d + x] * K[j * d + x];
                s[j] = dot * scale;
                m = s[j] > m ? s[j] : m;
            }
            for (int j = 0; j < n; j++) if (vis[(size_t) i * n + j]) sum += std::exp(s[j] - m);
            double l = sum > 0 ? m + std::log(sum) : -INFINITY, dd = 0;
            std::vector<double> o(d, 0.0);
            for (int j = 0; j < n; j++) if (vis[(size_t) i * n + j]) for (int x = 0; x < d; x++) o[x] += std::exp(s[j] - l) * V[j * d + x];
            for (int x = 0; x < d; x++) { out[((size_t) b * n + i) * d + x] = (float) o[x]; dd += G[i * d + x] * o[x]; }
            lse[(size_t) b * n + i] = (float) l;
            for (int j = 0; j < n; j++) {
                if (!vis[(size_t) i * n + j]) continue;
                double p = std::exp(s[j] - l), dp = 0;
                for (int x = 0; x < d; x++) dp += (double) G[i * d + x] * V[j * d + x];
                double ds = p * (dp - dd);
                for (int x = 0; x < d; x++) {
                    dq[((size_t) b * n + i) * d + x] += (float) (ds * scale * K[j * d + x]);
                    gk[(size_t) j * d + x] += ds * scale * Q[i * d + x];
                    gv[(size_t) j * d + x] += p * G[i * d + x];
                }
            }
        }
        for (size_t t = 0; t < (size_t) n * d; t++) { dk[(size_t) b * n * d + t] = (float) gk[t]; dv[(size_t) b * n * d + t] = (float) gv[t]; }
    }
}

static const char *NAMES[] = {"causal", "row", "column", "conv11"};

int main(int argc, char **argv) {
    int only = argc > 1 ? std::atoi(argv[1]) : -1, failures = 0;
    /* validation: 2 (batch x heads), 13 text + 9 x 7 image = 76 tokens (not a multiple of BLOCK), d = 40 */
    int bh = 2, text = 13, gh = 9, gw = 7, n = text + gh * gw, d = 40;
    float scale = 1.0f / std::sqrt((float) d);
    size_t size = (size_t) bh * n * d;
    std::vector<float> q = lab_random(size, 1, -1, 1), k = lab_random(size, 2, -1, 1), v = lab_random(size, 3, -1, 1),
                       g = lab_random(size, 4, -1, 1);
    float *dq_in = lab_to_device(q), *dk_in = lab_to_device(k), *dv_in = lab_to_device(v), *dg = lab_to_device(g);
    float *out, *lse, *gq, *gk, *gv;
    CUDA_CHECK(cudaMalloc(&out, size * 4)); CUDA_CHECK(cudaMalloc(&lse, (size_t) bh * n * 4));
    CUDA_CHECK(cudaMalloc(&gq, size * 4)); CUDA_CHECK(cudaMalloc(&gk, size * 4)); CUDA_CHECK(cudaMalloc(&gv, size * 4));
    for (int kind = 0; kind < 4; kind++) {
        Layout L = dalle_layout(kind, text, gh, gw);
        DeviceLayout D(L);
        std::vector<float> ro, rl, rq, rk, rv;
        reference(L, bh, n, d, scale, q, k, v, g, ro, rl, rq, rk, rv);
        for (int variant = 1; variant <= 2; variant++) {
            if (only >= 0 && variant != only) continue;
            forward(variant, D, dq_in, dk_in, dv_in, out, lse, bh, n, d, scale);
            char what[64];
            std::snprintf(what, sizeof what, "%s forward variant %d", NAMES[kind], variant);
            /* float dot products of length 40 and an exp per pair: relative 1e-5 of O(1) values */
            failures += lab_validate(what, lab_to_host(out, size).data(), ro.data(), size, 1e-5f, 1e-4f) != 0;
            failures += lab_validate("  lse", lab_to_host(lse, (size_t) bh * n).data(), rl.data(), (size_t) bh * n, 1e-5f, 1e-5f) != 0;
        }
        forward(2, D, dq_in, dk_in, dv_in, out, lse, bh, n, d, scale);
        dim3 grid((n + BLOCK - 1) / BLOCK, bh);
        tessel_sparse_attention_backward_dq<<<grid, BLOCK>>>(dq_in, dk_in, dv_in, out, lse, dg, gq, D.order, D.row_start, D.key_block,
                                                            D.mask_offset, D.mask_words, n, d, d, scale);
        tessel_sparse_attention_backward_dkv<<<grid, BLOCK>>>(dq_in, dk_in, dv_in, out, lse, dg, gk, gv, D.order, D.column_start,
                                                             D.column_entry, D.entry_block, D.mask_offset, D.mask_words, n, d, d, scale);
        CUDA_CHECK(cudaGetLastError());
        char what[64];
        std::snprintf(what, sizeof what, "%s backward dq", NAMES[kind]);
        failures += lab_validate(what, lab_to_host(gq, size).data(), rq.data(), size, 1e-5f, 1e-4f) != 0;
        failures += lab_validate("  dk", lab_to_host(gk, size).data(), rk.data(), size, 1e-5f, 1e-4f) != 0;
        failures += lab_validate("  dv", lab_to_host(gv, size).data(), rv.data(), size, 1e-5f, 1e-4f) != 0;
    }
    cudaFree(dq_in); cudaFree(dk_in); cudaFree(dv_in); cudaFree(dg); cudaFree(out); cudaFree(lse); cudaFree(gq); cudaFree(gk); cudaFree(gv);

    /* sweep: DALL·E's layout scaled down, 256 text + 32 x 32 image, 8 heads of 64 */
    bh = 8; text = 256; gh = gw = 32; n = text + gh * gw; d = 64; size = (size_t) bh * n * d;
    float *a, *b, *c, *o, *l;
    CUDA_CHECK(cudaMalloc(&a, size * 4)); CUDA_CHECK(cudaMalloc(&b, size * 4)); CUDA_CHECK(cudaMalloc(&c, size * 4));
    CUDA_CHECK(cudaMalloc(&o, size * 4)); CUDA_CHECK(cudaMalloc(&l, (size_t) bh * n * 4));
    CUDA_CHECK(cudaMemset(a, 0, size * 4)); CUDA_CHECK(cudaMemset(b, 0, size * 4)); CUDA_CHECK(cudaMemset(c, 0, size * 4));
    std::printf("\n%8s %8s %12s %10s %10s %12s %12s\n", "pattern", "variant", "visible", "ms", "TFLOP/s", "time/causal", "pairs/causal");
    double causal_ms[3] = {0, 0, 0};
    long long causal_pairs = 0;
    for (int kind = 0; kind < 4; kind++) {
        Layout L = dalle_layout(kind, text, gh, gw);
        DeviceLayout D(L);
        if (kind == 0) causal_pairs = L.visible;
        for (int variant = 1; variant <= 2; variant++) {
            if (only >= 0 && variant != only) continue;
            float ms = lab_time_ms([&] { forward(variant, D, a, b, c, o, l, bh, n, d, 0.125f); }, 10);
            if (kind == 0) causal_ms[variant] = ms;
            /* q.k and p.v: 4 d flops per visible pair */
            double flops = 4.0 * d * (double) L.visible * bh;
            std::printf("%8s %8d %12lld %10.3f %10.2f %12.3f %12.3f\n", NAMES[kind], variant, L.visible, ms, flops / (ms * 1e9),
                        ms / causal_ms[variant], (double) L.visible / (double) causal_pairs);
        }
    }
    cudaFree(a); cudaFree(b); cudaFree(c); cudaFree(o); cudaFree(l);
    return failures ? 1 : 0;
}
