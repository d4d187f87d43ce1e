// StageProcess: trains one demo stage in a child JVM started for it (DemoModels.StageJvm.OWN): the
// same java, JVM flags (see childJvmFlags) and class path as this process, the config handed over in a file, the
// stage's printed lines copied into this process's output and its progress bars drawn on the
// shared standard error. The child writes the stage cache; the parent then loads from it.
//
// Invariants: the parent returns only after the child exited, and throws unless it exited with 0;
// a parent that is stopped (Ctrl-C, kill) stops its child too.
package dev.tessel.models.pipeline;

import dev.tessel.models.report.ProgressBar;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A demo stage trained in a JVM of its own. */
public final class StageProcess {
    private StageProcess() {}

    /** Trains {@code stage} of {@code config} into the cache at {@code cacheRoot} in a child JVM; its output goes to {@code out}. */
    static void train(String stage, DemoConfig config, Path cacheRoot, PrintStream out) {
        Path configFile = null;
        try {
            configFile = Files.createTempFile("tessel-stage-", ".config");
            // Java serialization, not a text format: the reader is this class in the same jar, so every
            // field of the config (and of its nested records) arrives without a schema to keep in step
            try (ObjectOutputStream o = new ObjectOutputStream(Files.newOutputStream(configFile))) {
                o.writeObject(config);
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(childJvmFlags(ManagementFactory.getRuntimeMXBean().getInputArguments(), stage));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), StageProcess.class.getName(),
                    stage, configFile.toString(), cacheRoot.toAbsolutePath().toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
            // the child's standard output is a pipe, so it would draw plain progress lines: it draws what this process would
            builder.environment().put("TESSEL_PROGRESS", ProgressBar.redrawsInPlace() ? "tty" : "plain");
            Process child = builder.start();
            Thread stopChild = new Thread(child::destroy);
            Runtime.getRuntime().addShutdownHook(stopChild);
            int status;
            try (InputStream childOut = child.getInputStream()) {
                childOut.transferTo(out);
                status = child.waitFor();
            } finally {
                out.flush();
                Runtime.getRuntime().removeShutdownHook(stopChild);
            }
            if (status != 0) {
                throw new IllegalStateException("training the demo's " + stage + " stage in its own JVM failed (exit status " + status
                        + "; its error output is above): " + String.join(" ", command));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the demo's " + stage + " stage in its own JVM: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the demo's " + stage + " stage trained in its own JVM", e);
        } finally {
            if (configFile != null) {
                try {
                    Files.deleteIfExists(configFile);
                } catch (IOException ignored) {
                    // a leftover file in the temporary directory is harmless
                }
            }
        }
    }

    /**
     * This JVM's flags for the child training {@code stage}: without a debugger agent (its port is taken),
     * and a flight recording's file named after the stage ("rec.jfr" -> "rec-dvae.jfr"), since the two
     * JVMs would otherwise write one file; a stage's recording is how a slow stage is caught
     * (docs/results.md, "Each stage in a JVM of its own").
     */
    static List<String> childJvmFlags(List<String> flags, String stage) {
        return flags.stream().filter(f -> !f.startsWith("-agentlib:jdwp"))
                .map(f -> f.startsWith("-XX:StartFlightRecording") ? f.replaceAll("filename=([^,]*?)(\\.jfr)?(,|$)", "filename=$1-" + stage + ".jfr$3") : f)
                .toList();
    }

    /** The child's entry point: STAGE CONFIG-FILE CACHE-ROOT, as {@link #train} passes them. */
    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: StageProcess STAGE CONFIG-FILE CACHE-ROOT (started by the demo, one JVM per training stage)");
            System.exit(2);
        }
        try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(Path.of(args[1])))) {
            DemoConfig config = (DemoConfig) in.readObject();
            DemoModels.trainHere(args[0], config, new StageCache(Path.of(args[2])), System.out, ProgressBar::create);
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.out.flush();
        // the parent reads the status (and no thread left behind may keep this JVM alive)
        System.exit(0);
    }
}
