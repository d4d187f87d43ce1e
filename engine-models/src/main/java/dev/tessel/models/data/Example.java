package dev.tessel.models.data;

import dev.tessel.tensor.Tensor;
import java.util.List;

/**
 * One image with its caption.
 *
 * <p>Invariants: {@code image} is a contiguous F32 tensor [C, H, W] with values in [0, 1], owned
 * by the caller (close it, or let the Cleaner free it); {@code label} is a class index for data
 * sets with classes (Fashion-MNIST) and -1 otherwise; {@code objects} is the ground truth of a
 * {@code shapes} image in caption order, and empty for every other data set.
 */
public record Example(Tensor image, String caption, int label, List<ShapeObject> objects) {
    public Example {
        objects = List.copyOf(objects);
    }

    /** An example without class label or ground-truth objects. */
    public static Example of(Tensor image, String caption) {
        return new Example(image, caption, -1, List.of());
    }
}
