// ScalingExperiment: `bench mixed-scaling`: issue 6's experiment. One deep narrow GPT, one seed,
// one data stream, one step count, trained three ways: fp32; fp16 resblocks with one global loss
// scale; fp16 resblocks with per-resblock scales (16-bit Adam moments in both fp16 runs). Reports
// the loss curves, the fraction of each resblock's gradient values that underflow to zero in fp16
// and each resblock's scale over training, as PNGs and a markdown summary.
//
// Invariant: the three runs differ only in the MixedPrecision policy (and the fp32 run's moment
// format): same init (DeepNarrowGpt seed), same batches (a function of the step), same optimizer
// settings. The per-resblock run's checkpoint (weights + scale state) is written next to its
// scale plot.
package dev.tessel.bench.mixed;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.mixed.GradScaler;
import dev.tessel.autograd.mixed.MixedPrecision;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.kernels.Backends;
import dev.tessel.models.report.LinePlot;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The global-versus-per-resblock gradient scaling experiment. */
public final class ScalingExperiment {
    private static final String USAGE = """
            usage: bench mixed-scaling [--layers L] [--width C] [--heads H] [--tokens T] [--batch B] [--vocab V]
                                       [--steps N] [--lr LR] [--seed S] [--out DIR]
              Trains one deep narrow GPT (2L resblocks) three ways from the same seed and data: fp32, fp16 with
              one global loss scale, fp16 with per-resblock scales (DALL-E 2.4). Writes loss.png, underflow.png,
              scales.png, the per-resblock run's checkpoint (model.safetensors, grad_scales.safetensors) and
              summary.md into DIR.
              defaults: --layers 12 --width 32 --heads 4 --tokens 32 --batch 8 --vocab 64 --steps 300 --lr 1e-3
                        --seed 1 --out runs/mixed-scaling""";

    private ScalingExperiment() {}

    /** What one training run recorded, step by step. */
    private record Run(String name, double[] loss, double[][] underflow, double[][] scales, int skippedSteps, double heldOut,
                       double[] unscaledFlush) {}

    /** Half fp16's smallest subnormal: a magnitude below it rounds to zero in fp16. */
    private static final double FP16_FLUSH = Math.pow(2, -25);

