package dev.tessel.cli.data;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.cli.VerbGroup;
import dev.tessel.models.data.Datasets;
import dev.tessel.models.data.Example;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.ImageFolder;
import dev.tessel.models.data.Split;
import dev.tessel.models.eval.ReaderCheck;
import dev.tessel.models.eval.ShapesReader;
import dev.tessel.models.report.ImageGrid;
import dev.tessel.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./tessel data preview|check-reader}: look at a data set as a captioned PNG grid, and
 * measure the exact shapes reader against the generator's ground truth (the numbers of
 * docs/data-shapes.md come from these commands).
 *
 * <p>Invariant: both only read data; preview writes its one PNG atomically, check-reader prints
 * one result line per split and a total line last.
 */
public final class DataCommands {
    private DataCommands() {}

    /** The {@code data} verb for Main's table. */
    public static Verb verb() {
        return new VerbGroup("data", "look at a data set (captioned PNG grid) or check the shapes reader against ground truth",
                List.of(new Preview(), new CheckReader()));
    }

    static final class Preview implements Verb {
        @Override public String name() { return "data preview"; }

        @Override public String summary() { return "write the first N examples of a split as a captioned PNG grid"; }

        @Override public String synopsis() { return "--out FILE [options]"; }

        @Override
        public String description() {
            return """
                    Reads examples 0..N-1 of --split of the data set and writes them as one PNG grid, each image
                    scaled up and captioned. --data is shapes (generated from --seed), fashion-mnist (found
                    automatically, or --data-dir), or a folder of images with captions.tsv.""";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("data", "NAME|DIR", "shapes", "shapes, fashion-mnist, or a folder with captions.tsv"),
                    OptionSpec.value("data-dir", "DIR", null, "where the fashion-mnist IDX files are (default: found automatically)"),
                    OptionSpec.value("split", "NAME", "train", "train, test or held-out"),
                    OptionSpec.value("seed", "S", "0", "seed of the shapes generator"),
                    OptionSpec.value("size", "PX", "32", "image height and width"),
                    OptionSpec.value("channels", "C", "3", "1 or 3 (shapes: 3)"),
                    OptionSpec.value("n", "N", "24", "how many examples"),
                    OptionSpec.value("cols", "C", "6", "grid columns"),
                    OptionSpec.value("scale", "K", "4", "integer upscaling of each image"),
                    OptionSpec.value("out", "FILE", null, "the PNG to write"));
        }

        @Override
        public List<String> examples() {
            return List.of("./tessel data preview --data shapes --split held-out --seed 1 --out docs/images/shapes-held-out.png",
                    "./tessel data preview --data fashion-mnist --channels 1 --split test --n 30 --cols 10 --out fashion.png");
        }

        @Override
        public int run(Arguments args, PrintStream out) {
            args.noPositionals();
            Split split = split(name(), args.string("split"));
            Datasets.Options options = Datasets.Options.defaults()
                    .withSeed(args.longValue("seed"))
                    .withImageSize(args.integer("size", 8, 1024))
                    .withChannels(args.integer("channels", 1, 3))
                    .withBadFiles(ImageFolder.BadFilePolicy.SKIP);
            if (args.given("data-dir")) options = options.withDataDir(Path.of(args.string("data-dir")));
            ImageCaptionDataset data = open(name(), args.string("data"), split, options);
            int n = args.integer("n", 1, 10_000);
            if (data.isBounded()) n = (int) Math.min(n, data.size());
            if (n == 0) throw new UsageException(name(), data.name() + " has no " + split.label() + " examples");
            List<Tensor> images = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Example e = data.get(i);
                images.add(e.image());
                captions.add(e.caption());
            }
            Path target = Path.of(args.string("out"));
            ImageGrid.of(images, args.integer("cols", 1, 100)).labels(captions).scale(args.integer("scale", 1, 32)).write(target);
            out.println("wrote " + n + " " + split.label() + " examples of " + data.name() + " to " + target);
            return 0;
        }
    }

    static final class CheckReader implements Verb {
        @Override public String name() { return "data check-reader"; }

        @Override public String summary() { return "read N shapes scenes per split with the exact reader and count its errors against ground truth"; }

        @Override public String synopsis() { return "[options]"; }

        @Override
        public String description() {
            return """
                    Generates N scenes of each split of shapes (seed --seed, --size px), optionally softens them
                    (--blur: 3x3 binomial blur; --noise S: Gaussian pixel noise of standard deviation S), reads
                    them with the exact attribute reader and prints, per split, the object-count errors, the
                    colour, shape and size errors per object, the relation errors, and how many captions
                    CaptionMatch accepts. Exits 1 when a clean run (no --blur, no --noise) has any error.""";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("n", "N", "1000", "scenes per split"),
                    OptionSpec.value("seed", "S", "5", "seed of the shapes generator"),
                    OptionSpec.value("size", "PX", "32", "image height and width (the reader is meant for 32 and up)"),
                    OptionSpec.flag("blur", "blur each render with a 3x3 binomial kernel first"),
                    OptionSpec.value("noise", "S", "0", "add Gaussian pixel noise of this standard deviation"));
        }

        @Override
        public List<String> examples() {
            return List.of("./tessel data check-reader --n 3000 --size 48", "./tessel data check-reader --n 700 --seed 77 --blur");
        }

        @Override
        public int run(Arguments args, PrintStream out) {
            args.noPositionals();
            int n = args.integer("n", 1, 1_000_000);
            double noise = args.number("noise");
            if (noise < 0) throw new UsageException(name(), "--noise must be >= 0, got " + noise);
            ReaderCheck.Damage damage = new ReaderCheck.Damage(args.flag("blur"), noise);
            ShapesReader reader = new ShapesReader();
            int scenes = 0, objects = 0, errors = 0, matches = 0;
            for (Split split : Split.values()) {
                ReaderCheck.Tally t = ReaderCheck.run(reader, split, args.longValue("seed"), args.integer("size", 16, 1024), n, damage);
                out.printf(Locale.ROOT, "%-8s scenes %d  objects %d  count errors %d  colour %d  shape %d  size %d  relation %d  captions matched %d (%.4f)%n",
                        split.label(), t.scenes(), t.objects(), t.countErrors(), t.colorErrors(), t.shapeErrors(), t.sizeErrors(), t.relationErrors(),
                        t.captionMatches(), t.captionMatches() / (double) t.scenes());
                if (t.firstMiss() != null) out.println("  first miss: " + t.firstMiss());
                scenes += t.scenes();
                objects += t.objects();
                errors += t.countErrors() + t.objectErrors() + t.relationErrors();
                matches += t.captionMatches();
            }
            out.printf(Locale.ROOT, "total: %d scenes, %d objects, %d errors, captions matched %d of %d (%.4f)%n",
                    scenes, objects, errors, matches, scenes, matches / (double) scenes);
            boolean clean = !damage.blur() && damage.noiseSigma() == 0;
            return clean && errors > 0 ? 1 : 0;
        }
    }

    private static Split split(String verb, String text) {
        try {
            return Split.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(verb, e.getMessage());
        }
    }

    private static ImageCaptionDataset open(String verb, String data, Split split, Datasets.Options options) {
        if (data.equals("shapes") && options.channels() != 3) throw new UsageException(verb, "shapes images are RGB: --channels must be 3");
        return Datasets.open(data, split, options);
    }
}
