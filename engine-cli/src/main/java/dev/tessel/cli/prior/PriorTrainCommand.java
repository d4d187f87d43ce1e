// PriorTrainCommand: `./tessel prior train --dist local|mpi`: data-parallel training of a
// transformer preset on the shapes data (stand-in tokens, ShapesPriorBatches) over thread ranks or
// the ranks of an mpirun job, through DistributedPriorTraining; rank 0 prints the loss.
//
// Invariant: every rank builds the same model (same seed) and walks the same global batches, so
// the replicas stay identical; only rank 0 writes to the output.
package dev.tessel.cli.prior;

import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.dist.LocalCommunicator;
import dev.tessel.dist.MpiCommunicator;
import dev.tessel.dist.Topology;
import dev.tessel.models.transformer.DistributedPriorTraining;
import dev.tessel.models.transformer.PriorTrainer;
import dev.tessel.models.transformer.ShapesPriorBatches;
import dev.tessel.models.transformer.TextToImageTransformer;
import dev.tessel.models.transformer.TransformerConfig;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The {@code prior train} sub-command. */
final class PriorTrainCommand implements Verb {
    @Override public String name() { return "prior train"; }

    @Override public String summary() { return "data-parallel transformer training over threads (--dist local) or mpirun ranks (--dist mpi)"; }

    @Override public String synopsis() { return "[--dist local|mpi] [--ranks N] [--devices-per-machine D] [--powersgd-rank R] [--preset NAME --steps S --batch B]"; }

    @Override
    public String description() {
        return """
                Trains the transformer data-parallel: every rank holds a full replica (same seed) and trains on its slice
                of each global --batch; gradients are averaged in fp32 inside each machine of --devices-per-machine ranks,
                then across machines in fp32 or, with --powersgd-rank R > 0, by PowerSGD (the paper's fixed random Q and
                Householder; resblock weight matrices compressed, embeddings, heads, gains and biases not).
                Data: the shapes training split with stand-in tokens (caption words hashed into the text vocabulary, the
                mean colour of each image patch quantised into the image vocabulary), so no BPE or dVAE is needed.
                --dist mpi: this process is one rank of an mpirun job (the default when OMPI_COMM_WORLD_SIZE is set);
                --dist local: --ranks threads in this JVM. Rank 0 prints the whole batch's loss every step.""";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("dist", "local|mpi", null, "thread ranks in this JVM, or one rank of an mpirun job (default: mpi under mpirun, else local)"),
                OptionSpec.value("ranks", "N", "1", "--dist local: number of thread ranks"),
                OptionSpec.value("devices-per-machine", "D", "1", "ranks per machine; world = machines x D"),
                OptionSpec.value("powersgd-rank", "R", "0", "PowerSGD rank across machines; 0 = fp32 all-reduce"),
                OptionSpec.value("preset", "NAME", "tiny", "transformer preset, one of " + TransformerConfig.PRESETS),
                OptionSpec.value("steps", "S", "20", "updates"),
                OptionSpec.value("batch", "B", "8", "global batch (a multiple of the world size)"),
                OptionSpec.value("lr", "LR", "0.003", "peak learning rate (after a linear warmup of --warmup steps)"),
                OptionSpec.value("warmup", "W", "5", "warmup steps"),
                OptionSpec.value("seed", "N", "1", "model, data and PowerSGD seed"),
                OptionSpec.value("precision", "fp32|mixed", "fp32", "mixed: fp16 resblocks with one gradient scale per resblock and 16-bit Adam moments (DALL-E 2.4)"),
                OptionSpec.value("out", "DIR", null, "rank 0 writes DIR/prior.safetensors at the end, and DIR/grad-scales.png in mixed precision"));
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel prior train --dist local --ranks 4 --devices-per-machine 2 --powersgd-rank 4 --steps 10",
                "mpirun --allow-run-as-root --oversubscribe -np 4 ./tessel prior train --dist mpi --devices-per-machine 2 --powersgd-rank 4 --steps 10");
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        args.noPositionals();
        String dist = args.given("dist") ? args.choice("dist", "local", "mpi") : System.getenv("OMPI_COMM_WORLD_SIZE") != null ? "mpi" : "local";
        int ranks = args.integer("ranks", 1, 4096), devices = args.integer("devices-per-machine", 1, 4096), powerSgd = args.integer("powersgd-rank", 0, 1 << 16);
        int steps = args.integer("steps", 1, Integer.MAX_VALUE), batch = args.integer("batch", 1, 1 << 20), warmup = args.integer("warmup", 0, Integer.MAX_VALUE);
        long seed = args.longValue("seed");
        double lr = args.number("lr");
        TransformerConfig config;
        ShapesPriorBatches data;
        try {
            config = TransformerConfig.preset(args.string("preset"));
            data = new ShapesPriorBatches(config, batch, seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(name(), e.getMessage());
        }
        PriorTrainer.Settings settings = PriorTrainer.Settings.dalle().withPeakLr(lr).withWarmup(warmup);
        MixedPrecision precision;
        try {
            precision = MixedPrecision.parse(args.string("precision"), MixedPrecision.Scaling.PER_RESBLOCK);
        } catch (IllegalArgumentException e) {
            throw new UsageException(name(), e.getMessage());
        }
        Path outDir = args.given("out") ? Path.of(args.string("out")) : null;
        LocalCommunicator.RankBody body = world -> {
            try (Topology topology = Topology.of(world, devices)) {
                if (batch % world.size() != 0) throw new IllegalArgumentException("prior train: --batch " + batch + " does not split over " + world.size() + " ranks");
                var run = new DistributedPriorTraining(topology, new PriorTrainer(new TextToImageTransformer(config, seed), settings, precision, world.size()),
                        powerSgd, seed);
                if (world.rank() == 0) {
                    out.printf(Locale.ROOT, "prior train (%s): %d machines x %d devices, %s, %d parameters, batch %d = %d per rank, %s%n", dist,
                            topology.machines(), topology.devicesPerMachine(), args.string("preset"),
                            TextToImageTransformer.parameterCount(config), batch, batch / world.size(), (powerSgd > 0 ? "PowerSGD rank " + powerSgd + " across machines" : "fp32 all-reduce")
                                    + (precision.mixed() ? ", mixed precision (per-resblock gradient scales)" : ", fp32"));
                }
                for (int s = 0; s < steps; s++) {
                    ShapesPriorBatches.Batch b = data.batch(s);
                    PriorTrainer.StepResult r = run.step(b.captions(), b.imageTokens());
                    if (world.rank() == 0) {
                        out.printf(Locale.ROOT, "step %d/%d loss %.5f (text %.5f, image %.5f) grad norm %.4f lr %.2e%s%n", s + 1, steps, r.loss(), r.textLoss(),
                                r.imageLoss(), r.gradNorm(), r.lr(), r.skipped() ? " SKIPPED (non-finite gradient)" : "");
                        out.flush();
                    }
                }
                if (outDir != null && world.rank() == 0) {
                    Files.createDirectories(outDir);
                    run.trainer().save(outDir.resolve("prior.safetensors"));
                    run.trainer().writeScalePlot(outDir.resolve("grad-scales.png"));
                    out.println("wrote " + outDir.resolve("prior.safetensors") + (precision.mixed() ? " and " + outDir.resolve("grad-scales.png") : ""));
                }
            }
        };
        if (dist.equals("mpi")) MpiCommunicator.runWorld(body);
        else LocalCommunicator.launch(ranks, body);
        return 0;
    }
}
