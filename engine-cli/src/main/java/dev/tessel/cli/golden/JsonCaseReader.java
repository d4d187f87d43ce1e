package dev.tessel.cli.golden;

import dev.tessel.tensor.Json;
import dev.tessel.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON golden file of text cases (FORMAT.md 3.11, {@code bpe/bpe_cases.json}):
 * {@code {"op": ..., "cases": [{"text": ..., "ids": [...]}, ...]}} becomes one {@link GoldenCase}
 * whose attrs hold {@code texts} (in file order) and {@code folder} (where the vocabulary files
 * sit), and whose expected fields are {@code out.ids} (every case's ids, concatenated, I64) and
 * {@code out.counts} (how many ids each text has, I64), so the first wrong count names the text.
 *
 * <p>Invariant: any fault of the file (not JSON, no op, a case without a string text or an integer
 * id list) is a {@link MalformedCaseException} naming the file and the case index.
 */
public final class JsonCaseReader implements CaseReader {
    /** The suffix that marks a JSON case file (a vocabulary file next to it, encoder.json, is not one). */
    public static final String SUFFIX = "_cases.json";

    @Override
    public GoldenCase read(Path file) {
        String where = file.getParent() == null ? file.toString() : file.getParent().getFileName() + "/" + file.getFileName();
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new MalformedCaseException(where + ": cannot read: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new MalformedCaseException(where + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> root) || !(root.get("op") instanceof String op) || !(root.get("cases") instanceof List<?> cases)) {
            throw new MalformedCaseException(where + ": expected a JSON object with a string \"op\" and a list \"cases\"");
        }
        List<String> texts = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        long[] counts = new long[cases.size()];
        for (int i = 0; i < cases.size(); i++) {
            if (!(cases.get(i) instanceof Map<?, ?> c) || !(c.get("text") instanceof String text) || !(c.get("ids") instanceof List<?> list)) {
                throw new MalformedCaseException(where + ": case " + i + " needs a string \"text\" and a list \"ids\"");
            }
            for (Object id : list) {
                if (!(id instanceof Long value)) throw new MalformedCaseException(where + ": case " + i + " has a non-integer id " + id);
                ids.add(value);
            }
            texts.add(text);
            counts[i] = list.size();
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("texts", texts);
        attrs.put("folder", file.toAbsolutePath().getParent().toString());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("out.ids", Tensor.ofLongs(ids.stream().mapToLong(Long::longValue).toArray(), ids.size()));
        tensors.put("out.counts", Tensor.ofLongs(counts, counts.length));
        String name = where.endsWith(".json") ? where.substring(0, where.length() - ".json".length()) : where;
        return new GoldenCase(name, op, new CaseAttrs(name, attrs), tensors, () -> tensors.values().forEach(Tensor::close));
    }
}
