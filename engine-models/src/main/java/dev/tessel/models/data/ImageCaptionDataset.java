package dev.tessel.models.data;

import java.util.List;

/**
 * A source of (image, caption) pairs addressed by index: the one interface every trainer and
 * evaluator reads data through.
 *
 * <p>Invariants: {@code get(i)} is deterministic — the same data set object (same seed, split and
 * options) returns equal examples for equal indices, in any order and on any thread; every image
 * has shape [{@link #channels()}, {@link #height()}, {@link #width()}]. A generator that can
 * produce any number of examples reports {@link #UNBOUNDED} as its size and accepts every index
 * {@code >= 0}.
 */
public interface ImageCaptionDataset {
    /** The size of a generator with no end. */
    long UNBOUNDED = -1;

    /** Short name, e.g. {@code shapes}, {@code fashion-mnist}, or the folder path. */
    String name();

    Split split();

    /** Number of examples, or {@link #UNBOUNDED}. */
    long size();

    int channels();

    int height();

    int width();

    /** The example at {@code index}; throws IndexOutOfBoundsException outside [0, size). */
    Example get(long index);

    /** Class names by label for labelled data sets, empty otherwise. */
    default List<String> classNames() {
        return List.of();
    }

    default boolean isBounded() {
        return size() != UNBOUNDED;
    }

    /** Checks an index against the size; the message names the data set and its split. */
    default void checkIndex(long index) {
        if (index < 0 || (isBounded() && index >= size())) {
            throw new IndexOutOfBoundsException(name() + " (" + split().label() + "): index " + index
                    + " outside [0, " + (isBounded() ? String.valueOf(size()) : "unbounded") + ")");
        }
    }
}
