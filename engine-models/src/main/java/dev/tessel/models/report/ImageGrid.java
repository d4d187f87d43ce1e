package dev.tessel.models.report;

import dev.tessel.tensor.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Images laid out in rows x cols, each scaled up by an integer factor (nearest neighbour, so
 * pixels stay visible) with an optional label of up to two lines under it.
 *
 * <p>Invariant: cell k (row-major) shows image k and label k; the grid has ceil(n / cols) rows
 * and missing cells at the end stay background. Labels (left out when the JVM cannot draw
 * text, see TextSupport) are truncated with "..." to the cell width,
 * never wrapped into a neighbour.
 */
public final class ImageGrid {
    private static final int PAD = 2;
    private static final Color BACKGROUND = new Color(250, 250, 250);

    private final List<BufferedImage> images;
    private final int cols;
    private List<String> labels = List.of();
    private int scale = 1;

    private ImageGrid(List<BufferedImage> images, int cols) {
        if (images.isEmpty()) throw new IllegalArgumentException("ImageGrid: no images");
        if (cols < 1) throw new IllegalArgumentException("ImageGrid: cols must be >= 1, got " + cols);
        this.images = images;
        this.cols = cols;
    }

    /** A grid of [C, H, W] tensors. */
    public static ImageGrid of(List<Tensor> images, int cols) {
        List<BufferedImage> converted = new ArrayList<>();
        for (Tensor t : images) converted.add(Png.toImage(t));
        return new ImageGrid(converted, cols);
    }

    /** A grid of the images of a batch [B, C, H, W]. */
    public static ImageGrid of(Tensor batch, int cols) {
        if (batch.rank() != 4) throw new IllegalArgumentException("ImageGrid: batch must be [B, C, H, W], got " + batch.shape());
        List<Tensor> images = new ArrayList<>();
        for (int b = 0; b < batch.dim(0); b++) images.add(batch.slice(0, b, b + 1).squeeze(0));
        return of(images, cols);
    }

    /** A grid of images already decoded. */
    public static ImageGrid ofImages(List<BufferedImage> images, int cols) {
        return new ImageGrid(List.copyOf(images), cols);
    }

    /** One label per image (null or "" for none). */
    public ImageGrid labels(List<String> labels) {
        if (labels.size() != images.size()) {
            throw new IllegalArgumentException("ImageGrid: " + labels.size() + " labels for " + images.size() + " images");
        }
        this.labels = new ArrayList<>(labels);
        return this;
    }

    /** Integer upscaling factor (default 1). */
    public ImageGrid scale(int factor) {
        if (factor < 1) throw new IllegalArgumentException("ImageGrid: scale must be >= 1, got " + factor);
        this.scale = factor;
        return this;
    }

    public BufferedImage render() {
        int cellW = 0;
        int cellH = 0;
        for (BufferedImage im : images) {
            cellW = Math.max(cellW, im.getWidth() * scale);
            cellH = Math.max(cellH, im.getHeight() * scale);
        }
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        boolean labelled = TextSupport.available() && labels.stream().anyMatch(l -> l != null && !l.isEmpty());
        FontMetrics fm = null;
        int labelH = 0;
        if (labelled) {
            Graphics2D pg = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
            fm = pg.getFontMetrics(font);
            pg.dispose();
            labelH = 2 * fm.getHeight() + PAD;
        }
        int rows = (images.size() + cols - 1) / cols;
        int width = cols * (cellW + PAD) + PAD;
        int height = rows * (cellH + labelH + PAD) + PAD;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, width, height);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        if (labelled) g.setFont(font);
        for (int k = 0; k < images.size(); k++) {
            BufferedImage im = images.get(k);
            int x = PAD + (k % cols) * (cellW + PAD);
            int y = PAD + (k / cols) * (cellH + labelH + PAD);
            g.drawImage(im, x, y, im.getWidth() * scale, im.getHeight() * scale, null);
            String label = labelled ? labels.get(k) : null;
            if (label != null && !label.isEmpty()) {
                g.setColor(Color.BLACK);
                List<String> lines = twoLines(label, fm, cellW);
                for (int i = 0; i < lines.size(); i++) g.drawString(lines.get(i), x, y + cellH + PAD + fm.getAscent() + i * fm.getHeight());
            }
        }
        g.dispose();
        return out;
    }

    public void write(Path path) {
        Png.write(path, render());
    }

    /** Breaks a label at spaces into at most two lines that fit {@code width}, the second cut with "...". */
    static List<String> twoLines(String label, FontMetrics fm, int width) {
        String[] words = label.split(" ");
        StringBuilder first = new StringBuilder();
        int i = 0;
        while (i < words.length) {
            String tryLine = first.isEmpty() ? words[i] : first + " " + words[i];
            if (fm.stringWidth(tryLine) > width && !first.isEmpty()) break;
            first.setLength(0);
            first.append(tryLine);
            i++;
        }
        List<String> lines = new ArrayList<>();
        lines.add(fit(first.toString(), fm, width));
        if (i < words.length) lines.add(fit(String.join(" ", java.util.Arrays.copyOfRange(words, i, words.length)), fm, width));
        return lines;
    }

    private static String fit(String text, FontMetrics fm, int width) {
        if (fm.stringWidth(text) <= width) return text;
        String cut = text;
        while (!cut.isEmpty() && fm.stringWidth(cut + "...") > width) cut = cut.substring(0, cut.length() - 1);
        return cut + "...";
    }
}
