package dev.tessel.kernels.cpu;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * Moves float tensors of any layout in and out of dense row-major float[] for the Cpu kernels
 * that work on heap arrays (gumbel-softmax, masked attention, dVAE pixels). Narrow floats
 * (F16/BF16) are widened on the way in and rounded to nearest even on the way out, so a kernel
 * computes in float whatever the storage dtype. F64 never comes here: those kernels run the
 * double-precision reference loops for it.
 */
final class CpuFloatArrays {
    private CpuFloatArrays() {}

    /** Logical row-major copy of x as floats (a straight memory copy for contiguous F32). */
    static float[] read(Tensor x) { return x.toFloatArray(); }

    /** A new contiguous tensor of {@code dtype} holding {@code data}; an F32 one is {@code data} itself, which the caller gives up. */
    static Tensor write(float[] data, DType dtype, int... dims) {
        Tensor f32 = Tensor.wrap(data, dims);
        if (dtype == DType.F32) return f32;
        try (f32) {
            return f32.to(dtype);
        }
    }
}
