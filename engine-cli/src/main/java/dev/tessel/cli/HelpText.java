package dev.tessel.cli;

import java.util.List;

/**
 * Formats {@code --help} pages from what verbs declare, so every verb's help has the same parts in the
 * same order: usage, description, options with defaults, examples.
 *
 * <p>Invariant: help is derived from {@link Verb} and {@link OptionSpec} data only; a verb never
 * hand-writes its option list, so the help cannot drift from what the parser accepts.
 */
final class HelpText {
    private HelpText() {}

    static String forVerb(Verb verb) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: ./tessel ").append(verb.name()).append(' ').append(verb.synopsis()).append("\n\n");
        sb.append(verb.description().strip()).append("\n\n");
        sb.append("Options:\n");
        for (OptionSpec o : verb.options()) {
            String left = "--" + o.name() + (o.isFlag() ? "" : " " + o.valueName());
            String right = o.description() + (o.defaultValue() == null ? "" : " (default: " + o.defaultValue() + ")");
            sb.append(String.format("  %-24s %s%n", left, right));
        }
        sb.append(String.format("  %-24s %s%n", "--help", "show this help"));
        sb.append("\nExample").append(verb.examples().size() > 1 ? "s" : "").append(":\n");
        for (String e : verb.examples()) sb.append("  ").append(e).append('\n');
        return sb.toString();
    }

    static String overview(List<Verb> verbs) {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: ./tessel VERB [options] [arguments]\n\n");
        sb.append("tessel is a pure-JVM numerical engine (tensors, kernels, autograd) that hosts a from-scratch DALL-E.\n\n");
        sb.append("Verbs:\n");
        for (Verb v : verbs) sb.append(String.format("  %-10s %s%n", v.name(), v.summary()));
        sb.append(String.format("  %-10s %s%n", "test", "run the whole test suite (handled by the launcher script, not the jar)"));
        sb.append(String.format("  %-10s %s%n", "help", "'./tessel help VERB' is the same as './tessel VERB --help'"));
        sb.append("\nEnvironment:\n");
        sb.append("  TESSEL_DEBUG=1        print the stack trace of an unexpected error\n");
        sb.append("  TESSEL_JAVA_OPTS      extra JVM options, e.g. -Dtessel.backend=reference\n");
        sb.append("\nExample:\n  ./tessel demo\n  ./tessel golden --help\n");
        return sb.toString();
    }
}
