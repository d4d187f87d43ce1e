package dev.tessel.kernels;

import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A golden case file (a copy of shared/golden in src/test/resources/golden, FORMAT.md section 1) read through the engine's
 * {@link Safetensors} reader, with its {@code attrs} metadata parsed (it is a JSON string inside
 * the header, so it is parsed a second time).
 *
 * <p>Invariant: tensors and attrs are taken from the file only; a test never supplies a size or a
 * hyper-parameter of its own. Tensors are copied out of the mapping, so the file is closed on
 * return. The folder comes from {@code -Dtessel.golden} or the shared default; a test skips
 * (assumption) when the file is absent.
 */
final class GoldenCase {
    final String name;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<?, ?> attrs;

    private GoldenCase(String name, Map<?, ?> attrs) {
        this.name = name;
        this.attrs = attrs;
    }

    static Path folder() {
        return Path.of(System.getProperty("tessel.golden", "src/test/resources/golden"));
    }

    static boolean available(String file) { return Files.isRegularFile(folder().resolve(file)); }

    static GoldenCase read(String file) {
        try (SafetensorsFile f = Safetensors.read(folder().resolve(file))) {
            String attrsText = f.metadata().getOrDefault("attrs", "{}");
            GoldenCase c = new GoldenCase(file, (Map<?, ?>) Json.parse(attrsText));
            for (String n : f.names()) c.tensors.put(n, f.tensor(n).copy());
            return c;
        }
    }

    Tensor tensor(String key) {
        Tensor t = tensors.get(key);
        if (t == null) throw new IllegalArgumentException(name + " has no tensor " + key + "; it has " + tensors.keySet());
        return t;
    }

    double attrNumber(String key) {
        if (!(attrs.get(key) instanceof Number n)) throw new IllegalArgumentException(name + " has no numeric attr " + key + " in " + attrs);
        return n.doubleValue();
    }

    String attrString(String key) {
        if (!(attrs.get(key) instanceof String s)) throw new IllegalArgumentException(name + " has no string attr " + key + " in " + attrs);
        return s;
    }

    String attrs() { return attrs.toString(); }
}
