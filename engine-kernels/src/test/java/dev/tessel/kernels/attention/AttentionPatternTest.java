package dev.tessel.kernels.attention;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.kernels.attention.AttentionPattern.ConvolutionEdges;
import dev.tessel.kernels.attention.AttentionPattern.ImageAttention;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The DALL·E attention patterns: every public attention.mask golden case (sizes, kernel and
 * variant read from the file) reproduced exactly; the layer schedule; and the block layout of
 * every pattern kind agreeing pair by pair with the pattern at odd sizes and block sizes,
 * including the transposed column order.
 */
class AttentionPatternTest {

    @TestFactory
    Stream<DynamicTest> everyGoldenMaskCaseIsReproduced() {
        List<Path> files = goldenFiles("attention.mask-");
        assertFalse(files.isEmpty(), "no attention.mask-* golden case in test resources");
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            try (SafetensorsFile f = Safetensors.read(p)) {
                Map<?, ?> attrs = (Map<?, ?>) Json.parse(f.metadata().get("attrs"));
                Map<?, ?> args = (Map<?, ?>) attrs.get("args");
                int text = ((Number) args.get("text_tokens")).intValue(), n = ((Number) args.get("image_tokens_per_dim")).intValue();
                int kernel = args.get("kernel") instanceof Number k ? k.intValue() : 0;
                AttentionPattern pattern = AttentionPattern.ruDalle((String) attrs.get("function"), text, n, kernel, (String) args.get("hf_version"));
                assertEquals(Boolean.TRUE.equals(attrs.get("wraps_around")), pattern.edges() == ConvolutionEdges.WRAPPING, "wraps_around");
                Tensor want = f.tensor("out.mask"), got = pattern.denseMask();
                assertEquals(want.shape(), got.shape(), "mask shape");
                assertEquals(DType.U8, got.dtype());
                int t = want.dim(0);
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < t; j++) {
                        assertEquals(want.getLong((long) i * t + j), got.getLong((long) i * t + j), pattern + ": mask[" + i + ", " + j + "]");
                    }
                }
                BlockLayout layout = pattern.blockLayout(16);
                assertEquals(visibleCount(want), layout.visiblePairs(), "the layout counts the golden mask's ones");
            }
        }));
    }

    @Test
    void dalleScheduleHas16Column47Row1ConvolutionalLayerOf64() {
        int rows = 0, columns = 0, convs = 0;
        for (int layer = 1; layer <= 64; layer++) {
            switch (AttentionPattern.dalleLayerKind(layer, 64)) {
                case ROW -> rows++;
                case COLUMN -> columns++;
                case CONVOLUTION -> convs++;
                case CAUSAL -> fail("no causal layer in the schedule");
            }
        }
        assertEquals(47, rows);
        assertEquals(16, columns);
        assertEquals(1, convs);
        assertEquals(ImageAttention.ROW, AttentionPattern.dalleLayerKind(1, 64));
        assertEquals(ImageAttention.COLUMN, AttentionPattern.dalleLayerKind(2, 64));
        assertEquals(ImageAttention.COLUMN, AttentionPattern.dalleLayerKind(6, 64));
        assertEquals(ImageAttention.CONVOLUTION, AttentionPattern.dalleLayerKind(64, 64));
        assertEquals(ImageAttention.CONVOLUTION, AttentionPattern.dalleLayer(64, 64, 4, 3, 3, 11).imageAttention());
        assertThrows(IllegalArgumentException.class, () -> AttentionPattern.dalleLayerKind(0, 64));
    }

    @Test
    void paperRowWindowIs33KeysAndConvolutionIsTheClampedBox() {
        AttentionPattern row = AttentionPattern.row(5, 32, 32);
        int q = 5 + 10 * 32 + 7;
        int seen = 0;
        for (int j = 5; j <= q; j++) if (row.visible(q, j)) seen++;
        assertEquals(33, seen, "row layer: the query and the 32 image positions before it");
        AttentionPattern conv = AttentionPattern.convolution(0, 9, 9, 5, ConvolutionEdges.CLAMPED);
        assertTrue(conv.visible(4 * 9 + 4, 2 * 9 + 6), "two rows up, two columns right");
        assertFalse(conv.visible(4 * 9 + 4, 1 * 9 + 4), "three rows up is outside a 5x5 kernel");
        AttentionPattern wrap = AttentionPattern.convolution(0, 9, 9, 5, ConvolutionEdges.WRAPPING);
        assertTrue(wrap.visible(4 * 9 + 0, 3 * 9 + 8), "wrapping: column 8 is one left of column 0");
        assertFalse(conv.visible(4 * 9 + 0, 3 * 9 + 8), "clamped: column 8 is far from column 0");
    }

    /** Odd text lengths, non-square grids, kernels 1..7, block sizes that do not divide N. */
    static List<AttentionPattern> patterns() {
        List<AttentionPattern> all = new ArrayList<>();
        int[][] sizes = {{3, 5, 7}, {1, 6, 6}, {0, 4, 9}, {13, 7, 5}};
        for (int[] s : sizes) {
            all.add(AttentionPattern.row(s[0], s[1], s[2]));
            all.add(AttentionPattern.column(s[0], s[1], s[2]));
            all.add(AttentionPattern.causal(s[0], s[1], s[2]));
            for (int kernel : new int[] {1, 3, 7}) {
                all.add(AttentionPattern.convolution(s[0], s[1], s[2], kernel, ConvolutionEdges.CLAMPED));
                all.add(AttentionPattern.convolution(s[0], s[1], s[2], kernel, ConvolutionEdges.WRAPPING));
            }
        }
        return all;
    }

    @Test
    void blockLayoutAgreesWithThePatternPairByPair() {
        for (AttentionPattern pattern : patterns()) {
            for (int blockSize : new int[] {8, 16, 40}) {
                for (BlockLayout layout : List.of(pattern.blockLayout(blockSize), pattern.rasterBlockLayout(blockSize))) {
                    int[] order = layout.order();
                    int n = pattern.length();
                    assertEquals(n, layout.length());
                    long visible = 0;
                    for (int p = 0; p < n; p++) {
                        for (int pk = 0; pk < n; pk++) {
                            boolean want = pattern.visible(order[p], order[pk]);
                            assertEquals(want, layout.visibleInKernelOrder(p, pk), layout + " at kernel (" + p + ", " + pk + ")");
                            if (want) visible++;
                        }
                    }
                    assertEquals(visible, layout.visiblePairs(), layout.toString());
                    assertEquals(pattern.visiblePairs(), visible, "a reordering keeps the pair count");
                    assertTilesClassified(layout);
                    assertMaskEquals(pattern.denseMask(), layout.denseMask(), layout.toString());
                }
            }
        }
    }

    /** Every entry is non-empty; FULL entries have every in-range pair visible, PARTIAL ones not; the CSC index lists each entry once. */
    private static void assertTilesClassified(BlockLayout layout) {
        int bs = layout.blockSize(), n = layout.length();
        int[] rowStart = layout.rowStart(), keyBlocks = layout.keyBlocks();
        for (int qb = 0; qb < layout.blocks(); qb++) {
            for (int e = rowStart[qb]; e < rowStart[qb + 1]; e++) {
                assertEquals(qb, layout.queryBlockOf(e));
                int kb = keyBlocks[e], seen = 0, area = 0;
                for (int p = qb * bs; p < Math.min(n, (qb + 1) * bs); p++) {
                    for (int pk = kb * bs; pk < Math.min(n, (kb + 1) * bs); pk++) {
                        area++;
                        if (layout.visibleInKernelOrder(p, pk)) seen++;
                    }
                }
                assertTrue(seen > 0, "an entry is never an empty tile");
                assertEquals(seen == area, layout.isFull(e), "FULL iff every pair of tile (" + qb + ", " + kb + ") is visible");
            }
        }
        int[] columnStart = layout.columnStart(), columnEntries = layout.columnEntries();
        boolean[] listed = new boolean[layout.entries()];
        for (int kb = 0; kb < layout.blocks(); kb++) {
            for (int c = columnStart[kb]; c < columnStart[kb + 1]; c++) {
                assertEquals(kb, keyBlocks[columnEntries[c]]);
                assertFalse(listed[columnEntries[c]]);
                listed[columnEntries[c]] = true;
            }
        }
        for (boolean l : listed) assertTrue(l, "every entry appears in the column index");
    }

    @Test
    void transposedColumnLayersSkipWhatRasterOrderCannot() {
        AttentionPattern column = AttentionPattern.column(64, 16, 16);
        BlockLayout transposed = column.blockLayout(16), raster = column.rasterBlockLayout(16);
        assertEquals(raster.visiblePairs(), transposed.visiblePairs());
        // 4 text blocks, then 16 image blocks: transposed, each image block sees the text and itself
        assertEquals(4 * 5 / 2 + 16 * 5, transposed.entries(), transposed.toString());
        assertEquals(20 * 21 / 2, raster.entries(), "raster order: every causal tile holds a same-column pair");
    }

    @Test
    void fromMaskRebuildsTheSameLayout() {
        AttentionPattern conv = AttentionPattern.convolution(5, 6, 7, 3, ConvolutionEdges.CLAMPED);
        BlockLayout a = conv.blockLayout(16), b = BlockLayout.fromMask(conv.denseMask(), 16);
        assertArrayEquals(a.rowStart(), b.rowStart());
        assertArrayEquals(a.keyBlocks(), b.keyBlocks());
        assertArrayEquals(a.maskOffsets(), b.maskOffsets());
        assertArrayEquals(a.maskWords(), b.maskWords());
        BlockLayout causal = BlockLayout.causal(47, 16);
        assertEquals(47L * 48 / 2, causal.visiblePairs());
        assertEquals(6, causal.entries());
        assertEquals(3, causal.fullEntries());
    }

    @Test
    void badArgumentsAreNamed() {
        var kernel = assertThrows(IllegalArgumentException.class, () -> AttentionPattern.convolution(4, 8, 8, 4, ConvolutionEdges.CLAMPED));
        assertTrue(kernel.getMessage().contains("odd"), kernel.getMessage());
        var grid = assertThrows(IllegalArgumentException.class, () -> AttentionPattern.row(4, 0, 8));
        assertTrue(grid.getMessage().contains("0x8"), grid.getMessage());
        var block = assertThrows(IllegalArgumentException.class, () -> AttentionPattern.row(4, 4, 4).blockLayout(12));
        assertTrue(block.getMessage().contains("multiple of 8"), block.getMessage());
        var fn = assertThrows(IllegalArgumentException.class, () -> AttentionPattern.ruDalle("get_diag_mask", 4, 4, 0, null));
        assertTrue(fn.getMessage().contains("get_diag_mask"), fn.getMessage());
        var version = assertThrows(IllegalArgumentException.class, () -> AttentionPattern.ruDalle("get_conv_mask", 4, 4, 3, "v9"));
        assertTrue(version.getMessage().contains("v9"), version.getMessage());
        var mask = assertThrows(IllegalArgumentException.class, () -> BlockLayout.fromMask(Tensor.zeros(DType.F32, 4, 4), 8));
        assertTrue(mask.getMessage().contains("F32"), mask.getMessage());
    }

    private static long visibleCount(Tensor mask) {
        long n = 0;
        for (long f = 0; f < mask.numel(); f++) if (mask.getLong(f) != 0) n++;
        return n;
    }

    private static void assertMaskEquals(Tensor want, Tensor got, String what) {
        assertEquals(want.shape(), got.shape(), what);
        for (long f = 0; f < want.numel(); f++) assertEquals(want.getLong(f), got.getLong(f), what + " at flat " + f);
    }

    static List<Path> goldenFiles(String prefix) {
        try {
            Path dir = Path.of(AttentionPatternTest.class.getResource("/golden").toURI());
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".safetensors")).sorted().toList();
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the golden test resources", e);
        }
    }
}
