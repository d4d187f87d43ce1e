package dev.tessel.models.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.tensor.Tensor;
import java.awt.FontMetrics;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Grids: cell placement with upscaling, label strips, label wrapping and truncation. */
class ImageGridTest {
    private static Tensor solid(float r, float g, float b) {
        float[] v = new float[3 * 4 * 4];
        java.util.Arrays.fill(v, 0, 16, r);
        java.util.Arrays.fill(v, 16, 32, g);
        java.util.Arrays.fill(v, 32, 48, b);
        return Tensor.of(v, 3, 4, 4);
    }

    @Test
    void cellsAreScaledAndPlacedRowMajor() {
        BufferedImage im = ImageGrid.of(List.of(solid(1, 0, 0), solid(0, 1, 0), solid(0, 0, 1)), 2).scale(3).render();
        // Cells of 12 px with 2 px padding: 2 columns, 2 rows.
        assertEquals(2 * 14 + 2, im.getWidth());
        assertEquals(2 * 14 + 2, im.getHeight());
        assertEquals(0xFF0000, im.getRGB(2 + 11, 2 + 11) & 0xFFFFFF);
        assertEquals(0x00FF00, im.getRGB(16, 2) & 0xFFFFFF);
        assertEquals(0x0000FF, im.getRGB(2, 16 + 11) & 0xFFFFFF);
    }

    @Test
    void labelsAddAStripUnderEachRow() {
        BufferedImage plain = ImageGrid.of(List.of(solid(1, 1, 1)), 1).scale(8).render();
        BufferedImage labelled = ImageGrid.of(List.of(solid(1, 1, 1)), 1).scale(8).labels(List.of("a white square")).render();
        assertEquals(plain.getWidth(), labelled.getWidth());
        assertTrue(labelled.getHeight() > plain.getHeight() + 10, labelled.getHeight() + " vs " + plain.getHeight());
    }

    @Test
    void longLabelsWrapToTwoLinesAndAreCut() {
        FontMetrics fm = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics().getFontMetrics(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
        int width = fm.stringWidth("a purple triangle");
        List<String> lines = ImageGrid.twoLines("a purple triangle left of a yellow star that goes on and on", fm, width);
        assertEquals(2, lines.size());
        assertEquals("a purple triangle", lines.get(0));
        assertTrue(lines.get(1).endsWith("...") && fm.stringWidth(lines.get(1)) <= width, lines.get(1));
        assertEquals(List.of("short"), ImageGrid.twoLines("short", fm, width));
    }

    @Test
    void labelCountMustMatch() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(List.of(solid(0, 0, 0)), 1).labels(List.of("a", "b")));
        assertTrue(e.getMessage().contains("2 labels for 1 images"), e.getMessage());
    }
}
