package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tessel.kernels.opencl.OpenClBackend;

/**
 * How OpenCL tests get their backend: the probe's backend, or — when no OpenCL platform works —
 * a skip with the probe's reason, except under TESSEL_REQUIRE_OPENCL=1 (set by .ci/run), where
 * a missing platform is a failure: in CI the kernels must really run.
 *
 * <p>Invariant: OpenCL tests (classes named OpenCl*Test) run in their own forked JVM (surefire
 * execution "opencl-tests" of engine-kernels), since a kernel bug can crash PoCL.
 */
final class OpenClTestSupport {
    private OpenClTestSupport() {}

    static OpenClBackend backend() {
        var probe = OpenClBackend.probe();
        if (!probe.available()) {
            if ("1".equals(System.getenv("TESSEL_REQUIRE_OPENCL"))) fail("TESSEL_REQUIRE_OPENCL=1 but " + probe.reason());
            assumeTrue(false, probe.reason() + " (install pocl-opencl-icd to run the OpenCL kernel tests)");
        }
        return probe.backend();
    }
}
