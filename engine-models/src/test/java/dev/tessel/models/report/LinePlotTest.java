package dev.tessel.models.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Line plots: ticks, series colours reaching the image, log axis, tolerance of bad points. */
class LinePlotTest {
    @TempDir Path dir;

    @Test
    void ticksAreNiceStepsInsideTheRange() {
        assertEquals(List.of(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), LinePlot.AxisTicks.linear(0, 1, 6));
        assertEquals(List.of(0.0, 500.0, 1000.0, 1500.0), LinePlot.AxisTicks.linear(-3, 1700, 6));
        assertEquals(List.of(0.01, 0.1, 1.0, 10.0), LinePlot.AxisTicks.log(-2.2, 1.9));
        assertEquals(List.of(0.1, 0.2, 0.5, 1.0, 2.0), LinePlot.AxisTicks.log(-1.1, 0.4));
        assertEquals("0.25", LinePlot.AxisTicks.format(0.25));
        assertEquals("1e-4", LinePlot.AxisTicks.format(1e-4));
        assertEquals("1500", LinePlot.AxisTicks.format(1500));
    }

    @Test
    void seriesAreDrawnInTheirColours() throws Exception {
        double[] x = new double[100];
        double[] loss = new double[100];
        double[] other = new double[100];
        for (int i = 0; i < 100; i++) {
            x[i] = i;
            loss[i] = Math.exp(-i / 20.0);
            other[i] = i == 50 ? Double.NaN : 0.5;
        }
        Path file = dir.resolve("loss.png");
        new LinePlot().title("loss").xLabel("step").yLabel("nats").series("train", x, loss).series("flat", x, other).write(file);
        BufferedImage im = ImageIO.read(file.toFile());
        assertEquals(640, im.getWidth());
        assertTrue(countNear(im, 31, 119, 180) > 100, "first series colour present");
        assertTrue(countNear(im, 214, 39, 40) > 100, "second series colour present");
    }

    @Test
    void logAxisSkipsNonPositivePoints() throws Exception {
        BufferedImage im = new LinePlot().logY(true).series("s", new double[] {1, 2, 3, 4}, new double[] {10, 0, -1, 1000}).render();
        assertTrue(countNear(im, 31, 119, 180) > 0);
        BufferedImage empty = new LinePlot().series("nothing", new double[] {Double.NaN}).render();
        assertEquals(400, empty.getHeight());
    }

    @Test
    void mismatchedSeriesIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LinePlot().series("bad", new double[2], new double[3]));
        assertTrue(e.getMessage().contains("bad"), e.getMessage());
    }

    private static int countNear(BufferedImage im, int r, int g, int b) {
        int n = 0;
        for (int y = 0; y < im.getHeight(); y++) {
            for (int x = 0; x < im.getWidth(); x++) {
                int p = im.getRGB(x, y);
                if (Math.abs(((p >> 16) & 255) - r) < 20 && Math.abs(((p >> 8) & 255) - g) < 20 && Math.abs((p & 255) - b) < 20) n++;
            }
        }
        return n;
    }
}
