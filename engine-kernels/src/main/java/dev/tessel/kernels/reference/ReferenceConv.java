package dev.tessel.kernels.reference;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Conv ops of the Reference backend. */
final class ReferenceConv {
    private ReferenceConv() {}

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        throw new UnsupportedOperationException("ReferenceConv.conv2d: not written yet");
    }

    public static Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight) {
        throw new UnsupportedOperationException("ReferenceConv.conv2dBackwardInput: not written yet");
    }

    public static Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel) {
        throw new UnsupportedOperationException("ReferenceConv.conv2dBackwardWeight: not written yet");
    }

    public static Tensor maxPool2x2(Tensor x) {
        throw new UnsupportedOperationException("ReferenceConv.maxPool2x2: not written yet");
    }

    public static Tensor maxPool2x2Backward(Tensor x, Tensor gradOut) {
        throw new UnsupportedOperationException("ReferenceConv.maxPool2x2Backward: not written yet");
    }

    public static Tensor upsampleNearest2x(Tensor x) {
        throw new UnsupportedOperationException("ReferenceConv.upsampleNearest2x: not written yet");
    }

    public static Tensor upsampleNearest2xBackward(Tensor gradOut) {
        throw new UnsupportedOperationException("ReferenceConv.upsampleNearest2xBackward: not written yet");
    }
}
