package dev.tessel.models.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart as a PNG: named series of (x, y) points, axes with ticks, a legend, optional
 * logarithmic y axis. Used for loss curves and for match-rate-against-N plots.
 *
 * <p>Text (title, tick labels, legend) is left out when the JVM cannot draw it (see TextSupport).
 *
 * <p>Invariants: non-finite points (and, on a log axis, non-positive y) are left out and break
 * the line there instead of failing the whole plot; series keep the order they were added in,
 * which is also the legend's order and picks their colours.
 */
public final class LinePlot {
    private static final Color[] COLORS = {
        new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44), new Color(255, 127, 14),
        new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(23, 190, 207),
    };
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 34;
    private static final int BOTTOM = 48;

    private record Series(String name, double[] x, double[] y) {}

    private final List<Series> series = new ArrayList<>();
    private String title = "";
    private String xLabel = "";
    private String yLabel = "";
    private boolean logY;
    private int width = 640;
    private int height = 400;

    public LinePlot title(String text) { this.title = text; return this; }

    public LinePlot xLabel(String text) { this.xLabel = text; return this; }

    public LinePlot yLabel(String text) { this.yLabel = text; return this; }

    public LinePlot logY(boolean on) { this.logY = on; return this; }

    public LinePlot size(int widthPx, int heightPx) {
        if (widthPx < LEFT + RIGHT + 50 || heightPx < TOP + BOTTOM + 50) {
            throw new IllegalArgumentException("LinePlot: " + widthPx + "x" + heightPx + " leaves no room for the plot; expected at least "
                    + (LEFT + RIGHT + 50) + "x" + (TOP + BOTTOM + 50));
        }
        this.width = widthPx;
        this.height = heightPx;
        return this;
    }

    /** Adds a series; {@code x} and {@code y} have equal length. */
    public LinePlot series(String name, double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException("LinePlot series '" + name + "': " + x.length + " x values but " + y.length + " y values");
        series.add(new Series(name, x.clone(), y.clone()));
        return this;
    }

    /** Adds a series with x = 0, 1, 2, ... */
    public LinePlot series(String name, double[] y) {
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) x[i] = i;
        return series(name, x, y);
    }

    public void write(Path path) {
        Png.write(path, render());
    }

    public BufferedImage render() {
        double[] xr = range(true);
        double[] yr = range(false);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int plotW = width - LEFT - RIGHT;
        int plotH = height - TOP - BOTTOM;
        boolean text = TextSupport.available();
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        FontMetrics fm = null;
        g.setColor(Color.BLACK);
        if (text) {
            g.setFont(font.deriveFont(Font.BOLD, 13f));
            g.drawString(title, LEFT + (plotW - g.getFontMetrics().stringWidth(title)) / 2, TOP - 12);
            g.setFont(font);
            fm = g.getFontMetrics();
        }
        // Ticks and grid.
        for (double t : AxisTicks.linear(xr[0], xr[1], 8)) {
            int px = LEFT + (int) Math.round((t - xr[0]) / (xr[1] - xr[0]) * plotW);
            gridLine(g, px, TOP, px, TOP + plotH);
            if (!text) continue;
            String s = AxisTicks.format(t);
            g.drawString(s, px - fm.stringWidth(s) / 2, TOP + plotH + fm.getAscent() + 4);
        }
        List<Double> yTicks = logY ? AxisTicks.log(yr[0], yr[1]) : AxisTicks.linear(yr[0], yr[1], 6);
        for (double t : yTicks) {
            int py = TOP + plotH - (int) Math.round((axisY(t) - yr[0]) / (yr[1] - yr[0]) * plotH);
            gridLine(g, LEFT, py, LEFT + plotW, py);
            if (!text) continue;
            String s = AxisTicks.format(t);
            g.drawString(s, LEFT - 6 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, plotW, plotH);
        if (text) {
            g.drawString(xLabel, LEFT + (plotW - fm.stringWidth(xLabel)) / 2, height - 10);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            rotated.drawString(yLabel + (logY ? " (log)" : ""), -(TOP + plotH / 2 + fm.stringWidth(yLabel) / 2), 14);
            rotated.dispose();
        }
        // Lines, clipped to the plot area.
        Graphics2D lines = (Graphics2D) g.create();
        lines.clipRect(LEFT, TOP, plotW + 1, plotH + 1);
        lines.setStroke(new BasicStroke(1.6f));
        for (int s = 0; s < series.size(); s++) {
            Series se = series.get(s);
            lines.setColor(COLORS[s % COLORS.length]);
            Path2D.Double path = new Path2D.Double();
            boolean penDown = false;
            int drawn = 0;
            for (int i = 0; i < se.x().length; i++) {
                if (!usable(se.x()[i], se.y()[i])) {
                    penDown = false;
                    continue;
                }
                double px = LEFT + (se.x()[i] - xr[0]) / (xr[1] - xr[0]) * plotW;
                double py = TOP + plotH - (axisY(se.y()[i]) - yr[0]) / (yr[1] - yr[0]) * plotH;
                if (penDown) path.lineTo(px, py); else path.moveTo(px, py);
                penDown = true;
                drawn++;
                if (se.x().length <= 40) lines.fillOval((int) px - 2, (int) py - 2, 5, 5);
            }
            if (drawn > 0) lines.draw(path);
        }
        lines.dispose();
        if (text) legend(g, fm, plotW);
        g.dispose();
        return out;
    }

    private void legend(Graphics2D g, FontMetrics fm, int plotW) {
        if (series.isEmpty()) return;
        int boxW = 0;
        for (Series s : series) boxW = Math.max(boxW, fm.stringWidth(s.name()));
        boxW += 34;
        int lineH = fm.getHeight();
        int x = LEFT + plotW - boxW - 6;
        int y = TOP + 6;
        g.setColor(new Color(255, 255, 255, 220));
        g.fillRect(x, y, boxW, lineH * series.size() + 6);
        g.setColor(Color.GRAY);
        g.drawRect(x, y, boxW, lineH * series.size() + 6);
        for (int s = 0; s < series.size(); s++) {
            int ly = y + 3 + s * lineH + lineH / 2;
            g.setColor(COLORS[s % COLORS.length]);
            g.setStroke(new BasicStroke(2f));
            g.drawLine(x + 5, ly, x + 23, ly);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s).name(), x + 28, ly + fm.getAscent() / 2 - 1);
        }
    }

    private static void gridLine(Graphics2D g, int x0, int y0, int x1, int y1) {
        g.setColor(new Color(225, 225, 225));
        g.drawLine(x0, y0, x1, y1);
        g.setColor(Color.BLACK);
    }

    private boolean usable(double x, double y) {
        return Double.isFinite(x) && Double.isFinite(y) && (!logY || y > 0);
    }

    private double axisY(double y) {
        return logY ? Math.log10(y) : y;
    }

    /** [min, max] of the usable values on one axis (y in log10 units on a log axis), never empty. */
    private double[] range(boolean xAxis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!usable(s.x()[i], s.y()[i])) continue;
                double v = xAxis ? s.x()[i] : axisY(s.y()[i]);
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) return new double[] {0, 1};
        if (lo == hi) return new double[] {lo - 0.5, hi + 0.5};
        if (xAxis) return new double[] {lo, hi};
        double pad = (hi - lo) * 0.05;
        return new double[] {lo - pad, hi + pad};
    }

    /** Tick positions and labels: "nice" steps of 1, 2 or 5 times a power of ten. */
    static final class AxisTicks {
        private AxisTicks() {}

        static List<Double> linear(double lo, double hi, int target) {
            double raw = (hi - lo) / target;
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double step = magnitude;
            for (double m : new double[] {1, 2, 5, 10}) {
                step = m * magnitude;
                if (step >= raw) break;
            }
            // k * step in decimal, so 3 x 0.2 is the tick 0.6 and not 0.6000000000000001.
            java.math.BigDecimal decimalStep = java.math.BigDecimal.valueOf(step);
            List<Double> ticks = new ArrayList<>();
            for (long k = (long) Math.ceil(lo / step - 1e-9); k <= (long) Math.floor(hi / step + 1e-9); k++) {
                ticks.add(decimalStep.multiply(java.math.BigDecimal.valueOf(k)).doubleValue());
            }
            return ticks;
        }

        /** Ticks of a log axis given in log10 units: the powers of ten inside, or nice linear ticks within one decade. */
        static List<Double> log(double lo, double hi) {
            List<Double> ticks = new ArrayList<>();
            // Few decades: 1, 2 and 5 times each power of ten; many: the powers alone.
            double[] mantissas = hi - lo <= 3 ? new double[] {1, 2, 5} : new double[] {1};
            for (double e = Math.floor(lo); e <= hi; e++) {
                for (double m : mantissas) {
                    double t = m * Math.pow(10, e);
                    if (Math.log10(t) >= lo && Math.log10(t) <= hi) ticks.add(t);
                }
            }
            if (ticks.size() >= 2) return ticks;
            ticks.clear();
            for (double t : linear(Math.pow(10, lo), Math.pow(10, hi), 5)) if (t > 0) ticks.add(t);
            return ticks;
        }

        static String format(double v) {
            if (v == 0) return "0";
            double a = Math.abs(v);
            if (a >= 1e5 || a < 1e-3) return String.format(Locale.ROOT, "%.0e", v).replace("e+0", "e").replace("e-0", "e-");
            String s = String.format(Locale.ROOT, "%.4f", v);
            s = s.replaceAll("0+$", "");
            return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        }
    }
}
