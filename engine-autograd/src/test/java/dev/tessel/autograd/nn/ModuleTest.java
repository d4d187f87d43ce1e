package dev.tessel.autograd.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Module: dotted names in torch's state_dict order, state-dict load errors (missing, unexpected,
 * shape and dtype mismatch), non-strict loads, safetensors round trip, and loading the
 * PyTorch-exported dVAE decoder state dict of the golden case dvae.decoder-01 unchanged.
 */
class ModuleTest {
    /** A test container whose children are added from outside, to build trees of any shape. */
    static final class Tree extends Module {
        <M extends Module> M add(String name, M child) { return registerModule(name, child); }

        Parameter param(String name, Tensor value) { return registerParameter(name, value); }
    }

    @Test
    void namesAreDottedInStateDictOrder() {
        Random rnd = new Random(1);
        Tree root = new Tree();
        root.param("scale", Tensor.zeros(DType.F32, 1));
        Tree blocks = root.add("blocks", new Tree());
        Tree group = blocks.add("group_1", new Tree());
        Tree block = group.add("block_1", new Tree());
        block.add("id_path", new Conv2d(2, 4, 1, rnd));
        Tree res = block.add("res_path", new Tree());
        res.add("conv_1", new Conv2d(2, 1, 3, rnd));
        assertEquals(List.of("scale", "blocks.group_1.block_1.id_path.w", "blocks.group_1.block_1.id_path.b",
                "blocks.group_1.block_1.res_path.conv_1.w", "blocks.group_1.block_1.res_path.conv_1.b"),
                List.copyOf(root.namedParameters().keySet()));
        assertEquals(1 + 4 * 2 + 4 + 2 * 9 + 1, root.parameterCount());
        assertSame(res.namedParameters().get("conv_1.w").value(), root.stateDict().get("blocks.group_1.block_1.res_path.conv_1.w"),
                "the state dict holds the live tensors");
    }

    @Test
    void badNamesAndDuplicatesAreRejected() {
        Tree t = new Tree();
        t.param("a", Tensor.zeros(DType.F32, 1));
        var dup = assertThrows(IllegalArgumentException.class, () -> t.add("a", new Tree()));
        assertTrue(dup.getMessage().contains("'a'") && dup.getMessage().contains("already"), dup.getMessage());
        var dot = assertThrows(IllegalArgumentException.class, () -> t.param("x.y", Tensor.zeros(DType.F32, 1)));
        assertTrue(dot.getMessage().contains("x.y"), dot.getMessage());
    }

