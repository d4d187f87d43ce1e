package dev.tessel.models.report;

import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * Whether this JVM can draw text. A JDK on a minimal system without fontconfig or any font
 * throws an Error from the first text call; plots and grids then still render, without their
 * labels, and say so once on stderr (install fontconfig and fonts-dejavu-core to get them back).
 *
 * <p>Invariant: the probe runs once per JVM; callers skip every text call when it failed.
 */
final class TextSupport {
    private static volatile Boolean available;

    private TextSupport() {}

    static boolean available() {
        Boolean known = available;
        if (known != null) return known;
        synchronized (TextSupport.class) {
            if (available == null) available = probe();
            return available;
        }
    }

    private static boolean probe() {
        try {
            Graphics2D g = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB).createGraphics();
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.getFontMetrics().stringWidth("probe");
            g.drawString("probe", 0, 7);
            g.dispose();
            return true;
        } catch (Error | RuntimeException e) {
            System.err.println("warning: this JVM cannot draw text (" + e + "); images and plots are written without labels."
                    + " Install fontconfig and fonts-dejavu-core to get them.");
            return false;
        }
    }
}
