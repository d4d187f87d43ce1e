// DvaeDecodeCommand: `./tessel dvae decode`: a token file -> a PNG grid of the decoded images.
//
// Invariant: reads the "tokens" tensor `dvae encode` writes and checks its grid and ids against
// the checkpoint before decoding, so a token file of another model is an error, not noise.
package dev.tessel.cli.dvae;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.report.ImageGrid;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

public final class DvaeDecodeCommand implements Verb {
    @Override public String name() { return "dvae decode"; }

    @Override public String summary() { return "dVAE token file -> PNG"; }

    @Override public String synopsis() { return "--checkpoint FILE --tokens FILE --out PNG"; }

    @Override
    public String description() {
        return """
                Decodes the 'tokens' I64 [N, g*g] of a token file (as written by dvae encode, or by the transformer)
                with the checkpoint's decoder and writes the N images as one PNG grid, 8 per row.""";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("checkpoint", "FILE", null, "checkpoint written by dvae train"),
                OptionSpec.value("tokens", "FILE", null, "token file (safetensors with 'tokens' [N, g*g])"),
                OptionSpec.value("out", "PNG", null, "image grid to write"));
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel dvae decode --checkpoint runs/dvae-shapes/checkpoint.safetensors --tokens tokens.safetensors --out decoded.png");
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        args.noPositionals();
        Path checkpoint = DvaeCommands.requireCheckpoint(name(), args);
        if (!args.given("tokens") || !args.given("out")) throw new UsageException(name(), "--tokens FILE and --out PNG are required");
        DvaeTokenizer dvae = DvaeTokenizer.load(checkpoint);
        Path tokenFile = Path.of(args.string("tokens"));
        Tensor ids;
        try (SafetensorsFile f = Safetensors.read(tokenFile)) {
            if (!f.contains(DvaeEncodeCommand.TOKENS)) {
                throw new IllegalArgumentException(tokenFile + ": no '" + DvaeEncodeCommand.TOKENS + "' tensor (has " + f.names() + ")");
            }
            ids = f.tensor(DvaeEncodeCommand.TOKENS).copy();
        }
        Tensor images = dvae.decode(ids);
        Path target = Path.of(args.string("out"));
        ImageGrid.of(images, Math.min(8, images.dim(0))).scale(Math.max(1, 128 / dvae.imageSize())).write(target);
        out.printf("decoded %d images (%dx%d) from %s: %s%n", images.dim(0), dvae.imageSize(), dvae.imageSize(), tokenFile, target);
        return 0;
    }
}
