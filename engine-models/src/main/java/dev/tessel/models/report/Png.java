package dev.tessel.models.report;

import dev.tessel.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * PNG files and images as tensors: [C, H, W] with C = 1 (gray) or 3 (RGB), values in [0, 1].
 *
 * <p>Invariants: writing clamps to [0, 1] and rounds v * 255 to the nearest byte, reading divides
 * by 255, so write-then-read returns every value within 0.5/255 (exactly, for values that are
 * multiples of 1/255); files are written atomically ({@link AtomicFile}).
 */
public final class Png {
    private Png() {}

    /** Writes one image [C, H, W]. */
    public static void write(Path path, Tensor image) {
        write(path, toImage(image));
    }

    /** Writes a batch [B, C, H, W] as a grid with {@code cols} columns and no labels. */
    public static void writeBatch(Path path, Tensor batch, int cols) {
        ImageGrid.of(batch, cols).write(path);
    }

    /** Writes any image as PNG, atomically. */
    public static void write(Path path, BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) throw new IOException("no PNG writer in this JDK");
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": PNG encoding failed: " + e.getMessage(), e);
        }
        AtomicFile.write(path, bytes.toByteArray());
    }

    /** Reads a PNG (or any format ImageIO knows) as [C, H, W] with C = {@code channels} (1 or 3). */
    public static Tensor read(Path path, int channels) {
        return fromImage(readImage(path), channels);
    }

    /** Decodes an image file; the error names the file. */
    public static BufferedImage readImage(Path path) {
        BufferedImage image;
        try (var in = Files.newInputStream(path)) {
            image = ImageIO.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read image: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Corrupt files can make a decoder throw unchecked exceptions; report them the same way.
            throw new IllegalArgumentException(path + ": cannot decode image: " + e, e);
        }
        if (image == null) throw new IllegalArgumentException(path + ": not an image ImageIO can decode (expected PNG or JPEG)");
        return image;
    }

    /** [C, H, W] F32-compatible tensor (any floating dtype, any strides) to an 8-bit image. */
    public static BufferedImage toImage(Tensor image) {
        if (image.rank() != 3 || (image.dim(0) != 1 && image.dim(0) != 3)) {
            throw new IllegalArgumentException("Png: image must be [C, H, W] with C = 1 or 3, got " + image.shape());
        }
        if (!image.dtype().isFloating()) throw new IllegalArgumentException("Png: image must be a floating dtype, got " + image.dtype());
        int c = image.dim(0);
        int h = image.dim(1);
        int w = image.dim(2);
        float[] v = image.contiguous().toFloatArray();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int at = y * w + x;
                int r = toByte(v[at]);
                int g = c == 3 ? toByte(v[plane + at]) : r;
                int b = c == 3 ? toByte(v[2 * plane + at]) : r;
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return out;
    }

    /** An image as F32 [channels, H, W]; 1 channel takes the mean of R, G and B, 3 channels repeat a gray file's value. */
    public static Tensor fromImage(BufferedImage image, int channels) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("Png: channels must be 1 or 3, got " + channels);
        int h = image.getHeight();
        int w = image.getWidth();
        int plane = h * w;
        float[] v = new float[channels * plane];
        var raster = image.getRaster();
        if (raster.getNumBands() == 1) {
            // Gray files: read the stored samples, because getRGB would apply a gamma conversion.
            double max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float g = (float) (raster.getSample(x, y, 0) / max);
                    for (int c = 0; c < channels; c++) v[c * plane + y * w + x] = g;
                }
            }
            return Tensor.of(v, channels, h, w);
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                int at = y * w + x;
                if (channels == 1) {
                    v[at] = (r + g + b) / (3f * 255f);
                } else {
                    v[at] = r / 255f;
                    v[plane + at] = g / 255f;
                    v[2 * plane + at] = b / 255f;
                }
            }
        }
        return Tensor.of(v, channels, h, w);
    }

    static int toByte(double v) {
        if (Double.isNaN(v)) return 0;
        return (int) Math.round(Math.min(1.0, Math.max(0.0, v)) * 255.0);
    }
}
