package dev.tessel.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors: round trips of every dtype (strided and empty tensors included), the on-disk byte
 * layout, a real golden file checked against index.json, and one test per kind of malformed file.
 */
class SafetensorsTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    @TempDir Path dir;

    /** A tensor of {@code dtype} whose elements are random codes valid for that dtype. */
    private static Tensor randomTensor(DType dtype, Random rnd, int... dims) {
        Tensor t = Tensor.zeros(dtype, dims);
        for (long i = 0; i < t.numel(); i++) {
            long bits = switch (dtype) {
                case BOOL -> rnd.nextInt(2);
                case U8 -> rnd.nextInt(256);
                default -> rnd.nextLong();
            };
            t.setBitsAt(t.physicalIndex(i), bits);
        }
        return t;
    }

    private static long[] bitsOf(Tensor t) {
        long[] out = new long[(int) t.numel()];
        for (int i = 0; i < out.length; i++) out[i] = t.bitsAt(t.physicalIndex(i));
        return out;
    }

    @Test
    void roundTripsEveryDtypeIncludingStridedAndEmptyTensors() {
        Random rnd = new Random(7);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (DType d : DType.values()) tensors.put("t." + d, randomTensor(d, rnd, 3, 5));
        // (4, 6) -> transpose -> (6, 4) -> rows 1..5: strided, non-zero offset.
        tensors.put("strided", randomTensor(DType.F32, rnd, 4, 6).transpose(0, 1).slice(0, 1, 5));
        tensors.put("expanded", randomTensor(DType.F16, rnd, 3, 1).expand(2, 3, 4));
        tensors.put("empty", Tensor.zeros(DType.F32, 0, 3));
        tensors.put("scalar", randomTensor(DType.I64, rnd));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("op", "round trip é😀");
        metadata.put("attrs", "{\"k\": [1, 2]}");
        Path file = dir.resolve("all.safetensors");
        Safetensors.write(file, tensors, metadata);

        try (SafetensorsFile f = Safetensors.read(file)) {
            assertEquals(new ArrayList<>(tensors.keySet()), f.names());
            assertEquals(metadata, f.metadata());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor want = e.getValue();
                Tensor got = f.tensor(e.getKey());
                assertEquals(want.dtype(), f.dtype(e.getKey()));
                assertEquals(want.shape(), f.shape(e.getKey()));
                assertEquals(want.shape(), got.shape());
                assertTrue(got.isContiguous());
                assertArrayEquals(bitsOf(want), bitsOf(got), e.getKey());
            }
        }
        assertTrue(listTempFiles().isEmpty(), "no temp file left behind");
    }

    @Test
    void fileLayoutIsPaddedHeaderThenLittleEndianData() throws IOException {
        Tensor t = Tensor.of(new float[] {1.5f, -2f, 3.25f}, 3);
        Path file = dir.resolve("layout.safetensors");
        Safetensors.write(file, Map.of("x", t), null);
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = raw.getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(raw.array(), 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", header.stripTrailing());
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '));
        assertEquals(8 + n + 12, raw.capacity());
        for (int i = 0; i < 3; i++) assertEquals(t.getDouble(i), raw.getFloat((int) (8 + n + 4L * i)));
    }

    @Test
    void rewriteReplacesAtomicallyAndOldMappingStaysReadable() {
        Path file = dir.resolve("w.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.of(new float[] {1, 2}, 2)), Map.of());
        try (SafetensorsFile old = Safetensors.read(file)) {
            Tensor oldA = old.tensor("a");
            Safetensors.write(file, Map.of("b", Tensor.of(new float[] {3}, 1)), Map.of());
            assertEquals(2.0, oldA.getDouble(1), "the old inode stays mapped after the rename");
            try (SafetensorsFile fresh = Safetensors.read(file)) {
                assertEquals(List.of("b"), fresh.names());
                assertEquals(3.0, fresh.tensor("b").getDouble(0));
            }
        }
        assertTrue(listTempFiles().isEmpty());
    }

    @Test
    void closeUnmapsDeterministically() {
        Path file = dir.resolve("c.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.of(new float[] {1, 2}, 2)), null);
        SafetensorsFile f = Safetensors.read(file);
        Tensor a = f.tensor("a");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.setDouble(0, 3)).getMessage().contains("read-only"));
        Tensor kept = a.copy();
        kept.setDouble(0, 3);
        f.close();
        f.close();
        assertEquals(2.0, kept.getDouble(1), "a copy outlives the file");
        assertThrows(IllegalStateException.class, () -> a.getDouble(0));
        assertThrows(IllegalStateException.class, () -> f.tensor("a"));
    }

    @Test
    void unknownTensorNameIsAClearError() {
        Path file = dir.resolve("n.safetensors");
        Safetensors.write(file, Map.of("a", Tensor.of(new float[] {1}, 1)), null);
        try (SafetensorsFile f = Safetensors.read(file)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.tensor("b"));
            assertTrue(e.getMessage().contains("no tensor named 'b'") && e.getMessage().contains("n.safetensors"));
        }
    }

    @Test
    void readsGoldenConvCaseAsIndexJsonDescribes() throws IOException {
        String caseFile = "conv2d-01-k1.safetensors";
        Map<?, ?> index = (Map<?, ?>) Json.parse(Files.readString(GOLDEN.resolve("index.json")));
        Map<?, ?> described = ((List<?>) index.get("files")).stream().map(o -> (Map<?, ?>) o)
                .filter(m -> caseFile.equals(m.get("file"))).findFirst().orElseThrow();
        Map<?, ?> tensors = (Map<?, ?>) described.get("tensors");
        byte[] raw = Files.readAllBytes(GOLDEN.resolve(caseFile));
        long dataStart = 8 + ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        try (SafetensorsFile f = Safetensors.read(GOLDEN.resolve(caseFile))) {
            assertEquals(new ArrayList<>(tensors.keySet()), f.names());
            assertEquals(described.get("op"), f.metadata().get("op"));
            assertEquals(caseFile.replace(".safetensors", ""), f.metadata().get("case"));
            long offset = 0;
            for (String name : f.names()) {
                List<?> dtypeAndShape = (List<?>) tensors.get(name);
                assertEquals(dtypeAndShape.get(0), f.dtype(name).safetensorsName(), name);
                int[] dims = ((List<?>) dtypeAndShape.get(1)).stream().mapToInt(d -> (int) (long) (Long) d).toArray();
                assertEquals(Shape.of(dims), f.shape(name), name);
                // Each view reads exactly the bytes at its place in the file (tensors tile the data).
                Tensor t = f.tensor(name);
                ByteBuffer expect = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < t.numel(); i++) {
                    int at = (int) (dataStart + offset + i * t.dtype().byteSize());
                    double want = switch (t.dtype()) {
                        case F32 -> expect.getFloat(at);
                        case I64 -> expect.getLong(at);
                        case U8 -> expect.get(at) & 0xFF;
                        default -> throw new AssertionError("dtype not listed in FORMAT.md: " + t.dtype());
                    };
                    assertEquals(want, t.getDouble(i), name + "[" + i + "]");
                }
                offset += t.numel() * t.dtype().byteSize();
            }
            assertEquals(raw.length - dataStart, offset);
        }
    }

    @Test
    void everyGoldenFileValidatesAndItsTensorsTileTheDataSection() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(GOLDEN)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path p : files) {
            long dataStart = 8 + ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            try (SafetensorsFile f = Safetensors.read(p)) {
                long bytes = 0;
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    bytes += t.numel() * t.dtype().byteSize();
                    if (t.dtype() == DType.F32) assertEquals(t.numel(), t.toFloatArray().length);
                }
                assertEquals(Files.size(p) - dataStart, bytes, p.toString());
                assertTrue(f.metadata().containsKey("op"), p.toString());
            }
        }
    }

    @Test
    void viewsAtUnalignedOffsetsReadCorrectly() {
        // U8[3] first puts the F32 and I64 tensors at odd byte offsets in the data section.
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("bytes", Tensor.fromDoubles(DType.U8, new double[] {1, 2, 3}, 3));
        tensors.put("floats", Tensor.of(new float[] {0.5f, -1.25f, 3e-3f}, 3));
        tensors.put("longs", Tensor.ofLongs(new long[] {Long.MIN_VALUE, 7}, 2));
        Path file = dir.resolve("unaligned.safetensors");
        Safetensors.write(file, tensors, null);
        try (SafetensorsFile f = Safetensors.read(file)) {
            assertArrayEquals(new float[] {0.5f, -1.25f, 3e-3f}, f.tensor("floats").toFloatArray());
            assertArrayEquals(new long[] {Long.MIN_VALUE, 7}, f.tensor("longs").toLongArray());
        }
    }

    private List<Path> listTempFiles() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------- malformed files

    /** Writes {@code [u64 LE length][header][data]} as given, without any checks. */
    private Path raw(String name, long headerLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header);
        Path p = dir.resolve(name + ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(name, h.length, h, dataBytes);
    }

    private static void assertRejected(Path file, String fault) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(file).close());
        assertTrue(e.getMessage().startsWith(file.toString()), () -> "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fault), () -> "message '" + e.getMessage() + "' lacks '" + fault + "'");
        assertEquals(file, e.file());
    }

    private static final String OK_ENTRY = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void rejectsFileShorterThanEightBytes() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 0, 0});
        assertRejected(p, "shorter than the 8-byte header length");
    }

    @Test
    void rejectsNegativeHeaderLength() throws IOException {
        assertRejected(raw("negative", -1L, new byte[16], 0), "negative as signed");
    }

    @Test
    void rejectsHeaderLengthBeyondFile() throws IOException {
        assertRejected(raw("beyond", 1000, "{}".getBytes(StandardCharsets.US_ASCII), 0), "exceeds the 2 bytes after the length field");
    }

    @Test
    void rejectsHeaderLengthOverLimitWithoutAllocatingIt() throws IOException {
        // A sparse file long enough that the size check passes, so only the 100 MiB cap can refuse it.
        Path p = dir.resolve("huge.safetensors");
        long claimed = Safetensors.MAX_HEADER_BYTES + 8;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(claimed).array());
            f.setLength(8 + claimed);
        }
        assertRejected(p, "over the " + Safetensors.MAX_HEADER_BYTES + "-byte limit");
    }

    @Test
    void rejectsHeaderThatIsNotUtf8() throws IOException {
        byte[] h = "{\"a\":\"xx\"}".getBytes(StandardCharsets.US_ASCII);
        h[6] = (byte) 0xC3; // a lead byte followed by an ASCII byte: malformed
        assertRejected(raw("notutf8", h.length, h, 0), "not valid UTF-8 (bad byte at header offset 6)");
    }

    @Test
    void rejectsHeaderThatIsNotJson() throws IOException {
        assertRejected(file("notjson", "{\"a\": @}", 0), "header is not valid JSON: JSON: expected a value at position 6");
        assertRejected(file("emptyheader", "", 0), "header is not valid JSON");
    }

    @Test
    void rejectsHeaderThatIsNotAnObject() throws IOException {
        assertRejected(file("array", "[1, 2]  ", 0), "header is a JSON array, not an object");
    }

    @Test
    void rejectsEntryThatIsNotAnObject() throws IOException {
        assertRejected(file("entry", "{\"a\": 5}", 0), "tensor 'a' is a JSON number, not an object");
    }

    @Test
    void rejectsEntryMissingAField() throws IOException {
        assertRejected(file("nodtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "tensor 'a' is missing \"dtype\"");
        assertRejected(file("noshape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "tensor 'a' is missing \"shape\"");
        assertRejected(file("nooffsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "tensor 'a' is missing \"data_offsets\"");
    }

    @Test
    void rejectsEntryFieldsOfWrongType() throws IOException {
        assertRejected(file("dtypetype", "{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "\"dtype\" is a JSON number, not a string");
        assertRejected(file("shapetype", "{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8), "\"shape\" is a JSON string, not an array");
        assertRejected(file("offsetslen", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8), "\"data_offsets\" is [0], not [begin, end] integers");
        assertRejected(file("offsetstype", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", 8), "not [begin, end] integers");
    }

    @Test
    void rejectsUnknownDtype() throws IOException {
        assertRejected(file("dtype", "{\"a\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2), "tensor 'a': unknown dtype 'F8'");
    }

    @Test
    void rejectsNegativeDimension() throws IOException {
        assertRejected(file("negdim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8), "shape dimension 1 is negative (-1)");
    }

    @Test
    void rejectsNonIntegerDimension() throws IOException {
        assertRejected(file("fracdim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "shape dimension 0 (2.5) is not an integer");
        assertRejected(file("bigdim", "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296],\"data_offsets\":[0,8]}}", 8), "is larger than");
    }

    @Test
    void rejectsReversedOffsets() throws IOException {
        assertRejected(file("reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "data_offsets [8, 0] are reversed");
    }

    @Test
    void rejectsOffsetsOutOfRange() throws IOException {
        assertRejected(file("range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8), "are out of range of the 8-byte data section");
        assertRejected(file("negoffset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "are negative");
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        String header = "{\"a\":" + OK_ENTRY + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertRejected(file("overlap", header, 12), "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
    }

    @Test
    void rejectsByteSizeNotMatchingShape() throws IOException {
        assertRejected(file("size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "F32[3] needs 12 bytes but data_offsets [0, 8] hold 8");
        // numel * size overflows a long: must be refused, not wrapped into a small "matching" size.
        String overflow = "{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}";
        assertRejected(file("overflow", overflow, 8), "needs more than 2^63 bytes");
    }

    @Test
    void rejectsMetadataThatIsNotStrings() throws IOException {
        assertRejected(file("metanum", "{\"__metadata__\":{\"seed\":11},\"a\":" + OK_ENTRY + "}", 8), "__metadata__ value of 'seed' is a JSON number, not a string");
        assertRejected(file("metaarr", "{\"__metadata__\":[],\"a\":" + OK_ENTRY + "}", 8), "__metadata__ is a JSON array, not an object");
    }

    @Test
    void rejectsDuplicateTensorNames() throws IOException {
        assertRejected(file("dup", "{\"a\":" + OK_ENTRY + ",\"a\":" + OK_ENTRY + "}", 8), "duplicate key \"a\"");
    }

    @Test
    void acceptsAWellFormedHandWrittenFile() throws IOException {
        // The control for the malformed cases above: the same builder with a valid header reads fine.
        Path p = file("good", "{\"__metadata__\":{\"k\":\"v\"},\"a\":" + OK_ENTRY + ",\"e\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[8,8]}}", 8);
        try (SafetensorsFile f = Safetensors.read(p)) {
            assertEquals(List.of("a", "e"), f.names());
            assertEquals(Map.of("k", "v"), f.metadata());
            assertEquals(0, f.tensor("e").numel());
            assertFalse(f.contains("__metadata__"));
        }
    }
}
