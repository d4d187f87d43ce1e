package dev.tessel.tensor;

import java.nio.file.Path;

/**
 * A safetensors file that breaks the format (FORMAT.md section 1). The message always starts
 * with the file name and then names the fault, so a command-line tool can print it as is.
 */
public final class SafetensorsFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public SafetensorsFormatException(Path file, String fault) {
        super(file + ": " + fault);
        this.file = file;
    }

    public SafetensorsFormatException(Path file, String fault, Throwable cause) {
        super(file + ": " + fault, cause);
        this.file = file;
    }

    /** The file that was rejected. */
    public Path file() { return file; }
}
