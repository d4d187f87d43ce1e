// DvaeEvalCommand: `./tessel dvae eval`: held-out metrics of a trained dVAE and a PNG grid of
// originals above their reconstructions.
//
// Invariants: images come from the TEST split (never trained on); the last four stdout lines are
// exactly elb_bits_per_dim, psnr_db, codebook_perplexity, codebook_used (scripts parse them).
package dev.tessel.cli.dvae;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.models.dvae.DvaeEvaluation;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.eval.ReconstructionMatch;
import dev.tessel.models.report.ImageGrid;
import dev.tessel.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public final class DvaeEvalCommand implements Verb {
    @Override public String name() { return "dvae eval"; }

    @Override public String summary() { return "evaluate a trained dVAE on held-out images"; }

    @Override public String synopsis() { return "--checkpoint FILE [options]"; }

    @Override
    public String description() {
        return """
                Encodes held-out (test-split) images to their argmax tokens, decodes them, and prints the metrics; the
                last four lines are
                  elb_bits_per_dim: W     -ELB per value in bits (logit-Laplace density of pixels in [0,1], one
                                          categorical sample of z; a continuous density, so it may be negative)
                  psnr_db: X              PSNR of decode(argmax tokens) against the originals, pixels in [0,1]
                  codebook_perplexity: Y  exp(entropy of the average token-usage distribution)
                  codebook_used: U/V      codes used at least once
                Also writes a PNG grid: rows of originals, each followed by a row of their reconstructions.
                On shapes, two lines before those: the exact attribute reader's caption match per category on the
                originals and on the reconstructions -- the ceiling of every image the pipeline generates.
                Uses the EMA weights unless --raw. --data defaults to the data set the checkpoint was trained on.""";
    }

    @Override
    public List<OptionSpec> options() {
        List<OptionSpec> o = new ArrayList<>(DvaeData.OPTIONS);
        o.addAll(List.of(
                OptionSpec.value("checkpoint", "FILE", null, "checkpoint written by dvae train"),
                OptionSpec.value("images", "N", "512", "held-out images to evaluate"),
                OptionSpec.value("batch", "B", "64", "images per forward pass"),
                OptionSpec.value("grid", "PNG", null, "where to write the reconstruction grid (default: reconstructions.png next to the checkpoint)"),
                OptionSpec.value("seed", "N", "0", "seed of the categorical sample in the ELB"),
                OptionSpec.flag("raw", "use the trained weights instead of their EMA")));
        return o;
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel dvae eval --checkpoint runs/dvae-shapes/checkpoint.safetensors",
                "./tessel dvae eval --checkpoint runs/dvae-fashion/checkpoint.safetensors --data fashion-mnist --images 1000");
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        args.noPositionals();
        Path checkpoint = DvaeCommands.requireCheckpoint(name(), args);
        DvaeTokenizer dvae = DvaeTokenizer.load(checkpoint, !args.flag("raw"));
        ImageCaptionDataset test = DvaeCommands.dataFor(name(), args, checkpoint, Split.TEST, dvae.config());
        int n = args.integer("images", 1, 1 << 20);
        if (test.isBounded() && test.size() < n) n = (int) test.size();
        try (ImageBatch batch = ImageBatch.range(test, 0, n)) {
            DvaeEvaluation e = DvaeEvaluation.of(dvae.model(), batch.images(), args.integer("batch", 1, 1 << 16), args.longValue("seed"));
            Path grid = args.given("grid") ? Path.of(args.string("grid")) : checkpoint.toAbsolutePath().getParent().resolve("reconstructions.png");
            writeGrid(dvae, batch.images(), grid);
            out.printf("evaluated %d held-out %s images (%s split) with the %s weights; grid: %s%n", n, test.name(), Split.TEST.label(),
                    args.flag("raw") ? "raw" : "EMA", grid);
            if (test.name().equals("shapes")) printCaptionMatch(dvae, batch, args.integer("batch", 1, 1 << 16), out);
            out.println(e.report());
        }
        return 0;
    }

    /**
     * The exact attribute reader on the originals and on decode(argmax tokens): how often a
     * reconstruction still shows what its caption says, the ceiling of every generated image.
     */
    static void printCaptionMatch(DvaeTokenizer dvae, ImageBatch batch, int chunk, PrintStream out) {
        ReconstructionMatch m = ReconstructionMatch.of(dvae, batch, chunk);
        out.println("caption match (exact attribute reader), originals:       " + m.originals().summary());
        out.println("caption match (exact attribute reader), reconstructions: " + m.reconstructions().summary());
        out.println("shape read in the reconstructions, by the drawn object's shape and size (share kept, and the commonest misreading):");
        for (String line : m.reconstructedShapes().summary()) out.println("  " + line);
    }

    /** Up to 4 rows of 8 originals, each followed by the row of their reconstructions. */
    static void writeGrid(DvaeTokenizer dvae, Tensor images, Path path) {
        int n = Math.min(32, images.dim(0)), cols = Math.min(8, n);
        Tensor shown = images.slice(0, 0, n).contiguous();
        Tensor reconstructed = dvae.decode(dvae.encode(shown));
        List<Tensor> cells = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int row = 0; row < n; row += cols) {
            for (Tensor source : new Tensor[] {shown, reconstructed}) {
                for (int i = row; i < row + cols; i++) {
                    cells.add(i < n ? source.slice(0, i, i + 1).squeeze(0) : Tensor.zeros(shown.dtype(), shown.dim(1), shown.dim(2), shown.dim(3)));
                    labels.add(i == row ? (source == shown ? "original" : "reconstructed") : "");
                }
            }
        }
        try {
            if (path.toAbsolutePath().getParent() != null) Files.createDirectories(path.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the folder of " + path + ": " + e.getMessage(), e);
        }
        ImageGrid.of(cells, cols).labels(labels).scale(Math.max(1, 128 / dvae.imageSize())).write(path);
    }
}
