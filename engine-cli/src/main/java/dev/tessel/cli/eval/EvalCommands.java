// EvalCommands: `./tessel eval ...`: measurements of trained models that need more than one stage.
// `eval fashion-mnist`: per-class accuracy of a classifier (trained by the engine on real
// Fashion-MNIST images) on the images DALL·E generates for each class prompt.
package dev.tessel.cli.eval;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.cli.VerbGroup;
import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.data.Datasets;
import dev.tessel.models.data.FashionMnist;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.eval.ImageClassifier;
import dev.tessel.models.pipeline.CandidateGenerator;
import dev.tessel.models.pipeline.ClassPromptEvaluation;
import dev.tessel.models.transformer.ImageSampler;
import dev.tessel.models.transformer.PriorTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The {@code eval} verb group. */
public final class EvalCommands {
    private EvalCommands() {}

    public static Verb verb() {
        return new VerbGroup("eval", "measure trained models together: class accuracy of generated Fashion-MNIST images", List.of(new FashionMnistEval()));
    }

    static final class FashionMnistEval implements Verb {
        @Override public String name() { return "eval fashion-mnist"; }

        @Override public String summary() { return "a classifier trained on real images judges the images generated for each class prompt"; }

        @Override public String synopsis() { return "--dvae CKPT --prior DIR [--n N] [--out DIR]"; }

        @Override
        public String description() {
            return """
                    Trains a small CNN classifier with the engine on the real Fashion-MNIST training images (or loads
                    --classifier), measures it on --real-images test images per class, then for each class caption
                    ("a pair of trousers", ...) samples --n images from the transformer in --prior (its EMA weights,
                    temperature 1) decoded by --dvae, and prints, per class, how many the classifier assigns to that
                    class. --prior is the --out folder of ./tessel prior train --dvae (prior.safetensors, bpe.json).
                    Writes --out/generated.png (one row per class, each image labelled with the class the classifier
                    saw) and --out/classifier.safetensors. The last line is 'generated_class_accuracy: X', the mean
                    over classes (chance: 0.1).""";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("dvae", "CKPT", null, "the dVAE checkpoint the transformer was trained on"),
                    OptionSpec.value("prior", "DIR", null, "a ./tessel prior train --dvae output folder (prior.safetensors, bpe.json)"),
                    OptionSpec.value("data-dir", "DIR", null, "where the fashion-mnist IDX files are (default: found automatically)"),
                    OptionSpec.value("n", "N", "32", "images generated per class prompt"),
                    OptionSpec.value("classifier", "FILE", null, "a classifier saved by an earlier run (default: --out/classifier.safetensors if present, else train one)"),
                    OptionSpec.value("classifier-steps", "S", "600", "training steps of the classifier"),
                    OptionSpec.value("classifier-batch", "B", "64", "images per classifier step"),
                    OptionSpec.value("real-images", "N", "2000", "real test images that measure the classifier"),
                    OptionSpec.value("seed", "N", "0", "seed of the classifier and of the sampler"),
                    OptionSpec.value("out", "DIR", "out/fashion-eval", "where generated.png and classifier.safetensors go"));
        }

        @Override
        public List<String> examples() {
            return List.of("./tessel eval fashion-mnist --dvae runs/dvae-fashion/checkpoint.safetensors --prior runs/prior-fashion --n 32");
        }

        @Override
        public int run(Arguments args, PrintStream out) throws IOException {
            args.noPositionals();
            if (!args.given("dvae") || !args.given("prior")) throw new UsageException(name(), "needs --dvae CKPT and --prior DIR");
            Path priorDir = Path.of(args.string("prior")), outDir = Path.of(args.string("out"));
            int n = args.integer("n", 1, 4096), steps = args.integer("classifier-steps", 1, Integer.MAX_VALUE), batch = args.integer("classifier-batch", 1, 1 << 16);
            int realImages = args.integer("real-images", 1, Integer.MAX_VALUE);
            long seed = args.longValue("seed");
            DvaeTokenizer dvae;
            CandidateGenerator generator;
            ImageCaptionDataset train, test;
            try {
                for (Path required : List.of(priorDir.resolve("prior.safetensors"), priorDir.resolve("bpe.json"))) {
                    if (!Files.isRegularFile(required)) throw new IllegalArgumentException("--prior " + priorDir + " has no " + required.getFileName() + " (expected the --out folder of ./tessel prior train --dvae)");
                }
                dvae = DvaeTokenizer.load(Path.of(args.string("dvae")));
                generator = new CandidateGenerator(PriorTrainer.loadEma(priorDir.resolve("prior.safetensors")), BpeTokenizer.load(priorDir.resolve("bpe.json")), dvae,
                        ImageSampler.Options.defaults());
                Datasets.Options options = Datasets.Options.defaults().withImageSize(dvae.imageSize()).withChannels(dvae.channels())
                        .withDataDir(args.given("data-dir") ? Path.of(args.string("data-dir")) : null);
                train = Datasets.open("fashion-mnist", Split.TRAIN, options);
                test = Datasets.open("fashion-mnist", Split.TEST, options);
            } catch (IllegalArgumentException e) {
                throw new UsageException(name(), e.getMessage());
            }
            Files.createDirectories(outDir);
            ImageClassifier classifier = new ImageClassifier(dvae.channels(), dvae.imageSize(), FashionMnist.CLASS_NAMES.size(), seed);
            Path saved = args.given("classifier") ? Path.of(args.string("classifier")) : outDir.resolve("classifier.safetensors");
            if (Files.isRegularFile(saved)) {
                classifier.load(saved, true);
                out.println("classifier: loaded " + saved);
            } else {
                long start = System.nanoTime();
                float[] losses = classifier.train(train, steps, batch, 2e-3, seed);
                classifier.saveWeights(saved);
                out.printf(Locale.ROOT, "classifier: trained %d steps of %d real training images in %.1f s (last loss %.4f), saved %s%n", steps, batch,
                        (System.nanoTime() - start) / 1e9, losses[losses.length - 1], saved);
            }
            Path grid = outDir.resolve("generated.png");
            List<ClassPromptEvaluation.ClassResult> results = ClassPromptEvaluation.run(generator, classifier, test, FashionMnist.CAPTIONS, realImages, n, seed, grid, 12);
            out.printf(Locale.ROOT, "%-12s %-22s %10s %10s  %s%n", "class", "prompt", "real acc", "gen acc", "classes seen in the generated images");
            int realRight = 0, realTotal = 0;
            for (var r : results) {
                StringBuilder seen = new StringBuilder();
                for (int c = 0; c < r.predictedCounts().length; c++) if (r.predictedCounts()[c] > 0) seen.append(FashionMnist.CLASS_NAMES.get(c)).append(' ').append(r.predictedCounts()[c]).append("  ");
                out.printf(Locale.ROOT, "%-12s %-22s %10.3f %10.3f  %s%n", r.className(), "\"" + r.prompt() + "\"", r.realAccuracy(), r.generatedAccuracy(), seen.toString().strip());
                realRight += r.realCorrect();
                realTotal += r.realCount();
            }
            out.println("wrote " + grid);
            out.printf(Locale.ROOT, "classifier_real_accuracy: %.4f%n", realRight / (double) realTotal);
            out.printf(Locale.ROOT, "generated_class_accuracy: %.4f%n", ClassPromptEvaluation.meanGeneratedAccuracy(results));
            return 0;
        }
    }
}
