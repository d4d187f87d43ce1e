// DvaeCommands: the `./tessel dvae` verb (train, eval, encode, decode) and what its commands share.
//
// Invariant: each command is a Verb named "dvae <command>", so its --help page and option errors
// look like every other verb's (SubcommandVerb.of).
package dev.tessel.cli.dvae;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.SubcommandVerb;
import dev.tessel.cli.UsageException;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class DvaeCommands {
    private DvaeCommands() {}

    /** The verb for Main's table. */
    public static SubcommandVerb verb() {
        Map<String, java.util.function.ToIntFunction<String[]>> commands = new LinkedHashMap<>();
        commands.put("train", SubcommandVerb.of(new DvaeTrainCommand()));
        commands.put("eval", SubcommandVerb.of(new DvaeEvalCommand()));
        commands.put("encode", SubcommandVerb.of(new DvaeEncodeCommand()));
        commands.put("decode", SubcommandVerb.of(new DvaeDecodeCommand()));
        return new SubcommandVerb("dvae", "train and use the DALL-E discrete VAE (image tokenizer)", commands, List.of(
                "./tessel dvae train --data shapes --preset tiny --steps 2000 --out runs/dvae-shapes",
                "./tessel dvae eval --checkpoint runs/dvae-shapes/checkpoint.safetensors --data shapes",
                "./tessel dvae encode --checkpoint runs/dvae-shapes/checkpoint.safetensors --data shapes --count 16 --out tokens.safetensors",
                "./tessel dvae decode --checkpoint runs/dvae-shapes/checkpoint.safetensors --tokens tokens.safetensors --out decoded.png"));
    }

    /** --checkpoint, which must name an existing file. */
    static Path requireCheckpoint(String verb, Arguments args) {
        if (!args.given("checkpoint")) throw new UsageException(verb, "--checkpoint FILE is required (written by ./tessel dvae train)");
        Path checkpoint = Path.of(args.string("checkpoint"));
        if (!Files.isRegularFile(checkpoint)) throw new UsageException(verb, "--checkpoint " + checkpoint + ": no such file");
        return checkpoint;
    }

    /** The data set of --data (default: the one the checkpoint was trained on), checked against the model's image shape. */
    static ImageCaptionDataset dataFor(String verb, Arguments args, Path checkpoint, Split split, DvaeConfig config) {
        Map<String, String> meta = metadata(checkpoint);
        String spec = args.given("data") ? args.string("data") : meta.getOrDefault("data", args.string("data"));
        long seed = args.given("data-seed") ? args.longValue("data-seed") : Long.parseLong(meta.getOrDefault("data_seed", "0"));
        ImageCaptionDataset data = DvaeData.open(verb, spec, args.given("data-dir") ? args.string("data-dir") : null, seed, split,
                config.imageSize(), config.channels());
        DvaeData.checkShape(verb, data, config);
        return data;
    }

    /** The metadata of a safetensors file. */
    static Map<String, String> metadata(Path file) {
        try (SafetensorsFile f = Safetensors.read(file)) {
            return new LinkedHashMap<>(f.metadata());
        }
    }
}
