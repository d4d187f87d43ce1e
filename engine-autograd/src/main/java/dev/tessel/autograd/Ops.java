// Ops: every primitive of the Backend SPI as a differentiable function of Variables, each with
// its backward rule; composites (sumAll, meanAll, subScalar, ...) are built from primitives and
// need no rule of their own.
//
// Invariants: a forward computes on Autograd.currentBackend() and never writes to an input;
// a rule returns one gradient per input in fromOp's input order, shaped like that input (a
// broadcast operand gets its gradient summed back with GradMath.sumToShape) and skips the work
// for inputs that need no gradient.
package dev.tessel.autograd;

import static dev.tessel.autograd.GradMath.*;

import dev.tessel.kernels.BinaryOp;
import dev.tessel.kernels.PreparedWeight;
import dev.tessel.kernels.ReduceOp;
import dev.tessel.kernels.UnaryOp;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Shape;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Differentiable ops on {@link Variable}s. Which backend computes: see {@link Autograd}. */
public final class Ops {
    private Ops() {}

    // ---------------------------------------------------------------- unary

    public static Variable unary(UnaryOp op, Variable x) {
        Tensor y = be().unary(op, x.value());
        return Variable.fromOp(op.name().toLowerCase(java.util.Locale.ROOT), y, List.of(x),
                g -> new Tensor[] {UnaryDerivatives.grad(op, x.value(), y, g)});
    }

    public static Variable neg(Variable x) { return unary(UnaryOp.NEG, x); }
    public static Variable abs(Variable x) { return unary(UnaryOp.ABS, x); }
    public static Variable sign(Variable x) { return unary(UnaryOp.SIGN, x); }
    public static Variable exp(Variable x) { return unary(UnaryOp.EXP, x); }
    public static Variable log(Variable x) { return unary(UnaryOp.LOG, x); }
    public static Variable sqrt(Variable x) { return unary(UnaryOp.SQRT, x); }
    public static Variable rsqrt(Variable x) { return unary(UnaryOp.RSQRT, x); }
    public static Variable tanh(Variable x) { return unary(UnaryOp.TANH, x); }
    public static Variable sigmoid(Variable x) { return unary(UnaryOp.SIGMOID, x); }
    public static Variable relu(Variable x) { return unary(UnaryOp.RELU, x); }
    public static Variable erf(Variable x) { return unary(UnaryOp.ERF, x); }
    public static Variable geluErf(Variable x) { return unary(UnaryOp.GELU_ERF, x); }
    public static Variable geluSigmoid(Variable x) { return unary(UnaryOp.GELU_SIGMOID, x); }
    public static Variable geluTanh(Variable x) { return unary(UnaryOp.GELU_TANH, x); }

    // ---------------------------------------------------------------- binary (NumPy broadcasting)

    public static Variable binary(BinaryOp op, Variable a, Variable b) {
        Tensor av = a.value(), bv = b.value();
        Tensor y = be().binary(op, av, bv);
        // comparisons are piecewise constant; GELU_ERF_GRAD is only ever a backward rule's result
        if (op == BinaryOp.GREATER || op == BinaryOp.EQUAL || op == BinaryOp.GELU_ERF_GRAD) return Variable.constant(y);
        boolean ga = a.requiresGrad(), gb = b.requiresGrad();
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        return Variable.fromOp(name, y, List.of(a, b), g -> {
            Tensor da = null, db = null;
            switch (op) {
                case ADD -> { da = g; db = g; }
                case SUB -> { da = g; db = gb ? times(g, -1.0) : null; }
                case MUL -> { da = ga ? times(g, bv) : null; db = gb ? times(g, av) : null; }
                case DIV -> {
                    da = ga ? over(g, bv) : null;
                    db = gb ? times(over(times(g, y), bv), -1.0) : null;   // d(a/b)/db = -y/b
                }
                case POW -> {
                    da = ga ? times(times(g, bv), be().binary(BinaryOp.POW, av, plus(bv, -1.0))) : null;
                    db = gb ? times(times(g, y), apply(UnaryOp.LOG, av)) : null;
                }
                // ties split the gradient evenly, like PyTorch's maximum/minimum
                case MAX, MIN -> {
                    Tensor winsA = op == BinaryOp.MAX ? greaterMask(av, bv) : greaterMask(bv, av);
                    Tensor shareA = plus(winsA, times(equalMask(av, bv), 0.5));
                    da = ga ? times(g, shareA) : null;
                    db = gb ? times(g, rsub(1.0, shareA)) : null;
                }
                case GREATER, EQUAL, GELU_ERF_GRAD -> throw new IllegalStateException("'" + name + "' has no gradient");
            }
            return new Tensor[] {da == null ? null : sumToShape(da, av.shape()), db == null ? null : sumToShape(db, bv.shape())};
        });
    }

