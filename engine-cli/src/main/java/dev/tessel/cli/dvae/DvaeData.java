// DvaeData: the --data options every dvae command shares, resolved to a data set through
// Datasets.open.
//
// Invariant: training reads only Split.TRAIN, evaluation only Split.TEST (images no training
// run ever saw); the same --data/--data-seed always names the same images.
package dev.tessel.cli.dvae;

import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.models.data.Datasets;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeConfig;

import java.nio.file.Path;
import java.util.List;

final class DvaeData {
    private DvaeData() {}

    static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.value("data", "NAME|DIR", "shapes", "shapes (built in, generated), fashion-mnist, or a folder of images with captions.tsv"),
            OptionSpec.value("data-dir", "DIR", null, "where the fashion-mnist IDX files are (default: found automatically)"),
            OptionSpec.value("data-seed", "N", "0", "seed of the generated data sets (shapes)"));

    /** Channels a model for {@code spec} gets unless told: Fashion-MNIST is gray, the rest RGB. */
    static int defaultChannels(String spec) { return spec.equals("fashion-mnist") ? 1 : 3; }

    /** The data set {@code spec} names, as images of {@code channels} x {@code imageSize}². */
    static ImageCaptionDataset open(String verb, String spec, String dataDir, long seed, Split split, int imageSize, int channels) {
        Datasets.Options options = Datasets.Options.defaults().withImageSize(imageSize).withChannels(channels).withSeed(seed)
                .withDataDir(dataDir == null ? null : Path.of(dataDir));
        try {
            return Datasets.open(spec, split, options);
        } catch (IllegalArgumentException e) {
            throw new UsageException(verb, "--data " + spec + ": " + e.getMessage());
        }
    }

    /** Fails with both shapes named when the data set's images are not what the model takes. */
    static void checkShape(String verb, ImageCaptionDataset data, DvaeConfig config) {
        if (data.channels() != config.channels() || data.height() != config.imageSize() || data.width() != config.imageSize()) {
            throw new UsageException(verb, "data set " + data.name() + " has " + data.channels() + "x" + data.height() + "x" + data.width()
                    + " images but the model takes " + config.channels() + "x" + config.imageSize() + "x" + config.imageSize());
        }
    }
}
