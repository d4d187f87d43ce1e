// A demo stage trained in a JVM of its own (StageProcess) is the stage trained in this JVM: the
// tiny preset's dVAE, trained both ways into two caches, has the same loss history.
package dev.tessel.models.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.models.report.ProgressBar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageProcessTest {
    @Test
    void aStageTrainedInItsOwnJvmMatchesTheSameStageTrainedHere(@TempDir Path dir) {
        DemoConfig config = DemoConfig.tiny();
        StageCache here = new StageCache(dir.resolve("here")), own = new StageCache(dir.resolve("own"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DemoModels.trainHere(DemoModels.STAGE_DVAE, config, here, new PrintStream(log, true, StandardCharsets.UTF_8),
                (label, total) -> new ProgressBar(label, total, new PrintStream(new ByteArrayOutputStream()), false, System::nanoTime));
        StageProcess.train(DemoModels.STAGE_DVAE, config, own.root(), new PrintStream(log, true, StandardCharsets.UTF_8));

        assertTrue(DvaeStage.entry(config, own).done(), "the child JVM marked its stage done");
        DvaeStage.Result a = DvaeStage.load(config, here, false), b = DvaeStage.load(config, own, false);
        assertEquals(config.dvaeBudget().steps(), b.report().steps(), "the tiny budget's steps, in the child as here");
        assertEquals(a.report().steps(), b.report().steps());
        assertEquals(a.losses().length, b.losses().length);
        // the same seeded steps in both JVMs; the Vector API leaves the order of a lane reduction
        // open (interpreted and compiled code may sum in another order), so equal to rounding, not bits
        for (int i = 0; i < a.losses().length; i++) assertEquals(a.losses()[i], b.losses()[i], 1e-4 * Math.abs(a.losses()[i]), "loss of step " + (i + 1));
    }

    @Test
    void aFailingChildIsAnErrorThatNamesTheStage(@TempDir Path dir) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> StageProcess.train("no-such-stage", DemoConfig.tiny(), dir, quiet));
        assertTrue(e.getMessage().contains("no-such-stage") && e.getMessage().contains("exit status 1"), e.getMessage());
    }

    @Test
    void theChildGetsThisJvmsFlagsWithoutTheDebuggerAndWithARecordingFileOfItsOwn() {
        List<String> flags = List.of("--add-modules=jdk.incubator.vector", "-Xss4m", "-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                "-XX:StartFlightRecording=filename=/tmp/rec.jfr,settings=profile", "-Dtessel.threads=2");
        assertEquals(List.of("--add-modules=jdk.incubator.vector", "-Xss4m", "-XX:StartFlightRecording=filename=/tmp/rec-prior.jfr,settings=profile",
                "-Dtessel.threads=2"), StageProcess.childJvmFlags(flags, "prior"));
        assertEquals(List.of("-XX:StartFlightRecording:settings=profile,filename=out/rec-dvae.jfr"),
                StageProcess.childJvmFlags(List.of("-XX:StartFlightRecording:settings=profile,filename=out/rec"), "dvae"), "no .jfr, last option");
        assertEquals(List.of("-XX:StartFlightRecording=duration=60s"), StageProcess.childJvmFlags(List.of("-XX:StartFlightRecording=duration=60s"), "clip"),
                "no file name: the JVM picks a unique one");
    }
}
