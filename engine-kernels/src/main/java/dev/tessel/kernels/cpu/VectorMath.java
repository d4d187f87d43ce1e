package dev.tessel.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log and tanh of float lanes from IEEE arithmetic only (Cephes' expf / logf / tanhf
 * polynomials, within 2 ulp of the correctly rounded result), so every JIT tier gives the same
 * bits.
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP)}: the interpreter computes it as Math.exp per
 * lane while C2 calls a vector math library (SVML) that differs in the last bit for ~1% of inputs
 * (measured: 695 of 65,536 values in [-20, 20]). A softmax, GELU or Gumbel draw then changed its
 * bits when C2 compiled it, mid-run, and two runs of the same training (or a run and its resume in
 * a fresh JVM) drifted apart at the level of the last bit, then further. Additions,
 * multiplications, FMAs, shifts and reinterpretations are exact on every tier.
 *
 * <p>Invariant: NaN in, NaN out; exp(-inf) = 0, exp(+inf) = +inf, with subnormal results rounded
 * once; log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, subnormal inputs exact. The 256-bit exp
 * is the same algorithm as the preferred-width one, written out again (as LaneSum) so each method
 * sees one vector class and C2 keeps its vectors in registers.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> P = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that n·C1 is exact for |n| < 2^9 (Cody-Waite). */
    private static final float C1 = 0.693359375f, C2 = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float below 2^22 to an integer in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    /** Beyond ±150 every exp over- or underflows; clamping keeps n small enough for the split scale. */
    private static final float EXP_LIMIT = 150f;
    private static final float[] EXP_POLY = {5.0000001201E-1f, 1.6666665459E-1f, 4.1665795894E-2f, 8.3334519073E-3f, 1.3981999507E-3f, 1.9875691500E-4f};
    private static final float[] LOG_POLY = {3.3333331174E-1f, -2.4999993993E-1f, 2.0000714765E-1f, -1.6668057665E-1f, 1.4249322787E-1f,
                                             -1.2420140846E-1f, 1.1676998740E-1f, -1.1514610310E-1f, 7.0376836292E-2f};
    private static final float[] TANH_POLY = {-3.33332819422E-1f, 1.33314422036E-1f, -5.37397155531E-2f, 2.06390887954E-2f, -5.70498872745E-3f};
    private static final float SQRT_HALF = 0.707106781186547524f;

    private VectorMath() {}

    /** e^x per lane, preferred width. */
    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(-EXP_LIMIT).min(EXP_LIMIT);                  // NaN stays NaN (Math.max/min semantics)
        FloatVector shifted = clamped.mul(LOG2E).add(ROUNDER);                   // round(x·log2 e) in the low bits
        FloatVector n = shifted.sub(ROUNDER);
        IntVector k = (IntVector) shifted.reinterpretAsInts().sub(ROUNDER_BITS);
        FloatVector r = clamped.sub(n.mul(C1)).sub(n.mul(C2));                  // |r| <= ln2/2
        FloatVector poly = FloatVector.broadcast(P, EXP_POLY[5]);
        for (int i = 4; i >= 0; i--) poly = poly.fma(r, FloatVector.broadcast(P, EXP_POLY[i]));
        FloatVector er = poly.mul(r).fma(r, r).add(1f);                          // 1 + r + r²·poly(r)
        // 2^k as two factors 2^(k/2) and 2^(k - k/2), each a normal float for |k| <= 217, so
        // results near the overflow and underflow limits round once, in the second product
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        FloatVector s1 = (FloatVector) k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = (FloatVector) k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(s1).mul(s2);
    }

    /** e^x per lane for FloatVector.SPECIES_256 (the attention tiles); the same steps as {@link #exp}. */
    public static FloatVector exp256(FloatVector x) {
        FloatVector clamped = x.max(-EXP_LIMIT).min(EXP_LIMIT);
        FloatVector shifted = clamped.mul(LOG2E).add(ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);
        IntVector k = (IntVector) shifted.reinterpretAsInts().sub(ROUNDER_BITS);
        FloatVector r = clamped.sub(n.mul(C1)).sub(n.mul(C2));
        FloatVector poly = FloatVector.broadcast(S256, EXP_POLY[5]);
        for (int i = 4; i >= 0; i--) poly = poly.fma(r, FloatVector.broadcast(S256, EXP_POLY[i]));
        FloatVector er = poly.mul(r).fma(r, r).add(1f);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        FloatVector s1 = (FloatVector) k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = (FloatVector) k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(s1).mul(s2);
    }

    /** Natural log per lane, preferred width. */
    public static FloatVector log(FloatVector x) {
        // subnormals: scale by 2^23 first (exactly) and take 23 off the exponent
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector scaled = x.blend(x.mul(0x1p23f), tiny);
        IntVector bits = (IntVector) scaled.reinterpretAsInts();
        IntVector exponent = bits.lanewise(VectorOperators.LSHR, 23).sub(126);
        exponent = exponent.blend(exponent.sub(23), tiny.cast(IntVector.SPECIES_PREFERRED));
        // mantissa in [0.5, 1): the exponent field of 0.5
        FloatVector m = (FloatVector) bits.and(0x807FFFFF).or(0x3F000000).reinterpretAsFloats();
        FloatVector e = (FloatVector) exponent.convert(VectorOperators.I2F, 0);
        // m < sqrt(1/2): use 2m - 1 and e - 1, so the polynomial's argument stays in [-0.29, 0.41]
        VectorMask<Float> low = m.compare(VectorOperators.LT, SQRT_HALF);
        FloatVector f = m.add(m.blend(0f, low.not())).sub(1f);
        e = e.sub(FloatVector.zero(P).blend(1f, low));
        FloatVector z = f.mul(f);
        FloatVector poly = FloatVector.broadcast(P, LOG_POLY[8]);
        for (int i = 7; i >= 0; i--) poly = poly.fma(f, FloatVector.broadcast(P, LOG_POLY[i]));
        FloatVector y = f.mul(z).mul(poly);
        y = e.fma(FloatVector.broadcast(P, C2), y);
        y = z.fma(FloatVector.broadcast(P, -0.5f), y);
        FloatVector result = f.add(y).add(e.mul(C1));
        result = result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return result.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
    }

    /** tanh per lane, preferred width: a polynomial below 0.625, 1 - 2/(e^(2|x|) + 1) with x's sign above. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector poly = FloatVector.broadcast(P, TANH_POLY[4]);
        for (int i = 3; i >= 0; i--) poly = poly.fma(z, FloatVector.broadcast(P, TANH_POLY[i]));
        FloatVector small = poly.mul(z).fma(x, x);                               // x + x·z·poly(z)
        FloatVector large = FloatVector.broadcast(P, 1f).sub(FloatVector.broadcast(P, 2f).div(exp(a.add(a)).add(1f)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
        // x itself at ±0: the polynomial's x + x·z·p(z) adds +0 to -0
        return large.blend(small, a.compare(VectorOperators.LT, 0.625f)).blend(x, x.compare(VectorOperators.EQ, 0f));
    }
}
