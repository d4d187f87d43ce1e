package dev.tessel.cli.golden;

/**
 * A golden case file that cannot be used as written: unreadable safetensors, missing metadata, a
 * missing tensor or attribute. The runner reports it as one FAIL with this message and goes on.
 *
 * <p>Invariant: the message names the file or case and the fault in one line.
 */
public final class MalformedCaseException extends RuntimeException {
    public MalformedCaseException(String message) { super(message); }

    public MalformedCaseException(String message, Throwable cause) { super(message, cause); }
}
