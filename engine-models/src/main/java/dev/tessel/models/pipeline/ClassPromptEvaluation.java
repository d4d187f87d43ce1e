// ClassPromptEvaluation: DALL·E on a labelled data set (Fashion-MNIST): for each class, its caption
// goes through the transformer and the dVAE decoder N times, and a classifier trained on real
// images says how many of the N pictures show that class. The classifier's accuracy on real test
// images of the same class is measured alongside, so its own errors are not read as the model's.
//
// Invariants: generation is seeded (one seed per class, derived from the run's seed); the classifier
// never sees a generated image while training; no model weight changes here.
package dev.tessel.models.pipeline;

import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.eval.ImageClassifier;
import dev.tessel.models.report.ImageGrid;
import dev.tessel.models.report.Png;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Per-class accuracy of a classifier on generated images of each class prompt. */
public final class ClassPromptEvaluation {
    private ClassPromptEvaluation() {}

    /**
     * One class: its prompt, the classifier's accuracy on real test images of the class, and on the
     * generated images of the prompt, with the histogram of what it saw in them.
     */
    public record ClassResult(String className, String prompt, int realCount, int realCorrect, int generated, double generatedAccuracy, int[] predictedCounts) {
        public double realAccuracy() { return realCount == 0 ? Double.NaN : realCorrect / (double) realCount; }
    }

    /**
     * @param prompts    the caption of each class, in label order
     * @param realImages test images read to measure the classifier per class
     * @param gridFile   PNG with one row per class (label order) of the first {@code shown} generated images, each labelled with the class the classifier saw
     */
    public static List<ClassResult> run(CandidateGenerator generator, ImageClassifier classifier, ImageCaptionDataset test, List<String> prompts,
                                        int realImages, int n, long seed, Path gridFile, int shown) {
        List<String> names = test.classNames();
        if (names.size() != prompts.size()) throw new IllegalArgumentException(test.name() + " has " + names.size() + " classes but " + prompts.size() + " prompts were given");
        int classes = names.size();
        int[] realTotal = new int[classes], realRight = new int[classes];
        ImageClassifier.Predictions real = classifier.predictions(test, realImages);
        for (int i = 0; i < real.labels().length; i++) {
            realTotal[real.labels()[i]]++;
            if (real.predicted()[i] == real.labels()[i]) realRight[real.labels()[i]]++;
        }
        List<ClassResult> results = new ArrayList<>();
        List<BufferedImage> gridImages = new ArrayList<>();
        List<String> gridLabels = new ArrayList<>();
        try (ProgressBar bar = ProgressBar.create("generate", (long) classes * n).rateIn(1, "img")) {
            for (int c = 0; c < classes; c++) {
                try (Tensor images = generator.sample(prompts.get(c), n, seed * 1009 + c)) {
                    int[] predicted = classifier.predict(images);
                    int[] histogram = new int[classes];
                    for (int p : predicted) histogram[p]++;
                    results.add(new ClassResult(names.get(c), prompts.get(c), realTotal[c], realRight[c],
                            n, histogram[c] / (double) n, histogram));
                    for (int i = 0; i < Math.min(shown, n); i++) {
                        gridImages.add(Png.toImage(images.slice(0, i, i + 1).squeeze(0)));
                        gridLabels.add(names.get(predicted[i]));
                    }
                }
                bar.update((long) (c + 1) * n);
            }
        }
        ImageGrid.ofImages(gridImages, Math.min(shown, n)).labels(gridLabels).scale(3).write(gridFile);
        return results;
    }

    /** The mean of the per-class accuracies on generated images. */
    public static double meanGeneratedAccuracy(List<ClassResult> results) {
        return results.stream().mapToDouble(ClassResult::generatedAccuracy).average().orElse(Double.NaN);
    }
}