    public static Variable add(Variable a, Variable b) { return binary(BinaryOp.ADD, a, b); }
    public static Variable sub(Variable a, Variable b) { return binary(BinaryOp.SUB, a, b); }
    public static Variable mul(Variable a, Variable b) { return binary(BinaryOp.MUL, a, b); }
    public static Variable div(Variable a, Variable b) { return binary(BinaryOp.DIV, a, b); }
    public static Variable pow(Variable a, Variable b) { return binary(BinaryOp.POW, a, b); }
    public static Variable maximum(Variable a, Variable b) { return binary(BinaryOp.MAX, a, b); }
    public static Variable minimum(Variable a, Variable b) { return binary(BinaryOp.MIN, a, b); }
    /** 1 where a > b else 0; not differentiable (the result is a constant). */
    public static Variable greater(Variable a, Variable b) { return binary(BinaryOp.GREATER, a, b); }
    /** 1 where a == b else 0; not differentiable (the result is a constant). */
    public static Variable equal(Variable a, Variable b) { return binary(BinaryOp.EQUAL, a, b); }

    // ---------------------------------------------------------------- scalar helpers

    public static Variable addScalar(Variable x, double s) {
        return Variable.fromOp("addScalar", plus(x.value(), s), List.of(x), g -> new Tensor[] {g});
    }

    public static Variable mulScalar(Variable x, double s) {
        return Variable.fromOp("mulScalar", times(x.value(), s), List.of(x), g -> new Tensor[] {times(g, s)});
    }

    /** x^p elementwise. */
    public static Variable powScalar(Variable x, double p) {
        Tensor xv = x.value();
        Tensor y = be().binary(BinaryOp.POW, xv, scalar(xv, p));
        return Variable.fromOp("powScalar", y, List.of(x),
                g -> new Tensor[] {times(times(g, be().binary(BinaryOp.POW, xv, scalar(xv, p - 1))), p)});
    }

    public static Variable subScalar(Variable x, double s) { return addScalar(x, -s); }

    public static Variable divScalar(Variable x, double s) { return mulScalar(x, 1.0 / s); }

    /** s - x. */
    public static Variable rsubScalar(double s, Variable x) { return addScalar(neg(x), s); }

    public static Variable square(Variable x) { return mul(x, x); }

    // ---------------------------------------------------------------- selection and conversion

    /** condition ? a : b with condition, a and b broadcast together; condition is data, not differentiated. */
    public static Variable where(Tensor condition, Variable a, Variable b) {
        Tensor av = a.value(), bv = b.value();
        Tensor y = be().where(condition, av, bv);
        boolean ga = a.requiresGrad(), gb = b.requiresGrad();
        return Variable.fromOp("where", y, List.of(a, b), g -> {
            Tensor zero = scalar(g, 0.0);
            Tensor da = ga ? sumToShape(be().where(condition, g, zero), av.shape()) : null;
            Tensor db = gb ? sumToShape(be().where(condition, zero, g), bv.shape()) : null;
            return new Tensor[] {da, db};
        });
    }

