// ClipCommands: ./tessel clip train — the contrastive reranker's training from the command line.
//
// Invariant: it trains on the training split only (ClipTrainer refuses anything else) and writes
// one checkpoint file atomically; running it again with the same --out resumes or, when the
// budget is already spent, returns at once.
package dev.tessel.cli.clip;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.cli.VerbGroup;
import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.clip.CaptionTokenizer;
import dev.tessel.models.clip.ClipConfig;
import dev.tessel.models.clip.ClipTrainer;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.pipeline.ClipStage;
import dev.tessel.models.pipeline.TrainingLoop;
import dev.tessel.models.report.ProgressBar;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The {@code clip} verb. */
public final class ClipCommands {
    private ClipCommands() {}

    public static Verb verb() {
        return new VerbGroup("clip", "train the contrastive reranker (CLIP-style) that orders generated candidates", List.of(new Train()));
    }

    /** The tokenizer --bpe names, or the byte-level stand-in. */
    static CaptionTokenizer tokenizer(Arguments args) {
        int context = args.integer("text-context", 2, 256);
        return args.given("bpe") ? CaptionTokenizer.bpe(BpeTokenizer.load(Path.of(args.string("bpe"))), context) : CaptionTokenizer.bytes(context);
    }

    static final class Train implements Verb {
        @Override public String name() { return "clip train"; }

        @Override public String summary() { return "train the reranker on the training captions and images (resumes from --out)"; }

        @Override public String synopsis() { return "[options]"; }

        @Override
        public String description() {
            return """
                    Trains the reranker: a small conv image encoder and a small causal text transformer mapped into
                    one space, with the symmetric InfoNCE loss and a learned temperature, on the training split
                    of --data (for shapes: never the held-out colour-shape pairs). Each batch holds distinct
                    captions. Stops at --steps or after --max-minutes, whichever comes first, and saves the
                    checkpoint --out atomically every --checkpoint-every steps and at the end; run it again to
                    resume. When the first steps show that --steps cannot finish within --max-minutes, the
                    learning-rate schedule is shortened to what fits. Prints the step reached, the last loss
                    and the temperature.""";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("data", "NAME", "shapes", "training data: shapes (built in)"),
                    OptionSpec.value("data-seed", "N", "0", "seed of the generated data set"),
                    OptionSpec.value("image-size", "PX", "32", "side of the images"),
                    OptionSpec.value("preset", "NAME", "small", "model size: tiny or small"),
                    OptionSpec.value("bpe", "FILE", null, "BPE vocabulary (./tessel bpe train) for the captions; default: byte-level tokens"),
                    OptionSpec.value("text-context", "N", "48", "most caption tokens read (the end token included)"),
                    OptionSpec.value("steps", "N", "1000", "step budget"),
                    OptionSpec.value("batch", "N", "64", "pairs per step (distinct captions)"),
                    OptionSpec.value("lr", "X", "0.001", "peak learning rate (AdamW, warmup then cosine to a tenth)"),
                    OptionSpec.value("dvae", "CKPT", null, "a dVAE checkpoint: every other batch trains on its reconstructions of the images (what generated images look like)"),
                    OptionSpec.flag("shape-twins", "half of each batch: the other half's captions with one shape changed (a seen pair), so negatives differ by a shape alone"),
                    OptionSpec.flag("separate-colour", "image encoder with the colour apart: conv stages on a colour-free ink map plus 1x1 convs on the colours (a shape reads the same in every colour)"),
                    OptionSpec.flag("binding-twins", "with --shape-twins: half the twins of two-object captions swap the two colours instead (a negative only the colour-shape pairing tells apart)"),
                    OptionSpec.value("max-minutes", "M", "60", "wall-clock cap of this run"),
                    OptionSpec.value("checkpoint-every", "N", "100", "steps between checkpoints"),
                    OptionSpec.value("seed", "N", "1", "seed of the initial weights and of the batch order"),
                    OptionSpec.value("out", "FILE", "out/clip/clip.safetensors", "checkpoint to write (and to resume from)"));
        }

        @Override
        public List<String> examples() {
            return List.of("./tessel clip train --steps 600 --out out/clip/clip.safetensors",
                    "./tessel clip train --preset tiny --steps 50 --batch 16 --out /tmp/clip-tiny.safetensors");
        }

        @Override
        public int run(Arguments args, PrintStream out) {
            args.noPositionals();
            if (!args.string("data").equals("shapes")) {
                throw new UsageException(name(), "unknown --data '" + args.string("data") + "'; the reranker trains on shapes");
            }
            int size = args.integer("image-size", ShapesDataset.MIN_IMAGE_SIZE, 256);
            ShapesDataset train = new ShapesDataset(Split.TRAIN, args.longValue("data-seed"), size);
            CaptionTokenizer tokenizer = tokenizer(args);
            ClipConfig config;
            try {
                config = ClipConfig.preset(args.string("preset"), size, train.channels(), tokenizer.contextLength()).withSeparateColour(args.flag("separate-colour"));
            } catch (IllegalArgumentException e) {
                throw new UsageException(name(), e.getMessage());
            }
            long steps = args.longValue("steps");
            if (steps <= 0) throw new UsageException(name(), "--steps must be positive, got " + steps);
            if (args.flag("binding-twins") && !args.flag("shape-twins")) {
                throw new UsageException(name(), "--binding-twins replaces some shape twins: give --shape-twins too");
            }
            ClipTrainer.Options options = new ClipTrainer.Options(args.integer("batch", 2, 4096), args.number("lr"), args.longValue("seed"),
                    args.flag("shape-twins"), args.flag("binding-twins"), args.given("dvae") ? DvaeTokenizer.load(Path.of(args.string("dvae"))) : null);
            TrainingLoop.Budget budget = new TrainingLoop.Budget(steps, args.number("max-minutes") * 60);
            Path target = Path.of(args.string("out"));
            BpeTokenizer bpe = args.given("bpe") ? BpeTokenizer.load(Path.of(args.string("bpe"))) : null;
            out.printf(Locale.ROOT, "reranker %s (%s), tokenizer %s, data %s (%s)%s%n", args.string("preset"), config.toJson(), tokenizer.name(),
                    train.name(), train.split().label(), java.nio.file.Files.isRegularFile(target) ? ", resuming " + target : "");
            ClipStage.Result result = ClipStage.train(config, tokenizer, bpe, train, options, budget, target,
                    args.integer("checkpoint-every", 1, Integer.MAX_VALUE), total -> ProgressBar.create("clip", total).rateIn(options.batchSize(), "pairs"));
            float[] losses = result.outcome().losses();
            out.printf(Locale.ROOT, "step %d of %d%s in %.1f s; last loss %.4f; temperature %.4f%n", result.outcome().steps(),
                    result.outcome().scheduledSteps(), result.outcome().timeBoxed() ? " (stopped by --max-minutes)" : "", result.outcome().seconds(),
                    losses.length == 0 ? Double.NaN : losses[losses.length - 1], 1 / result.model().logitScale());
            out.println("wrote " + target);
            return 0;
        }
    }
}
