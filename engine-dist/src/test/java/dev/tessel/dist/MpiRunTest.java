package dev.tessel.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real thing: `mpirun -np 4` on loopback starts 4 JVMs on this test classpath, each talking to
 * Open MPI through MpiCommunicator (2 machines x 2 devices). One start runs the collective
 * self-test and the sharded-training checks with PowerSGD off and on (each rank checks and
 * aborts the job on a failure); a second start makes rank 2 throw and expects the job to end
 * with an error naming rank 2 rather than hang. Without mpirun the tests skip with the reason,
 * unless TESSEL_REQUIRE_MPI=1 (CI), where they fail.
 */
class MpiRunTest {
    /** A hang guard, not a speed check: 4 JVM starts plus a few tiny steps take ~5-10 s here. */
    private static final long HANG_GUARD_SECONDS = 180;

    @Test
    void collectivesAndShardedTrainingPassUnderMpirun() throws Exception {
        Run run = mpirun("all", "2");
        assertEquals(0, run.exit, run.output);
        assertTrue(run.output.contains("dist selftest: ok (world=4)"), run.output);
        assertTrue(run.output.contains("machines=2, steps=4, powersgd=off"), run.output);
        assertTrue(run.output.contains("powersgd=on"), run.output);
    }

    @Test
    void aFailingRankEndsTheJobAndIsNamed() throws Exception {
        Run run = mpirun("fail", "2");
        assertNotEquals(0, run.exit, run.output);
        assertTrue(run.output.contains("rank 2 of 4 failed"), run.output);
        // Open MPI's own "MPI_ABORT was invoked on rank 2" banner is not asserted: its show_help
        // transport sometimes drops it (ORTE_ERROR_LOG: Data unpack would read past end of buffer).
    }

    private record Run(int exit, String output) {}

    private static Run mpirun(String... job) throws IOException, InterruptedException {
        Path mpirun = findMpirun();
        List<String> cmd = new ArrayList<>(List.of(mpirun.toString(), "--allow-run-as-root", "--oversubscribe", "-np", "4",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), DistMain.class.getName()));
        cmd.addAll(List.of(job));
        // Output goes to a file, not a pipe: a full pipe would block the ranks.
        Path log = Files.createTempFile("tessel-mpirun-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                fail("mpirun " + String.join(" ", job) + " did not finish within " + HANG_GUARD_SECONDS + " s (a rank hangs): "
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Path findMpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "mpirun");
            if (Files.isExecutable(candidate)) return candidate;
        }
        String reason = "mpirun is not on PATH; install Open MPI (apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev)";
        if ("1".equals(System.getenv("TESSEL_REQUIRE_MPI"))) fail(reason + " -- TESSEL_REQUIRE_MPI=1 makes this a failure");
        Assumptions.abort(reason + "; skipping the real-MPI run (set TESSEL_REQUIRE_MPI=1 to fail instead)");
        throw new AssertionError("unreachable");
    }
}