    @Test
    void loadErrorsNameTheKeysAndBothShapes() {
        Tree t = new Tree();
        t.add("lin", new Linear(3, 2, new Random(2)));
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("lin.weight", Tensor.zeros(DType.F32, 3, 2));
        state.put("lin.bias", Tensor.zeros(DType.F32, 2));
        var shape = assertThrows(IllegalArgumentException.class, () -> t.loadStateDict(state, true));
        assertTrue(shape.getMessage().contains("lin.weight") && shape.getMessage().contains("[3, 2]") && shape.getMessage().contains("[2, 3]"),
                shape.getMessage());
        state.put("lin.weight", Tensor.zeros(DType.F64, 2, 3));
        var dtype = assertThrows(IllegalArgumentException.class, () -> t.loadStateDict(state, true));
        assertTrue(dtype.getMessage().contains("lin.weight") && dtype.getMessage().contains("F64") && dtype.getMessage().contains("F32"),
                dtype.getMessage());
        state.put("lin.weight", Tensor.full(DType.F32, 7, 2, 3));
        state.remove("lin.bias");
        state.put("lin.extra", Tensor.zeros(DType.F32, 1));
        float[] before = t.stateDict().get("lin.weight").toFloatArray();
        var strict = assertThrows(IllegalArgumentException.class, () -> t.loadStateDict(state, true));
        assertTrue(strict.getMessage().contains("lin.bias") && strict.getMessage().contains("lin.extra"), strict.getMessage());
        assertArrayEquals(before, t.stateDict().get("lin.weight").toFloatArray(), "a failed load writes nothing");
        LoadResult r = t.loadStateDict(state, false);
        assertEquals(List.of("lin.bias"), r.missingKeys());
        assertEquals(List.of("lin.extra"), r.unexpectedKeys());
        assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, t.stateDict().get("lin.weight").toFloatArray(), "matching keys loaded");
    }

    @Test
    void saveAndLoadRoundTripThroughSafetensors(@TempDir Path dir) {
        Tree a = new Tree(), b = new Tree();
        a.add("emb", new Embedding(5, 3, new Random(3)));
        a.add("norm", new LayerNorm(3, 1e-5));
        b.add("emb", new Embedding(5, 3, new Random(4)));
        b.add("norm", new LayerNorm(3, 1e-5));
        Path file = dir.resolve("model.safetensors");
        a.save(file, Map.of("note", "round trip"));
        try (SafetensorsFile f = Safetensors.read(file)) {
            assertEquals("round trip", f.metadata().get("note"));
        }
        assertTrue(b.load(file, true).isComplete());
        for (var e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
    }

    /** The dVAE decoder skeleton of FORMAT.md 3.2, built from the golden file's attrs (parameters only). */
    private static Tree decoderSkeleton(Map<?, ?> attrs, Random rnd) {
        int nInit = num(attrs, "n_init"), nHid = num(attrs, "n_hid"), blocksPerGroup = num(attrs, "n_blk_per_group");
        int vocab = num(attrs, "vocab_size"), outChannels = num(attrs, "output_channels"), groups = num(attrs, "group_count");
        int[] widthMultiplier = {8, 4, 2, 1};
        Tree root = new Tree();
        Tree blocks = root.add("blocks", new Tree());
        blocks.add("input", new Conv2d(vocab, nInit, 1, rnd));
        int previous = nInit;
        for (int g = 1; g <= groups; g++) {
            int width = nHid * widthMultiplier[g - 1];
            Tree group = blocks.add("group_" + g, new Tree());
            for (int i = 1; i <= blocksPerGroup; i++) {
                int nIn = i == 1 ? previous : width, hidden = width / 4;
                Tree block = group.add("block_" + i, new Tree());
                if (nIn != width) block.add("id_path", new Conv2d(nIn, width, 1, rnd));
                Tree res = block.add("res_path", new Tree());
                res.add("conv_1", new Conv2d(nIn, hidden, 1, rnd));
                res.add("conv_2", new Conv2d(hidden, hidden, 3, rnd));
                res.add("conv_3", new Conv2d(hidden, hidden, 3, rnd));
                res.add("conv_4", new Conv2d(hidden, width, 3, rnd));
            }
            previous = width;
        }
        blocks.add("output", new Tree()).add("conv", new Conv2d(nHid, 2 * outChannels, 1, rnd));
        return root;
    }

    private static int num(Map<?, ?> attrs, String key) { return ((Number) attrs.get(key)).intValue(); }

    @Test
    void pytorchExportedDecoderStateDictLoadsUnchanged() throws Exception {
        Path golden = Path.of(ModuleTest.class.getResource("/golden/dvae.decoder-01.safetensors").toURI());
        try (SafetensorsFile f = Safetensors.read(golden)) {
            Map<?, ?> attrs = (Map<?, ?>) Json.parse(f.metadata().get("attrs"));
            Tree decoder = decoderSkeleton(attrs, new Random(5));
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (String name : f.names()) if (name.startsWith("param.")) state.put(name.substring("param.".length()), f.tensor(name));
            assertEquals(List.copyOf(state.keySet()), List.copyOf(decoder.namedParameters().keySet()),
                    "same keys in the same order as torch's state_dict");
            assertTrue(decoder.loadStateDict(state, true).isComplete());
            for (var e : state.entrySet()) {
                assertArrayEquals(e.getValue().toFloatArray(), decoder.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
            }
        }
    }
}
