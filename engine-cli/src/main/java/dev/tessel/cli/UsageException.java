package dev.tessel.cli;

/**
 * A mistake in how the command was called (unknown verb or option, missing or badly typed value).
 *
 * <p>Invariant: the message is one line that names what was wrong and what was expected; {@link Main}
 * adds the pointer to {@code --help} and exits with status 2, so throwers must not add either.
 */
public final class UsageException extends RuntimeException {
    private final String verb;

    /** @param verb the verb whose --help to point at, or null for the top-level help */
    public UsageException(String verb, String message) {
        super(message);
        this.verb = verb;
    }

    public String verb() { return verb; }
}
