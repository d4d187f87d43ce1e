package dev.tessel.kernels.device;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One build of one shipped kernel file: the file name under cuda-src/kernels (shipped as the
 * resource tessel/cuda/kernels/NAME) and the -D options that specialise it (dtypes, tile sizes).
 * Two equal ProgramSources are the same binary, so DeviceApis cache builds by this key.
 *
 * <p>Invariant: OpenCL gets {@link #openClText()}: the portability header, then
 * {@code #line 1 "NAME"}, then the file with each {@code #include "x.h"} of a shipped kernel
 * header inlined between #line markers, so compiler messages point at the real file and line;
 * CUDA (NVRTC) gets the file as is, with the headers supplied under their include names
 * ({@link #headers()}).
 */
public record ProgramSource(String file, Map<String, String> defines) {
    public static final String HEADER = "tessel_portable.h";
    private static final String ROOT = "/tessel/cuda/";
    private static final Map<String, String> TEXTS = new ConcurrentHashMap<>();

    public ProgramSource {
        defines = java.util.Collections.unmodifiableMap(new TreeMap<>(defines));
    }

    public static ProgramSource of(String file, Object... keyValues) {
        if (keyValues.length % 2 != 0) throw new IllegalArgumentException("ProgramSource.of(" + file + "): defines come in name, value pairs");
        Map<String, String> d = new TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) d.put(String.valueOf(keyValues[i]), String.valueOf(keyValues[i + 1]));
        return new ProgramSource(file, d);
    }

    /** The kernel file's text (from the classpath). */
    public String fileText() { return resource("kernels/" + file); }

    /** The portability header's text. */
    public static String headerText() { return resource("include/" + HEADER); }

    private static final java.util.regex.Pattern INCLUDE = java.util.regex.Pattern.compile("^\\s*#\\s*include\\s+\"([^\"]+)\"\\s*$");

    /** The whole OpenCL C program: header, a #line reset, the kernel file with its shipped headers inlined. */
    public String openClText() {
        return headerText() + "\n#line 1 \"" + file + "\"\n" + inlineIncludes(file, fileText());
    }

    /** Include name -> text of every header the file may include: the portability header and the shipped kernel headers it names. */
    public Map<String, String> headers() {
        Map<String, String> out = new TreeMap<>();
        out.put(HEADER, headerText());
        collectIncludes(fileText(), out);
        return out;
    }

    private static void collectIncludes(String text, Map<String, String> out) {
        for (String line : text.split("\n", -1)) {
            var m = INCLUDE.matcher(line);
            if (m.matches() && !out.containsKey(m.group(1))) {
                String body = resource("kernels/" + m.group(1));
                out.put(m.group(1), body);
                collectIncludes(body, out);
            }
        }
    }

    /** Replaces each #include "x.h" (except the portability header, guarded out in OpenCL) by the header's text. */
    private static String inlineIncludes(String name, String text) {
        StringBuilder out = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            var m = INCLUDE.matcher(lines[i]);
            if (m.matches() && !m.group(1).equals(HEADER)) {
                String included = m.group(1);
                out.append("#line 1 \"").append(included).append("\"\n")
                        .append(inlineIncludes(included, resource("kernels/" + included)))
                        .append("\n#line ").append(i + 2).append(" \"").append(name).append("\"\n");
            } else {
                out.append(lines[i]).append('\n');
            }
        }
        return out.toString();
    }

    /** -DNAME=VALUE options, sorted by name (deterministic, so cache keys of the binaries are stable). */
    public List<String> defineOptions() {
        List<String> out = new ArrayList<>();
        defines.forEach((k, v) -> out.add("-D" + k + "=" + v));
        return out;
    }

    @Override public String toString() { return file + defines; }

    private static String resource(String path) {
        return TEXTS.computeIfAbsent(path, p -> {
            try (InputStream in = ProgramSource.class.getResourceAsStream(ROOT + p)) {
                if (in == null) throw new IllegalStateException("kernel source " + ROOT + p + " is not on the classpath (engine-kernels ships cuda-src as resources)");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("reading kernel source " + ROOT + p, e);
            }
        });
    }
}
