package dev.tessel.cli.golden;

import java.nio.file.Path;

/**
 * Turns one case file into a {@link GoldenCase}. The runner takes it as a parameter so tests can feed
 * synthetic cases without files.
 *
 * <p>Contract: any fault in the file surfaces as {@link MalformedCaseException} naming the file and
 * the fault; nothing is left open when it throws.
 */
@FunctionalInterface
public interface CaseReader {
    GoldenCase read(Path file);
}
