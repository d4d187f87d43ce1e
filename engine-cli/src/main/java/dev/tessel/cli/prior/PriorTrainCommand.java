// PriorTrainCommand: `./tessel prior train`: trains a transformer preset, data-parallel over thread
// ranks (--dist local) or the ranks of an mpirun job (--dist mpi). With --dvae it is DALL·E's
// stage 2 on real data: captions through a BPE learned from the training captions, images through
// the trained dVAE, encoded once and cached in --out (TokenizedPriorData); checkpoints every
// --checkpoint-every steps and --resume. Without --dvae it uses stand-in tokens on shapes
// (ShapesPriorBatches), so a distributed run needs nothing trained.
//
// Invariant: every rank builds the same model (same seed, same restored checkpoint) and walks the
// same global batches, so the replicas stay identical; only rank 0 writes to the output.
package dev.tessel.cli.prior;

import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.dist.LocalCommunicator;
import dev.tessel.dist.MpiCommunicator;
import dev.tessel.dist.Topology;
import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.bpe.BpeTrainer;
import dev.tessel.models.data.Datasets;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.pipeline.LossFile;
import dev.tessel.models.pipeline.TokenizedPriorData;
import dev.tessel.models.report.LinePlot;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.models.transformer.DistributedPriorTraining;
import dev.tessel.models.transformer.PriorBatches;
import dev.tessel.models.transformer.PriorTrainer;
import dev.tessel.models.transformer.ShapesPriorBatches;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.models.transformer.TransformerConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/** The {@code prior train} sub-command. */
final class PriorTrainCommand implements Verb {
    static final String CHECKPOINT = "prior.safetensors", BPE = "bpe.json", TOKENS = "tokens.safetensors", TEST_TOKENS = "tokens-test.safetensors", LOSSES = "losses.txt";

    @Override public String name() { return "prior train"; }

    @Override public String summary() { return "train the text-to-image transformer (stage 2), on dVAE tokens or stand-in tokens, over threads or mpirun ranks"; }

    @Override public String synopsis() { return "[--dvae CKPT --data NAME|DIR --out DIR [--resume]] [--preset NAME --steps S --batch B] [--dist local|mpi] [--ranks N]"; }

