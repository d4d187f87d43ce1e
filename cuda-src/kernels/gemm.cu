/* gemm.cu: batched C = op(A) · op(B) with 16-bit (or f32) inputs and f32 accumulation; the
 * promoted kernels of cuda-src/dev/gemm_lab.cu, numbers kept:
 *   kernel 2  tessel_gemm        portable (CUDA and OpenCL): shared-memory tiles of BM x BK of A
 *                                and BK x BN of B, converted to float once when staged; each of
 *                                the (BN/TN) x (BM/TM) threads keeps a TM x TN block of C in
 *                                registers (rows ty + i*(BM/TM), columns tx + j*(BN/TN): strided,
 *                                so neighbouring threads read neighbouring shared words).
 *   kernel 3  tessel_gemm_mma    CUDA sm_80+ only: tensor-core mma.sync m16n8k16 (f16 in, f32
 *                                accumulate), one warp per 16 x 32 block of C per step.
 * (Variant 0 is cuBLAS, called from the Cuda backend; kernel 1, the naive loop, is in the lab.)
 *
 * Layout: A element (m, k) of batch z is a[z*a_batch + m*a_rs + k*a_cs]: the host passes
 * (a_rs, a_cs) = (K, 1), or (1, M) for a transposed operand, and a_batch = 0 for an operand
 * broadcast over the batch; B likewise with (k, n). C is dense [batch, M, N].
 * Build options: -DIN_DTYPE, -DOUT_DTYPE (codes in tessel_portable.h), -DBM -DBN -DBK -DTM -DTN.
 *
 * Invariant: every thread reaches every barrier (bounds are handled by zero-filling the tiles,
 * never by returning early); local size is (BN/TN, BM/TM); grid (ceil(N/BN), ceil(M/BM), batch).
 */
#ifndef __OPENCL_VERSION__
#include "tessel_portable.h"
#endif

#ifndef IN_DTYPE
#define IN_DTYPE TESSEL_F16
#endif
#ifndef OUT_DTYPE
#define OUT_DTYPE TESSEL_F32
#endif
#ifndef BM
#define BM 64
#endif
#ifndef BN
#define BN 64
#endif
#ifndef BK
#define BK 16
#endif
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif

#define GEMM_THREADS_X (BN / TN)
#define GEMM_THREADS_Y (BM / TM)
#define GEMM_THREADS (GEMM_THREADS_X * GEMM_THREADS_Y)

KERNEL void tessel_gemm(GLOBAL const TESSEL_TYPE(IN_DTYPE) *RESTRICT a, GLOBAL const TESSEL_TYPE(IN_DTYPE) *RESTRICT b,
                        GLOBAL TESSEL_TYPE(OUT_DTYPE) *RESTRICT c, int M, int N, int K,
                        int a_rs, int a_cs, i64 a_batch, int b_rs, int b_cs, i64 b_batch) {
    SHARED float a_tile[BK][BM];   /* (k, m): a row of the tile is what the threads of one k-step read */
    SHARED float b_tile[BK][BN];   /* (k, n) */
    int tx = LOCAL_ID_X, ty = LOCAL_ID_Y, tid = ty * GEMM_THREADS_X + tx;
    int row0 = GROUP_ID_Y * BM, col0 = GROUP_ID_X * BN;
    i64 z = GROUP_ID_Z;
    a += z * a_batch;
    b += z * b_batch;
    c += z * (i64) M * N;

    float acc[TM][TN];
    for (int i = 0; i < TM; i++)
        for (int j = 0; j < TN; j++) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += BK) {
        for (int l = tid; l < BM * BK; l += GEMM_THREADS) {
            int r = l / BK, kk = l % BK, gm = row0 + r, gk = k0 + kk;
            a_tile[kk][r] = (gm < M && gk < K) ? TESSEL_LOAD(IN_DTYPE, a, gm * a_rs + gk * a_cs) : 0.0f;
        }
        for (int l = tid; l < BK * BN; l += GEMM_THREADS) {
            int kk = l / BN, cc = l % BN, gk = k0 + kk, gn = col0 + cc;
            b_tile[kk][cc] = (gk < K && gn < N) ? TESSEL_LOAD(IN_DTYPE, b, gk * b_rs + gn * b_cs) : 0.0f;
        }
        BARRIER;
        for (int kk = 0; kk < BK; kk++) {
            float a_reg[TM], b_reg[TN];
            for (int i = 0; i < TM; i++) a_reg[i] = a_tile[kk][ty + i * GEMM_THREADS_Y];
            for (int j = 0; j < TN; j++) b_reg[j] = b_tile[kk][tx + j * GEMM_THREADS_X];
            for (int i = 0; i < TM; i++)
                for (int j = 0; j < TN; j++) acc[i][j] = FMAF(a_reg[i], b_reg[j], acc[i][j]);
        }
        BARRIER;
    }
    for (int i = 0; i < TM; i++) {
        int gm = row0 + ty + i * GEMM_THREADS_Y;
        for (int j = 0; j < TN; j++) {
            int gn = col0 + tx + j * GEMM_THREADS_X;
            if (gm < M && gn < N) TESSEL_STORE(OUT_DTYPE, c, (i64) gm * N + gn, acc[i][j]);
        }
    }
}

