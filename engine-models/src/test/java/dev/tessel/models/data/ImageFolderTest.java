package dev.tessel.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.models.report.Png;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image folders: captions, resizing, splits, and the bad-file policies (fail fast, or skip and count). */
class ImageFolderTest {
    @TempDir Path dir;

    private final ByteArrayOutputStream warningBytes = new ByteArrayOutputStream();
    private final PrintStream warnings = new PrintStream(warningBytes, true, StandardCharsets.UTF_8);

    private static ImageFolder.Options options(ImageFolder.SizePolicy size, ImageFolder.BadFilePolicy bad, int testPercent) {
        return new ImageFolder.Options(8, 3, size, bad, testPercent);
    }

    private Tensor writeImage(String name, int h, int w, long seed) {
        Tensor t = Tensor.zeros(DType.F32, 3, h, w);
        Philox.fillUniform(t, seed, 0);
        Png.write(dir.resolve(name), t);
        return Png.read(dir.resolve(name), 3);
    }

    private void captions(String... lines) throws IOException {
        Files.writeString(dir.resolve("captions.tsv"), String.join("\n", lines) + "\n");
    }

    @Test
    void readsCaptionsAndImagesInIndexOrder() throws Exception {
        Tensor a = writeImage("a.png", 8, 8, 1);
        Tensor b = writeImage("sub/b.png", 8, 8, 2);
        captions("# comment", "a.png\ta red thing", "", "sub/b.png\ta blue thing ");
        ImageFolder f = new ImageFolder(dir, Split.TRAIN, options(ImageFolder.SizePolicy.REJECT, ImageFolder.BadFilePolicy.FAIL, 0), warnings);
        assertEquals(2, f.size());
        assertEquals("a red thing", f.get(0).caption());
        assertEquals("a blue thing", f.get(1).caption());
        assertEquals("sub/b.png", f.file(1));
        assertArrayEquals(a.toFloatArray(), f.get(0).image().toFloatArray());
        assertArrayEquals(b.toFloatArray(), f.get(1).image().toFloatArray());
        assertEquals(0, new ImageFolder(dir, Split.TEST, options(ImageFolder.SizePolicy.REJECT, ImageFolder.BadFilePolicy.FAIL, 0), warnings).size());
    }