    /** Conversion to another dtype; the gradient is converted back. */
    public static Variable cast(Variable x, DType target) {
        DType source = x.dtype();
        return Variable.fromOp("cast", be().cast(x.value(), target), List.of(x), g -> new Tensor[] {be().cast(g, source)});
    }

    // ---------------------------------------------------------------- reductions

    public static Variable sum(Variable x, int axis, boolean keepDim) {
        Shape xs = x.value().shape();
        int ax = xs.normalizeAxis(axis);
        Tensor y = be().reduce(ReduceOp.SUM, x.value(), ax, keepDim);
        return Variable.fromOp("sum", y, List.of(x), g -> new Tensor[] {expandBack(g, ax, keepDim, xs)});
    }

    public static Variable mean(Variable x, int axis, boolean keepDim) {
        Shape xs = x.value().shape();
        int ax = xs.normalizeAxis(axis);
        Tensor y = be().reduce(ReduceOp.MEAN, x.value(), ax, keepDim);
        double n = xs.dim(ax);
        return Variable.fromOp("mean", y, List.of(x), g -> new Tensor[] {expandBack(times(g, 1.0 / n), ax, keepDim, xs)});
    }

    /** Maximum along an axis; the gradient is shared evenly among tied maxima. */
    public static Variable max(Variable x, int axis, boolean keepDim) {
        Tensor xv = x.value();
        Shape xs = xv.shape();
        int ax = xs.normalizeAxis(axis);
        Tensor y = be().reduce(ReduceOp.MAX, xv, ax, keepDim);
        return Variable.fromOp("max", y, List.of(x), g -> {
            Tensor isMax = equalMask(xv, expandBack(y, ax, keepDim, xs));
            Tensor ties = sumKeep(isMax, ax);
            Tensor share = over(isMax, ties);
            return new Tensor[] {times(share, expandBack(g, ax, keepDim, xs))};
        });
    }

    /** Sum of every element, as shape [1]. */
    public static Variable sumAll(Variable x) { return sum(reshape(x, 1, -1), 1, false); }

    /** Mean of every element, as shape [1]. */
    public static Variable meanAll(Variable x) { return mean(reshape(x, 1, -1), 1, false); }

    // ---------------------------------------------------------------- normalisation

    public static Variable softmax(Variable x, int axis) {
        int ax = x.value().shape().normalizeAxis(axis);
        Tensor y = be().softmax(x.value(), ax);
        // dx = y * (g - sum(g * y))
        return Variable.fromOp("softmax", y, List.of(x), g -> new Tensor[] {times(y, minus(g, sumKeep(times(g, y), ax)))});
    }

    public static Variable logSoftmax(Variable x, int axis) {
        int ax = x.value().shape().normalizeAxis(axis);
        Tensor y = be().logSoftmax(x.value(), ax);
        // dx = g - softmax * sum(g)
        return Variable.fromOp("logSoftmax", y, List.of(x),
                g -> new Tensor[] {minus(g, times(apply(UnaryOp.EXP, y), sumKeep(g, ax)))});
    }

    /** Layer norm over the last axis (biased variance); weight and bias are [C] or null. */
    public static Variable layerNorm(Variable x, Variable weight, Variable bias, double eps) {
        Tensor xv = x.value();
        Tensor wv = weight == null ? null : weight.value();
        Tensor y = be().layerNorm(xv, wv, bias == null ? null : bias.value(), eps);
        List<Variable> inputs = new ArrayList<>(List.of(x));
        if (weight != null) inputs.add(weight);
        if (bias != null) inputs.add(bias);
        return Variable.fromOp("layerNorm", y, inputs, g -> {
            // one fused kernel: dx, dWeight and dBias, the row statistics recomputed rather than saved
            Tensor[] all = be().layerNormBackward(xv, wv, g.dtype() == xv.dtype() ? g : be().cast(g, xv.dtype()), eps);
            Tensor[] grads = new Tensor[inputs.size()];
            grads[0] = x.requiresGrad() ? all[0] : null;
            int next = 1;
            if (weight != null) grads[next++] = weight.requiresGrad() ? all[1] : null;
            if (bias != null) grads[next] = bias.requiresGrad() ? all[2] : null;
            return grads;
        });
    }

