package dev.tessel.kernels;

/** Reductions along one axis. */
public enum ReduceOp { SUM, MEAN, MAX }
