// StageCache: where the demo keeps each stage's checkpoint, keyed by everything that decides
// what the stage computes (its settings, its data, and the keys of the stages it reads).
//
// Invariants: a directory name is the stage name plus a hash of the key text, so a changed
// setting lands in a new directory and never reuses a stale checkpoint; a stage counts as done
// only once its done.json exists, which is written atomically after the final checkpoint, so a
// run killed mid-stage resumes that stage rather than trusting a partial one.
package dev.tessel.models.pipeline;

import dev.tessel.models.report.AtomicFile;
import dev.tessel.tensor.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Keyed stage directories under one root (out/cache by default). */
public final class StageCache {
    private final Path root;

    public StageCache(Path root) { this.root = root; }

    public Path root() { return root; }

    /** One stage's directory; {@code key} is the canonical text (JSON) of what it depends on. */
    public Entry entry(String stage, String key) {
        return new Entry(root.resolve(stage + "-" + hash(key)), key);
    }

    /** A stage directory and its done marker. */
    public record Entry(Path dir, String key) {
        public Path file(String name) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the cache directory " + dir, e);
            }
            return dir.resolve(name);
        }

        public boolean done() { return Files.isRegularFile(dir.resolve("done.json")); }

        /** Marks the stage finished with what its training did (the key is stored too, for a reader). */
        public void markDone(TrainingLoop.Outcome outcome) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", key);
            m.put("steps", outcome.steps());
            m.put("scheduled_steps", outcome.scheduledSteps());
            m.put("time_boxed", outcome.timeBoxed());
            m.put("seconds", outcome.seconds());
            AtomicFile.write(file("done.json"), Json.write(m).getBytes(StandardCharsets.UTF_8));
        }

        /** What the finished stage recorded: steps, scheduled_steps, time_boxed, seconds. */
        public Map<?, ?> doneRecord() {
            try {
                return (Map<?, ?>) Json.parse(Files.readString(dir.resolve("done.json")));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + dir.resolve("done.json"), e);
            }
        }
    }

    static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
