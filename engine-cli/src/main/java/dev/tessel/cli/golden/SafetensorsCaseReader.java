package dev.tessel.cli.golden;

import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a golden case from a safetensors file (FORMAT.md section 1): the tensors, and from
 * {@code __metadata__} the {@code op} and the {@code attrs} JSON string (parsed a second time).
 *
 * <p>Invariant: the returned case owns the open file (its tensors are views of the mapping) and
 * closes it; on any fault the file is closed and a {@link MalformedCaseException} names the file.
 */
public final class SafetensorsCaseReader implements CaseReader {
    @Override
    public GoldenCase read(Path file) {
        SafetensorsFile st;
        try {
            st = Safetensors.read(file);
        } catch (UncheckedIOException e) {
            throw new MalformedCaseException(file.getFileName() + ": cannot read: " + e.getCause().getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new MalformedCaseException(e.getMessage(), e);
        }
        try {
            String name = GoldenRunner.caseNameOf(file);
            Map<String, String> metadata = st.metadata();
            String op = metadata.get("op");
            if (op == null || op.isBlank()) throw new MalformedCaseException(file.getFileName() + ": __metadata__ has no 'op'");
            Map<String, Object> attrs = parseAttrs(file, metadata.get("attrs"));
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String tensorName : st.names()) tensors.put(tensorName, st.tensor(tensorName));
            return new GoldenCase(name, op, new CaseAttrs(name, attrs), tensors, st);
        } catch (RuntimeException e) {
            st.close();
            if (e instanceof MalformedCaseException m) throw m;
            throw new MalformedCaseException(file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseAttrs(Path file, String text) {
        if (text == null) return Map.of();
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new MalformedCaseException(file.getFileName() + ": __metadata__.attrs is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> map)) throw new MalformedCaseException(file.getFileName() + ": __metadata__.attrs is not a JSON object");
        return (Map<String, Object>) map;
    }
}
