// DvaeEncodeCommand: `./tessel dvae encode`: images (PNG/JPEG files, or a data set's test split)
// -> a token file.
//
// Invariant: the token file is safetensors with "tokens" I64 [N, g·g] (row-major over the grid,
// argmax of the encoder, no noise) and metadata grid_size, vocab_size, checkpoint and sources,
// which is exactly what `dvae decode` reads back.
package dev.tessel.cli.dvae;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.report.Png;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.Tensor;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class DvaeEncodeCommand implements Verb {
    static final String TOKENS = "tokens";

    @Override public String name() { return "dvae encode"; }

    @Override public String summary() { return "images -> dVAE token file"; }

    @Override public String synopsis() { return "--checkpoint FILE --out TOKENS.safetensors [IMAGE...]"; }

    @Override
    public String description() {
        return """
                Encodes images to DALL-E tokens (argmax of the encoder logits, no noise) and writes a safetensors file
                with 'tokens' I64 [N, g*g], row-major over the g x g grid. The images are the IMAGE files given
                (PNG or JPEG of the model's size; RGB or gray as the model expects), else --count images of the
                --data set's test split.""";
    }

    @Override
    public List<OptionSpec> options() {
        List<OptionSpec> o = new ArrayList<>(DvaeData.OPTIONS);
        o.addAll(List.of(
                OptionSpec.value("checkpoint", "FILE", null, "checkpoint written by dvae train"),
                OptionSpec.value("out", "FILE", null, "token file to write (.safetensors)"),
                OptionSpec.value("count", "N", "16", "images to take from --data when no IMAGE is given")));
        return o;
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel dvae encode --checkpoint runs/dvae-shapes/checkpoint.safetensors --count 16 --out tokens.safetensors",
                "./tessel dvae encode --checkpoint runs/dvae-shapes/checkpoint.safetensors --out tokens.safetensors a.png b.png");
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        Path checkpoint = DvaeCommands.requireCheckpoint(name(), args);
        if (!args.given("out")) throw new UsageException(name(), "--out FILE is required (the token file to write)");
        DvaeTokenizer dvae = DvaeTokenizer.load(checkpoint);
        List<String> sources = new ArrayList<>();
        Tensor images;
        if (!args.positionals().isEmpty()) {
            images = readImages(args.paths(1, "IMAGE"), dvae);
            for (Path p : args.paths(1, "IMAGE")) sources.add(p.toString());
        } else {
            ImageCaptionDataset data = DvaeCommands.dataFor(name(), args, checkpoint, Split.TEST, dvae.config());
            int n = args.integer("count", 1, 1 << 20);
            images = ImageBatch.range(data, 0, n).images();
            sources.add(data.name() + " " + Split.TEST.label() + " split, examples 0.." + (n - 1));
        }
        Tensor tokens = dvae.encode(images);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("grid_size", Integer.toString(dvae.gridSize()));
        meta.put("vocab_size", Integer.toString(dvae.vocabSize()));
        meta.put("checkpoint", checkpoint.toString());
        meta.put("sources", String.join("; ", sources));
        Path target = Path.of(args.string("out"));
        Safetensors.write(target, Map.of(TOKENS, tokens), meta);
        out.printf("encoded %d images to %d tokens each (%dx%d grid, vocabulary %d): %s%n", tokens.dim(0), tokens.dim(1), dvae.gridSize(),
                dvae.gridSize(), dvae.vocabSize(), target);
        return 0;
    }

    /** The files as one batch [N, C, S, S]; a file of the wrong size is an error naming it. */
    private static Tensor readImages(List<Path> files, DvaeTokenizer dvae) {
        int c = dvae.channels(), s = dvae.imageSize();
        Tensor batch = Tensor.zeros(DType.F32, files.size(), c, s, s);
        long bytes = (long) c * s * s * Float.BYTES;
        for (int i = 0; i < files.size(); i++) {
            Tensor image = Png.read(files.get(i), c);
            if (image.dim(1) != s || image.dim(2) != s) {
                throw new IllegalArgumentException(files.get(i) + ": image is " + image.dim(2) + "x" + image.dim(1) + " but the dVAE takes "
                        + s + "x" + s);
            }
            Tensor dense = image.contiguous();
            MemorySegment.copy(dense.segment(), dense.byteOffset(), batch.segment(), i * bytes, bytes);
        }
        return batch;
    }
}
