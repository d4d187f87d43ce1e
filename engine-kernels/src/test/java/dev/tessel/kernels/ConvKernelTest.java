package dev.tessel.kernels;

import dev.tessel.kernels.cpu.CpuBackend;
import dev.tessel.kernels.reference.ReferenceBackend;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Cpu convolution, pooling and upsampling against the Reference oracle (every float dtype, odd
 * and non-square shapes, k = 1..7, strided views, with and without bias), and both backends
 * against the PyTorch golden cases conv2d-*.safetensors (forward and all three gradients).
 *
 * <p>Invariant: every size comes from the case or from the parameter list; no expected value is
 * typed in. Tolerances: F64 is the same sum in another order (1e-12); F32 follows FORMAT.md
 * section 2 for conv2d (atol 1e-5, rtol 1e-4); F16/BF16 results may differ from the double
 * reference by one rounding of the output dtype (the Cpu path rounds a float sum, the reference
 * a double sum), so rtol is that dtype's unit roundoff times two.
 */
class ConvKernelTest {
    private static final Backend REF = new ReferenceBackend();
    private static final Backend CPU = new CpuBackend();
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    // ---------------------------------------------------------------- helpers

    private static Tensor random(DType dtype, long seed, int... dims) {
        Random r = new Random(seed);
        double[] v = new double[(int) Tensor.zeros(DType.U8, dims).numel()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian();
        return Tensor.fromDoubles(dtype, v, dims);
    }

    /** The same values as random(dtype, seed, [B,C,H,W]) but as a permuted, non-contiguous view. */
    private static Tensor randomImageView(DType dtype, long seed, int b, int c, int h, int w) {
        Tensor dense = random(dtype, seed, b, c, h, w);
        Tensor bhcw = Tensor.zeros(dtype, b, h, c, w);
        bhcw.permute(0, 2, 1, 3).copyFrom(dense);
        Tensor view = bhcw.permute(0, 2, 1, 3);
        assertFalse(view.isContiguous());
        return view;
    }

    /** A [n] view with stride 2 (every other element of a [n, 2] tensor). */
    private static Tensor stridedVector(DType dtype, long seed, int n) {
        Tensor pairs = random(dtype, seed, n, 2);
        Tensor view = pairs.permute(1, 0).slice(0, 0, 1).squeeze(0);
        assertFalse(view.isContiguous());
        return view;
    }

    private static double atol(DType d) { return d == DType.F64 ? 1e-12 : 1e-5; }

    private static double rtol(DType d) {
        return switch (d) {
            case F64 -> 1e-12;
            case F32 -> 1e-4;
            case F16 -> 2 * Math.pow(2, -11);
            default -> 2 * Math.pow(2, -8);
        };
    }

    private static void assertClose(String what, Tensor expected, Tensor got, double atol, double rtol) {
        assertEquals(expected.shape(), got.shape(), what + ": shape");
        assertEquals(expected.dtype(), got.dtype(), what + ": dtype");
        long n = expected.numel();
        int bad = 0;
        StringBuilder firstBad = new StringBuilder();
        for (long i = 0; i < n; i++) {
            double e = expected.getDouble(i), g = got.getDouble(i);
            if (!(Math.abs(g - e) <= atol + rtol * Math.abs(e))) {
                if (bad++ < 5) firstBad.append(String.format(" [%d] expected %.9g got %.9g;", i, e, g));
            }
        }
        assertEquals(0, bad, what + ": " + bad + " of " + n + " elements off:" + firstBad);
    }

    /**
     * Too few (image, tile) tasks to share out (batch 1 or 3 on 2+ threads): the tasks run on the
     * calling thread and each GEMM forks, so the im2col scratch is read by pool threads. This
     * crashed with WrongThreadException while the scratch came from a confined arena.
     */
    @org.junit.jupiter.api.Test
    void fewImagesWithAWideKernelForkTheirGemms() {
        for (int batch : new int[] {1, 3}) {
            // 24 -> 32 channels: wider than DirectConv.NARROW on both sides, so the GEMM path runs
            Tensor x = random(DType.F32, 70 + batch, batch, 24, 32, 31), w = random(DType.F32, 71, 32, 24, 3, 3), g = random(DType.F32, 72, batch, 32, 32, 31);
            // each output sums 216-288 products of unit normals (|terms| adding up to ~200): float32
            // rounding reaches ~2e-5 absolute where they cancel to near zero, hence atol 5e-5
            assertClose("conv2d batch " + batch, REF.conv2d(x, w, null), CPU.conv2d(x, w, null), 5e-5, 1e-4);
            assertClose("backward input batch " + batch, REF.conv2dBackwardInput(g, w), CPU.conv2dBackwardInput(g, w), 5e-5, 1e-4);
            // the weight gradient sums over B·H·W = up to 2976 products
            assertClose("backward weight batch " + batch, REF.conv2dBackwardWeight(x, g, 3), CPU.conv2dBackwardWeight(x, g, 3), 5e-4, 1e-4);
        }
    }

    private static void assertClose(String what, Tensor expected, Tensor got) {
        assertClose(what, expected, got, atol(expected.dtype()), rtol(expected.dtype()));
    }

    // ---------------------------------------------------------------- Cpu vs Reference

    static Stream<Arguments> convCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int k : new int[] {1, 3, 5, 7}) {
            for (DType d : new DType[] {DType.F32, DType.F64}) {
                cases.add(Arguments.of(d, 2, 3, 5, 7, 9, k));
            }
        }
        // the Cpu tiling: more than 1024 output pixels (a tile boundary mid-row), more than 256
        // im2col rows (two depth slabs), a lone image, and 3 tasks on 2 threads
        cases.add(Arguments.of(DType.F32, 1, 6, 2, 33, 35, 7));
        cases.add(Arguments.of(DType.F32, 2, 30, 3, 8, 5, 3));
        cases.add(Arguments.of(DType.F32, 3, 5, 2, 17, 33, 1));
        cases.add(Arguments.of(DType.F16, 2, 3, 5, 7, 9, 3));
        // narrow 3x3 layers take DirectConv: a partial block of 4 output channels, widths that are
        // not a whole vector, one image, a wide input with a narrow output and the reverse
        cases.add(Arguments.of(DType.F32, 2, 4, 4, 8, 8, 3));
        cases.add(Arguments.of(DType.F32, 3, 5, 3, 7, 9, 3));
        cases.add(Arguments.of(DType.F32, 1, 3, 17, 5, 33, 3));
        cases.add(Arguments.of(DType.F32, 2, 24, 6, 9, 17, 3));
        cases.add(Arguments.of(DType.F32, 2, 6, 24, 16, 16, 3));
        // both sides wider than DirectConv.NARROW: 3x3 through im2col + GEMM
        cases.add(Arguments.of(DType.F32, 2, 20, 24, 9, 11, 3));
        cases.add(Arguments.of(DType.BF16, 2, 3, 5, 9, 7, 5));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} B={1} Cin={2} Cout={3} H={4} W={5} k={6}")
    @MethodSource("convCases")
    void conv2dForwardAndGradientsMatchReference(DType d, int b, int cin, int cout, int h, int w, int k) {
        long seed = 1000L * k + h * 31L + w;
        Tensor weight = random(d, seed + 1, cout, cin, k, k);
        Tensor bias = random(d, seed + 2, cout);
        for (boolean view : new boolean[] {false, true}) {
            Tensor x = view ? randomImageView(d, seed, b, cin, h, w) : random(d, seed, b, cin, h, w);
            Tensor gradOut = view ? randomImageView(d, seed + 3, b, cout, h, w) : random(d, seed + 3, b, cout, h, w);
            Tensor viewBias = view ? stridedVector(d, seed + 4, cout) : bias;
            String tag = d + " k=" + k + (view ? " (views)" : "");
            assertClose("conv2d " + tag, REF.conv2d(x, weight, viewBias), CPU.conv2d(x, weight, viewBias));
            assertClose("conv2d no bias " + tag, REF.conv2d(x, weight, null), CPU.conv2d(x, weight, null));
            assertClose("conv2dBackwardInput " + tag, REF.conv2dBackwardInput(gradOut, weight), CPU.conv2dBackwardInput(gradOut, weight));
            assertClose("conv2dBackwardWeight " + tag, REF.conv2dBackwardWeight(x, gradOut, k), CPU.conv2dBackwardWeight(x, gradOut, k));
        }
    }

    @Test
    void weightViewIsAccepted() {
        // a weight that is a slice of a larger one, hence non-contiguous in its leading axes
        Tensor big = random(DType.F32, 7, 4, 6, 3, 3);
        Tensor weight = big.slice(1, 1, 4);
        assertFalse(weight.isContiguous());
        Tensor x = random(DType.F32, 8, 2, 3, 5, 7);
        assertClose("conv2d sliced weight", REF.conv2d(x, weight, null), CPU.conv2d(x, weight, null));
        Tensor g = random(DType.F32, 9, 2, 4, 5, 7);
        assertClose("backward input sliced weight", REF.conv2dBackwardInput(g, weight), CPU.conv2dBackwardInput(g, weight));
    }

    static Stream<DType> floatDtypes() { return Stream.of(DType.F64, DType.F32, DType.F16, DType.BF16); }

    @ParameterizedTest
    @MethodSource("floatDtypes")
    void poolAndUpsampleMatchReference(DType d) {
        for (boolean view : new boolean[] {false, true}) {
            Tensor x = view ? randomImageView(d, 21, 2, 3, 6, 10) : random(d, 21, 2, 3, 6, 10);
            Tensor gPool = view ? randomImageView(d, 22, 2, 3, 3, 5) : random(d, 22, 2, 3, 3, 5);
            Tensor small = view ? randomImageView(d, 23, 2, 3, 5, 7) : random(d, 23, 2, 3, 5, 7);
            Tensor gUp = view ? randomImageView(d, 24, 2, 3, 10, 14) : random(d, 24, 2, 3, 10, 14);
            String tag = d + (view ? " (views)" : "");
            assertClose("maxPool2x2 " + tag, REF.maxPool2x2(x), CPU.maxPool2x2(x));
            assertClose("maxPool2x2Backward " + tag, REF.maxPool2x2Backward(x, gPool), CPU.maxPool2x2Backward(x, gPool));
            assertClose("upsampleNearest2x " + tag, REF.upsampleNearest2x(small), CPU.upsampleNearest2x(small));
            assertClose("upsampleNearest2xBackward " + tag, REF.upsampleNearest2xBackward(gUp), CPU.upsampleNearest2xBackward(gUp));
        }
    }

    @Test
    void maxPoolGradientGoesToTheFirstMaximumOfEachWindow() {
        // every window holds two equal maxima; the gradient must land on the earlier one in row-major order
        double[] v = new double[2 * 4 * 6];
        Random r = new Random(5);
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(3);
        Tensor x = Tensor.fromDoubles(DType.F32, v, 1, 2, 4, 6);
        Tensor g = random(DType.F32, 6, 1, 2, 2, 3);
        for (Backend be : new Backend[] {REF, CPU}) {
            Tensor gx = be.maxPool2x2Backward(x, g);
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        int first = -1;
                        for (int q = 0; q < 4; q++) {
                            int at = (p * 4 + 2 * i + q / 2) * 6 + 2 * j + q % 2;
                            if (first < 0 || v[at] > v[first]) first = at;
                        }
                        for (int q = 0; q < 4; q++) {
                            int at = (p * 4 + 2 * i + q / 2) * 6 + 2 * j + q % 2;
                            double want = at == first ? g.getDouble((p * 2 + i) * 3 + j) : 0;
                            assertEquals(want, gx.getDouble(at), 0, be.name() + " window " + p + "," + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void badShapesAreNamedInTheError() {
        for (Backend be : new Backend[] {REF, CPU}) {
            Tensor odd = Tensor.zeros(DType.F32, 1, 2, 5, 4);
            var e = assertThrows(IllegalArgumentException.class, () -> be.maxPool2x2(odd));
            assertTrue(e.getMessage().contains("maxPool2x2") && e.getMessage().contains("[1, 2, 5, 4]"), e.getMessage());
            Tensor oddW = Tensor.zeros(DType.F32, 1, 2, 4, 3);
            e = assertThrows(IllegalArgumentException.class, () -> be.upsampleNearest2xBackward(oddW));
            assertTrue(e.getMessage().contains("upsampleNearest2xBackward") && e.getMessage().contains("[1, 2, 4, 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> be.maxPool2x2Backward(Tensor.zeros(DType.F32, 1, 2, 4, 4), Tensor.zeros(DType.F32, 1, 2, 3, 2)));
            assertTrue(e.getMessage().contains("maxPool2x2Backward") && e.getMessage().contains("[1, 2, 3, 2]"), e.getMessage());

            Tensor x = Tensor.zeros(DType.F32, 2, 3, 5, 5);
            Tensor wrongCin = Tensor.zeros(DType.F32, 4, 2, 3, 3);
            e = assertThrows(IllegalArgumentException.class, () -> be.conv2d(x, wrongCin, null));
            assertTrue(e.getMessage().contains("conv2d") && e.getMessage().contains("[2, 3, 5, 5]") && e.getMessage().contains("[4, 2, 3, 3]"), e.getMessage());
            Tensor evenK = Tensor.zeros(DType.F32, 4, 3, 2, 2);
            e = assertThrows(IllegalArgumentException.class, () -> be.conv2d(x, evenK, null));
            assertTrue(e.getMessage().contains("[4, 3, 2, 2]"), e.getMessage());
            Tensor f64Weight = Tensor.zeros(DType.F64, 4, 3, 3, 3);
            e = assertThrows(IllegalArgumentException.class, () -> be.conv2d(x, f64Weight, null));
            assertTrue(e.getMessage().contains("F64") && e.getMessage().contains("F32"), e.getMessage());
            Tensor w = Tensor.zeros(DType.F32, 4, 3, 3, 3);
            e = assertThrows(IllegalArgumentException.class, () -> be.conv2d(x, w, Tensor.zeros(DType.F32, 5)));
            assertTrue(e.getMessage().contains("bias") && e.getMessage().contains("[5]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> be.conv2dBackwardInput(Tensor.zeros(DType.F32, 2, 3, 5, 5), w));
            assertTrue(e.getMessage().contains("conv2dBackwardInput"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> be.conv2dBackwardWeight(x, Tensor.zeros(DType.F32, 2, 4, 5, 6), 3));
            assertTrue(e.getMessage().contains("conv2dBackwardWeight") && e.getMessage().contains("[2, 4, 5, 6]"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- golden cases (PyTorch)

    static Stream<Path> goldenCases() throws IOException {
        if (!Files.isDirectory(GOLDEN)) return Stream.empty();
        try (var files = Files.list(GOLDEN)) {
            return files.filter(p -> p.getFileName().toString().matches("conv2d-.*\\.safetensors")).sorted().toList().stream();
        }
    }

    @Test
    void goldenCasesArePresent() throws IOException {
        assumeTrue(Files.isDirectory(GOLDEN), "golden directory " + GOLDEN + " not on this machine");
        assertTrue(goldenCases().findAny().isPresent(), "no conv2d-*.safetensors in " + GOLDEN);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void goldenConv2dCase(Path file) throws IOException {
        Map<String, Tensor> t = readSafetensors(file);
        Tensor x = t.get("in.x"), weight = t.get("param.weight"), bias = t.get("param.bias"), upstream = t.get("in.w");
        int k = weight.dim(2);
        // FORMAT.md section 2, conv2d: atol 1e-5, rtol 1e-4 (the weight gradient sums over B*H*W)
        double atol = 1e-5, rtol = 1e-4;
        for (Backend be : new Backend[] {REF, CPU}) {
            String tag = file.getFileName() + " " + be.name();
            assertClose(tag + " out.y", t.get("out.y"), be.conv2d(x, weight, bias), atol, rtol);
            assertClose(tag + " grad.x", t.get("grad.x"), be.conv2dBackwardInput(upstream, weight), atol, rtol);
            assertClose(tag + " grad.weight", t.get("grad.weight"), be.conv2dBackwardWeight(x, upstream, k), atol, rtol);
        }
        // the bias gradient is the sum of the upstream gradient over B, H, W
        int b = upstream.dim(0), cout = upstream.dim(1), hw = upstream.dim(2) * upstream.dim(3);
        double[] gb = new double[cout];
        for (int i = 0; i < upstream.numel(); i++) gb[(i / hw) % cout] += upstream.getDouble(i);
        assertEquals(b * cout * hw, upstream.numel());
        assertClose(file.getFileName() + " grad.bias", t.get("grad.bias"), Tensor.fromDoubles(DType.F32, gb, cout), atol, rtol);
    }

    private static final Pattern ENTRY = Pattern.compile(
            "\"([^\"]+)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"(\\w+)\"\\s*,\\s*\"shape\"\\s*:\\s*\\[([0-9,\\s]*)]\\s*,\\s*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]\\s*}");

    /** A minimal safetensors reader for the F32 tensors of a golden case (FORMAT.md section 1). */
    private static Map<String, Tensor> readSafetensors(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Math.toIntExact(bytes.getLong(0));
        String header = new String(bytes.array(), 8, headerLength, StandardCharsets.UTF_8);
        int dataStart = 8 + headerLength;
        Map<String, Tensor> out = new HashMap<>();
        Matcher m = ENTRY.matcher(header);
        while (m.find()) {
            if (!m.group(2).equals("F32")) continue;
            String dimsText = m.group(3).trim();
            int[] dims = dimsText.isEmpty() ? new int[0]
                    : Stream.of(dimsText.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            int begin = Integer.parseInt(m.group(4)), end = Integer.parseInt(m.group(5));
            float[] v = new float[(end - begin) / 4];
            for (int i = 0; i < v.length; i++) v[i] = bytes.getFloat(dataStart + begin + 4 * i);
            out.put(m.group(1), Tensor.of(v, dims));
        }
        for (String name : List.of("in.x", "param.weight", "param.bias", "in.w", "out.y", "grad.x", "grad.weight", "grad.bias")) {
            assertTrue(out.containsKey(name), file + " lacks F32 tensor " + name);
        }
        return out;
    }
}