    // ---------------------------------------------------------------- linear algebra

    public static Variable matmul(Variable a, Variable b) { return matmul(a, b, false, false); }

    /**
     * Batched product op(a) · op(b), op = transpose of the last two axes when its flag is set;
     * batch axes broadcast and the gradient of a broadcast operand is summed back.
     */
    public static Variable matmul(Variable a, Variable b, boolean transposeA, boolean transposeB) {
        Tensor av = a.value(), bv = b.value();
        Tensor y = be().matmul(av, bv, transposeA, transposeB);
        boolean ga = a.requiresGrad(), gb = b.requiresGrad();
        return Variable.fromOp("matmul", y, List.of(a, b), gOut -> {
            Tensor g = gOut.dtype() == av.dtype() ? gOut : be().cast(gOut, av.dtype());
            // With A = op(a) [.., M, K], B = op(b) [.., K, N], G [.., M, N]: dA = G Bᵀ, dB = Aᵀ G;
            // a transposed operand receives the transpose of its product, written as a product.
            Tensor da = !ga ? null : transposeA ? be().matmul(bv, g, transposeB, true) : be().matmul(g, bv, false, !transposeB);
            Tensor db = !gb ? null : transposeB ? be().matmul(g, av, true, transposeA) : be().matmul(av, g, !transposeA, false);
            return new Tensor[] {da == null ? null : sumToShape(da, av.shape()), db == null ? null : sumToShape(db, bv.shape())};
        });
    }

    /**
     * A linear layer's rows [N, in] · weight [out, in]ᵀ + bias [out] -> [N, out]: the values of
     * matmul(rows, weight, false, true) then add(.., bias), bit for bit (Backend.matmulPrepared's
     * contract), as one recorded op; the Cpu backend adds the bias into the fresh product in place
     * instead of allocating a second [N, out] tensor. The gradients are the matmul's and the add's.
     */
    public static Variable linear(Variable rows, Variable weight, Variable bias) {
        Tensor rv = rows.value(), wv = weight.value(), bv = bias.value();
        if (rv.rank() != 2 || wv.rank() != 2 || bv.rank() != 1 || rv.dim(1) != wv.dim(1) || bv.dim(0) != wv.dim(0)) {
            throw new IllegalArgumentException("linear: rows " + rv.shape() + ", weight " + wv.shape() + " and bias " + bv.shape()
                    + " must be [N, in], [out, in] and [out]");
        }
        Tensor y = be().matmulPrepared(rv, PreparedWeight.unprepared(wv), bv);
        boolean gr = rows.requiresGrad(), gw = weight.requiresGrad(), gb = bias.requiresGrad();
        return Variable.fromOp("linear", y, List.of(rows, weight, bias), gOut -> {
            Tensor g = gOut.dtype() == rv.dtype() ? gOut : be().cast(gOut, rv.dtype());
            // as matmul(rows, weight, false, true): dRows = G · weight, dWeight = Gᵀ · rows
            Tensor dr = gr ? be().matmul(g, wv, false, false) : null;
            Tensor dw = gw ? be().matmul(g, rv, true, false) : null;
            return new Tensor[] {dr, dw, gb ? sumToShape(gOut, bv.shape()) : null};
        });
    }

    // ---------------------------------------------------------------- convolution and resampling (NCHW)

