package dev.tessel.models.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PNG round trips (RGB and gray), clamping, grids and error messages. */
class PngTest {
    @TempDir Path dir;

    @Test
    void rgbRoundTripKeepsEveryValueWithinHalfAStep() {
        Tensor image = Tensor.zeros(dev.tessel.tensor.DType.F32, 3, 7, 5);
        Philox.fillUniform(image, 42, 0);
        Path file = dir.resolve("sub/rgb.png");
        Png.write(file, image);
        Tensor back = Png.read(file, 3);
        assertEquals(image.shape(), back.shape());
        float[] a = image.toFloatArray();
        float[] b = back.toFloatArray();
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 0.5 / 255 + 1e-7, "value " + i);
    }

    @Test
    void valuesOnTheByteGridRoundTripExactly() {
        float[] v = new float[2 * 3];
        for (int i = 0; i < v.length; i++) v[i] = (i * 40) / 255f;
        Tensor gray = Tensor.of(v, 1, 2, 3);
        Path file = dir.resolve("gray.png");
        Png.write(file, gray);
        assertArrayEquals(v, Png.read(file, 1).toFloatArray());
        Tensor asRgb = Png.read(file, 3);
        assertArrayEquals(v, asRgb.slice(0, 2, 3).contiguous().toFloatArray());
    }

    @Test
    void outOfRangeValuesAreClamped() {
        Path file = dir.resolve("clamp.png");
        Png.write(file, Tensor.of(new float[] {-3f, 0.5f, 7f, Float.NaN}, 1, 1, 4));
        float[] back = Png.read(file, 1).toFloatArray();
        assertArrayEquals(new float[] {0f, 128 / 255f, 1f, 0f}, back);
    }

    @Test
    void grayFilesWrittenByOtherToolsReadWithoutGammaShift() throws Exception {
        BufferedImage g = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        int[] samples = {0, 60, 128, 255};
        for (int x = 0; x < 4; x++) g.getRaster().setSample(x, 0, 0, samples[x]);
        Path file = dir.resolve("g8.png");
        ImageIO.write(g, "png", file.toFile());
        float[] back = Png.read(file, 1).toFloatArray();
        for (int x = 0; x < 4; x++) assertEquals(samples[x] / 255f, back[x], 1e-7f);
    }

    @Test
    void batchGridHasOneCellPerImage() throws Exception {
        Tensor batch = Tensor.zeros(dev.tessel.tensor.DType.F32, 5, 3, 4, 4);
        Philox.fillUniform(batch, 1, 0);
        Path file = dir.resolve("grid.png");
        Png.writeBatch(file, batch, 2);
        BufferedImage grid = ImageIO.read(file.toFile());
        // 2 columns and 3 rows of 4 px cells with 2 px padding around each.
        assertEquals(2 * (4 + 2) + 2, grid.getWidth());
        assertEquals(3 * (4 + 2) + 2, grid.getHeight());
        float[] cell = Png.fromImage(grid.getSubimage(2 + 6, 2 + 6, 4, 4), 3).toFloatArray();
        float[] want = batch.slice(0, 3, 4).contiguous().toFloatArray();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], cell[i], 0.5 / 255 + 1e-7);
    }

    @Test
    void writeLeavesNoTemporaryFilesAndReplacesAtomically() throws Exception {
        Path file = dir.resolve("a.png");
        Png.write(file, Tensor.of(new float[] {0f}, 1, 1, 1));
        Png.write(file, Tensor.of(new float[] {1f}, 1, 1, 1));
        assertEquals(1f, Png.read(file, 1).toFloatArray()[0]);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
        // Ordinary new-file permissions, not a private temporary file's.
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
    }

    @Test
    void errorsNameTheProblem() throws Exception {
        var shape = assertThrows(IllegalArgumentException.class, () -> Png.toImage(Tensor.of(new float[8], 2, 2, 2)));
        assertTrue(shape.getMessage().contains("[2, 2, 2]"), shape.getMessage());
        Path junk = dir.resolve("junk.png");
        Files.writeString(junk, "not a png");
        var bad = assertThrows(IllegalArgumentException.class, () -> Png.read(junk, 3));
        assertTrue(bad.getMessage().contains("junk.png"), bad.getMessage());
        var missing = assertThrows(java.io.UncheckedIOException.class, () -> Png.read(dir.resolve("missing.png"), 3));
        assertTrue(missing.getMessage().contains("missing.png"), missing.getMessage());
    }
}
