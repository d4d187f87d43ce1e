// DvaeData: the --data and --data-dir options every dvae command shares, resolved to a data set.
//
// Invariant: training reads only Split.TRAIN, evaluation only Split.TEST (images no training
// run ever saw); the same --data/--seed always names the same images.
package dev.tessel.cli.dvae;

import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeConfig;

import java.util.List;

final class DvaeData {
    private DvaeData() {}

    static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.value("data", "NAME|DIR", "shapes", "shapes (built in, generated), fashion-mnist, or a folder of images with captions.tsv"),
            OptionSpec.value("data-dir", "DIR", null, "where the fashion-mnist IDX files are (default: found automatically)"),
            OptionSpec.value("data-seed", "N", "0", "seed of the generated data sets (shapes)"));

    /** The data set {@code spec} names, at {@code imageSize} (generated sets draw at that size; others must match it). */
    static ImageCaptionDataset open(String verb, String spec, String dataDir, long seed, Split split, int imageSize) {
        if (spec.equals("shapes")) {
            if (imageSize < ShapesDataset.MIN_IMAGE_SIZE) {
                throw new UsageException(verb, "shapes images are at least " + ShapesDataset.MIN_IMAGE_SIZE + " pixels, the model wants " + imageSize);
            }
            return new ShapesDataset(split, seed, imageSize);
        }
        throw new UsageException(verb, "unknown --data '" + spec + "'; expected shapes, fashion-mnist or a folder of images with captions.tsv");
    }

    /** Fails with both shapes named when the data set's images are not what the model takes. */
    static void checkShape(String verb, ImageCaptionDataset data, DvaeConfig config) {
        if (data.channels() != config.channels() || data.height() != config.imageSize() || data.width() != config.imageSize()) {
            throw new UsageException(verb, "data set " + data.name() + " has " + data.channels() + "x" + data.height() + "x" + data.width()
                    + " images but the model takes " + config.channels() + "x" + config.imageSize() + "x" + config.imageSize());
        }
    }
}