    @Test
    void jpegAndGrayAreRead() throws Exception {
        java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) im.setRGB(x, y, 0x808080);
        ImageIO.write(im, "jpeg", dir.resolve("c.jpg").toFile());
        captions("c.jpg\tgray");
        ImageFolder f = new ImageFolder(dir, Split.TRAIN, new ImageFolder.Options(8, 1, ImageFolder.SizePolicy.REJECT, ImageFolder.BadFilePolicy.FAIL, 0), warnings);
        // A flat gray survives JPEG's lossy coding to within a couple of levels.
        for (float v : f.get(0).image().toFloatArray()) assertEquals(128 / 255f, v, 3 / 255f);
    }

    @Test
    void failPolicyStopsAtOpenNamingEveryBadFile() throws Exception {
        writeImage("good.png", 8, 8, 1);
        writeImage("big.png", 16, 16, 2);
        Files.writeString(dir.resolve("corrupt.png"), "not an image");
        captions("good.png\tok", "big.png\ttoo big", "corrupt.png\tbroken", "missing.png\tgone");
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ImageFolder(dir, Split.TRAIN, options(ImageFolder.SizePolicy.REJECT, ImageFolder.BadFilePolicy.FAIL, 0), warnings));
        String m = e.getMessage();
        assertTrue(m.contains("3 bad image(s)") && m.contains("big.png: image is 16x16, expected 8x8") && m.contains("corrupt.png") && m.contains("missing.png"), m);
    }

    @Test
    void skipPolicyWarnsPerFileAndCounts() throws Exception {
        writeImage("good.png", 8, 8, 1);
        Files.writeString(dir.resolve("corrupt.png"), "not an image");
        captions("good.png\tok", "corrupt.png\tbroken", "missing.png\tgone");
        ImageFolder f = new ImageFolder(dir, Split.TRAIN, options(ImageFolder.SizePolicy.REJECT, ImageFolder.BadFilePolicy.SKIP, 0), warnings);
        assertEquals(1, f.size());
        assertEquals(List.of("corrupt.png", "missing.png"), f.skipped());
        String w = warningBytes.toString(StandardCharsets.UTF_8);
        assertTrue(w.contains("corrupt.png") && w.contains("missing.png") && w.contains("skipped 2 bad image(s), kept 1"), w);
    }

    @Test
    void resizePolicyCropsAndAverages() throws Exception {
        // 16x24: the centre 16x16 square is cropped, then each 2x2 block averaged.
        Tensor big = writeImage("wide.png", 16, 24, 3);
        captions("wide.png\twide");
        ImageFolder f = new ImageFolder(dir, Split.TRAIN, options(ImageFolder.SizePolicy.RESIZE, ImageFolder.BadFilePolicy.FAIL, 0), warnings);
        float[] got = f.get(0).image().toFloatArray();
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    double mean = 0;
                    for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) mean += big.get(c, 2 * y + dy, 4 + 2 * x + dx) / 4;
                    assertEquals(mean, got[c * 64 + y * 8 + x], 1e-6);
                }
            }
        }
    }

    @Test
    void areaResizeKeepsConstantsAndTheMeanAtOddRatios() {
        float[] flat = new float[3 * 7 * 7];
        java.util.Arrays.fill(flat, 0.3f);
        for (float v : AreaResize.centreCropAndResize(flat, 3, 7, 7, 5)) assertEquals(0.3f, v, 1e-6f);
        float[] ramp = new float[7 * 7];
        double mean = 0;
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i / 49f;
            mean += ramp[i] / 49;
        }
        double outMean = 0;
        for (float v : AreaResize.centreCropAndResize(ramp, 1, 7, 7, 3)) outMean += v / 9.0;
        assertEquals(mean, outMean, 1e-6);
    }

    @Test
    void splitsArePartitionedByFileName() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            writeImage("i" + i + ".png", 8, 8, i);
            lines.add("i" + i + ".png\timage " + i);
        }
        captions(lines.toArray(String[]::new));
        ImageFolder.Options o = options(ImageFolder.SizePolicy.REJECT, ImageFolder.BadFilePolicy.FAIL, 30);
        ImageFolder train = new ImageFolder(dir, Split.TRAIN, o, warnings);
        ImageFolder test = new ImageFolder(dir, Split.TEST, o, warnings);
        ImageFolder held = new ImageFolder(dir, Split.HELD_OUT, o, warnings);
        assertEquals(60, train.size() + test.size());
        assertEquals(test.size(), held.size());
        assertTrue(test.size() > 5 && train.size() > 20, "test " + test.size());
        for (long i = 0; i < test.size(); i++) assertTrue(ImageFolder.inTest(test.file(i), 30));
        for (long i = 0; i < train.size(); i++) assertTrue(!ImageFolder.inTest(train.file(i), 30));
    }

    @Test
    void malformedIndexLinesAndMissingIndexAreErrors() throws Exception {
        var none = assertThrows(IllegalArgumentException.class,
                () -> new ImageFolder(dir, Split.TRAIN, ImageFolder.Options.defaults(), warnings));
        assertTrue(none.getMessage().contains("captions.tsv"), none.getMessage());
        captions("a.png a caption without tab");
        var bad = assertThrows(IllegalArgumentException.class,
                () -> new ImageFolder(dir, Split.TRAIN, ImageFolder.Options.defaults(), warnings));
        assertTrue(bad.getMessage().contains("line 1"), bad.getMessage());
    }

    @Test
    void datasetsOpensEachKindByName() throws Exception {
        writeImage("a.png", 32, 32, 1);
        captions("a.png\tsomething");
        Datasets.Options o = Datasets.Options.defaults().withSeed(4);
        assertEquals("shapes", Datasets.open("shapes", Split.TRAIN, o).name());
        assertEquals(1, Datasets.open("fashion-mnist", Split.TEST, o.withChannels(1)).channels());
        assertEquals(1 - (ImageFolder.inTest("a.png", 10) ? 1 : 0), Datasets.open(dir.toString(), Split.TRAIN, o).size());
        var e = assertThrows(IllegalArgumentException.class, () -> Datasets.open("cifar", Split.TRAIN, o));
        assertTrue(e.getMessage().contains("cifar"), e.getMessage());
    }
}
