package dev.tessel.tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes safetensors files (format: shared/golden/FORMAT.md section 1):
 * {@code [u64 LE header length N][N bytes UTF-8 JSON header][raw little-endian data]}.
 *
 * <p>Invariants: a file is fully validated before any tensor is handed out, and every fault is a
 * {@link SafetensorsFormatException} naming the file — a lying header can cause neither a crash
 * nor an allocation larger than the file itself (the header buffer is bounded by both the file
 * size and {@link #MAX_HEADER_BYTES}; tensor data is mapped, never read into the heap). Writes
 * are atomic: readers see the old file or the complete new one, never a torn one. I/O failures
 * are UncheckedIOException. Tensor bytes are stored in native order, so this class requires a
 * little-endian platform (every platform tessel targets).
 */
public final class Safetensors {
    /** Largest header accepted or written; real headers are kilobytes. */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    public static final String METADATA_KEY = "__metadata__";

    private Safetensors() {}

    // ---------------------------------------------------------------- read

    /** Opens, validates and memory-maps {@code path}; the caller closes the result. */
    public static SafetensorsFile read(Path path) {
        requireLittleEndian();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) throw new SafetensorsFormatException(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            long headerLength = readFully(channel, 0, 8, path).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 0) {
                throw new SafetensorsFormatException(path, "header length " + Long.toUnsignedString(headerLength) + " is absurd (negative as signed 64-bit)");
            }
            if (headerLength > size - 8) {
                throw new SafetensorsFormatException(path, "header length " + headerLength + " exceeds the " + (size - 8) + " bytes after the length field");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(path, "header length " + headerLength + " is over the " + MAX_HEADER_BYTES + "-byte limit");
            }
            String header = decodeUtf8(readFully(channel, 8, (int) headerLength, path), path);
            Object parsed;
            try {
                parsed = Json.parse(header);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsFormatException(path, "header is not valid JSON: " + e.getMessage(), e);
            }
            if (!(parsed instanceof Map<?, ?> root)) {
                throw new SafetensorsFormatException(path, "header is a JSON " + jsonKind(parsed) + ", not an object");
            }
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Map<String, String> metadata = Map.of();
            Map<String, SafetensorsFile.Entry> entries = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : root.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals(METADATA_KEY)) metadata = metadata(path, e.getValue());
                else entries.put(name, entry(path, name, e.getValue(), dataLength));
            }
            checkNoOverlap(path, entries);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return new SafetensorsFile(path, arena, whole.asSlice(dataStart, dataLength), entries, metadata);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read: " + e, e);
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, Path path) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new SafetensorsFormatException(path, "file ended while reading bytes [" + position + ", " + (position + length) + ")");
            }
        }
        return buf.flip();
    }

    private static String decodeUtf8(ByteBuffer bytes, Path path) {
        CharBuffer chars = CharBuffer.allocate(bytes.remaining());
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CoderResult result = decoder.decode(bytes, chars, true);
        if (!result.isError()) result = decoder.flush(chars);
        if (result.isError()) {
            throw new SafetensorsFormatException(path, "header is not valid UTF-8 (bad byte at header offset " + bytes.position() + ")");
        }
        return chars.flip().toString();
    }

    private static Map<String, String> metadata(Path path, Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new SafetensorsFormatException(path, METADATA_KEY + " is a JSON " + jsonKind(value) + ", not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new SafetensorsFormatException(path, METADATA_KEY + " value of '" + e.getKey() + "' is a JSON " + jsonKind(e.getValue()) + ", not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static SafetensorsFile.Entry entry(Path path, String name, Object value, long dataLength) {
        String where = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> fields)) {
            throw new SafetensorsFormatException(path, where + " is a JSON " + jsonKind(value) + ", not an object");
        }
        Object dtypeField = required(path, where, fields, "dtype");
        Object shapeField = required(path, where, fields, "shape");
        Object offsetsField = required(path, where, fields, "data_offsets");

        if (!(dtypeField instanceof String dtypeName)) {
            throw new SafetensorsFormatException(path, where + ": \"dtype\" is a JSON " + jsonKind(dtypeField) + ", not a string");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeName);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(path, where + ": unknown dtype '" + dtypeName + "'");
        }

        if (!(shapeField instanceof List<?> dimList)) {
            throw new SafetensorsFormatException(path, where + ": \"shape\" is a JSON " + jsonKind(shapeField) + ", not an array");
        }
        int[] dims = new int[dimList.size()];
        long numel = 1;
        boolean overflow = false;
        for (int i = 0; i < dims.length; i++) {
            Object d = dimList.get(i);
            if (!(d instanceof Long dim)) {
                throw new SafetensorsFormatException(path, where + ": shape dimension " + i + " (" + Json.write(d) + ") is not an integer");
            }
            if (dim < 0) throw new SafetensorsFormatException(path, where + ": shape dimension " + i + " is negative (" + dim + ")");
            if (dim > Integer.MAX_VALUE) {
                throw new SafetensorsFormatException(path, where + ": shape dimension " + i + " (" + dim + ") is larger than " + Integer.MAX_VALUE);
            }
            dims[i] = (int) (long) dim;
            long hi = Math.multiplyHigh(numel, dim);
            numel *= dim;
            overflow |= hi != 0 || numel < 0;
        }
        Shape shape = Shape.of(dims);

        if (!(offsetsField instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw new SafetensorsFormatException(path, where + ": \"data_offsets\" is " + Json.write(offsetsField) + ", not [begin, end] integers");
        }
        if (begin < 0 || end < 0) throw new SafetensorsFormatException(path, where + ": data_offsets [" + begin + ", " + end + "] are negative");
        if (begin > end) throw new SafetensorsFormatException(path, where + ": data_offsets [" + begin + ", " + end + "] are reversed");
        if (end > dataLength) {
            throw new SafetensorsFormatException(path, where + ": data_offsets [" + begin + ", " + end + "] are out of range of the "
                    + dataLength + "-byte data section");
        }
        long expected = numel * dtype.byteSize();
        if (overflow || Math.multiplyHigh(numel, dtype.byteSize()) != 0 || expected != end - begin) {
            throw new SafetensorsFormatException(path, where + ": " + dtype.safetensorsName() + shape + " needs "
                    + (overflow ? "more than 2^63" : Long.toString(expected)) + " bytes but data_offsets [" + begin + ", " + end
                    + "] hold " + (end - begin));
        }
        return new SafetensorsFile.Entry(dtype, shape, begin, end);
    }

    private static Object required(Path path, String where, Map<?, ?> fields, String key) {
        if (!fields.containsKey(key)) throw new SafetensorsFormatException(path, where + " is missing \"" + key + "\"");
        return fields.get(key);
    }

    /** Two tensors may not share a byte; empty tensors own no bytes and overlap nothing. */
    private static void checkNoOverlap(Path path, Map<String, SafetensorsFile.Entry> entries) {
        List<Map.Entry<String, SafetensorsFile.Entry>> byBegin = new ArrayList<>();
        for (Map.Entry<String, SafetensorsFile.Entry> e : entries.entrySet()) {
            if (e.getValue().end() > e.getValue().begin()) byBegin.add(e);
        }
        byBegin.sort(Comparator.comparingLong(e -> e.getValue().begin()));
        for (int i = 1; i < byBegin.size(); i++) {
            SafetensorsFile.Entry prev = byBegin.get(i - 1).getValue(), cur = byBegin.get(i).getValue();
            if (cur.begin() < prev.end()) {
                throw new SafetensorsFormatException(path, "tensors '" + byBegin.get(i - 1).getKey() + "' [" + prev.begin() + ", " + prev.end()
                        + ") and '" + byBegin.get(i).getKey() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
            }
        }
    }

    private static String jsonKind(Object v) {
        return switch (v) {
            case null -> "null";
            case Map<?, ?> _ -> "object";
            case List<?> _ -> "array";
            case String _ -> "string";
            case Boolean _ -> "boolean";
            default -> "number";
        };
    }

    // ---------------------------------------------------------------- write

    /**
     * Writes {@code tensors} (in map order, each contiguous little-endian, whatever its strides)
     * and {@code metadata} (may be null) atomically: a temp file in the target's directory,
     * fsync, then an atomic rename over {@code path}.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        requireLittleEndian();
        byte[] header = header(path, tensors, metadata);
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            FileChannel channel = null;
            while (channel == null) {
                tmp = dir.resolve("." + path.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException taken) {
                    // Another writer's temp name: draw another.
                }
            }
            try (FileChannel out = channel) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(out, length);
                writeFully(out, ByteBuffer.wrap(header));
                for (Tensor t : tensors.values()) writeData(out, t);
                out.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": write failed: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException cleanup) {
                    // The original failure is the one worth reporting; a stray temp file is harmless.
                }
            }
        }
    }

    private static byte[] header(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("safetensors write " + path + ": metadata entry " + e + " has a null key or value");
                }
            }
            root.put(METADATA_KEY, metadata);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || t == null || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("safetensors write " + path + ": bad tensor entry '" + name + "' -> " + t);
            }
            long bytes = t.numel() * t.dtype().byteSize();
            List<Long> dims = new ArrayList<>();
            for (int d : t.shape().toArray()) dims.add((long) d);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("dtype", t.dtype().safetensorsName());
            fields.put("shape", dims);
            fields.put("data_offsets", List.of(offset, offset + bytes));
            root.put(name, fields);
            offset += bytes;
        }
        byte[] json = Json.write(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("safetensors write " + path + ": header of " + padded + " bytes is over the " + MAX_HEADER_BYTES + "-byte limit");
        }
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeData(FileChannel out, Tensor t) throws IOException {
        long bytes = t.numel() * t.dtype().byteSize();
        if (bytes == 0) return;
        if (t.isContiguous() && t.segment().isNative()) {
            writeFully(out, t.segment().asSlice(t.byteOffset(), bytes).asByteBuffer());
            return;
        }
        if (t.isContiguous()) {
            // A heap Storage is a long[], which has no ByteBuffer view: copy through byte[] chunks.
            byte[] chunk = new byte[(int) Math.min(bytes, 1 << 16)];
            for (long done = 0; done < bytes; done += chunk.length) {
                int len = (int) Math.min(chunk.length, bytes - done);
                MemorySegment.copy(t.segment(), ValueLayout.JAVA_BYTE, t.byteOffset() + done, chunk, 0, len);
                writeFully(out, ByteBuffer.wrap(chunk, 0, len));
            }
            return;
        }
        // Strided view: gather in logical row-major order through a small staging buffer.
        int size = t.dtype().byteSize();
        MemorySegment staging = MemorySegment.ofArray(new byte[1 << 16]);
        long n = t.numel();
        int used = 0;
        for (long i = 0; i < n; i++) {
            long bits = t.bitsAt(t.physicalIndex(i));
            switch (size) {
                case 1 -> staging.set(ValueLayout.JAVA_BYTE, used, (byte) bits);
                case 2 -> staging.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), used, (short) bits);
                case 4 -> staging.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), used, (int) bits);
                default -> staging.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), used, bits);
            }
            used += size;
            if (used == staging.byteSize()) {
                writeFully(out, staging.asByteBuffer());
                used = 0;
            }
        }
        if (used > 0) writeFully(out, staging.asSlice(0, used).asByteBuffer());
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) out.write(buf);
    }

    /** Makes the rename itself durable where the platform allows opening a directory. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException notSupported) {
            // Some platforms cannot open or fsync a directory; the file itself is already synced.
        }
    }

    private static void requireLittleEndian() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors I/O maps tensor bytes directly and needs a little-endian platform");
        }
    }
}
