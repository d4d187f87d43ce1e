// TimelinePng: draws one or more step timelines (compute lane above, communication lane below)
// as a PNG, one panel per timeline, on a shared time axis so panels compare at a glance.
//
// Invariant: x is time since the panel's first event, scaled identically in every panel; each
// event is a box coloured by its kind, so grey "wait" boxes on the compute lane are exactly the
// communication the prefetch failed to hide.
package dev.tessel.dist;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Writes timelines as a PNG (headless Java2D). */
public final class TimelinePng {
    private static final int WIDTH = 1400, LEFT = 110, RIGHT = 30, LANE = 34, PANEL = 2 * LANE + 56, TOP = 30, LEGEND = 40;
    private static final Map<Timeline.Kind, Color> COLORS = Map.of(
            Timeline.Kind.FORWARD, new Color(0x4C78A8), Timeline.Kind.BACKWARD, new Color(0x54A24B),
            Timeline.Kind.OPTIMIZER, new Color(0xB279A2), Timeline.Kind.ALL_GATHER, new Color(0xF58518),
            Timeline.Kind.REDUCE_SCATTER, new Color(0xE45756), Timeline.Kind.CROSS_MACHINE, new Color(0x72B7B2),
            Timeline.Kind.WAIT_GATHER, new Color(0x9D9D9D), Timeline.Kind.WAIT_REDUCE, new Color(0xD0D0D0));

    /** A titled timeline to draw as one panel. */
    public record Panel(String title, Timeline timeline) {}

    private TimelinePng() {}

    /** Writes {@code panels} to {@code path} (atomically: a temporary file, then a rename). */
    public static void write(Path path, List<Panel> panels) {
        System.setProperty("java.awt.headless", "true");
        int height = TOP + panels.size() * PANEL + LEGEND;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        long span = 1;
        for (Panel p : panels) for (Timeline.Event e : p.timeline().events()) span = Math.max(span, e.endNanos() - first(p.timeline()));
        double pxPerNano = (WIDTH - LEFT - RIGHT) / (double) span;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < panels.size(); i++) drawPanel(g, panels.get(i), TOP + i * PANEL, pxPerNano, span);
        drawLegend(g, TOP + panels.size() * PANEL + 10);
        g.dispose();
        try {
            Path parent = path.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".timeline-", ".png");
            ImageIO.write(image, "png", tmp.toFile());
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write timeline PNG " + path + ": " + e.getMessage(), e);
        }
    }

    private static long first(Timeline t) {
        long min = Long.MAX_VALUE;
        for (Timeline.Event e : t.events()) min = Math.min(min, e.startNanos());
        return min == Long.MAX_VALUE ? 0 : min;
    }

    private static void drawPanel(Graphics2D g, Panel p, int y, double pxPerNano, long span) {
        long origin = first(p.timeline());
        g.setColor(Color.BLACK);
        g.setFont(g.getFont().deriveFont(Font.BOLD));
        g.drawString(p.title(), LEFT, y + 14);
        g.setFont(g.getFont().deriveFont(Font.PLAIN));
        int laneY = y + 22;
        for (Timeline.Lane lane : Timeline.Lane.values()) {
            g.setColor(Color.DARK_GRAY);
            g.drawString(lane == Timeline.Lane.COMPUTE ? "compute" : "communication", 8, laneY + LANE / 2 + 4);
            for (Timeline.Event e : p.timeline().lane(lane)) {
                int x0 = LEFT + (int) ((e.startNanos() - origin) * pxPerNano);
                int w = Math.max(1, (int) (e.nanos() * pxPerNano));
                g.setColor(COLORS.get(e.kind()));
                g.fillRect(x0, laneY + 3, w, LANE - 6);
                g.setColor(Color.WHITE);
                g.setStroke(new BasicStroke(0.5f));
                g.drawRect(x0, laneY + 3, w, LANE - 6);
            }
            laneY += LANE;
        }
        g.setColor(Color.GRAY);
        int axisY = laneY + 4;
        g.drawLine(LEFT, axisY, WIDTH - RIGHT, axisY);
        double ms = span / 1e6;
        double tick = Math.pow(10, Math.floor(Math.log10(ms / 5)));
        for (double t = 0; t <= ms; t += tick) {
            int x = LEFT + (int) (t * 1e6 * pxPerNano);
            g.drawLine(x, axisY, x, axisY + 4);
            g.drawString(String.format(Locale.ROOT, tick < 1 ? "%.1f" : "%.0f", t) + (t == 0 ? " ms" : ""), x - 6, axisY + 16);
        }
    }

    private static void drawLegend(Graphics2D g, int y) {
        int x = LEFT;
        for (Timeline.Kind k : Timeline.Kind.values()) {
            g.setColor(COLORS.get(k));
            g.fillRect(x, y, 14, 14);
            g.setColor(Color.BLACK);
            String label = k.name().toLowerCase(Locale.ROOT).replace('_', ' ');
            g.drawString(label, x + 18, y + 12);
            x += 30 + g.getFontMetrics().stringWidth(label);
        }
    }
}
