// DistCommand: the `./tessel dist` sub-commands (selftest, train, timeline), run either as
// threads in this JVM (--dist local) or as one rank of an mpirun job (--dist mpi).
//
// Invariants: under --dist mpi every rank parses the same arguments and runs the same job inside
// MpiCommunicator.runWorld (so a failing rank aborts the job); only rank 0 prints results.
// Usage errors print one line plus the usage and return 2 before any rank communicates.
package dev.tessel.dist;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Entry points of {@code ./tessel dist selftest|train|timeline}; each returns an exit status. */
public final class DistCommand {
    private static final String COMMON = String.join("\n",
            "  --dist local|mpi            threads in this JVM, or this process is one rank of an mpirun job",
            "                              (default: mpi when started by mpirun, else local)",
            "  --ranks N                   local only: number of thread ranks (default 4)",
            "  --devices-per-machine D     ranks per machine; world = machines x D (default 2)");
    private static final String SELFTEST = "usage: dist selftest [options]\n  Exercises every collective (F32, F64, F16, 1-6-9) on the world,"
            + " its machine groups and its same-ordinal groups;\n  rank 0 prints 'dist selftest: ok (world=N)'.\n" + COMMON
            + "\n  e.g. mpirun --allow-run-as-root --oversubscribe -np 4 ./tessel dist selftest";
    private static final String TRAIN = "usage: dist train [options] [--steps S] [--powersgd-rank R]\n  Trains a 3-block MlpResblock stack with"
            + " parameters sharded per machine and checks it:\n  PowerSGD off (R = 0, default): equal to single-process training to fp32 round-off;\n"
            + "  PowerSGD rank R: the loss falls and error feedback loses no gradient.\n" + COMMON
            + "\n  --steps S                   training steps (default 5)";
    private static final String TIMELINE = "usage: dist timeline [options] [--width W] [--hidden H] [--blocks B] [--batch N] [--steps S] [--out FILE.png]\n"
            + "  Trains W x H MLP resblocks sharded per machine with prefetch off, then on; prints step, all-gather\n"
            + "  and waited time and the fraction of all-gather time hidden; draws rank 0's last steps as a PNG.\n" + COMMON
            + "\n  --steps S: measured steps per mode, alternating off/on after 2 warm-up steps"
            + "\n  defaults: --width 256 --hidden 1024 --blocks 6 --batch 32 --steps 4 --out sharding-timeline.png";

    private DistCommand() {}

    public static int selftest(String[] args) {
        Map<String, String> o = parse("selftest", SELFTEST, args, Set.of());
        if (o == null) return helpAsked(args) ? 0 : 2;
        int devices = integer(o, "devices-per-machine", 2);
        return launch(o, world -> DistSelftest.run(world, devices, System.out));
    }

    public static int train(String[] args) {
        Map<String, String> o = parse("train", TRAIN, args, Set.of("steps", "powersgd-rank"));
        if (o == null) return helpAsked(args) ? 0 : 2;
        int devices = integer(o, "devices-per-machine", 2), steps = integer(o, "steps", 5), rank = integer(o, "powersgd-rank", 0);
        return launch(o, world -> ShardedTrainingCheck.run(world, devices, steps, rank, System.out));
    }

    public static int timeline(String[] args) {
        Map<String, String> o = parse("timeline", TIMELINE, args, Set.of("width", "hidden", "blocks", "batch", "steps", "out"));
        if (o == null) return helpAsked(args) ? 0 : 2;
        ShardingTimeline.Setup s = new ShardingTimeline.Setup(integer(o, "devices-per-machine", 2), integer(o, "width", 256),
                integer(o, "hidden", 1024), integer(o, "blocks", 6), integer(o, "batch", 32), integer(o, "steps", 4),
                Path.of(o.getOrDefault("out", "sharding-timeline.png")));
        return launch(o, world -> ShardingTimeline.run(world, s, System.out));
    }

    private static int launch(Map<String, String> o, LocalCommunicator.RankBody body) {
        String dist = o.getOrDefault("dist", System.getenv("OMPI_COMM_WORLD_SIZE") != null ? "mpi" : "local");
        switch (dist) {
            case "mpi" -> MpiCommunicator.runWorld(body);
            case "local" -> LocalCommunicator.launch(integer(o, "ranks", 4), body);
            default -> throw new IllegalArgumentException("dist: --dist must be local or mpi, not '" + dist + "'");
        }
        return 0;
    }

    private static boolean helpAsked(String[] args) {
        for (String a : args) if (a.equals("--help") || a.equals("-h")) return true;
        return false;
    }

    /** --name value pairs and checked integers; null after printing help, or after printing a usage error (exit 2). */
    private static Map<String, String> parse(String command, String usage, String[] args, Set<String> extra) {
        try {
            Map<String, String> o = pairs(command, usage, args, extra);
            if (o != null) for (String k : o.keySet()) if (!k.equals("dist") && !k.equals("out")) integer(o, k, 0);
            return o;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return null;
        }
    }

    private static Map<String, String> pairs(String command, String usage, String[] args, Set<String> extra) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--help") || flag.equals("-h")) {
                System.out.println(usage);
                return null;
            }
            String name = flag.startsWith("--") ? flag.substring(2) : "";
            if (!Set.of("dist", "ranks", "devices-per-machine").contains(name) && !extra.contains(name)) {
                throw new IllegalArgumentException("tessel dist " + command + ": unknown option '" + flag + "'\n" + usage);
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException("tessel dist " + command + ": " + flag + " needs a value\n" + usage);
            out.put(name, args[++i]);
        }
        return out;
    }

    private static int integer(Map<String, String> o, String name, int fallback) {
        String v = o.get(name);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tessel dist: --" + name + " must be an integer, not '" + v + "'");
        }
    }
}
