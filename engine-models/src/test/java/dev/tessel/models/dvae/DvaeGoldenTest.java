// DvaeGoldenTest: the public dvae.encoder / dvae.decoder golden cases (copies in test resources)
// against the model, with FORMAT.md's tolerances, on both backends.
//
// Invariant: every size is read from the case (attrs and tensor shapes), as for the hidden cases.
package dev.tessel.models.dvae;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Module;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DvaeGoldenTest {
    static Stream<Arguments> backends() {
        return Stream.of(Arguments.of(Backends.cpu()), Arguments.of(Backends.reference()));
    }

    private static Path resource(String name) throws Exception {
        return Path.of(DvaeGoldenTest.class.getClassLoader().getResource("golden/" + name).toURI());
    }

    private static Map<?, ?> attrs(SafetensorsFile f) {
        return (Map<?, ?>) Json.parse(f.metadata().get("attrs"));
    }

    private static int attr(Map<?, ?> attrs, String key, int fallback) {
        return attrs.get(key) instanceof Number n ? n.intValue() : fallback;
    }

    /** Loads every param.* of the case and checks the names are exactly the model's state-dict keys. */
    private static void loadParams(SafetensorsFile f, Module model) {
        TreeSet<String> inFile = new TreeSet<>();
        for (String n : f.names()) if (n.startsWith("param.")) inFile.add(n.substring("param.".length()));
        assertEquals(inFile, new TreeSet<>(model.namedParameters().keySet()), "state-dict keys of the reference");
        Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        for (String n : inFile) state.put(n, f.tensor("param." + n));
        model.loadStateDict(state, true);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void encoderMatchesTheReference(Backend backend) throws Exception {
        try (SafetensorsFile f = Safetensors.read(resource("dvae.encoder-01.safetensors")); var s = Autograd.backend(backend)) {
            Map<?, ?> a = attrs(f);
            Tensor x = f.tensor("in.x");
            DvaeConfig config = new DvaeConfig(x.dim(2), attr(a, "input_channels", -1), attr(a, "group_count", 4),
                    attr(a, "n_blk_per_group", -1), attr(a, "n_hid", -1), 1, attr(a, "vocab_size", -1));
            DvaeEncoder encoder = new DvaeEncoder(config, new SplittableRandom(1));
            loadParams(f, encoder);
            Tensor logits;
            try (var off = Autograd.noGrad()) {
                logits = encoder.forward(Variable.constant(x)).value();
            }
            assertClose(f.tensor("out.logits"), logits, 1e-4, 1e-4);
            assertArrayEquals(f.tensor("out.argmax").toLongArray(), backend.argmax(logits, 1).toLongArray());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void decoderMatchesTheReference(Backend backend) throws Exception {
        try (SafetensorsFile f = Safetensors.read(resource("dvae.decoder-01.safetensors")); var s = Autograd.backend(backend)) {
            Map<?, ?> a = attrs(f);
            Tensor z = f.tensor("in.z");
            int groups = attr(a, "group_count", 4);
            DvaeConfig config = new DvaeConfig(z.dim(2) << (groups - 1), attr(a, "output_channels", -1), groups,
                    attr(a, "n_blk_per_group", -1), attr(a, "n_hid", -1), attr(a, "n_init", -1), attr(a, "vocab_size", -1));
            Dvae dvae = new Dvae(config, 1);
            loadParams(f, dvae.decoder());
            Tensor stats;
            try (var off = Autograd.noGrad()) {
                stats = dvae.decoder().forward(Variable.constant(z)).value();
            }
            assertClose(f.tensor("out.x_stats"), stats, 1e-4, 1e-4);
            assertClose(f.tensor("out.x_rec"), dvae.pixelsFromStats(stats), 1e-4, 1e-4);
            // decoding the ids through the one-hot path is the same computation as decoding in.z
            assertClose(f.tensor("out.x_rec"), dvae.decodeCodes(dvae.oneHotCodes(f.tensor("in.z_idx"))), 1e-4, 1e-4);
        }
    }

    static void assertClose(Tensor expected, Tensor actual, double atol, double rtol) {
        assertEquals(expected.shape(), actual.shape());
        double worst = 0;
        long at = -1;
        for (long i = 0; i < expected.numel(); i++) {
            double e = expected.getDouble(i), g = actual.getDouble(i);
            double excess = Math.abs(g - e) - (atol + rtol * Math.abs(e));
            if (!(excess <= 0) && (at < 0 || excess > worst)) {
                worst = excess;
                at = i;
            }
        }
        if (at >= 0) fail("element " + at + ": got " + actual.getDouble(at) + ", expected " + expected.getDouble(at) + " (atol " + atol + ", rtol " + rtol + ")");
    }

    @org.junit.jupiter.api.Test
    void stateDictOrderFollowsTheReferenceModules() {
        DvaeEncoder e = new DvaeEncoder(new DvaeConfig(16, 3, 3, 2, 8, 8, 16), new SplittableRandom(3));
        List<String> names = List.copyOf(e.namedParameters().keySet());
        assertEquals("blocks.input.w", names.get(0));
        assertEquals("blocks.group_1.block_1.res_path.conv_1.w", names.get(2));
        assertEquals("blocks.group_2.block_1.id_path.w", names.get(2 + 2 * 4 * 2));
        assertEquals("blocks.output.conv.b", names.getLast());
        assertFalse(names.contains("blocks.group_1.block_1.id_path.w"), "no id_path when the width does not change");
    }
}