    @Override
    public String description() {
        return """
                Trains the transformer. With --dvae (DALL-E's stage 2): the first --pool training images of --data are
                encoded once by the dVAE and cached in --out/tokens.safetensors; captions go through --bpe, or a BPE of
                --bpe-vocab ids learned from the pool's captions (saved as --out/bpe.json), with 10% BPE dropout; the
                preset's text length, layers and width are kept, its vocabularies and grid come from the BPE and the dVAE.
                A checkpoint (--out/prior.safetensors: weights, EMA, Adam, step) is written atomically every
                --checkpoint-every steps and at the end; --resume continues from it on the batches an unbroken run would see.
                Without --dvae: stand-in tokens from shapes (caption words hashed into the text vocabulary, the mean colour
                of each image patch as its token), so no BPE or dVAE is needed.
                Data-parallel: every rank holds a full replica (same seed) and trains on its slice of each global --batch;
                gradients are averaged in fp32 inside each machine of --devices-per-machine ranks, then across machines
                in fp32 or, with --powersgd-rank R > 0, by PowerSGD. --dist mpi: this process is one rank of an mpirun
                job (the default when OMPI_COMM_WORLD_SIZE is set; each process encodes the token cache itself);
                --dist local: --ranks threads in this JVM. Rank 0 prints the whole batch's loss every --log-every steps.""";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("dvae", "CKPT", null, "a trained dVAE checkpoint: train on its tokens of --data (DALL-E's stage 2); needs --out"),
                OptionSpec.value("data", "NAME|DIR", "shapes", "with --dvae: shapes, fashion-mnist or a folder with captions.tsv (the training split)"),
                OptionSpec.value("data-dir", "DIR", null, "where the fashion-mnist IDX files are (default: found automatically)"),
                OptionSpec.value("data-seed", "N", "0", "seed of the generated data sets (shapes)"),
                OptionSpec.value("pool", "N", "4096", "with --dvae: training images tokenised once and sampled from"),
                OptionSpec.value("bpe", "FILE", null, "with --dvae: a BPE saved by ./tessel bpe train (default: learn one, --out/bpe.json)"),
                OptionSpec.value("bpe-vocab", "V", "512", "with --dvae and no --bpe: ids of the BPE learned from the pool's captions"),
                OptionSpec.value("dist", "local|mpi", null, "thread ranks in this JVM, or one rank of an mpirun job (default: mpi under mpirun, else local)"),
                OptionSpec.value("ranks", "N", "1", "--dist local: number of thread ranks"),
                OptionSpec.value("devices-per-machine", "D", "1", "ranks per machine; world = machines x D"),
                OptionSpec.value("powersgd-rank", "R", "0", "PowerSGD rank across machines; 0 = fp32 all-reduce"),
                OptionSpec.value("preset", "NAME", "tiny", "transformer preset, one of " + TransformerConfig.PRESETS),
                OptionSpec.value("steps", "S", "20", "updates (in all, counting those before a --resume)"),
                OptionSpec.value("batch", "B", "8", "global batch (a multiple of the world size)"),
                OptionSpec.value("lr", "LR", "0.003", "peak learning rate (after a linear warmup of --warmup steps)"),
                OptionSpec.value("warmup", "W", "5", "warmup steps"),
                OptionSpec.value("seed", "N", "1", "model, data and PowerSGD seed"),
                OptionSpec.value("precision", "fp32|mixed", "fp32", "mixed: resblock weights stored in fp16 (no fp32 master), fp16 activations, one gradient scale per resblock, 16-bit Adam moments (DALL-E 2.4)"),
                OptionSpec.value("out", "DIR", null, "rank 0 writes DIR/prior.safetensors, DIR/loss.png, and DIR/grad-scales.png in mixed precision"),
                OptionSpec.value("checkpoint-every", "N", "100", "steps between checkpoints (with --out)"),
                OptionSpec.value("eval-batches", "N", "8", "at the end, the loss over N batches of the test split (never trained on); 0 skips it"),
                OptionSpec.value("log-every", "N", "1", "steps between printed loss lines (the last step is always printed)"),
                OptionSpec.flag("resume", "continue from --out/prior.safetensors (same preset, data and --precision)"));
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel prior train --dvae runs/dvae-shapes/checkpoint.safetensors --data shapes --preset small --steps 2000 --batch 32 --out runs/prior-shapes",
                "./tessel prior train --dvae runs/dvae-shapes/checkpoint.safetensors --preset small --steps 4000 --batch 32 --out runs/prior-shapes --resume",
                "./tessel prior train --dist local --ranks 4 --devices-per-machine 2 --powersgd-rank 4 --steps 10",
                "mpirun --allow-run-as-root --oversubscribe -np 4 ./tessel prior train --dist mpi --devices-per-machine 2 --powersgd-rank 4 --steps 10");
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        args.noPositionals();
        String dist = args.given("dist") ? args.choice("dist", "local", "mpi") : System.getenv("OMPI_COMM_WORLD_SIZE") != null ? "mpi" : "local";
        int ranks = args.integer("ranks", 1, 4096), devices = args.integer("devices-per-machine", 1, 4096), powerSgd = args.integer("powersgd-rank", 0, 1 << 16);
        int steps = args.integer("steps", 1, Integer.MAX_VALUE), batch = args.integer("batch", 1, 1 << 20), warmup = args.integer("warmup", 0, Integer.MAX_VALUE);
        int checkpointEvery = args.integer("checkpoint-every", 1, Integer.MAX_VALUE), logEvery = args.integer("log-every", 1, Integer.MAX_VALUE);
        int evalBatches = args.integer("eval-batches", 0, 1 << 16);
        long seed = args.longValue("seed");
        double lr = args.number("lr");
        boolean resume = args.flag("resume");
        Path outDir = args.given("out") ? Path.of(args.string("out")) : null;
        if (outDir == null && (args.given("dvae") || resume)) throw new UsageException(name(), (resume ? "--resume" : "--dvae") + " needs --out DIR (the checkpoint and the token cache live there)");
        Path checkpoint = outDir == null ? null : outDir.resolve(CHECKPOINT);
        if (checkpoint != null && Files.exists(checkpoint) && !resume) {
            throw new UsageException(name(), checkpoint + " already exists: pass --resume to continue it, or another --out");
        }
        if (resume && !Files.isRegularFile(checkpoint)) throw new UsageException(name(), "--resume: there is no checkpoint " + checkpoint + " to continue");
        TransformerConfig config;
        PriorBatches data, heldOut;
        MixedPrecision precision;
        try {
            TransformerConfig preset = TransformerConfig.preset(args.string("preset"));
            precision = MixedPrecision.parse(args.string("precision"), MixedPrecision.Scaling.PER_RESBLOCK);
            if (args.given("dvae")) {
                DvaeTokenizer dvae = DvaeTokenizer.load(Path.of(args.string("dvae")));
                Datasets.Options options = Datasets.Options.defaults().withImageSize(dvae.imageSize()).withChannels(dvae.channels())
                        .withSeed(args.longValue("data-seed")).withDataDir(args.given("data-dir") ? Path.of(args.string("data-dir")) : null);
                ImageCaptionDataset train = Datasets.open(args.string("data"), Split.TRAIN, options);
                int pool = args.integer("pool", 1, Integer.MAX_VALUE);
                BpeTokenizer bpe = bpe(args, train, pool, outDir, out);
                config = new TransformerConfig(preset.layers(), preset.dModel(), preset.heads(), preset.textLength(), bpe.vocabSize(),
                        dvae.gridSize(), dvae.vocabSize(), preset.convKernel());
                String key = "data=" + train.name() + ",seed=" + args.longValue("data-seed") + ",dvae=" + sha256(Path.of(args.string("dvae")));
                data = TokenizedPriorData.prepare(train, dvae, bpe, pool, batch, config.captionRoom(), seed, outDir.resolve(TOKENS), key, out);
                heldOut = evalBatches == 0 ? null : TokenizedPriorData.prepare(Datasets.open(args.string("data"), Split.TEST, options), dvae, bpe,
                        evalBatches * batch, batch, config.captionRoom(), seed, outDir.resolve(TEST_TOKENS), key + ",split=test", out).withoutDropout();
            } else {
                if (!args.string("data").equals("shapes")) throw new IllegalArgumentException("--data " + args.string("data") + " needs --dvae (stand-in tokens exist for shapes only)");
                config = preset;
                data = new ShapesPriorBatches(config, batch, seed);
                heldOut = new ShapesPriorBatches(config, batch, seed, Split.TEST);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(name(), e.getMessage());
        }
        PriorTrainer.Settings settings = PriorTrainer.Settings.dalle().withPeakLr(lr).withWarmup(warmup);
        LocalCommunicator.RankBody body = world -> {
            try (Topology topology = Topology.of(world, devices)) {
                if (batch % world.size() != 0) throw new IllegalArgumentException("prior train: --batch " + batch + " does not split over " + world.size() + " ranks");
                PriorTrainer trainer = new PriorTrainer(new TextToImageTransformer(config, seed, precision.resblockDtype()), settings, precision, world.size());
                if (resume) trainer.restore(checkpoint);
                var run = new DistributedPriorTraining(topology, trainer, powerSgd, seed);
                boolean lead = world.rank() == 0;
                if (lead) {
                    out.printf(Locale.ROOT, "prior train (%s): %d machines x %d devices, %s, %d parameters, batch %d = %d per rank, %s%n", dist,
                            topology.machines(), topology.devicesPerMachine(), args.string("preset"),
                            TextToImageTransformer.parameterCount(config), batch, batch / world.size(), (powerSgd > 0 ? "PowerSGD rank " + powerSgd + " across machines" : "fp32 all-reduce")
                                    + (precision.mixed() ? ", mixed precision (per-resblock gradient scales)" : ", fp32"));
                    long bytes = trainer.parameterAndMomentBytes();
                    out.printf(Locale.ROOT, "parameters + Adam moments: %.1f MB (%.2f bytes per parameter)%n", bytes / 1e6,
                            (double) bytes / TextToImageTransformer.parameterCount(config));
                    if (resume) out.printf(Locale.ROOT, "resuming %s at step %d of %d%n", checkpoint, trainer.steps(), steps);
                }
                List<Float> losses = new ArrayList<>();
                if (resume && lead) for (float f : LossFile.read(outDir.resolve(LOSSES))) if (losses.size() < trainer.steps()) losses.add(f);
                try (ProgressBar bar = lead ? ProgressBar.create("prior", steps).rateIn(batch, "img") : null) {
                    while (trainer.steps() < steps) {
                        long s = trainer.steps();
                        PriorBatches.Batch b = data.batch(s);
                        PriorTrainer.StepResult r = run.step(b.captions(), b.imageTokens());
                        if (!lead) continue;
                        losses.add((float) r.loss());
                        bar.field("loss", r.loss()).field("img", r.imageLoss()).field("txt", r.textLoss()).update(s + 1);
                        if ((s + 1) % logEvery == 0 || s + 1 == steps) {
                            out.printf(Locale.ROOT, "step %d/%d loss %.5f (text %.5f, image %.5f) grad norm %.4f lr %.2e%s%n", s + 1, steps, r.loss(), r.textLoss(),
                                    r.imageLoss(), r.gradNorm(), r.lr(), r.skipped() ? " SKIPPED (non-finite gradient)" : "");
                            out.flush();
                        }
                        if (outDir != null && ((s + 1) % checkpointEvery == 0 || s + 1 == steps)) save(trainer, outDir, losses);
                    }
                }
                if (lead && evalBatches > 0) {
                    List<PriorBatches.Batch> batches = new ArrayList<>();
                    for (int i = 0; i < evalBatches; i++) batches.add(heldOut.batch(i));
                    PriorTrainer.Evaluation e = trainer.evaluate(batches);
                    out.printf(Locale.ROOT, "held_out_loss: %.5f (text %.5f, image %.5f; %d batches of %d from the test split, fp32 forward)%n",
                            e.loss(), e.textLoss(), e.imageLoss(), e.batches(), batch);
                }
                if (outDir != null && lead) {
                    List<String> written = new ArrayList<>();
                    for (String f : List.of(CHECKPOINT, "loss.png", "grad-scales.png")) if (Files.isRegularFile(outDir.resolve(f))) written.add(outDir.resolve(f).toString());
                    out.println("wrote " + String.join(", ", written));
                }
            }
        };
        if (dist.equals("mpi")) MpiCommunicator.runWorld(body);
        else LocalCommunicator.launch(ranks, body);
        return 0;
    }

    /** Checkpoint, loss history, loss plot and (mixed) the scale plot; each file atomic. */
    private static void save(PriorTrainer trainer, Path outDir, List<Float> losses) {
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("prior train: cannot create " + outDir, e);
        }
        trainer.save(outDir.resolve(CHECKPOINT));
        float[] history = new float[losses.size()];
        double[] y = new double[losses.size()];
        for (int i = 0; i < history.length; i++) y[i] = history[i] = losses.get(i);
        LossFile.write(outDir.resolve(LOSSES), history);
        if (y.length > 1) new LinePlot().title("prior training loss").xLabel("step").yLabel("loss (1/8 text + 7/8 image)").series("loss", y).write(outDir.resolve("loss.png"));
        trainer.writeScalePlot(outDir.resolve("grad-scales.png"));   // mixed precision only: figure 12, each resblock's scale
    }

    /** --bpe, else the BPE saved in --out by an earlier run (so a resume sees the same ids), else one learned from the pool's captions. */
    private static BpeTokenizer bpe(Arguments args, ImageCaptionDataset train, int pool, Path outDir, PrintStream out) {
        if (args.given("bpe")) return BpeTokenizer.load(Path.of(args.string("bpe")));
        Path saved = outDir.resolve(BPE);
        if (Files.isRegularFile(saved)) return BpeTokenizer.load(saved);
        int vocab = args.integer("bpe-vocab", 256, BpeTrainer.MAX_VOCAB);
        long n = train.isBounded() ? Math.min(pool, train.size()) : pool;
        List<String> captions = new ArrayList<>();
        for (long i = 0; i < n; i++) captions.add(train.get(i).caption());
        BpeTokenizer bpe = BpeTrainer.train(captions, vocab, true);
        bpe.save(saved);
        out.printf(Locale.ROOT, "  learned a BPE of %d ids from %d training captions: %s%n", bpe.vocabSize(), n, saved);
        return bpe;
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the dVAE checkpoint " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
