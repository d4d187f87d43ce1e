package dev.tessel.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The shared argument parser of every verb: {@code --name value}, {@code --name=value}, {@code --flag},
 * positional arguments, and {@code --} to end options (what follows is positional even if it starts
 * with a dash).
 *
 * <p>Invariant: every failure is a {@link UsageException} naming the option or argument and what was
 * expected, so a typo never reaches a verb as a silently ignored or misread value. Only options a verb
 * declared in its {@link OptionSpec}s can be read.
 */
public final class Arguments {
    private final String verb;
    private final Map<String, OptionSpec> specs;
    private final Map<String, String> values;
    private final List<String> positionals;

    private Arguments(String verb, Map<String, OptionSpec> specs, Map<String, String> values, List<String> positionals) {
        this.verb = verb;
        this.specs = specs;
        this.values = values;
        this.positionals = List.copyOf(positionals);
    }

    public static Arguments parse(String verb, List<OptionSpec> options, List<String> argv) {
        Map<String, OptionSpec> specs = new LinkedHashMap<>();
        for (OptionSpec o : options) specs.put(o.name(), o);
        Map<String, String> values = new HashMap<>();
        List<String> positionals = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException(verb, "unknown option '" + arg + "'; options are spelled --name (" + expected(specs) + ")");
            }
            int eq = arg.indexOf('=');
            String name = arg.substring(2, eq < 0 ? arg.length() : eq);
            OptionSpec spec = specs.get(name);
            if (spec == null) throw new UsageException(verb, "unknown option --" + name + "; expected " + expected(specs));
            if (values.containsKey(name)) throw new UsageException(verb, "option --" + name + " given twice; give it once");
            if (spec.isFlag()) {
                if (eq >= 0) throw new UsageException(verb, "--" + name + " is a flag and takes no value; write just --" + name);
                values.put(name, "true");
            } else if (eq >= 0) {
                values.put(name, arg.substring(eq + 1));
            } else {
                if (i + 1 >= argv.size()) throw new UsageException(verb, "option --" + name + " needs a value: --" + name + " " + spec.valueName());
                values.put(name, argv.get(++i));
            }
        }
        return new Arguments(verb, specs, values, positionals);
    }

    /** The argument list verbatim, as positionals, for a verb that parses its own arguments. */
    public static Arguments unparsed(String verb, List<String> argv) {
        return new Arguments(verb, Map.of(), Map.of(), argv);
    }

    private static String expected(Map<String, OptionSpec> specs) {
        if (specs.isEmpty()) return "no options here";
        return "one of " + specs.keySet().stream().map(n -> "--" + n).collect(Collectors.joining(", "));
    }

    // ---------------------------------------------------------------- positionals

    public List<String> positionals() { return positionals; }

    /** The positionals as paths; at least {@code min} of them, else a usage error naming {@code what}. */
    public List<Path> paths(int min, String what) {
        if (positionals.size() < min) {
            throw new UsageException(verb, "expected at least " + min + " " + what + " argument" + (min == 1 ? "" : "s") + ", got " + positionals.size());
        }
        return positionals.stream().map(Path::of).toList();
    }

    /** A usage error unless there are no positionals. */
    public void noPositionals() {
        if (!positionals.isEmpty()) throw new UsageException(verb, "unexpected argument '" + positionals.getFirst() + "'; this verb takes options only");
    }

    // ---------------------------------------------------------------- typed getters

    public boolean flag(String name) {
        OptionSpec spec = spec(name);
        if (!spec.isFlag()) throw new IllegalStateException("--" + name + " takes a value; read it with string()/integer()/...");
        return values.containsKey(name);
    }

    /** Whether the user gave the option (defaults do not count). */
    public boolean given(String name) {
        spec(name);
        return values.containsKey(name);
    }

    /** The value given, else the declared default; a usage error if neither exists. */
    public String string(String name) {
        OptionSpec spec = spec(name);
        String v = values.getOrDefault(name, spec.defaultValue());
        if (v == null) throw new UsageException(verb, "option --" + name + " " + spec.valueName() + " is required");
        return v;
    }

    public int integer(String name) {
        String v = string(name);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(verb, "--" + name + " expects an integer, got '" + v + "'");
        }
    }

    /** An integer within [min, max]. */
    public int integer(String name, int min, int max) {
        int v = integer(name);
        if (v < min || v > max) throw new UsageException(verb, "--" + name + " must be between " + min + " and " + max + ", got " + v);
        return v;
    }

    public long longValue(String name) {
        String v = string(name);
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(verb, "--" + name + " expects an integer, got '" + v + "'");
        }
    }

    public double number(String name) {
        String v = string(name);
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(verb, "--" + name + " expects a finite number, got '" + v + "'");
        }
    }

    /** One of {@code choices} (case-insensitive), returned in lower case. */
    public String choice(String name, String... choices) {
        String v = string(name).trim().toLowerCase(Locale.ROOT);
        for (String c : choices) if (c.equals(v)) return v;
        throw new UsageException(verb, "--" + name + " expects one of " + String.join(", ", choices) + ", got '" + string(name) + "'");
    }

    private OptionSpec spec(String name) {
        OptionSpec spec = specs.get(name);
        if (spec == null) throw new IllegalStateException("verb '" + verb + "' reads --" + name + " but never declared it");
        return spec;
    }
}
