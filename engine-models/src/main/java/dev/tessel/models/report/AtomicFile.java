package dev.tessel.models.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a whole file or nothing: the bytes go to a temporary file in the same directory, which
 * is then renamed over the target in one step.
 *
 * <p>Invariant: a reader of {@code path} sees either the previous file or the complete new one,
 * never a partial write, even if the process is killed mid-way (a stray ".tmp" file may remain).
 */
public final class AtomicFile {
    private AtomicFile() {}

    public static void write(Path path, byte[] bytes) {
        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": write failed: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException cleanup) {
                    // The write failure above is the one worth reporting.
                }
            }
        }
    }
}
