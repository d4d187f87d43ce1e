package dev.tessel.cli;

/**
 * One {@code --name} a verb accepts: a flag when {@code valueName} is null, otherwise an option that
 * takes one value ({@code --name value} or {@code --name=value}).
 *
 * <p>Invariant: {@code defaultValue} is a string in the same syntax the user would type, so the typed
 * getters of {@link Arguments} parse a default and a given value the same way.
 */
public record OptionSpec(String name, String valueName, String defaultValue, String description) {
    public OptionSpec {
        if (name.startsWith("-") || name.isBlank()) throw new IllegalArgumentException("option name '" + name + "': give it without dashes");
    }

    public static OptionSpec flag(String name, String description) {
        return new OptionSpec(name, null, null, description);
    }

    public static OptionSpec value(String name, String valueName, String defaultValue, String description) {
        return new OptionSpec(name, valueName, defaultValue, description);
    }

    public boolean isFlag() { return valueName == null; }
}
