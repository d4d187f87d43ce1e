package dev.tessel.kernels;

/** Elementwise functions of two tensors, with NumPy broadcasting. Comparisons yield 1 or 0 in the input dtype. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, GREATER, EQUAL,
    /**
     * b · GELU_ERF'(a) = b · (Φ(a) + a·φ(a)): the backward of GELU_ERF (a its input, b the incoming
     * gradient) in one pass instead of the ten elementwise passes of the composite formula.
     */
    GELU_ERF_GRAD
}
