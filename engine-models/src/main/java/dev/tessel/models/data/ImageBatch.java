package dev.tessel.models.data;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A minibatch: images stacked into one F32 tensor [B, C, H, W] with their captions and labels,
 * in the order of the indices asked for.
 *
 * <p>Invariant: {@code captions.get(b)}, {@code labels[b]} and {@code objects.get(b)} describe
 * image b of {@code images}; the batch owns {@code images} (close it when done).
 */
public record ImageBatch(Tensor images, List<String> captions, int[] labels, List<List<ShapeObject>> objects) implements AutoCloseable {
    /** Reads {@code indices} from {@code data} and stacks them. */
    public static ImageBatch load(ImageCaptionDataset data, long... indices) {
        List<Example> examples = new ArrayList<>(indices.length);
        for (long i : indices) examples.add(data.get(i));
        try {
            return stack(examples);
        } finally {
            for (Example e : examples) e.image().close();
        }
    }

    /** Examples {@code [from, from + count)} of {@code data}. */
    public static ImageBatch range(ImageCaptionDataset data, long from, int count) {
        long[] indices = new long[count];
        for (int b = 0; b < count; b++) indices[b] = from + b;
        return load(data, indices);
    }

    /** Copies the examples' images (all the same [C, H, W]) into one new tensor. */
    public static ImageBatch stack(List<Example> examples) {
        if (examples.isEmpty()) throw new IllegalArgumentException("ImageBatch: no examples to stack");
        int[] chw = examples.get(0).image().shape().toArray();
        if (chw.length != 3) throw new IllegalArgumentException("ImageBatch: images must be [C, H, W], got " + examples.get(0).image().shape());
        Tensor images = Tensor.zeros(DType.F32, examples.size(), chw[0], chw[1], chw[2]);
        long bytesPerImage = (long) chw[0] * chw[1] * chw[2] * Float.BYTES;
        List<String> captions = new ArrayList<>();
        List<List<ShapeObject>> objects = new ArrayList<>();
        int[] labels = new int[examples.size()];
        for (int b = 0; b < examples.size(); b++) {
            Example e = examples.get(b);
            if (!e.image().shape().equals(examples.get(0).image().shape()) || e.image().dtype() != DType.F32) {
                images.close();
                throw new IllegalArgumentException("ImageBatch: example " + b + " is " + e.image().dtype() + " " + e.image().shape()
                        + " but the batch is F32 " + examples.get(0).image().shape());
            }
            Tensor src = e.image().contiguous();
            MemorySegment.copy(src.segment(), src.byteOffset(), images.segment(), b * bytesPerImage, bytesPerImage);
            if (src != e.image()) src.close();
            captions.add(e.caption());
            labels[b] = e.label();
            objects.add(e.objects());
        }
        return new ImageBatch(images, List.copyOf(captions), labels, List.copyOf(objects));
    }

    public int size() {
        return labels.length;
    }

    @Override
    public void close() {
        images.close();
    }
}
