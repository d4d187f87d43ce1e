// DvaeStepCommand: `./tessel bench dvae`: times one dVAE training step (forward, backward, clip,
// AdamW, EMA) or one forward pass, and prints the median; dvae_peer.py parses its last line.
//
// Invariant: the thread count is fixed before the Cpu pool exists (as in Conv2dCommand); the
// batch is one fixed random tensor so only the model's work is timed; the last stdout line is
// "ms_per_step: <median>".
package dev.tessel.bench;

import dev.tessel.autograd.Autograd;
import dev.tessel.kernels.cpu.CpuThreads;
import dev.tessel.models.dvae.Dvae;
import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.models.dvae.DvaeTrainer;
import dev.tessel.models.dvae.DvaeTrainingSettings;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;

import java.util.Arrays;

public final class DvaeStepCommand {
    private DvaeStepCommand() {}

    private static final String USAGE = """
            usage: bench dvae [--preset tiny|paper] [--batch B] [--pass train|forward] [--threads T] [--reps R]
                              [--warmup-steps N] [--warmup-seconds S]
              train:   one training step of the dVAE (relaxed ELB forward, backward, clip, AdamW, EMA) at batch B
              forward: encoder + decoder forward (argmax tokens, one-hot decode) without a graph
              Prints the median of R timed steps after at least N warm-up steps and S seconds; the last line is
              'ms_per_step: <median>'. The full-size model: --preset paper --batch 1 --pass forward --reps 1
              --warmup-steps 1 --warmup-seconds 0 (the first, cold, pass is printed too).
              defaults: --preset tiny --batch 32 --pass train --threads <cores> --reps 10 --warmup-steps 3 --warmup-seconds 10""";

    public static void main(String[] args) { System.exit(run(args)); }

    public static int run(String[] args) {
        String preset = "tiny";
        int batch = 32, reps = 10, threads = Runtime.getRuntime().availableProcessors(), warmupSeconds = 10, warmupSteps = 3;
        boolean train = true;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    System.out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + a);
                String v = args[++i];
                switch (a) {
                    case "--preset" -> {
                        if (!v.equals("tiny") && !v.equals("paper")) throw new IllegalArgumentException("--preset is tiny or paper, not " + v);
                        preset = v;
                    }
                    case "--batch" -> batch = positive(a, v);
                    case "--reps" -> reps = positive(a, v);
                    case "--threads" -> threads = positive(a, v);
                    case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(v);
                    case "--warmup-steps" -> warmupSteps = positive(a, v);
                    case "--pass" -> {
                        if (!v.equals("train") && !v.equals("forward")) throw new IllegalArgumentException("--pass is train or forward, not " + v);
                        train = v.equals("train");
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("bench dvae: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        System.setProperty("tessel.threads", Integer.toString(threads));
        if (CpuThreads.threads() != threads) {
            System.err.println("bench dvae: the Cpu thread pool already runs " + CpuThreads.threads() + " threads; start a new JVM for --threads " + threads);
            return 2;
        }
        DvaeConfig config = preset.equals("paper") ? DvaeConfig.paper() : DvaeConfig.tiny();
        long t0 = System.nanoTime();
        DvaeTrainer trainer = new DvaeTrainer(config, DvaeTrainingSettings.forRun(1_000_000, batch, 1, config.likelihood()));
        Dvae model = trainer.model();
        System.out.printf("dVAE %s: %d parameters (encoder %d, decoder %d), built in %.1f s%n", config, model.parameterCount(),
                model.encoder().parameterCount(), model.decoder().parameterCount(), (System.nanoTime() - t0) / 1e9);
        Tensor images = Tensor.zeros(DType.F32, batch, config.channels(), config.imageSize(), config.imageSize());
        Philox.fillUniform(images, 42, 0);
        boolean isTrain = train;
        Runnable step = () -> {
            if (isTrain) {
                trainer.trainStep(t -> images);
            } else {
                try (var off = Autograd.noGrad()) {
                    model.decodeCodes(model.oneHotCodes(model.encodeTokens(images)));
                }
            }
        };
        long warmStart = System.nanoTime();
        int warm = 0;
        double first = -1;
        while (warm < warmupSteps || System.nanoTime() - warmStart < warmupSeconds * 1_000_000_000L) {
            long s = System.nanoTime();
            step.run();
            if (first < 0) first = (System.nanoTime() - s) / 1e6;
            warm++;
        }
        double[] ms = new double[reps];
        for (int r = 0; r < reps; r++) {
            long s = System.nanoTime();
            step.run();
            ms[r] = (System.nanoTime() - s) / 1e6;
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = reps % 2 == 1 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
        System.out.printf("%s, batch %d, %d thread(s): first (cold) step %.1f ms, %d warm-up steps, timed ms: %s%n", isTrain ? "train step" : "forward",
                batch, threads, first, warm, Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v * 10) / 10.0).toArray()));
        System.out.printf("ms_per_step: %.2f%n", median);
        return 0;
    }

    private static int positive(String option, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v <= 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a positive integer, not '" + value + "'");
        }
    }
}
