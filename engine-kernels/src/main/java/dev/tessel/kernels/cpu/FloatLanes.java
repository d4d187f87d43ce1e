package dev.tessel.kernels.cpu;

import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.ScalarMath;
import dev.tessel.kernels.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Float elementwise kernels over dense runs of a MemorySegment (a tensor's own memory or a heap
 * staging buffer), Vector API lanes plus a scalar tail.
 *
 * <p>Measured on this machine (AVX2, 8 lanes, after warm-up): the Vector API's EXP / LOG / TANH
 * lanes take 0.9 / 1.9 / 5.2 ns per element against 16 / 22 / 37 ns for a scalar Math loop, so
 * every op uses lanes. The Vector API has no ERF, so erf gets a float approximation of its own
 * (see {@link #ERF_SMALL}); the double series of SpecialFunctions cost ~240 ns per element.
 * Invariant: the scalar tail computes the same function as the lanes (in double via ScalarMath,
 * rounded to float), and
 * offsets are in bytes, lengths in elements.
 */
final class FloatLanes {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final float TANH_SCALE = (float) (2 * ScalarMath.GELU_TANH_SCALE);
    private static final float TANH_CUBIC = (float) ScalarMath.GELU_TANH_CUBIC;
    private static final float SIGMOID_SCALE = (float) ScalarMath.GELU_SIGMOID_SCALE;

    /**
     * erf(x)/x as a polynomial in x² for |x| ≤ 1, and y·e^(y²)·erfc(y) as a polynomial in 1/y for
     * 1 ≤ y ≤ 10 (past 10, erfc underflows float). Both are least-squares fits to the double
     * erf/erfc at Chebyshev-spaced points, made for tessel; evaluated in float their largest
     * relative errors are 1.8e-7 and 3.1e-7 (checked against SpecialFunctions by the tests).
     */
    private static final float[] ERF_SMALL = {
        1.1283791670624774f, -0.3761263847636591f, 0.11283782625473082f, -0.02686543844269984f,
        0.00522105366173263f, -0.0008484398845065161f, 0.00011268262739033696f, -9.673597194614914e-06f};
    private static final float[] ERFC_LARGE = {
        0.5642085593941912f, -0.0006719950104898814f, -0.27212053297660527f, -0.08132473415874329f,
        0.8207453998149216f, -1.1634040501733842f, 0.6739941293503627f, 0.1045129568121329f,
        -0.4066235664261703f, 0.23669006102464152f, -0.048422665182991945f};
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));

    private FloatLanes() {}

    static FloatVector load(MemorySegment s, long byteOffset) { return FloatVector.fromMemorySegment(SPECIES, s, byteOffset, ORDER); }

    /** The vector at element {@code i} of the run starting at byte {@code base}. */
    private static FloatVector at(MemorySegment s, long base, int i) { return load(s, base + (long) i * Float.BYTES); }

    private static void put(FloatVector v, MemorySegment s, long base, int i) { v.intoMemorySegment(s, base + (long) i * Float.BYTES, ORDER); }

    /**
     * dst[j] = op(src[j]) for j in [0, n). Each op has its own small loop method, chosen once per
     * call: with the op a constant inside its loop, C2 keeps every vector in registers. One loop with
     * a switch per vector (or one big method holding every loop) boxed a FloatVector per 8 elements
     * once a few ops had been used, 10-40x slower on small tensors (measured: ADD on 2048 floats
     * 0.19 us alone, 8 us after MUL and SUB had run through the same loop).
     */
    static void unary(UnaryOp op, MemorySegment src, long so, MemorySegment dst, long d, int n) {
        final int bound = SPECIES.loopBound(n);
        int i = switch (op) {
            case NEG -> neg(src, so, dst, d, bound);
            case ABS -> abs(src, so, dst, d, bound);
            case SIGN -> sign(src, so, dst, d, bound);
            case EXP -> exp(src, so, dst, d, bound);
            case LOG -> log(src, so, dst, d, bound);
            case SQRT -> sqrt(src, so, dst, d, bound);
            case RSQRT -> rsqrt(src, so, dst, d, bound);
            case TANH -> tanh(src, so, dst, d, bound);
            case SIGMOID -> sigmoid(src, so, dst, d, bound);
            case RELU -> relu(src, so, dst, d, bound);
            case GELU_SIGMOID -> geluSigmoid(src, so, dst, d, bound);
            case GELU_TANH -> geluTanh(src, so, dst, d, bound);
            case ERF -> erf(src, so, dst, d, bound);
            case GELU_ERF -> geluErf(src, so, dst, d, bound);
        };
        for (; i < n; i++) {
            long step = (long) i * Float.BYTES;
            dst.set(FLOAT, d + step, (float) ScalarMath.unary(op, src.get(FLOAT, so + step)));
        }
    }

    // One loop per unary op over [0, bound); each returns bound, where the scalar tail starts.
    private static int neg(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(s, so, i).neg(), d, o, i);
        return bound;
    }

    private static int abs(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(s, so, i).abs(), d, o, i);
        return bound;
    }

    /** signum keeps ±0 and NaN: 1 where positive, −1 where negative, else x itself. */
    private static int sign(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) {
            FloatVector x = at(s, so, i);
            put(x.blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f)), d, o, i);
        }
        return bound;
    }

    private static int exp(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(s, so, i).lanewise(VectorOperators.EXP), d, o, i);
        return bound;
    }

    private static int log(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(s, so, i).lanewise(VectorOperators.LOG), d, o, i);
        return bound;
    }

    private static int sqrt(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(s, so, i).sqrt(), d, o, i);
        return bound;
    }

    private static int rsqrt(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(one().div(at(s, so, i).sqrt()), d, o, i);
        return bound;
    }

    private static int tanh(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(s, so, i).lanewise(VectorOperators.TANH), d, o, i);
        return bound;
    }

    private static int sigmoid(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(sigmoid(at(s, so, i)), d, o, i);
        return bound;
    }

    /** Lane MAX has Math.max semantics: NaN stays NaN, as in ScalarMath. */
    private static int relu(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(s, so, i).max(0f), d, o, i);
        return bound;
    }

    private static int geluSigmoid(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) {
            FloatVector x = at(s, so, i);
            put(x.mul(sigmoid(x.mul(SIGMOID_SCALE))), d, o, i);
        }
        return bound;
    }

    private static int geluTanh(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) {
            FloatVector x = at(s, so, i);
            put(x.mul(sigmoid(x.mul(x).mul(TANH_CUBIC).mul(x).add(x).mul(TANH_SCALE))), d, o, i);
        }
        return bound;
    }

    private static int erf(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(erf(at(s, so, i)), d, o, i);
        return bound;
    }

    private static int geluErf(MemorySegment s, long so, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(geluErf(at(s, so, i)), d, o, i);
        return bound;
    }

    private static FloatVector erf(FloatVector x) {
        FloatVector erfAbs = erfOfAbs(x.abs());
        return erfAbs.blend(erfAbs.neg(), x.compare(VectorOperators.LT, 0f));
    }

    /** 0.5·x·(1 + erf(y)) for x ≥ 0, and 0.5·x·erfc(|y|) for x < 0 so the tail keeps relative accuracy. */
    private static FloatVector geluErf(FloatVector x) {
        return x.mul(0.5f).mul(twiceNormalCdf(x));
    }

    /** 2Φ(x) with y = x/√2: 1 + erf(y) for x ≥ 0, erfc(|y|) for x < 0 (relative accuracy in the tail). */
    private static FloatVector twiceNormalCdf(FloatVector x) {
        FloatVector ay = x.abs().mul(INV_SQRT2);
        VectorMask<Float> small = ay.compare(VectorOperators.LE, 1f);
        // y² as x²·0.5 rounds once; squaring the rounded x/√2 would double the error e^(−y²) magnifies.
        FloatVector erfSmall = erfSmall(ay), erfcLarge = erfcLarge(ay, x.mul(x).mul(0.5f));
        FloatVector erfAbs = one().sub(erfcLarge).blend(erfSmall, small);
        FloatVector erfcAbs = erfcLarge.blend(one().sub(erfSmall), small);
        return erfAbs.add(1f).blend(erfcAbs, x.compare(VectorOperators.LT, 0f));
    }

    /** erf(a) for lanes a ≥ 0 (NaN stays NaN). */
    private static FloatVector erfOfAbs(FloatVector a) {
        return one().sub(erfcLarge(a, a.mul(a))).blend(erfSmall(a), a.compare(VectorOperators.LE, 1f));
    }

    /** erf(a) for 0 ≤ a ≤ 1. */
    private static FloatVector erfSmall(FloatVector a) { return horner(ERF_SMALL, a.mul(a)).mul(a); }

    /** erfc(a) for a ≥ 1 (a = +∞ gives 0), given a² computed by the caller. */
    private static FloatVector erfcLarge(FloatVector a, FloatVector aSquared) {
        FloatVector t = one().div(a);
        return aSquared.neg().lanewise(VectorOperators.EXP).mul(horner(ERFC_LARGE, t)).mul(t);
    }

    private static FloatVector horner(float[] c, FloatVector t) {
        FloatVector acc = FloatVector.broadcast(SPECIES, c[c.length - 1]);
        for (int k = c.length - 2; k >= 0; k--) acc = acc.fma(t, FloatVector.broadcast(SPECIES, c[k]));
        return acc;
    }

    /** 1/(1 + e^(−z)): for z ≪ 0 e^(−z) overflows to +∞ and the result is 0, never NaN; relative error stays ~eps. */
    private static FloatVector sigmoid(FloatVector z) {
        return one().div(z.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    /** dst[j] = a[j] op b[j] for j in [0, n); one loop method per op, for the reason given at {@link #unary}. */
    static void binary(BinaryOp op, MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment dst, long d, int n) {
        final int bound = SPECIES.loopBound(n);
        int i = switch (op) {
            case ADD -> add(a, ao, b, bo, dst, d, bound);
            case SUB -> sub(a, ao, b, bo, dst, d, bound);
            case MUL -> mul(a, ao, b, bo, dst, d, bound);
            case DIV -> div(a, ao, b, bo, dst, d, bound);
            case MAX -> max(a, ao, b, bo, dst, d, bound);
            case MIN -> min(a, ao, b, bo, dst, d, bound);
            case GREATER -> greater(a, ao, b, bo, dst, d, bound);
            case EQUAL -> equal(a, ao, b, bo, dst, d, bound);
            case GELU_ERF_GRAD -> geluErfGrad(a, ao, b, bo, dst, d, bound);
            case POW -> 0; // no lane form: every element takes the scalar path below
        };
        for (; i < n; i++) {
            long step = (long) i * Float.BYTES;
            float x = a.get(FLOAT, ao + step), y = b.get(FLOAT, bo + step);
            dst.set(FLOAT, d + step, scalar(op, x, y));
        }
    }

    // One loop per binary op over [0, bound); each returns bound, where the scalar tail starts.
    private static int add(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(a, ao, i).add(at(b, bo, i)), d, o, i);
        return bound;
    }

    private static int sub(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(a, ao, i).sub(at(b, bo, i)), d, o, i);
        return bound;
    }

    private static int mul(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(a, ao, i).mul(at(b, bo, i)), d, o, i);
        return bound;
    }

    private static int div(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(a, ao, i).div(at(b, bo, i)), d, o, i);
        return bound;
    }

    private static int max(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(a, ao, i).max(at(b, bo, i)), d, o, i);
        return bound;
    }

    private static int min(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(at(a, ao, i).min(at(b, bo, i)), d, o, i);
        return bound;
    }

    private static int greater(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(ones(at(a, ao, i).compare(VectorOperators.GT, at(b, bo, i))), d, o, i);
        return bound;
    }

    private static int equal(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) put(ones(at(a, ao, i).compare(VectorOperators.EQ, at(b, bo, i))), d, o, i);
        return bound;
    }

    private static int geluErfGrad(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment d, long o, int bound) {
        for (int i = 0; i < bound; i += SPECIES.length()) {
            FloatVector x = at(a, ao, i);
            FloatVector pdf = x.mul(x).mul(-0.5f).lanewise(VectorOperators.EXP).mul(INV_SQRT_2PI);
            put(at(b, bo, i).mul(twiceNormalCdf(x).mul(0.5f).add(x.mul(pdf))), d, o, i);
        }
        return bound;
    }

    private static FloatVector one() { return FloatVector.broadcast(SPECIES, 1f); }

    private static FloatVector ones(VectorMask<Float> m) { return FloatVector.zero(SPECIES).blend(1f, m); }

    /** Float arithmetic for the simple ops (same rounding as the lanes), double Math for POW. */
    static float scalar(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case GREATER -> a > b ? 1f : 0f;
            case EQUAL -> a == b ? 1f : 0f;
            case POW -> (float) Math.pow(a, b);
            case GELU_ERF_GRAD -> (float) ScalarMath.binary(op, a, b);   // the tail: the double definition, rounded once
        };
    }

    // ---------------------------------------------------------------- line kernels (reductions)

    /** Σ s[j], four vector accumulators for instruction-level parallelism, then lanes, then the tail. */
    static float sum(MemorySegment s, long offset, int n) {
        int width = SPECIES.length(), i = 0;
        FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
        for (int bound = n - 4 * width; i <= bound; i += 4 * width) {
            long b = offset + (long) i * Float.BYTES;
            a0 = a0.add(load(s, b));
            a1 = a1.add(load(s, b + width * Float.BYTES));
            a2 = a2.add(load(s, b + 2L * width * Float.BYTES));
            a3 = a3.add(load(s, b + 3L * width * Float.BYTES));
        }
        for (int bound = SPECIES.loopBound(n); i < bound; i += width) a0 = a0.add(load(s, offset + (long) i * Float.BYTES));
        float total = LaneSum.ofPreferred(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) total += s.get(FLOAT, offset + (long) i * Float.BYTES);
        return total;
    }

    /** max s[j] with Math.max semantics (NaN wins); −∞ for n = 0. */
    static float max(MemorySegment s, long offset, int n) {
        int i = 0;
        FloatVector m = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) m = m.max(load(s, offset + (long) i * Float.BYTES));
        float result = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) result = Math.max(result, s.get(FLOAT, offset + (long) i * Float.BYTES));
        return result;
    }

    /** dst[j] = e^(src[j] − shift); returns Σ dst[j]. */
    static float expShifted(MemorySegment src, long srcOffset, float shift, MemorySegment dst, long dstOffset, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long step = (long) i * Float.BYTES;
            FloatVector e = load(src, srcOffset + step).sub(shift).lanewise(VectorOperators.EXP);
            e.intoMemorySegment(dst, dstOffset + step, ORDER);
            acc = acc.add(e);
        }
        float total = LaneSum.ofPreferred(acc);
        for (; i < n; i++) {
            long step = (long) i * Float.BYTES;
            float e = (float) Math.exp(src.get(FLOAT, srcOffset + step) - shift);
            dst.set(FLOAT, dstOffset + step, e);
            total += e;
        }
        return total;
    }

    /** dst[j] = src[j]·scale + shift. */
    static void affine(MemorySegment src, long srcOffset, float scale, float shift, MemorySegment dst, long dstOffset, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long step = (long) i * Float.BYTES;
            load(src, srcOffset + step).fma(scale, shift).intoMemorySegment(dst, dstOffset + step, ORDER);
        }
        for (; i < n; i++) {
            long step = (long) i * Float.BYTES;
            dst.set(FLOAT, dstOffset + step, Math.fma(src.get(FLOAT, srcOffset + step), scale, shift));
        }
    }

    /** dst[j] = (src[j] − first) − second: log-softmax keeps x − max exact before the small log-sum goes. */
    static void subtractTwice(MemorySegment src, long srcOffset, float first, float second, MemorySegment dst, long dstOffset, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long step = (long) i * Float.BYTES;
            load(src, srcOffset + step).sub(first).sub(second).intoMemorySegment(dst, dstOffset + step, ORDER);
        }
        for (; i < n; i++) {
            long step = (long) i * Float.BYTES;
            dst.set(FLOAT, dstOffset + step, (src.get(FLOAT, srcOffset + step) - first) - second);
        }
    }

    /** Σ (s[j] − mean)², the second pass of a two-pass variance. */
    static float squaredDeviations(MemorySegment s, long offset, float mean, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector d = load(s, offset + (long) i * Float.BYTES).sub(mean);
            acc = d.fma(d, acc);
        }
        float total = LaneSum.ofPreferred(acc);
        for (; i < n; i++) {
            float d = s.get(FLOAT, offset + (long) i * Float.BYTES) - mean;
            total += d * d;
        }
        return total;
    }

    /** dst[j] = ((src[j] − mean)·inv)·w[j] + b[j]; w and b are dense float arrays (ones / zeros when absent). */
    static void normalize(MemorySegment src, long srcOffset, float mean, float inv, float[] w, float[] b, MemorySegment dst, long dstOffset, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long step = (long) i * Float.BYTES;
            FloatVector y = load(src, srcOffset + step).sub(mean).mul(inv);
            y.fma(FloatVector.fromArray(SPECIES, w, i), FloatVector.fromArray(SPECIES, b, i)).intoMemorySegment(dst, dstOffset + step, ORDER);
        }
        for (; i < n; i++) {
            long step = (long) i * Float.BYTES;
            dst.set(FLOAT, dstOffset + step, Math.fma((src.get(FLOAT, srcOffset + step) - mean) * inv, w[i], b[i]));
        }
    }
}
