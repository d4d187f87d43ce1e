package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

/**
 * The keys one decoding query may attend to ({@link Backend#decodeAttention}), as ascending key
 * positions rather than a dense mask row: a DALL·E image query sees the text and a few dozen image
 * keys of the hundreds cached, so a kernel that visits only these skips the rest.
 */
public final class VisibleKeys {
    private VisibleKeys() {}

    /** Fails unless {@code keys} is strictly ascending within [0, count). */
    public static void check(String op, int[] keys, int count) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] < 0 || keys[i] >= count || (i > 0 && keys[i] <= keys[i - 1])) {
                throw new IllegalArgumentException(op + ": visible keys must ascend within [0, " + count + "), got "
                        + java.util.Arrays.toString(keys));
            }
        }
    }

    /** The same visibility as a dense U8 mask [1, count] (1 = may attend). */
    public static Tensor maskRow(int[] keys, int count) {
        Tensor mask = Tensor.zeros(DType.U8, 1, count);
        for (int key : keys) mask.set(1, 0, key);
        return mask;
    }
}
