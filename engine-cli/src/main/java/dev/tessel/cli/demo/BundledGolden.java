package dev.tessel.cli.demo;

import dev.tessel.tensor.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The public golden cases shipped inside tessel.jar (resources under {@value #ROOT}), so the demo
 * needs nothing outside the project at run time.
 *
 * <p>Invariant: {@code index.json} in that folder lists every case file; it is the table of contents,
 * because a jar cannot be listed like a folder. Cases are copied to a temporary folder because the
 * safetensors reader memory-maps real files; {@link Extracted#close()} deletes it.
 */
public final class BundledGolden {
    static final String ROOT = "bundled-golden/";

    private BundledGolden() {}

    /** The case file names listed in the bundled index.json. */
    @SuppressWarnings("unchecked")
    public static List<String> caseFileNames() throws IOException {
        Object index = Json.parse(new String(resource("index.json").readAllBytes(), StandardCharsets.UTF_8));
        List<String> names = new ArrayList<>();
        if (index instanceof Map<?, ?> m && m.get("files") instanceof List<?> files) {
            for (Object f : files) {
                if (f instanceof Map<?, ?> entry && entry.get("file") instanceof String name && name.endsWith(".safetensors")) names.add(name);
            }
        }
        if (names.isEmpty()) throw new IOException("the bundled golden index.json lists no case files: the jar is built wrongly");
        return names;
    }

    /** Copies every bundled case into a fresh temporary folder. */
    public static Extracted extract() throws IOException {
        Path dir = Files.createTempDirectory("tessel-golden-");
        try {
            for (String name : caseFileNames()) {
                if (name.contains("/") || name.contains("\\")) throw new IOException("bundled case name '" + name + "' is not a plain file name");
                try (InputStream in = resource(name)) {
                    Files.copy(in, dir.resolve(name));
                }
            }
            return new Extracted(dir);
        } catch (IOException | RuntimeException e) {
            new Extracted(dir).close();
            throw e;
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = BundledGolden.class.getClassLoader().getResourceAsStream(ROOT + name);
        if (in == null) throw new IOException("resource " + ROOT + name + " is missing from the jar: rebuild with ./tessel build");
        return in;
    }

    /** A temporary folder of extracted cases; closing deletes it. */
    public record Extracted(Path dir) implements AutoCloseable {
        @Override
        public void close() {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete the temporary folder " + dir, e);
            }
        }
    }
}
