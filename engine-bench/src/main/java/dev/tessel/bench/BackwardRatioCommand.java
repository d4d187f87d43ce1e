// BackwardRatioCommand: `bench backward-ratio`: the backward/forward cost ratio of AutogradBench's
// nets measured in thread CPU time, alternating forward-only and forward+backward windows, for a
// machine too loaded for JMH's wall-clock numbers to mean anything (the target: backward <= 3x
// forward, issue 3).
//
// Invariant: runs with tessel.threads=1, so every kernel runs on the calling thread and its CPU
// time is the work; backward = (forward+backward) - forward, per round; the median over rounds
// is quoted as the last line, `ratio <net>: <median>`.
package dev.tessel.bench;

import dev.tessel.autograd.Autograd;
import dev.tessel.kernels.Backends;
import dev.tessel.kernels.cpu.CpuThreads;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/** Backward-to-forward CPU-time ratio of the AutogradBench nets. */
public final class BackwardRatioCommand {
    private static final String USAGE = """
            usage: bench backward-ratio [--net mlp-64-32|mlp-512-256|conv-32-32-8|all] [--rounds R] [--seconds S]
              Alternates S-second windows (thread CPU time) of forward-only and forward+backward passes of
              AutogradBench's nets on one thread; prints per-round times and the median backward/forward ratio.
              defaults: --net all --rounds 5 --seconds 1""";

    private BackwardRatioCommand() {}

    public static int run(String[] args) {
        String nets = "all";
        int rounds = 5;
        double seconds = 1;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    System.out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + a);
                String v = args[++i];
                switch (a) {
                    case "--net" -> nets = v;
                    case "--rounds" -> rounds = Integer.parseInt(v);
                    case "--seconds" -> seconds = Double.parseDouble(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (rounds < 3 || !(seconds > 0)) throw new IllegalArgumentException("need --rounds >= 3 and --seconds > 0");
        } catch (IllegalArgumentException e) {
            System.err.println("bench backward-ratio: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        System.setProperty("tessel.threads", "1");
        if (CpuThreads.threads() != 1) {
            System.err.println("bench backward-ratio: the Cpu pool already runs " + CpuThreads.threads() + " threads; start a new JVM");
            return 2;
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long window = (long) (seconds * 1e9);
        for (String net : nets.equals("all") ? new String[] {"mlp-64-32", "mlp-512-256", "conv-32-32-8"} : new String[] {nets}) {
            AutogradBench b = new AutogradBench();
            b.net = net;
            b.setup();
            double[] ratios = new double[rounds];
            try (var cpu = Autograd.backend(Backends.cpu())) {
                for (int r = -1; r < rounds; r++) {      // round -1 warms the JIT up and is not counted
                    double forward = perCall(mx, window, () -> b.loss());
                    double both = perCall(mx, window, () -> {
                        b.zeroGrad();
                        b.loss().backward();
                    });
                    if (r < 0) continue;
                    ratios[r] = (both - forward) / forward;
                    System.out.printf(Locale.ROOT, "%s round %d: forward %.1f us, forward+backward %.1f us, backward/forward %.2f%n",
                            net, r + 1, forward / 1e3, both / 1e3, ratios[r]);
                }
            }
            double[] sorted = ratios.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "ratio %s: %.2f%n", net, sorted[rounds / 2]);
        }
        return 0;
    }

    /** Mean thread-CPU nanoseconds per call of {@code body} over a window of at least {@code window} ns (and 3 calls). */
    private static double perCall(ThreadMXBean mx, long window, Runnable body) {
        long t0 = mx.getCurrentThreadCpuTime();
        int calls = 0;
        while (calls < 3 || mx.getCurrentThreadCpuTime() - t0 < window) {
            body.run();
            calls++;
        }
        return (double) (mx.getCurrentThreadCpuTime() - t0) / calls;
    }
}
