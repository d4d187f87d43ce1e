package dev.tessel.models.data;

import dev.tessel.models.report.Png;
import dev.tessel.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A folder of PNG/JPEG images with a {@code captions.tsv}: one line per image, the file name
 * (relative to the folder), a TAB, the caption. Blank lines and lines starting with '#' are
 * skipped.
 *
 * <p>Every listed image is decoded, checked and brought to the target size when the folder is
 * opened, and kept in memory (C x size x size floats each), so a training run that has started
 * can never meet a bad file: problems surface at open, each naming its file. What happens to a
 * bad image (missing, undecodable, wrong size under {@link SizePolicy#REJECT}) is the
 * {@link BadFilePolicy}: {@code FAIL} (default) stops with the list of bad files; {@code SKIP}
 * drops each with a warning line and counts it ({@link #skipped()}).
 *
 * <p>Invariant: the split of a file depends only on its name (CRC-32 of the name, modulo 100,
 * below the test percentage means test), so adding files never moves others between splits.
 */
public final class ImageFolder implements ImageCaptionDataset {
    public static final String CAPTIONS_FILE = "captions.tsv";

    /** What to do with an image whose size is not the target size. */
    public enum SizePolicy {
        /** Centre-crop to a square, then scale with an area average. */
        RESIZE,
        /** Treat as a bad file. */
        REJECT
    }

    /** What to do with a bad image. */
    public enum BadFilePolicy { FAIL, SKIP }

    /**
     * @param imageSize   target height and width
     * @param channels    1 (gray, the mean of R, G, B) or 3
     * @param testPercent share of files (by name hash) in the test split, 0-100
     */
    public record Options(int imageSize, int channels, SizePolicy sizePolicy, BadFilePolicy badFiles, int testPercent) {
        public Options {
            if (imageSize < 1) throw new IllegalArgumentException("image folder: image size must be >= 1, got " + imageSize);
            if (channels != 1 && channels != 3) throw new IllegalArgumentException("image folder: channels must be 1 or 3, got " + channels);
            if (testPercent < 0 || testPercent > 100) throw new IllegalArgumentException("image folder: test percent must be 0-100, got " + testPercent);
        }

        /** 32x32 RGB, resize mis-sized images, fail on bad files, 10% test. */
        public static Options defaults() {
            return new Options(32, 3, SizePolicy.RESIZE, BadFilePolicy.FAIL, 10);
        }
    }

    private record Item(String file, String caption, float[] pixels) {}

    private final Path dir;
    private final Split split;
    private final Options options;
    private final List<Item> items = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();

    /** Opens the folder; bad-file warnings (SKIP) go to {@code warnings}. */
    public ImageFolder(Path dir, Split split, Options options, PrintStream warnings) {
        this.dir = dir;
        this.split = split;
        this.options = options;
        Path index = dir.resolve(CAPTIONS_FILE);
        if (!Files.isRegularFile(index)) {
            throw new IllegalArgumentException("image folder " + dir + ": no " + CAPTIONS_FILE + " (expected lines 'file name<TAB>caption')");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(index, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(index + ": cannot read: " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || line.startsWith("#")) continue;
            int tab = line.indexOf('\t');
            if (tab <= 0 || tab == line.length() - 1) {
                throw new IllegalArgumentException(index + " line " + (n + 1) + ": expected 'file name<TAB>caption', got '" + line + "'");
            }
            String file = line.substring(0, tab);
            if (inTest(file, options.testPercent()) != (split != Split.TRAIN)) continue;
            String caption = line.substring(tab + 1).trim();
            try {
                items.add(new Item(file, caption, load(dir.resolve(file))));
            } catch (RuntimeException e) {
                if (options.badFiles() == BadFilePolicy.FAIL) {
                    problems.add(e.getMessage());
                } else {
                    skipped.add(file);
                    warnings.println("warning: skipping " + e.getMessage());
                }
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 10);
            throw new IllegalArgumentException("image folder " + dir + ": " + problems.size() + " bad image(s) (use the skip policy to leave them out):\n  "
                    + String.join("\n  ", problems.subList(0, shown)) + (shown < problems.size() ? "\n  ..." : ""));
        }
        if (!skipped.isEmpty()) warnings.println("image folder " + dir + ": skipped " + skipped.size() + " bad image(s), kept " + items.size());
    }

    /** True when {@code file} belongs to the test split. */
    static boolean inTest(String file, int testPercent) {
        CRC32 crc = new CRC32();
        crc.update(file.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() % 100 < testPercent;
    }

    private float[] load(Path file) {
        int size = options.imageSize();
        Tensor decoded = Png.fromImage(Png.readImage(file), options.channels());
        int h = decoded.dim(1);
        int w = decoded.dim(2);
        float[] pixels = decoded.toFloatArray();
        decoded.close();
        if (h == size && w == size) return pixels;
        if (options.sizePolicy() == SizePolicy.REJECT) {
            throw new IllegalArgumentException(file + ": image is " + w + "x" + h + ", expected " + size + "x" + size);
        }
        return AreaResize.centreCropAndResize(pixels, options.channels(), h, w, size);
    }

    @Override public String name() { return dir.toString(); }

    @Override public Split split() { return split; }

    @Override public long size() { return items.size(); }

    @Override public int channels() { return options.channels(); }

    @Override public int height() { return options.imageSize(); }

    @Override public int width() { return options.imageSize(); }

    /** Files left out under {@link BadFilePolicy#SKIP}, in index order. */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    /** File name of example {@code index}. */
    public String file(long index) {
        checkIndex(index);
        return items.get((int) index).file();
    }

    @Override
    public Example get(long index) {
        checkIndex(index);
        Item item = items.get((int) index);
        int s = options.imageSize();
        return Example.of(Tensor.of(item.pixels(), options.channels(), s, s), item.caption());
    }
}
