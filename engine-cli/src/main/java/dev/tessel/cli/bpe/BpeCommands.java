package dev.tessel.cli.bpe;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.cli.VerbGroup;
import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.bpe.BpeTrainer;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * {@code ./tessel bpe train|encode}: learn a byte-level BPE vocabulary from captions, and encode
 * texts with it or with GPT-2's vocabulary.
 *
 * <p>Invariant: encode prints exactly one line per input text (an empty text gives an empty line),
 * in input order, so its output lines up with the input file.
 */
public final class BpeCommands {
    private BpeCommands() {}

    /** The {@code bpe} verb for Main's table. */
    public static Verb verb() {
        return new VerbGroup("bpe", "train a byte-level BPE vocabulary, or encode texts with one (ours or GPT-2's)",
                List.of(new Train(), new Encode()));
    }

    static final class Train implements Verb {
        @Override public String name() { return "bpe train"; }

        @Override public String summary() { return "learn merges from captions (one per line) and write the vocabulary as JSON"; }

        @Override public String synopsis() { return "--input FILE --out FILE [options]"; }

        @Override
        public String description() {
            return """
                    Learns a byte-level BPE vocabulary (256 byte tokens, then one token per merge) from the texts in
                    FILE: captions are lowercased unless --keep-case, split with GPT-2's pre-tokenizer, and the most
                    frequent adjacent pair is merged until the vocabulary has --vocab tokens or nothing is left to
                    merge. Writes the vocabulary as JSON (atomically) and prints its size.""";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("input", "FILE", null, "texts, one per line (or JSON string literals with --jsonl)"),
                    OptionSpec.flag("jsonl", "each input line is a JSON string literal"),
                    OptionSpec.value("vocab", "N", "16384", "vocabulary size, 256.." + BpeTrainer.MAX_VOCAB),
                    OptionSpec.flag("keep-case", "do not lowercase (DALL·E lowercases captions)"),
                    OptionSpec.value("out", "FILE", null, "where to write the vocabulary JSON"));
        }

        @Override public List<String> examples() { return List.of("./tessel bpe train --input captions.txt --vocab 512 --out bpe.json"); }

        @Override
        public int run(Arguments args, PrintStream out) {
            args.noPositionals();
            List<String> texts = TextLines.read(name(), Path.of(args.string("input")), args.flag("jsonl"));
            int vocab = args.integer("vocab", 256, BpeTrainer.MAX_VOCAB);
            Path target = Path.of(args.string("out"));
            long start = System.nanoTime();
            BpeTokenizer bpe = BpeTrainer.train(texts, vocab, !args.flag("keep-case"));
            bpe.save(target);
            long tokens = texts.stream().mapToLong(t -> bpe.encode(t).length).sum();
            out.printf(java.util.Locale.ROOT, "trained on %d texts in %.1f s: %d tokens (%d merges)%s; the texts encode to %d ids%n",
                    texts.size(), (System.nanoTime() - start) / 1e9, bpe.vocabSize(), bpe.merges().size(),
                    bpe.vocabSize() < vocab ? " -- fewer than asked: the texts had no more pairs to merge" : "", tokens);
            out.println("wrote " + target);
            return 0;
        }
    }

    static final class Encode implements Verb {
        @Override public String name() { return "bpe encode"; }

        @Override public String summary() { return "print the ids of each input text, one line of space-separated ids per text"; }

        @Override public String synopsis() { return "(--gpt2 DIR | --vocab FILE) --input FILE [--jsonl]"; }

        @Override
        public String description() {
            return """
                    Encodes every text of FILE and prints one line per text: its ids separated by single spaces
                    (an empty text gives an empty line). --gpt2 DIR loads GPT-2's encoder.json and vocab.bpe
                    (case kept, no special tokens added); --vocab FILE loads a vocabulary written by bpe train.
                    With --jsonl each input line is a JSON string literal, so a text may hold newlines and tabs.
                    --dropout P applies BPE dropout (seeded by --seed), as during training.""";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(
                    OptionSpec.value("gpt2", "DIR", null, "folder holding GPT-2's encoder.json and vocab.bpe"),
                    OptionSpec.value("vocab", "FILE", null, "a vocabulary JSON written by bpe train"),
                    OptionSpec.value("input", "FILE", null, "texts, one per line"),
                    OptionSpec.flag("jsonl", "each input line is a JSON string literal"),
                    OptionSpec.value("dropout", "P", "0", "BPE dropout probability in [0, 1)"),
                    OptionSpec.value("seed", "S", "0", "seed of the dropout draws"));
        }

        @Override
        public List<String> examples() {
            return List.of("./tessel bpe encode --gpt2 engine-cli/src/test/resources/golden/bpe --input texts.jsonl --jsonl",
                    "./tessel bpe encode --vocab bpe.json --input captions.txt --dropout 0.1 --seed 7");
        }

        @Override
        public int run(Arguments args, PrintStream out) {
            args.noPositionals();
            if (args.given("gpt2") == args.given("vocab")) throw new UsageException(name(), "give exactly one of --gpt2 DIR and --vocab FILE");
            BpeTokenizer bpe;
            if (args.given("gpt2")) {
                Path dir = Path.of(args.string("gpt2"));
                if (!Files.isRegularFile(dir.resolve("encoder.json")) || !Files.isRegularFile(dir.resolve("vocab.bpe"))) {
                    throw new UsageException(name(), "--gpt2 " + dir + " must be a folder holding encoder.json and vocab.bpe");
                }
                bpe = BpeTokenizer.gpt2(dir);
            } else {
                Path file = Path.of(args.string("vocab"));
                if (!Files.isRegularFile(file)) throw new UsageException(name(), "--vocab " + file + " does not exist");
                bpe = BpeTokenizer.load(file);
            }
            double dropout = args.number("dropout");
            if (!(dropout >= 0 && dropout < 1)) throw new UsageException(name(), "--dropout must be in [0, 1), got " + dropout);
            SplittableRandom rng = new SplittableRandom(args.longValue("seed"));
            for (String text : TextLines.read(name(), Path.of(args.string("input")), args.flag("jsonl"))) {
                StringJoiner line = new StringJoiner(" ");
                for (int id : bpe.encode(text, dropout, rng)) line.add(Integer.toString(id));
                out.println(line);
            }
            return 0;
        }
    }
}
