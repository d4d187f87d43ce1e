package dev.tessel.kernels;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A golden case file (/work/shared/golden, FORMAT.md section 1) read by a deliberately tiny
 * safetensors reader, so these kernel tests do not wait on the engine's own reader.
 *
 * <p>Invariant: tensors and attrs are taken from the file only; a test never supplies a size or a
 * hyper-parameter of its own. The golden folder is found via {@code -Dtessel.golden} or the shared
 * default; a test skips (assumption) when it is absent.
 */
final class GoldenCase {
    private static final Pattern TENSOR = Pattern.compile(
            "\"([^\"]+)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"(\\w+)\"\\s*,\\s*\"shape\"\\s*:\\s*\\[([^\\]]*)\\]\\s*,"
                    + "\\s*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\]\\s*\\}");
    private static final Pattern ATTRS = Pattern.compile("\"attrs\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    final String name;
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    /** The attrs JSON string, unescaped once. */
    final String attrs;

    private GoldenCase(String name, Map<String, Tensor> tensors, String attrs) {
        this.name = name;
        this.tensors.putAll(tensors);
        this.attrs = attrs;
    }

    static Path folder() {
        return Path.of(System.getProperty("tessel.golden", "/work/shared/golden"));
    }

    static boolean available(String file) { return Files.isRegularFile(folder().resolve(file)); }

    static GoldenCase read(String file) throws IOException {
        byte[] bytes = Files.readAllBytes(folder().resolve(file));
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        int dataStart = 8 + (int) headerLength;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Matcher m = TENSOR.matcher(header);
        while (m.find()) {
            DType dtype = DType.fromSafetensorsName(m.group(2));
            String dimsText = m.group(3).trim();
            int[] dims = dimsText.isEmpty() ? new int[0]
                    : java.util.Arrays.stream(dimsText.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            int begin = Integer.parseInt(m.group(4)), end = Integer.parseInt(m.group(5));
            Tensor t = Tensor.zeros(dtype, dims);
            if (end - begin != t.numel() * dtype.byteSize()) {
                throw new IOException(file + ": tensor " + m.group(1) + " has " + (end - begin) + " bytes for " + t.shape());
            }
            MemorySegment.copy(MemorySegment.ofArray(bytes), dataStart + begin, t.segment(), 0, end - begin);
            tensors.put(m.group(1), t);
        }
        Matcher a = ATTRS.matcher(header);
        String attrs = a.find() ? a.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : "{}";
        return new GoldenCase(file, tensors, attrs);
    }

    Tensor tensor(String key) {
        Tensor t = tensors.get(key);
        if (t == null) throw new IllegalArgumentException(name + " has no tensor " + key + "; it has " + tensors.keySet());
        return t;
    }

    double attrNumber(String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*([-+0-9.eE]+)").matcher(attrs);
        if (!m.find()) throw new IllegalArgumentException(name + " has no numeric attr " + key + " in " + attrs);
        return Double.parseDouble(m.group(1));
    }

    String attrString(String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(attrs);
        if (!m.find()) throw new IllegalArgumentException(name + " has no string attr " + key + " in " + attrs);
        return m.group(1);
    }
}
