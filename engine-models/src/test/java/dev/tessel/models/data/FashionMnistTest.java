package dev.tessel.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IDX reader on files this test writes (plain and gzip, and broken ones), and Fashion-MNIST
 * on the real files Debian installs — installed on every machine of this project and in CI
 * (.ci/run), so that test does not skip.
 */
class FashionMnistTest {
    @TempDir Path dir;

    static byte[] idx(int[] dims, byte[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        b.put(values);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** Three 28x28 images whose pixel (y, x) is (i * 50 + y + x) mod 256, labels 7, 0, 9. */
    private void writeSynthetic(Path folder, String prefix, boolean compressed) throws IOException {
        byte[] pixels = new byte[3 * 28 * 28];
        for (int i = 0; i < 3; i++) {
            for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) pixels[i * 784 + y * 28 + x] = (byte) ((i * 50 + y + x) % 256);
        }
        byte[] images = idx(new int[] {3, 28, 28}, pixels);
        byte[] labels = idx(new int[] {3}, new byte[] {7, 0, 9});
        Files.createDirectories(folder);
        Files.write(folder.resolve(prefix + "-images-idx3-ubyte" + (compressed ? ".gz" : "")), compressed ? gzip(images) : images);
        Files.write(folder.resolve(prefix + "-labels-idx1-ubyte" + (compressed ? ".gz" : "")), compressed ? gzip(labels) : labels);
    }

    @Test
    void idxReadsPlainAndGzipAlike() throws IOException {
        byte[] values = {1, 2, 3, 4, 5, (byte) 255};
        Files.write(dir.resolve("a"), idx(new int[] {2, 3}, values));
        Files.write(dir.resolve("b"), gzip(idx(new int[] {2, 3}, values)));
        for (String name : new String[] {"a", "b"}) {
            IdxFile f = IdxFile.read(dir.resolve(name));
            assertArrayEquals(new int[] {2, 3}, f.dims());
            assertArrayEquals(values, f.data());
            assertEquals(255, f.unsigned(5));
        }
    }

    @Test
    void brokenIdxFilesAreNamedWithTheReason() throws IOException {
        Files.write(dir.resolve("short"), idx(new int[] {2, 3}, new byte[5]));
        Files.write(dir.resolve("long"), idx(new int[] {2, 3}, new byte[7]));
        byte[] floats = idx(new int[] {1}, new byte[4]);
        floats[2] = 0x0D;
        Files.write(dir.resolve("floats"), floats);
        Files.write(dir.resolve("text"), "hello".getBytes());
        assertMessage("short", "truncated");
        assertMessage("long", "bytes after");
        assertMessage("floats", "0x0d");
        assertMessage("text", "magic");
    }

    private void assertMessage(String file, String fragment) {
        var e = assertThrows(IllegalArgumentException.class, () -> IdxFile.read(dir.resolve(file)));
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void syntheticFilesArePaddedCaptionedAndSplit() throws IOException {
        writeSynthetic(dir.resolve("gz"), "train", true);
        writeSynthetic(dir.resolve("gz"), "t10k", true);
        FashionMnist train = new FashionMnist(dir.resolve("gz"), Split.TRAIN, 32, 1);
        assertEquals(3, train.size());
        Example e = train.get(2);
        assertEquals(9, e.label());
        assertEquals("an ankle boot", e.caption());
        float[] v = e.image().toFloatArray();
        assertEquals(32 * 32, v.length);
        assertEquals(0f, v[0]);
        assertEquals(0f, v[31 * 32 + 31]);
        // Source (y, x) lands at (y + 2, x + 2).
        assertEquals(((100 + 5 + 7) % 256) / 255f, v[(5 + 2) * 32 + 7 + 2]);
        writeSynthetic(dir.resolve("plain"), "train", false);
        writeSynthetic(dir.resolve("plain"), "t10k", false);
        FashionMnist rgb = new FashionMnist(dir.resolve("plain"), Split.HELD_OUT, 32, 3);
        float[] three = rgb.get(2).image().toFloatArray();
        assertArrayEquals(v, java.util.Arrays.copyOfRange(three, 2 * 1024, 3 * 1024));
        assertEquals(FashionMnist.locate(dir.resolve("plain")), dir.resolve("plain"));
    }

    @Test
    void missingFilesAreAnErrorNamingThem() {
        var e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.locate(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
    }

    @Test
    void realDebianFilesLoadWithTheirKnownCounts() {
        Path found = FashionMnist.locate(null);
        FashionMnist train = new FashionMnist(found, Split.TRAIN, 32, 1);
        FashionMnist test = new FashionMnist(found, Split.TEST, 32, 1);
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        // The published data set is balanced: 6,000 train and 1,000 test images per class.
        int[] perClass = new int[10];
        for (long i = 0; i < test.size(); i++) perClass[test.get(i).label()]++;
        for (int c = 0; c < 10; c++) assertEquals(1000, perClass[c], "class " + c);
        Example first = train.get(0);
        float max = 0;
        for (float f : first.image().toFloatArray()) max = Math.max(max, f);
        assertTrue(max > 0.5f, "first training image is not blank");
        assertEquals(FashionMnist.CAPTIONS.get(first.label()), first.caption());
    }
}
