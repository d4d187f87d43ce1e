package dev.tessel.kernels;

/** Elementwise functions of one tensor. The GELU forms are the three of FORMAT.md section 3.8. */
public enum UnaryOp {
    NEG, ABS, SIGN, EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, RELU, ERF,
    /** Exact 0.5·x·(1 + erf(x/√2)). */
    GELU_ERF,
    /** x·sigmoid(1.702·x). */
    GELU_SIGMOID,
    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), the form ru-dalle uses. */
    GELU_TANH
}
