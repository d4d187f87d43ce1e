package dev.tessel.kernels.attention;

import dev.tessel.tensor.Tensor;

/**
 * Which key each query of the DALL·E stream may attend to (FORMAT.md 3.5, DESIGN.md 3): positions
 * 0 .. textTokens-1 are text (a start token, if used, is one of them), then the gridHeight x
 * gridWidth image tokens in raster order, image token (r, c) at textTokens + r*gridWidth + c.
 *
 * <p>Every pattern is causal (key <= query, the diagonal always visible) and every query sees
 * all earlier text. Image queries see earlier image keys by the layer's {@link ImageAttention}:
 * <ul>
 *   <li>ROW: the previous gridWidth positions in raster order (crossing row ends): query - key <= W;
 *   <li>COLUMN: the same column in earlier rows: (query - key) mod W == 0;
 *   <li>CONVOLUTION, clamped (ru-dalle hf_version v3): |dr| <= s and |dc| <= s, s = kernel / 2;
 *   <li>CONVOLUTION, wrapping (v2): the same on a torus (rows mod H, columns mod W);
 *   <li>CAUSAL: every earlier image key (the dense baseline).
 * </ul>
 * These closed forms equal ru-dalle's image_attention.py for square grids (checked on the golden
 * cases); on a non-square grid the row window and column stride are the row length W.
 *
 * <p>Invariant: a pattern is an immutable value; {@link #visible} is the single definition of the
 * mask, and {@link #denseMask()} and {@link #blockLayout} are both derived from it.
 */
public final class AttentionPattern {
    /** How image queries see earlier image keys. */
    public enum ImageAttention { ROW, COLUMN, CONVOLUTION, CAUSAL }

    /** Edges of the convolutional window: ru-dalle's v3 clamps at the grid border, v2 wraps around. */
    public enum ConvolutionEdges { CLAMPED, WRAPPING }

    /** The paper's convolutional kernel (11x11). */
    public static final int DALLE_KERNEL = 11;

    private final int textTokens, gridHeight, gridWidth, kernel;
    private final ImageAttention image;
    private final ConvolutionEdges edges;

    private AttentionPattern(int textTokens, int gridHeight, int gridWidth, ImageAttention image, int kernel, ConvolutionEdges edges) {
        if (textTokens < 0 || gridHeight < 1 || gridWidth < 1) {
            throw new IllegalArgumentException("AttentionPattern: need textTokens >= 0 and a grid of at least 1x1, got " + textTokens
                    + " text tokens and a " + gridHeight + "x" + gridWidth + " grid");
        }
        if ((long) textTokens + (long) gridHeight * gridWidth > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("AttentionPattern: sequence of " + textTokens + " + " + gridHeight + "x" + gridWidth + " tokens is too long");
        }
        if (image == ImageAttention.CONVOLUTION && (kernel < 1 || kernel % 2 == 0)) {
            throw new IllegalArgumentException("AttentionPattern: the convolutional kernel must be odd and >= 1, got " + kernel);
        }
        this.textTokens = textTokens;
        this.gridHeight = gridHeight;
        this.gridWidth = gridWidth;
        this.image = image;
        this.kernel = kernel;
        this.edges = edges;
    }

    public static AttentionPattern row(int textTokens, int gridHeight, int gridWidth) {
        return new AttentionPattern(textTokens, gridHeight, gridWidth, ImageAttention.ROW, 0, null);
    }

    public static AttentionPattern column(int textTokens, int gridHeight, int gridWidth) {
        return new AttentionPattern(textTokens, gridHeight, gridWidth, ImageAttention.COLUMN, 0, null);
    }

    /** A causal kernel x kernel window (odd kernel), clamped (v3, the model's default) or wrapping (v2). */
    public static AttentionPattern convolution(int textTokens, int gridHeight, int gridWidth, int kernel, ConvolutionEdges edges) {
        if (edges == null) throw new IllegalArgumentException("AttentionPattern: convolution edges must be CLAMPED or WRAPPING, got null");
        return new AttentionPattern(textTokens, gridHeight, gridWidth, ImageAttention.CONVOLUTION, kernel, edges);
    }

