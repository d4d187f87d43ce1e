package dev.tessel.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * One verb of the {@code ./tessel} command ({@code golden}, {@code demo}, ...), listed in
 * {@link Main}'s table.
 *
 * <p>Invariant: {@link #run} returns the process exit status (0 success, 1 the job failed) and
 * signals a calling mistake by throwing {@link UsageException}; it prints results to {@code out}
 * and never calls System.exit, so tests can run verbs in-process.
 */
public interface Verb {
    /** The word typed after {@code ./tessel}. */
    String name();

    /** One line for the verb list of {@code ./tessel --help}. */
    String summary();

    /** The synopsis after the verb name, e.g. {@code "[options] DIR..."}. */
    String synopsis();

    /** A few sentences: what it does and what the output means. */
    String description();

    List<OptionSpec> options();

    /** One or more complete example command lines. */
    List<String> examples();

    int run(Arguments args, PrintStream out) throws Exception;

    /**
     * True for a verb that reads its raw arguments itself (a group of sub-commands such as
     * {@link SubcommandVerb}): {@link Main} then neither parses options nor answers {@code --help}
     * for it, and {@link Arguments#positionals()} holds the argument list verbatim.
     */
    default boolean parsesOwnArguments() { return false; }
}
