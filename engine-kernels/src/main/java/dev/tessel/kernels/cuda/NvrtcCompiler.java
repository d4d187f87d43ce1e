package dev.tessel.kernels.cuda;

import static jcuda.nvrtc.JNvrtc.*;

import dev.tessel.kernels.device.ProgramSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import jcuda.nvrtc.nvrtcProgram;

/**
 * Compiles a shipped kernel source to PTX at run time with NVRTC (the CUDA version installed
 * with the user's driver, no toolkit needed) for the device's architecture, and caches the PTX on
 * disk under {@code -Dtessel.cuda.cache} (default ~/.cache/tessel/cuda), keyed by a SHA-256 of
 * everything that decides the output: NVRTC version, architecture, options, header and source.
 *
 * <p>Invariant: a cache file is written atomically (temp file, then move), so a crashed or
 * concurrent compile never leaves a truncated PTX that a later run would load.
 */
final class NvrtcCompiler {
    private final int computeCapability;   // e.g. 80 for sm_80
    private final Path cacheDir;
    private final String nvrtcVersion;

    NvrtcCompiler(int computeCapability) {
        this.computeCapability = computeCapability;
        this.cacheDir = Path.of(System.getProperty("tessel.cuda.cache", System.getProperty("user.home") + "/.cache/tessel/cuda"));
        int[] major = new int[1], minor = new int[1];
        nvrtcVersion(major, minor);
        this.nvrtcVersion = major[0] + "." + minor[0];
    }

    String version() { return nvrtcVersion; }

    List<String> options(ProgramSource source) {
        List<String> options = new ArrayList<>();
        options.add("--gpu-architecture=compute_" + computeCapability);
        options.add("--std=c++17");
        // No implicit a*b+c contraction, as in Java and in OpenCL (FP_CONTRACT OFF in the header):
        // kernels that want a fused multiply-add write FMAF.
        options.add("--fmad=false");
        options.addAll(source.defineOptions());
        return options;
    }

    /** PTX text of {@code source} for this device, from the cache when present. */
    String ptx(ProgramSource source) {
        List<String> options = options(source);
        String key = sha256(nvrtcVersion + "\n" + options + "\n" + source.headers() + "\n" + source.fileText());
        Path cached = cacheDir.resolve(source.file().replace(".cu", "") + "-" + key.substring(0, 24) + ".ptx");
        try {
            if (Files.isRegularFile(cached)) return Files.readString(cached, StandardCharsets.UTF_8);
        } catch (IOException unreadable) {
            // An unreadable cache entry is recompiled and rewritten below.
        }
        String ptx = compile(source, options);
        try {
            Files.createDirectories(cacheDir);
            Path tmp = Files.createTempFile(cacheDir, "ptx", ".tmp");
            Files.writeString(tmp, ptx, StandardCharsets.UTF_8);
            Files.move(tmp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("tessel: could not cache PTX in " + cacheDir + " (" + e.getMessage() + "); compiling again next run");
        }
        return ptx;
    }

    private static String compile(ProgramSource source, List<String> options) {
        nvrtcProgram program = new nvrtcProgram();
        var headers = source.headers();
        nvrtcCreateProgram(program, source.fileText(), source.file(), headers.size(),
                headers.values().toArray(String[]::new), headers.keySet().toArray(String[]::new));
        try {
            try {
                nvrtcCompileProgram(program, options.size(), options.toArray(String[]::new));
            } catch (RuntimeException e) {
                String[] log = new String[1];
                nvrtcGetProgramLog(program, log);
                throw new IllegalStateException("NVRTC compile of " + source + " failed, options " + options + ":\n" + log[0], e);
            }
            String[] ptx = new String[1];
            nvrtcGetPTX(program, ptx);
            return ptx[0];
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
