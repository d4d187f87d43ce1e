package dev.tessel.kernels;

/** Elementwise functions of two tensors, with NumPy broadcasting. Comparisons yield 1 or 0 in the input dtype. */
public enum BinaryOp { ADD, SUB, MUL, DIV, POW, MAX, MIN, GREATER, EQUAL }
