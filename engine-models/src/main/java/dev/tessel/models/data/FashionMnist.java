package dev.tessel.models.data;

import dev.tessel.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code fashion-mnist}: the 70,000 28x28 gray clothing images of Xiao et al. (2017) as Debian's
 * dataset-fashion-mnist installs them, zero-padded to 32x32 (or a larger square), captioned by
 * class: "a t-shirt or top", "a pair of trousers", ..., "an ankle boot" (see {@link #CAPTIONS}).
 *
 * <p>Invariants: {@link Split#TRAIN} is the 60,000 train-* images, {@link Split#TEST} and
 * {@link Split#HELD_OUT} are both the 10,000 t10k-* images (never used for training); the
 * label of example i is its class index in {@link #CLASS_NAMES}; values are byte / 255 with the
 * digit centred and a black border, so padding adds no new colour.
 */
public final class FashionMnist implements ImageCaptionDataset {
    /** The class names of the data set's README, in label order. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** The caption of each class: a short English phrase, lower case, in label order. */
    public static final List<String> CAPTIONS = List.of(
            "a t-shirt or top", "a pair of trousers", "a pullover", "a dress", "a coat",
            "a sandal", "a shirt", "a sneaker", "a bag", "an ankle boot");
    /** Where Debian's package puts the files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int SOURCE_SIZE = 28;

    private final Path dir;
    private final Split split;
    private final int imageSize;
    private final int channels;
    private final IdxFile images;
    private final IdxFile labels;

    /** Padded to 32x32, one channel, files found automatically. */
    public FashionMnist(Split split) {
        this(locate(null), split, 32, 1);
    }

    /**
     * @param dataDir   the folder holding the four IDX files (gzip or not)
     * @param imageSize output height and width, at least 28 (the image is centred)
     * @param channels  1, or 3 for the gray value repeated (for models that expect RGB)
     */
    public FashionMnist(Path dataDir, Split split, int imageSize, int channels) {
        if (imageSize < SOURCE_SIZE) throw new IllegalArgumentException("fashion-mnist: image size " + imageSize + " is below the source's 28");
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("fashion-mnist: channels must be 1 or 3, got " + channels);
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        this.dir = dataDir;
        this.split = split;
        this.imageSize = imageSize;
        this.channels = channels;
        this.images = IdxFile.read(file(dataDir, prefix + "-images-idx3-ubyte"));
        this.labels = IdxFile.read(file(dataDir, prefix + "-labels-idx1-ubyte"));
        int[] d = images.dims();
        if (d.length != 3 || d[1] != SOURCE_SIZE || d[2] != SOURCE_SIZE) {
            throw new IllegalArgumentException(images.path() + ": expected images [N, 28, 28], got " + Arrays.toString(d));
        }
        if (labels.dims().length != 1 || labels.dims()[0] != d[0]) {
            throw new IllegalArgumentException(labels.path() + ": expected " + d[0] + " labels, got dimensions " + Arrays.toString(labels.dims()));
        }
        for (int i = 0; i < d[0]; i++) {
            if (labels.unsigned(i) >= CLASS_NAMES.size()) throw new IllegalArgumentException(labels.path() + ": label " + labels.unsigned(i) + " at " + i + " is not a class 0-9");
        }
    }

    /**
     * The data folder: {@code override} if given (it must hold the files), else Debian's
     * {@link #DEBIAN_DIR}, else wherever {@code dpkg -L dataset-fashion-mnist} lists them.
     */
    public static Path locate(Path override) {
        if (override != null) {
            file(override, "train-images-idx3-ubyte");
            return override;
        }
        if (hasFiles(DEBIAN_DIR)) return DEBIAN_DIR;
        Path listed = fromDpkg();
        if (listed != null) return listed;
        throw new IllegalArgumentException("fashion-mnist: data not found in " + DEBIAN_DIR
                + " nor in dpkg's list of dataset-fashion-mnist; install it (apt-get install dataset-fashion-mnist) or pass --data-dir DIR");
    }

    private static boolean hasFiles(Path dir) {
        return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")) || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"));
    }

    private static Path fromDpkg() {
        try {
            Process p = new ProcessBuilder("dpkg", "-L", "dataset-fashion-mnist").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) return null;
            for (String line : out.split("\n")) {
                Path candidate = Path.of(line.trim());
                if (candidate.getFileName() != null && candidate.getFileName().toString().startsWith("train-images-idx3-ubyte") && Files.isRegularFile(candidate)) {
                    return candidate.getParent();
                }
            }
            return null;
        } catch (IOException e) {
            return null; // no dpkg on this system: the caller reports where it looked
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {@code dir/name.gz} or {@code dir/name}, whichever exists; the error lists both. */
    static Path file(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) return plain;
        throw new IllegalArgumentException("fashion-mnist: neither " + gz + " nor " + plain + " exists");
    }

    @Override public String name() { return "fashion-mnist"; }

    @Override public Split split() { return split; }

    @Override public long size() { return images.dims()[0]; }

    @Override public int channels() { return channels; }

    @Override public int height() { return imageSize; }

    @Override public int width() { return imageSize; }

    @Override public List<String> classNames() { return CLASS_NAMES; }

    public Path dataDir() { return dir; }

    @Override
    public Example get(long index) {
        checkIndex(index);
        int pad = (imageSize - SOURCE_SIZE) / 2;
        int plane = imageSize * imageSize;
        float[] v = new float[channels * plane];
        long base = index * SOURCE_SIZE * SOURCE_SIZE;
        for (int y = 0; y < SOURCE_SIZE; y++) {
            for (int x = 0; x < SOURCE_SIZE; x++) {
                float value = images.unsigned(base + y * SOURCE_SIZE + x) / 255f;
                int at = (y + pad) * imageSize + x + pad;
                for (int c = 0; c < channels; c++) v[c * plane + at] = value;
            }
        }
        int label = labels.unsigned(index);
        return new Example(Tensor.of(v, channels, imageSize, imageSize), CAPTIONS.get(label), label, List.of());
    }
}