#if !defined(__OPENCL_VERSION__) && IN_DTYPE == TESSEL_F16
/* ------------------------------------------------------------------ kernel 3: tensor cores (CUDA)
 * One warp per block computes a 16 x 32 block of C as four m16n8k16 MMAs per k-step of 16. The
 * tiles are staged in shared memory as raw f16 bits (zero-filled past the edges, any operand
 * strides, like kernel 2), then packed into the fragment registers the PTX ISA specifies for
 * mma.m16n8k16 .row.col: with g = lane / 4, t = lane % 4, A regs hold rows g / g+8 and column
 * pairs 2t / 2t+8, B regs hold k pairs 2t / 2t+8 of column g, C regs rows g / g+8, columns 2t, 2t+1.
 * Launch: grid (ceil(N/32), ceil(M/16), batch), block (32, 1). Needs sm_80 (the body is empty on
 * older targets; the host selects this variant only where DeviceApi.tensorCores() holds). */
DEVICE u32 tessel_pack_half2(u16 lo, u16 hi) { return (u32) lo | ((u32) hi << 16); }

KERNEL void tessel_gemm_mma(const u16 *RESTRICT a, const u16 *RESTRICT b, TESSEL_TYPE(OUT_DTYPE) *RESTRICT c, int M, int N, int K,
                            int a_rs, int a_cs, i64 a_batch, int b_rs, int b_cs, i64 b_batch) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    __shared__ u16 a_tile[16][16 + 8];   /* (m, k); the pad spreads fragment reads over banks */
    __shared__ u16 b_tile[32][16 + 8];   /* (n, k): n-major, so a B fragment's two k's are adjacent */
    int lane = (int) threadIdx.x, g = lane >> 2, t = lane & 3;
    int row0 = (int) blockIdx.y * 16, col0 = (int) blockIdx.x * 32;
    i64 z = blockIdx.z;
    a += z * a_batch;
    b += z * b_batch;
    c += z * (i64) M * N;
    float acc[4][4];
    for (int s = 0; s < 4; s++)
        for (int r = 0; r < 4; r++) acc[s][r] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += 16) {
        for (int l = lane; l < 16 * 16; l += 32) {
            int r = l / 16, kk = l % 16, gm = row0 + r, gk = k0 + kk;
            a_tile[r][kk] = (gm < M && gk < K) ? a[gm * a_rs + gk * a_cs] : (u16) 0;
        }
        for (int l = lane; l < 32 * 16; l += 32) {
            int nn = l / 16, kk = l % 16, gn = col0 + nn, gk = k0 + kk;
            b_tile[nn][kk] = (gn < N && gk < K) ? b[gk * b_rs + gn * b_cs] : (u16) 0;
        }
        __syncthreads();
        u32 a0 = tessel_pack_half2(a_tile[g][2 * t], a_tile[g][2 * t + 1]);
        u32 a1 = tessel_pack_half2(a_tile[g + 8][2 * t], a_tile[g + 8][2 * t + 1]);
        u32 a2 = tessel_pack_half2(a_tile[g][2 * t + 8], a_tile[g][2 * t + 9]);
        u32 a3 = tessel_pack_half2(a_tile[g + 8][2 * t + 8], a_tile[g + 8][2 * t + 9]);
        for (int s = 0; s < 4; s++) {
            int nn = s * 8 + g;
            u32 b0 = tessel_pack_half2(b_tile[nn][2 * t], b_tile[nn][2 * t + 1]);
            u32 b1 = tessel_pack_half2(b_tile[nn][2 * t + 8], b_tile[nn][2 * t + 9]);
            asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                         : "+f"(acc[s][0]), "+f"(acc[s][1]), "+f"(acc[s][2]), "+f"(acc[s][3])
                         : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
        }
        __syncthreads();
    }
    for (int s = 0; s < 4; s++) {
        int col = col0 + s * 8 + 2 * t;
        for (int half = 0; half < 2; half++) {
            int row = row0 + g + 8 * half;
            if (row < M && col < N) TESSEL_STORE(OUT_DTYPE, c, (i64) row * N + col, acc[s][2 * half]);
            if (row < M && col + 1 < N) TESSEL_STORE(OUT_DTYPE, c, (i64) row * N + col + 1, acc[s][2 * half + 1]);
        }
    }
#endif
}
#endif
