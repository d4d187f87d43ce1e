package dev.tessel.kernels;

import dev.tessel.tensor.Tensor;

/**
 * Result of {@link Backend#gumbelSoftmaxPhilox}: the soft sample and, for the straight-through
 * estimator, the one-hot of its first maximum along the axis (null when not asked for). The
 * straight-through forward value is {@code hard}; its gradient flows through {@code soft}
 * (gumbelSoftmaxBackward of soft).
 *
 * <p>Invariant: both have the logits' shape and dtype; {@code hard} is exactly one 1 per slice.
 */
public record GumbelSample(Tensor soft, Tensor hard) {}
