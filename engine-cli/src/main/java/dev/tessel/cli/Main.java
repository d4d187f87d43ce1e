package dev.tessel.cli;

import dev.tessel.cli.demo.DemoCommand;
import dev.tessel.cli.dvae.DvaeCommands;
import dev.tessel.cli.golden.GoldenCommand;

import java.io.PrintStream;
import java.util.Arrays;
import dev.tessel.bench.AttentionCommand;
import dev.tessel.bench.Conv2dCommand;
import dev.tessel.bench.BackwardRatioCommand;
import dev.tessel.bench.DvaeStepCommand;
import dev.tessel.bench.GemmCommand;
import dev.tessel.bench.mixed.ScalingExperiment;
import dev.tessel.bench.train.TrainStepCommand;
import dev.tessel.dist.DistCommand;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Entry point of the {@code ./tessel} command: looks the first word up in the verb table and runs it.
 *
 * <p>Invariants: exit status 0 = success, 1 = the job failed or an unexpected error, 2 = the command
 * was called wrongly. Nothing the user types may produce a raw stack trace: usage mistakes become one
 * line naming what was wrong, other exceptions one {@code tessel: <message>} line (the trace only
 * with TESSEL_DEBUG=1).
 */
public final class Main {
    private Main() {}

    /**
     * The dispatch table, in the order {@code --help} lists it. A new verb joins with one line
     * (planned: dvae, prior, generate, bpe, model, dist, clip). Verbs that parse their own options
     * join as a {@link SubcommandVerb}.
     */
    static List<Verb> verbs() {
        return List.of(
                new DemoCommand(),
                new GoldenCommand(),
                new SubcommandVerb("bench", "time a kernel (median GFLOP/s or ms) or a training step (median ms) after warm-up",
                        Map.of("gemm", GemmCommand::run, "conv2d", Conv2dCommand::run, "attention", AttentionCommand::run,
                                "mlp", TrainStepCommand::mlp, "tiny-transformer", TrainStepCommand::tinyTransformer,
                                "prior-step", TrainStepCommand::priorStep, "sampling", dev.tessel.bench.train.SamplingCommand::run,
                                "dvae", DvaeStepCommand::run,
                                "mixed-scaling", ScalingExperiment::run, "backward-ratio", BackwardRatioCommand::run),
                        List.of("./tessel bench gemm --m 1024 --k 1024 --n 1024 --threads 2",
                                "./tessel bench conv2d --batch 8 --cin 256 --cout 256 --hw 32 --kernel 3 --threads 2",
                                "./tessel bench attention --text 256 --grid 32 --heads 1 --dim 64",
                                "./tessel bench mlp --threads 1",
                                "./tessel bench tiny-transformer --threads 1",
                                "./tessel bench prior-step --preset small --batch 8 --threads 2 --warmup-steps 5 --window 2",
                                "./tessel bench sampling --preset small --grid 16 --batch 16 --threads 2 --warmup-steps 2 --window 1",
                                "./tessel bench dvae --preset tiny --batch 32 --threads 2",
                                "./tessel bench backward-ratio --net all --rounds 5",
                                "./tessel bench mixed-scaling --layers 12 --steps 300 --out runs/mixed-scaling")),
                new SubcommandVerb("dist", "distributed training over threads or Open MPI: collectives self-test, sharded-training check, prefetch timeline",
                        Map.of("selftest", DistCommand::selftest, "train", DistCommand::train, "timeline", DistCommand::timeline),
                        List.of("mpirun --allow-run-as-root --oversubscribe -np 4 ./tessel dist selftest --devices-per-machine 2",
                                "./tessel dist train --dist local --ranks 4 --powersgd-rank 2",
                                "mpirun --allow-run-as-root --oversubscribe -np 4 ./tessel dist timeline --out docs/img/sharding-timeline.png")),
                DvaeCommands.verb(),
                dev.tessel.cli.bpe.BpeCommands.verb(),
                dev.tessel.cli.model.ModelCommands.verb(),
                dev.tessel.cli.data.DataCommands.verb(),
                dev.tessel.cli.prior.PriorCommands.verb(),
                dev.tessel.cli.clip.ClipCommands.verb(),
                new dev.tessel.cli.generate.GenerateCommand(),
                dev.tessel.cli.eval.EvalCommands.verb()
        );
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, "1".equals(System.getenv("TESSEL_DEBUG")));
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command line; returns the exit status instead of exiting, so tests can call it. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean debug) {
        return run(verbs(), args, out, err, debug);
    }

    static int run(List<Verb> verbs, String[] args, PrintStream out, PrintStream err, boolean debug) {
        try {
            if (args.length == 0) {
                err.print(HelpText.overview(verbs));
                err.println("tessel: no verb given; expected one of " + names(verbs));
                return 2;
            }
            String word = args[0];
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            if (word.equals("--help") || word.equals("-h")) {
                out.print(HelpText.overview(verbs));
                return 0;
            }
            if (word.equals("help")) {
                if (rest.isEmpty()) {
                    out.print(HelpText.overview(verbs));
                    return 0;
                }
                out.print(HelpText.forVerb(find(verbs, rest.getFirst())));
                return 0;
            }
            Verb verb = find(verbs, word);
            if (verb.parsesOwnArguments()) return verb.run(Arguments.unparsed(verb.name(), rest), out);
            if (asksForHelp(rest)) {
                out.print(HelpText.forVerb(verb));
                return 0;
            }
            return verb.run(Arguments.parse(verb.name(), verb.options(), rest), out);
        } catch (UsageException e) {
            String where = e.verb() == null ? "tessel" : "tessel " + e.verb();
            String help = e.verb() == null ? "./tessel --help" : "./tessel " + e.verb() + " --help";
            err.println(where + ": " + oneLine(e.getMessage()) + " (see " + help + ")");
            return 2;
        } catch (Throwable t) {
            out.flush();
            err.println("tessel: " + describe(t));
            if (debug) t.printStackTrace(err);
            return 1;
        }
    }

    private static Verb find(List<Verb> verbs, String word) {
        for (Verb v : verbs) if (v.name().equals(word)) return v;
        if (word.equals("test")) throw new UsageException(null, "'test' belongs to the ./tessel launcher script (it runs the Maven test goal); run ./tessel test, not the jar");
        if (word.startsWith("-")) throw new UsageException(null, "unknown option '" + word + "' before the verb; expected a verb: " + names(verbs));
        throw new UsageException(null, "unknown verb '" + word + "'; expected one of " + names(verbs));
    }

    /** --help or -h before a {@code --} terminator; after it they are ordinary arguments. */
    private static boolean asksForHelp(List<String> rest) {
        for (String a : rest) {
            if (a.equals("--")) return false;
            if (a.equals("--help") || a.equals("-h")) return true;
        }
        return false;
    }

    private static String names(List<Verb> verbs) {
        return verbs.stream().map(Verb::name).collect(Collectors.joining(", ")) + ", test, help";
    }

    /** One line for an unexpected exception: its message, or its type when it has none. */
    static String describe(Throwable t) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            message = t.getClass().getSimpleName() + (t.getCause() != null ? ": " + describe(t.getCause()) : "");
        } else if (t instanceof OutOfMemoryError || t instanceof StackOverflowError) {
            message = t.getClass().getSimpleName() + ": " + message;
        }
        return oneLine(message);
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