    /** Stride-1 "same" conv: x [B,Cin,H,W], weight [Cout,Cin,k,k], bias [Cout] or null. */
    public static Variable conv2d(Variable x, Variable weight, Variable bias) {
        Tensor xv = x.value(), wv = weight.value();
        Tensor y = be().conv2d(xv, wv, bias == null ? null : bias.value());
        int k = wv.dim(-1);
        List<Variable> inputs = bias == null ? List.of(x, weight) : List.of(x, weight, bias);
        boolean gx = x.requiresGrad(), gw = weight.requiresGrad();
        return Variable.fromOp("conv2d", y, inputs, g -> {
            Tensor dx = gx ? be().conv2dBackwardInput(g, wv) : null;
            Tensor dw = gw ? be().conv2dBackwardWeight(xv, g, k) : null;
            if (bias == null) return new Tensor[] {dx, dw};
            // [B,Cout,H,W] -> [Cout,H,W] -> [Cout,H*W] -> [Cout]: two reductions over contiguous data
            // (a permute to channels-last would force an element-by-element strided copy)
            Tensor db = null;
            if (bias.requiresGrad()) {
                Tensor perChannelMap = be().reduce(ReduceOp.SUM, g, 0, false);
                db = be().reduce(ReduceOp.SUM, perChannelMap.reshape(perChannelMap.dim(0), -1), 1, false);
            }
            return new Tensor[] {dx, dw, db};
        });
    }

    /** Max over 2x2 windows; the gradient goes to each window's first maximum. */
    public static Variable maxPool2x2(Variable x) {
        Tensor xv = x.value();
        return Variable.fromOp("maxPool2x2", be().maxPool2x2(xv), List.of(x), g -> new Tensor[] {be().maxPool2x2Backward(xv, g)});
    }

    public static Variable upsampleNearest2x(Variable x) {
        return Variable.fromOp("upsampleNearest2x", be().upsampleNearest2x(x.value()), List.of(x),
                g -> new Tensor[] {be().upsampleNearest2xBackward(g)});
    }

    // ---------------------------------------------------------------- indexing

    /** Rows of table [V, D] at integer ids (any shape): [...ids, D]; the gradient scatter-adds into the table. */
    public static Variable embedding(Variable table, Tensor ids) {
        int rows = table.value().dim(0);
        return Variable.fromOp("embedding", be().embedding(table.value(), ids), List.of(table),
                g -> new Tensor[] {be().embeddingBackward(ids, g, rows)});
    }

    /** Mean over rows of -log softmax(logits)[target]; logits [N, C], targets [N] integer; result [1]. */
    public static Variable softmaxCrossEntropy(Variable logits, Tensor targets) {
        Tensor lv = logits.value();
        Tensor loss = be().softmaxCrossEntropy(lv, targets);
        return Variable.fromOp("softmaxCrossEntropy", loss, List.of(logits), g -> {
            int n = lv.dim(0), classes = lv.dim(1);
            // (softmax - onehot) / N, scaled by the upstream [1] gradient
            Tensor diff = minus(be().softmax(lv, 1), be().oneHot(targets, classes, lv.dtype()));
            return new Tensor[] {times(diff, times(g, 1.0 / n))};
        });
    }

    // ---------------------------------------------------------------- shapes (views where the tensor allows)

    public static Variable reshape(Variable x, int... dims) { return ViewOps.reshape(x, dims); }
    public static Variable permute(Variable x, int... order) { return ViewOps.permute(x, order); }
    public static Variable transpose(Variable x, int axisA, int axisB) { return ViewOps.transpose(x, axisA, axisB); }
    public static Variable slice(Variable x, int axis, int start, int end) { return ViewOps.slice(x, axis, start, end); }
    public static Variable expand(Variable x, int... dims) { return ViewOps.expand(x, dims); }
    public static Variable unsqueeze(Variable x, int axis) { return ViewOps.unsqueeze(x, axis); }
    public static Variable squeeze(Variable x, int axis) { return ViewOps.squeeze(x, axis); }
    public static Variable contiguous(Variable x) { return ViewOps.contiguous(x); }
    public static Variable concat(List<Variable> parts, int axis) { return ViewOps.concat(parts, axis); }
}
