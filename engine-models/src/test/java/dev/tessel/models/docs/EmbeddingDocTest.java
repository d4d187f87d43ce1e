package dev.tessel.models.docs;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/embedding.md cannot rot: its ```java block is compiled against this module's test class
 * path and run, and the checkpoint it writes must hold the tensors the page names.
 */
class EmbeddingDocTest {
    private static final Path DOC = Path.of("..", "docs", "embedding.md");

    @Test
    void theExampleCompilesTrainsAndSavesACheckpoint(@TempDir Path dir) throws Exception {
        String markdown = Files.readString(DOC);
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
        assertTrue(block.find(), DOC + " has no ```java block");
        String source = block.group(1);
        Matcher className = Pattern.compile("public class (\\w+)").matcher(source);
        assertTrue(className.find(), "the example declares no public class");
        Path file = dir.resolve(className.group(1) + ".java");
        Files.writeString(file, source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = javac.run(null, diagnostics, diagnostics, "--add-modules", "jdk.incubator.vector", "-classpath",
                System.getProperty("java.class.path"), "-d", dir.toString(), file.toString());
        assertEquals(0, status, "the example in " + DOC + " does not compile:\n" + diagnostics);

        Path checkpoint = dir.resolve("sine.safetensors");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass(className.group(1)).getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true));
            main.invoke(null, (Object) new String[] {checkpoint.toString()});
        } finally {
            System.setOut(saved);
        }

        // "mse: A -> B": training must have lowered the loss clearly (300 AdamW steps on a 1-D fit)
        Matcher mse = Pattern.compile("mse: ([0-9.]+) -> ([0-9.]+)").matcher(printed.toString());
        assertTrue(mse.find(), "the example printed no loss line: " + printed);
        assertTrue(Double.parseDouble(mse.group(2)) < 0.25 * Double.parseDouble(mse.group(1)), printed.toString());
        try (SafetensorsFile f = Safetensors.read(checkpoint)) {
            assertEquals(Set.of("hidden.weight", "hidden.bias", "output.weight", "output.bias"), Set.copyOf(f.names()));
            assertArrayEquals(new int[] {32, 1}, f.tensor("hidden.weight").shape().toArray());
        }
    }
}
