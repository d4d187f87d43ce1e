package dev.tessel.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * A verb that groups sub-commands which parse their own arguments, e.g. {@code ./tessel bench gemm
 * --m 1024 ...}: the word after the verb picks the sub-command, which gets the rest verbatim and
 * returns the exit status.
 *
 * <p>Invariant: {@code ./tessel VERB --help} (or no sub-command) lists the sub-commands; a
 * sub-command's own {@code --help} reaches it unchanged; an unknown sub-command is a usage error.
 */
public final class SubcommandVerb implements Verb {
    private final String name;
    private final String summary;
    private final Map<String, ToIntFunction<String[]>> commands;
    private final List<String> examples;

    /** @param commands sub-command name to its entry point (e.g. a static {@code int run(String[])}) */
    public SubcommandVerb(String name, String summary, Map<String, ToIntFunction<String[]>> commands, List<String> examples) {
        if (commands.isEmpty()) throw new IllegalArgumentException("verb " + name + ": no sub-commands");
        this.name = name;
        this.summary = summary;
        this.commands = new LinkedHashMap<>(commands);
        this.examples = List.copyOf(examples);
    }

    /**
     * A sub-command entry point made from a {@link Verb} (whose name is the full "verb command"):
     * --help prints its help page, otherwise its declared options are parsed exactly as for a
     * top-level verb, so sub-commands get the same help layout and error messages.
     */
    public static ToIntFunction<String[]> of(Verb verb) {
        return argv -> {
            try {
                return VerbGroup.runCommand(verb, List.of(argv), System.out);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
            }
        };
    }

    @Override public String name() { return name; }

    @Override public String summary() { return summary; }

    @Override public String synopsis() { return "COMMAND [options]   (COMMAND: " + String.join(", ", commands.keySet()) + ")"; }

    @Override
    public String description() {
        return summary + ".\nEach COMMAND takes its own options: ./tessel " + name + " COMMAND --help lists them.";
    }

    @Override public List<OptionSpec> options() { return List.of(); }

    @Override public List<String> examples() { return examples; }

    @Override public boolean parsesOwnArguments() { return true; }

    @Override
    public int run(Arguments args, PrintStream out) {
        List<String> argv = args.positionals();
        if (argv.isEmpty()) throw new UsageException(name, "no command given; expected one of " + String.join(", ", commands.keySet()));
        String first = argv.getFirst();
        if (first.equals("--help") || first.equals("-h")) {
            out.print(HelpText.forVerb(this));
            return 0;
        }
        ToIntFunction<String[]> command = commands.get(first);
        if (command == null) throw new UsageException(name, "unknown command '" + first + "'; expected one of " + String.join(", ", commands.keySet()));
        return command.applyAsInt(argv.subList(1, argv.size()).toArray(String[]::new));
    }
}