    /** Plain causal attention over the whole stream: the dense baseline. */
    public static AttentionPattern causal(int textTokens, int gridHeight, int gridWidth) {
        return new AttentionPattern(textTokens, gridHeight, gridWidth, ImageAttention.CAUSAL, 0, null);
    }

    /**
     * The DALL·E layer schedule (DESIGN.md 3): layer {@code layer} (1-indexed) of {@code layers} is
     * convolutional if it is the last, else column if (layer - 2) mod 4 == 0, else row. The 64-layer
     * model has 16 column, 47 row and 1 convolutional layer.
     */
    public static ImageAttention dalleLayerKind(int layer, int layers) {
        if (layers < 1 || layer < 1 || layer > layers) {
            throw new IllegalArgumentException("dalleLayerKind: layer must be in 1.." + layers + " (1-indexed), got " + layer);
        }
        if (layer == layers) return ImageAttention.CONVOLUTION;
        return Math.floorMod(layer - 2, 4) == 0 ? ImageAttention.COLUMN : ImageAttention.ROW;
    }

    /** The pattern of DALL·E layer {@code layer} (1-indexed) of {@code layers}; its convolution is clamped with {@code kernel}. */
    public static AttentionPattern dalleLayer(int layer, int layers, int textTokens, int gridHeight, int gridWidth, int kernel) {
        return switch (dalleLayerKind(layer, layers)) {
            case ROW -> row(textTokens, gridHeight, gridWidth);
            case COLUMN -> column(textTokens, gridHeight, gridWidth);
            case CONVOLUTION -> convolution(textTokens, gridHeight, gridWidth, kernel, ConvolutionEdges.CLAMPED);
            case CAUSAL -> throw new IllegalStateException("the DALL·E schedule has no causal layer");
        };
    }

    /**
     * The mask ru-dalle's image_attention.py builds: {@code function} is get_row_mask, get_col_mask
     * or get_conv_mask (optionally prefixed by its file, "image_attention.py:get_row_mask"), on an
     * n x n grid; {@code kernel} and {@code hfVersion} ("v3" clamped, "v2" wrapping) are read for
     * the conv mask only.
     */
    public static AttentionPattern ruDalle(String function, int textTokens, int imageTokensPerDim, int kernel, String hfVersion) {
        String name = function.substring(function.lastIndexOf(':') + 1).trim();
        return switch (name) {
            case "get_row_mask" -> row(textTokens, imageTokensPerDim, imageTokensPerDim);
            case "get_col_mask" -> column(textTokens, imageTokensPerDim, imageTokensPerDim);
            case "get_conv_mask" -> convolution(textTokens, imageTokensPerDim, imageTokensPerDim, kernel, switch (String.valueOf(hfVersion)) {
                case "v3" -> ConvolutionEdges.CLAMPED;
                case "v2" -> ConvolutionEdges.WRAPPING;
                default -> throw new IllegalArgumentException("AttentionPattern.ruDalle: hf_version must be v3 (clamped) or v2 (wrapping), got " + hfVersion);
            });
            default -> throw new IllegalArgumentException("AttentionPattern.ruDalle: unknown mask function '" + function
                    + "' (expected get_row_mask, get_col_mask or get_conv_mask)");
        };
    }

    public int textTokens() { return textTokens; }

    public int gridHeight() { return gridHeight; }

    public int gridWidth() { return gridWidth; }

    public ImageAttention imageAttention() { return image; }

    /** The convolutional kernel size; 0 for the other kinds. */
    public int kernel() { return kernel; }

    /** Clamped or wrapping for a convolution; null for the other kinds. */
    public ConvolutionEdges edges() { return edges; }

    /** Sequence length T = text tokens + H*W. */
    public int length() { return textTokens + gridHeight * gridWidth; }

