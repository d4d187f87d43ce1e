package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.kernels.cuda.CudaBackend;
import org.junit.jupiter.api.Test;

/**
 * Backend selection: CUDA by default exactly when its probe succeeds, else Cpu; names select
 * reference, cpu and cuda (opencl is checked in OpenClKernelTest, in the OpenCL JVM); a device
 * backend that cannot start says why; an unknown name lists the valid ones.
 */
class BackendsSelectionTest {
    @Test
    void defaultIsCudaWhereAGpuWorksElseCpu() {
        String saved = System.getProperty("tessel.backend");
        System.clearProperty("tessel.backend");
        try {
            var probe = CudaBackend.probe();
            assertEquals(probe.available() ? "cuda" : "cpu", Backends.get().name());
            System.setProperty("tessel.backend", "reference");
            assertSame(Backends.reference(), Backends.get());
        } finally {
            if (saved == null) System.clearProperty("tessel.backend");
            else System.setProperty("tessel.backend", saved);
        }
    }

    @Test
    void cudaByNameStartsOrSaysWhyNot() {
        var probe = CudaBackend.probe();
        if (probe.available()) {
            assertEquals("cuda", Backends.byName("cuda").name());
        } else {
            var e = assertThrows(IllegalStateException.class, () -> Backends.byName("cuda"));
            assertTrue(e.getMessage().startsWith("CUDA unavailable: ") && e.getMessage().lines().count() == 1, e.getMessage());
        }
    }

    @Test
    void namesAreCaseInsensitiveAndUnknownNamesListTheChoices() {
        assertSame(Backends.cpu(), Backends.byName(" CPU "));
        assertSame(Backends.reference(), Backends.byName("reference"));
        var e = assertThrows(IllegalArgumentException.class, () -> Backends.byName("tpu"));
        assertTrue(e.getMessage().contains("'tpu'") && e.getMessage().contains("reference, cpu, opencl or cuda"), e.getMessage());
    }
}
