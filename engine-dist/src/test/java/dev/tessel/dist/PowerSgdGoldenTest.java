package dev.tessel.dist;

import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The golden powersgd case (a real 2-process DDP run of torch 1.13's powerSGD_hook, FORMAT.md
 * 3.10) replayed on LocalCommunicator ranks: every out.* field to FORMAT.md's powersgd tolerance
 * (atol 1e-5, rtol 1e-4), every setting read from the file.
 */
class PowerSgdGoldenTest {
    @Test
    @SuppressWarnings("unchecked")
    void replaysTorchsHookWithinTolerance() throws Exception {
        Path path = Path.of(PowerSgdGoldenTest.class.getResource("/golden/powersgd-01.safetensors").toURI());
        try (SafetensorsFile file = Safetensors.read(path)) {
            Map<String, Object> a = (Map<String, Object>) Json.parse(file.metadata().get("attrs"));
            TorchPowerSgdReplay.Settings s = new TorchPowerSgdReplay.Settings(num(a, "world_size"), num(a, "matrix_approximation_rank"),
                    num(a, "start_powerSGD_iter"), ((Number) a.get("min_compression_rate")).doubleValue(), (Boolean) a.get("use_error_feedback"),
                    (Boolean) a.get("warm_start"), ((Number) a.get("orthogonalization_epsilon")).doubleValue(), num(a, "iters"),
                    new ArrayList<>((List<String>) a.get("bucket_order")));
            Map<String, Tensor> got = TorchPowerSgdReplay.replay(s, file::tensor);
            int checked = 0;
            for (String name : file.names()) {
                if (!name.startsWith("out.")) continue;
                Tensor want = file.tensor(name), have = got.get(name);
                if (have == null) fail("replay did not produce " + name);
                assertEquals(want.shape(), have.shape(), name);
                for (long i = 0; i < want.numel(); i++) {
                    double e = want.getDouble(i), g = have.getDouble(i);
                    if (Math.abs(g - e) > 1e-5 + 1e-4 * Math.abs(e)) fail(name + "[" + i + "]: got " + g + ", torch " + e);
                }
                checked++;
            }
            assertTrue(checked > 0, "the case has no out.* fields");
            for (String name : (List<String>) a.get("compressed")) {
                assertTrue(got.containsKey("out.p.s" + s.startIter()), "compressed tensor " + name + " has no P");
            }
        }
    }

    private static int num(Map<String, Object> attrs, String key) { return ((Number) attrs.get(key)).intValue(); }
}
