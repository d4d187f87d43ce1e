// ImageClassifierTest: the judge of generated Fashion-MNIST images learns from real ones: after a
// short training it classifies held-out test images far above chance, and a save/load round trip
// keeps its predictions.
package dev.tessel.models.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.models.data.Datasets;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageClassifierTest {
    private static final Datasets.Options ONE_CHANNEL = Datasets.Options.defaults().withChannels(1);

    @Test
    void learnsFashionMnistFromRealImages(@TempDir Path dir) {
        ImageCaptionDataset train = Datasets.open("fashion-mnist", Split.TRAIN, ONE_CHANNEL), test = Datasets.open("fashion-mnist", Split.TEST, ONE_CHANNEL);
        ImageClassifier classifier = new ImageClassifier(1, 32, 10, 0);
        float[] losses = classifier.train(train, 120, 32, 2e-3, 0);
        double accuracy = classifier.accuracy(test, 500);
        // 120 steps of 32 images reach ~0.7 (a full run ~0.88); chance is 0.1: the bound says "it learned", not "it is good"
        assertTrue(accuracy > 0.5, "test accuracy " + accuracy + ", last loss " + losses[losses.length - 1]);

        Path file = dir.resolve("classifier.safetensors");
        classifier.saveWeights(file);
        ImageClassifier loaded = new ImageClassifier(1, 32, 10, 99);
        loaded.load(file, true);
        try (ImageBatch batch = ImageBatch.range(test, 0, 16)) {
            assertArrayEquals(classifier.predict(batch.images()), loaded.predict(batch.images()));
        }
    }

    @Test
    void refusesTheTestSplitAndAWrongShape() {
        ImageClassifier classifier = new ImageClassifier(1, 32, 10, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> classifier.train(Datasets.open("fashion-mnist", Split.TEST, ONE_CHANNEL), 1, 2, 1e-3, 0));
        assertTrue(e.getMessage().contains("TRAIN split"), e.getMessage());
        var shape = assertThrows(IllegalArgumentException.class, () -> new ImageClassifier(3, 32, 10, 0).train(Datasets.open("fashion-mnist", Split.TRAIN, ONE_CHANNEL), 1, 2, 1e-3, 0));
        assertTrue(shape.getMessage().contains("must be [B, 3, 32, 32]"), shape.getMessage());
    }
}
