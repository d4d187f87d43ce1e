/* philox.h: Philox4x32-10 (Salmon et al., SC 2011; Random123), the stream of engine-tensor's
 * Philox.java, for kernels that draw noise in-kernel. Included by kernel files after
 * tessel_portable.h; the OpenCL loader inlines it (ProgramSource resolves #include "philox.h").
 *
 * Invariant (bit-identical to Philox.java, tested): element i of the (seed, offset) stream is
 * word i % 4 of philox(counter = (c lo, c hi, 0, 0), key = (seed lo, seed hi)) with
 * c = offset + i / 4 (64-bit, wrapping), and its uniform is ((bits >> 9) + 0.5f) * 2^-23,
 * exact in float, strictly inside (0, 1).
 */
#ifndef TESSEL_PHILOX_H
#define TESSEL_PHILOX_H

typedef struct { u32 w0, w1, w2, w3; } tessel_philox_block;

DEVICE tessel_philox_block tessel_philox4x32_10(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1) {
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        u32 hi0 = UMULHI(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        u32 hi1 = UMULHI(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    tessel_philox_block out;
    out.w0 = c0;
    out.w1 = c1;
    out.w2 = c2;
    out.w3 = c3;
    return out;
}

/* Raw 32 bits of element i of the (seed, offset) stream. */
DEVICE u32 tessel_philox_bits(i64 seed, i64 offset, i64 i) {
    u64 c = (u64) offset + ((u64) i >> 2);
    tessel_philox_block b = tessel_philox4x32_10((u32) c, (u32) (c >> 32), 0u, 0u, (u32) seed, (u32) ((u64) seed >> 32));
    int word = (int) (i & 3);
    return word == 0 ? b.w0 : word == 1 ? b.w1 : word == 2 ? b.w2 : b.w3;
}

/* The uniform in (0, 1) that 32 random bits stand for: the top 23 bits, centred in their cell. */
DEVICE float tessel_uniform(u32 bits) { return ((float) (bits >> 9) + 0.5f) * 1.1920928955078125e-7f; }

#endif
