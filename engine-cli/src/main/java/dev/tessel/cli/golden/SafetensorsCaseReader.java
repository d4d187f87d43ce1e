package dev.tessel.cli.golden;

import java.nio.file.Path;

/** Interim until tensor-io's Safetensors lands (replaced before commit). */
public final class SafetensorsCaseReader implements CaseReader {
    @Override
    public GoldenCase read(Path file) {
        throw new MalformedCaseException(file + ": safetensors reader not merged yet");
    }
}