    /** True iff query position {@code query} may attend to key position {@code key} (both in 0..T-1). */
    public boolean visible(int query, int key) {
        if (key > query) return false;
        if (key == query || key < textTokens) return true;
        if (query < textTokens) return false;
        int dq = query - textTokens, dk = key - textTokens;
        return switch (image) {
            case CAUSAL -> true;
            case ROW -> dq - dk <= gridWidth;
            case COLUMN -> (dq - dk) % gridWidth == 0;
            case CONVOLUTION -> {
                int s = kernel / 2;
                int dr = dq / gridWidth - dk / gridWidth, dc = dq % gridWidth - dk % gridWidth;
                yield edges == ConvolutionEdges.CLAMPED
                        ? Math.abs(dr) <= s && Math.abs(dc) <= s
                        : withinOnCircle(dr, gridHeight, s) && withinOnCircle(dc, gridWidth, s);
            }
        };
    }

    /** Some shift in [-s, s] maps a coordinate onto one {@code delta} away on a circle of {@code size}. */
    private static boolean withinOnCircle(int delta, int size, int s) {
        int d = Math.floorMod(delta, size);
        return d <= s || d >= size - s;
    }

    /** The number of visible (query, key) pairs. */
    public long visiblePairs() {
        long count = 0;
        for (int i = 0, t = length(); i < t; i++) for (int j = 0; j <= i; j++) if (visible(i, j)) count++;
        return count;
    }

    /** mask [T, T] U8, mask[i, j] = 1 iff query i may attend to key j (FORMAT.md 3.5's layout). */
    public Tensor denseMask() {
        int t = length();
        byte[] bytes = new byte[t * t];
        for (int i = 0; i < t; i++) for (int j = 0; j <= i; j++) if (visible(i, j)) bytes[i * t + j] = 1;
        return BlockLayout.u8Mask(bytes, t);
    }

    /**
     * Where each kernel position reads its token: identity, except for column layers, whose image
     * tokens are taken in column-major order (the paper's transposed image states). In raster order
     * a column query block touches every earlier image key block (one key per row of the grid),
     * so nothing could be skipped; transposed, a column is a contiguous causal run, and the layout
     * is text blocks plus the diagonal band.
     */
    public int[] kernelOrder() {
        int[] order = identityOrder(length());
        if (image == ImageAttention.COLUMN) {
            for (int c = 0; c < gridWidth; c++) {
                for (int r = 0; r < gridHeight; r++) order[textTokens + c * gridHeight + r] = textTokens + r * gridWidth + c;
            }
        }
        return order;
    }

    static int[] identityOrder(int length) {
        int[] order = new int[length];
        for (int p = 0; p < length; p++) order[p] = p;
        return order;
    }

    /** The block layout the sparse kernels run on, in {@link #kernelOrder()} (column layers transposed). */
    public BlockLayout blockLayout(int blockSize) { return BlockLayout.of(this, blockSize, kernelOrder()); }

    /** The block layout in plain raster order, also for column layers (to measure what transposing saves). */
    public BlockLayout rasterBlockLayout(int blockSize) { return BlockLayout.of(this, blockSize, identityOrder(length())); }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionPattern p && p.textTokens == textTokens && p.gridHeight == gridHeight && p.gridWidth == gridWidth
                && p.image == image && p.kernel == kernel && p.edges == edges;
    }

    @Override
    public int hashCode() { return java.util.Objects.hash(textTokens, gridHeight, gridWidth, image, kernel, edges); }

    @Override
    public String toString() {
        String kind = image == ImageAttention.CONVOLUTION ? "conv" + kernel + (edges == ConvolutionEdges.CLAMPED ? "-clamped" : "-wrapping")
                : image.name().toLowerCase(java.util.Locale.ROOT);
        return kind + "(" + textTokens + " text + " + gridHeight + "x" + gridWidth + " image)";
    }
}
