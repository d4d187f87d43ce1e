package dev.tessel.cli.bpe;

import dev.tessel.cli.UsageException;
import dev.tessel.tensor.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts of an input file for the bpe commands: one text per line, or with JSONL one JSON
 * string literal per line (so a text can hold newlines, tabs and any Unicode, escaped).
 *
 * <p>Invariant: the file is read as strict UTF-8 (a wrong encoding is an error naming the file,
 * never silently replaced), and a JSONL line that is not exactly one JSON string is an error
 * naming its line number.
 */
final class TextLines {
    private TextLines() {}

    static List<String> read(String verb, Path file, boolean jsonl) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException(verb, "input file '" + file + "' does not exist");
        } catch (CharacterCodingException e) {
            throw new UsageException(verb, "input file '" + file + "' is not valid UTF-8");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!jsonl) return lines;
        List<String> texts = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            Object value;
            try {
                value = Json.parse(lines.get(i));
            } catch (IllegalArgumentException e) {
                throw new UsageException(verb, file + " line " + (i + 1) + " is not a JSON string literal (--jsonl): " + e.getMessage());
            }
            if (!(value instanceof String s)) {
                throw new UsageException(verb, file + " line " + (i + 1) + " holds " + (value == null ? "null" : value.getClass().getSimpleName())
                        + ", expected one JSON string literal per line (--jsonl)");
            }
            texts.add(s);
        }
        return texts;
    }
}
