package dev.tessel.models.data;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a data set by the name a user types: {@code shapes}, {@code fashion-mnist}, or the path
 * of an image folder with a captions.tsv — the {@code --data} value of the CLI verbs.
 *
 * <p>Invariant: the same (name, split, options) always opens the same examples.
 */
public final class Datasets {
    private Datasets() {}

    /**
     * @param dataDir   Fashion-MNIST's folder, or null to find it (ignored by the others)
     * @param imageSize image height and width
     * @param channels  requested channels: 3 for shapes (the only choice); 1 or 3 otherwise
     * @param seed      the shapes generator's seed (ignored by the others)
     * @param badFiles  image folder policy for bad images
     * @param warnings  where skipped-file warnings go
     */
    public record Options(Path dataDir, int imageSize, int channels, long seed, ImageFolder.BadFilePolicy badFiles, PrintStream warnings) {
        /** 32x32 RGB, seed 0, Fashion-MNIST found automatically, fail on bad images. */
        public static Options defaults() {
            return new Options(null, 32, 3, 0, ImageFolder.BadFilePolicy.FAIL, System.err);
        }

        public Options withImageSize(int size) {
            return new Options(dataDir, size, channels, seed, badFiles, warnings);
        }

        public Options withChannels(int c) {
            return new Options(dataDir, imageSize, c, seed, badFiles, warnings);
        }

        public Options withSeed(long s) {
            return new Options(dataDir, imageSize, channels, s, badFiles, warnings);
        }

        public Options withDataDir(Path dir) {
            return new Options(dir, imageSize, channels, seed, badFiles, warnings);
        }

        public Options withBadFiles(ImageFolder.BadFilePolicy policy) {
            return new Options(dataDir, imageSize, channels, seed, policy, warnings);
        }
    }

    public static ImageCaptionDataset open(String data, Split split, Options options) {
        return switch (data) {
            case "shapes" -> {
                if (options.channels() != 3) throw new IllegalArgumentException("shapes: images are RGB, so channels must be 3, got " + options.channels());
                yield new ShapesDataset(split, options.seed(), options.imageSize());
            }
            case "fashion-mnist" -> new FashionMnist(FashionMnist.locate(options.dataDir()), split, options.imageSize(), options.channels());
            default -> {
                Path dir = Path.of(data);
                if (!Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("unknown data '" + data + "': expected shapes, fashion-mnist or a folder with " + ImageFolder.CAPTIONS_FILE);
                }
                ImageFolder.Options folder = new ImageFolder.Options(options.imageSize(), options.channels(), ImageFolder.SizePolicy.RESIZE, options.badFiles(), 10);
                yield new ImageFolder(dir, split, folder, options.warnings());
            }
        };
    }
}
