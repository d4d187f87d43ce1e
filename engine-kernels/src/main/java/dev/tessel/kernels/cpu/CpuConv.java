package dev.tessel.kernels.cpu;

import dev.tessel.kernels.*;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/** Conv ops of the Cpu backend. */
final class CpuConv {
    private CpuConv() {}

    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
        throw new UnsupportedOperationException("CpuConv.conv2d: not written yet");
    }

    public static Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight) {
        throw new UnsupportedOperationException("CpuConv.conv2dBackwardInput: not written yet");
    }

    public static Tensor conv2dBackwardWeight(Tensor x, Tensor gradOut, int kernel) {
        throw new UnsupportedOperationException("CpuConv.conv2dBackwardWeight: not written yet");
    }

    public static Tensor maxPool2x2(Tensor x) {
        throw new UnsupportedOperationException("CpuConv.maxPool2x2: not written yet");
    }

    public static Tensor maxPool2x2Backward(Tensor x, Tensor gradOut) {
        throw new UnsupportedOperationException("CpuConv.maxPool2x2Backward: not written yet");
    }

    public static Tensor upsampleNearest2x(Tensor x) {
        throw new UnsupportedOperationException("CpuConv.upsampleNearest2x: not written yet");
    }

    public static Tensor upsampleNearest2xBackward(Tensor gradOut) {
        throw new UnsupportedOperationException("CpuConv.upsampleNearest2xBackward: not written yet");
    }
}