    public static int run(String[] args) {
        int layers = 12, width = 32, heads = 4, tokens = 32, batch = 8, vocab = 64, steps = 300;
        double lr = 1e-3;
        long seed = 1;
        Path out = Path.of("runs/mixed-scaling");
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
                    case "--layers" -> layers = positive(a, v);
                    case "--width" -> width = positive(a, v);
                    case "--heads" -> heads = positive(a, v);
                    case "--tokens" -> tokens = positive(a, v);
                    case "--batch" -> batch = positive(a, v);
                    case "--vocab" -> vocab = positive(a, v);
                    case "--steps" -> steps = positive(a, v);
                    case "--lr" -> lr = Double.parseDouble(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--out" -> out = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (width % heads != 0) throw new IllegalArgumentException("--width " + width + " must be a multiple of --heads " + heads);
        } catch (IllegalArgumentException e) {
            System.err.println("bench mixed-scaling: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        MarkovText data = new MarkovText(vocab, tokens, batch, seed);
        List<Run> runs = new ArrayList<>();
        try (var cpu = Autograd.backend(Backends.cpu())) {
            for (MixedPrecision policy : List.of(MixedPrecision.fp32(), MixedPrecision.globalScale(), MixedPrecision.perResblock())) {
                runs.add(train(policy, layers, width, heads, vocab, tokens, steps, lr, seed, data, out));
            }
        }
        writeReport(runs, out, layers, steps);
        return 0;
    }

    private static Run train(MixedPrecision policy, int layers, int width, int heads, int vocab, int tokens, int steps, double lr,
                             long seed, MarkovText data, Path out) {
        String name = policy.mixed() ? (policy.scaling() == MixedPrecision.Scaling.GLOBAL ? "fp16, global loss scale" : "fp16, per-resblock scales") : "fp32";
        DeepNarrowGpt model = new DeepNarrowGpt(layers, width, heads, vocab, tokens, seed);
        GradScaler scaler = new GradScaler(policy, model.parameters(), 1).measureUnderflow(true);
        model.registerResblocks(scaler);
        AdamW adam = new AdamW(model.parameters(), lr, 0.9, 0.96, 1e-8, 4.5e-2);   // the paper's transformer settings
        if (policy.mixed()) adam.withSixteenBitMoments();
        double[] loss = new double[steps];
        double[][] underflow = new double[steps][], scales = new double[steps][];
        int skipped = 0;
        List<String> blockNames = scaler.blockNames();
        double[] unscaledFlush = new double[blockNames.size()];
        ProgressBar bar = ProgressBar.create(name, steps);
        for (int step = 0; step < steps; step++) {
            adam.zeroGrad();
            Tensor[] batch = data.batch(step);
            var l = model.loss(scaler, batch[0], batch[1]);
            loss[step] = l.value().getDouble(0);
            scaler.scaleLoss(l).backward();
            GradScaler.StepReport report = scaler.unscale();
            if (!policy.mixed()) {
                for (int b = 0; b < blockNames.size(); b++) unscaledFlush[b] += flushFraction(model, blockNames.get(b)) / steps;
            }
            adam.step();
            underflow[step] = report.underflow();
            scales[step] = report.scales();
            for (boolean s : report.skipped()) if (s) { skipped++; break; }
            bar.field("loss", loss[step]).update(step + 1);
        }
        bar.close();
        double heldOut = 0;
        int heldOutBatches = 8;
        try (var off = Autograd.noGrad()) {
            for (int b = 0; b < heldOutBatches; b++) {
                Tensor[] batch = data.heldOut(b);
                heldOut += model.loss(scaler, batch[0], batch[1]).value().getDouble(0) / heldOutBatches;
            }
        }
        if (policy.scaling() == MixedPrecision.Scaling.PER_RESBLOCK) {
            try {
                Files.createDirectories(out);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("bench mixed-scaling: cannot create " + out, e);
            }
            model.save(out.resolve("model.safetensors"));
            Safetensors.write(out.resolve("grad_scales.safetensors"), scaler.stateDict(), Map.of());
        }
        return new Run(name, loss, underflow, scales, skipped, heldOut, unscaledFlush);
    }

    /** Fraction of a resblock's (true, fp32) gradient values that fp16 would round to zero with no scaling at all. */
    private static double flushFraction(DeepNarrowGpt model, String block) {
        long small = 0, total = 0;
        for (var e : model.namedParameters().entrySet()) {
            if (!e.getKey().startsWith(block + ".") || e.getValue().grad() == null) continue;
            for (float v : e.getValue().grad().toFloatArray()) if (Math.abs(v) < FP16_FLUSH) small++;
            total += e.getValue().numel();
        }
        return total == 0 ? 0 : (double) small / total;
    }

    private static void writeReport(List<Run> runs, Path out, int layers, int steps) {
        try {
            Files.createDirectories(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("bench mixed-scaling: cannot create " + out, e);
        }
        LinePlot lossPlot = new LinePlot().title("training loss, " + 2 * layers + " resblocks").xLabel("step").yLabel("cross-entropy");
        for (Run r : runs) lossPlot.series(r.name, smooth(r.loss, 10));
        lossPlot.write(out.resolve("loss.png"));

        int blocks = 2 * layers;
        LinePlot underflowPlot = new LinePlot().title("gradient values that are zero after fp16, mean over training")
                .xLabel("resblock (attention_1, mlp_1, attention_2, ...)").yLabel("fraction zero");
        Map<String, double[]> meanUnderflow = new LinkedHashMap<>();
        for (Run r : runs) {
            double[] mean = new double[blocks];
            for (int b = 0; b < blocks; b++) {
                for (double[] u : r.underflow) mean[b] += u[b] / steps;
            }
            meanUnderflow.put(r.name, mean);
            double[] x = new double[blocks];
            for (int b = 0; b < blocks; b++) x[b] = b + 1;
            underflowPlot.series(r.name, x, mean);
        }
        double[] xs = new double[blocks];
        for (int b = 0; b < blocks; b++) xs[b] = b + 1;
        underflowPlot.series("fp32 gradients below 2^-25 (lost by unscaled fp16)", xs, runs.get(0).unscaledFlush);
        underflowPlot.write(out.resolve("underflow.png"));

        Run perBlock = runs.get(2), global = runs.get(1);
        LinePlot scalePlot = new LinePlot().title("per-resblock gradient scales, and the global run's scale").xLabel("step").yLabel("scale").logY(true);
        for (int b = 0; b < blocks; b++) {
            double[] s = new double[steps];
            for (int t = 0; t < steps; t++) s[t] = perBlock.scales[t][b];
            scalePlot.series((b % 2 == 0 ? "attention_" : "mlp_") + (b / 2 + 1), s);
        }
        double[] g = new double[steps];
        for (int t = 0; t < steps; t++) g[t] = global.scales[t][0];
        scalePlot.series("global (other run)", g);
        scalePlot.write(out.resolve("scales.png"));

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%d resblocks, %d steps%n%n", blocks, steps));
        md.append("| run | loss, mean of last 20 steps | held-out loss | skipped steps | mean zero fraction of resblock gradients | worst resblock |\n");
        md.append("|---|---|---|---|---|---|\n");
        for (Run r : runs) {
            double[] mean = meanUnderflow.get(r.name);
            double all = 0, worst = 0;
            int worstAt = 0;
            for (int b = 0; b < blocks; b++) {
                all += mean[b] / blocks;
                if (mean[b] > worst) { worst = mean[b]; worstAt = b; }
            }
            double tail = 0;
            int from = Math.max(0, steps - 20);
            for (int t = from; t < steps; t++) tail += r.loss[t] / (steps - from);
            md.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %d | %.4f | %s%d (%.4f) |%n", r.name, tail, r.heldOut, r.skippedSteps, all,
                    worstAt % 2 == 0 ? "attention_" : "mlp_", worstAt / 2 + 1, worst));
        }
        double[] flush = runs.get(0).unscaledFlush;
        md.append("\nfp32 run, fraction of each resblock's gradient values below 2^-25 (fp16 would round them to zero with no scaling), mean over training:\n");
        for (int b = 0; b < blocks; b++) md.append(String.format(Locale.ROOT, "%s%.4f", b == 0 ? "" : ", ", flush[b]));
        md.append("\n\nfinal per-resblock scales: ");
        for (int b = 0; b < blocks; b++) md.append(String.format(Locale.ROOT, "%s%.0f", b == 0 ? "" : ", ", perBlock.scales[steps - 1][b]));
        md.append(String.format(Locale.ROOT, "%nfinal global scale: %.0f%n", global.scales[steps - 1][0]));
        try {
            Files.writeString(out.resolve("summary.md"), md.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("bench mixed-scaling: cannot write " + out.resolve("summary.md"), e);
        }
        System.out.print(md);
        System.out.println("wrote " + out.resolve("loss.png") + ", underflow.png, scales.png, model.safetensors, grad_scales.safetensors, summary.md");
    }

    /** Trailing mean over {@code window} steps, so the curves are readable. */
    private static double[] smooth(double[] y, int window) {
        double[] out = new double[y.length];
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i];
            if (i >= window) sum -= y[i - window];
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
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
