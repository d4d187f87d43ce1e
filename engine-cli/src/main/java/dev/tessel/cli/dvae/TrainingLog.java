// TrainingLog: train-log.csv (one row per update) and its loss-curve PNG in a dvae run folder.
//
// Invariant: the CSV on disk only ever holds rows up to the step of the newest checkpoint plus
// what was flushed after it; opening at step s drops rows past s, so a resumed run never shows
// the killed run's lost steps twice. Rows are appended in step order.
package dev.tessel.cli.dvae;

import dev.tessel.models.dvae.DvaeTrainer;
import dev.tessel.models.report.LinePlot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

final class TrainingLog {
    static final String CSV = "train-log.csv";
    static final String PLOT = "loss.png";
    /** skipped is 1 for an update that changed nothing; loss_scale is the global loss scale after it (1 in fp32). */
    private static final String HEADER = "step,loss,reconstruction_nll,kl,temperature,kl_weight,learning_rate,grad_norm,skipped,loss_scale,seconds";

    private final Path dir;
    private final List<double[]> rows = new ArrayList<>();
    private final StringBuilder pending = new StringBuilder();

    private TrainingLog(Path dir) { this.dir = dir; }

    /** The log of the run in {@code dir}, keeping the rows of steps 1..step from an earlier run. */
    static TrainingLog open(Path dir, long step) {
        TrainingLog log = new TrainingLog(dir);
        Path csv = dir.resolve(CSV);
        try {
            StringBuilder kept = new StringBuilder(HEADER).append('\n');
            if (step > 0 && Files.exists(csv)) {
                for (String line : Files.readAllLines(csv)) {
                    if (line.isBlank() || line.startsWith("step")) continue;
                    String[] f = line.split(",");
                    if (Long.parseLong(f[0]) > step) continue;
                    double[] row = new double[f.length];
                    for (int i = 0; i < f.length; i++) row[i] = Double.parseDouble(f[i]);
                    log.rows.add(row);
                    kept.append(line).append('\n');
                }
            }
            Files.writeString(csv, kept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the training log " + csv + ": " + e.getMessage(), e);
        }
        return log;
    }

    void add(DvaeTrainer.StepReport r) {
        double[] row = {r.step(), r.loss(), r.reconstructionNll(), r.kl(), r.temperature(), r.klWeight(), r.learningRate(), r.gradNorm(),
                r.skipped() ? 1 : 0, r.lossScale(), r.secondsThisStep()};
        rows.add(row);
        pending.append(String.format(Locale.ROOT, "%d,%.7g,%.7g,%.7g,%.6g,%.6g,%.6g,%.5g,%d,%.9g,%.4f%n", r.step(), r.loss(), r.reconstructionNll(),
                r.kl(), r.temperature(), r.klWeight(), r.learningRate(), r.gradNorm(), r.skipped() ? 1 : 0, r.lossScale(), r.secondsThisStep()));
    }

    /** Appends the new rows to the CSV and redraws the loss curve. */
    void flush() {
        try {
            Files.writeString(dir.resolve(CSV), pending, StandardOpenOption.APPEND);
            pending.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(CSV) + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) return;
        double[] step = new double[rows.size()], loss = new double[rows.size()], nll = new double[rows.size()], kl = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            step[i] = rows.get(i)[0];
            loss[i] = rows.get(i)[1];
            nll[i] = rows.get(i)[2];
            kl[i] = rows.get(i)[3];
        }
        new LinePlot().title("dVAE training loss (per value)").xLabel("step").yLabel("nats per value")
                .series("loss", step, loss).series("reconstruction NLL", step, nll).series("KL (unweighted)", step, kl)
                .write(dir.resolve(PLOT));
    }
}
