package dev.tessel.kernels;

import dev.tessel.kernels.cpu.CpuBackend;
import dev.tessel.kernels.reference.ReferenceBackend;

/**
 * Backend selection. The default is the fastest backend that works on this machine (today: Cpu);
 * {@code -Dtessel.backend=reference|cpu} overrides it. Backends are stateless singletons, so
 * sharing one across threads is safe.
 */
public final class Backends {
    private static final Backend REFERENCE = new ReferenceBackend();
    private static final Backend CPU = new CpuBackend();

    private Backends() {}

    public static Backend reference() { return REFERENCE; }

    public static Backend cpu() { return CPU; }

    /** The backend named by {@code -Dtessel.backend}, else the default. */
    public static Backend get() {
        String name = System.getProperty("tessel.backend");
        return name == null || name.isBlank() ? CPU : byName(name);
    }

    public static Backend byName(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "reference" -> REFERENCE;
            case "cpu" -> CPU;
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': expected reference or cpu");
        };
    }
}
