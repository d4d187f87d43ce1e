package dev.tessel.models.data;

import java.util.Locale;

/**
 * Object sizes of the {@code shapes} data set, by bounding-box extent in a 32x32 image (scaled
 * with the image): small 8-11 px, large 14-18 px. Invariant: the two ranges never meet, and
 * {@link #THRESHOLD_32} lies in the gap, so a reader can tell them apart from the extent alone.
 */
public enum SizeClass {
    SMALL(8, 11), LARGE(14, 18);

    /** Extent (px at 32x32) that separates small from large. */
    public static final double THRESHOLD_32 = 12.5;

    private final int minExtent32;
    private final int maxExtent32;

    SizeClass(int minExtent32, int maxExtent32) {
        this.minExtent32 = minExtent32;
        this.maxExtent32 = maxExtent32;
    }

    public int minExtent32() { return minExtent32; }

    public int maxExtent32() { return maxExtent32; }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SizeClass parse(String word) {
        for (SizeClass s : values()) if (s.word().equals(word)) return s;
        throw new IllegalArgumentException("unknown size '" + word + "': expected small or large");
    }
}
