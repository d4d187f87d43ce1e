// ShardingTimeline: measures how much of the parameter all-gather time prefetching hides, by
// training the same MlpResblock stack with prefetch off and on, and draws rank 0's last step of
// each as a PNG.
//
// Invariants: one trainer alternates prefetch off and on step by step (after unmeasured warm-up
// steps), so both modes see the same model, data, JIT state and machine load; the only
// difference is when each gather is issued.
// Without prefetch every gather is issued just before use, so all of its time is exposed; hidden
// = 1 - (wait for gathers with prefetch) / (wait without), averaged over measured steps and ranks.
// (A per-mode "1 - wait/gather" would mislead here: a wait also covers slower peer ranks.)
package dev.tessel.dist;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** The prefetch-on/off comparison of {@code ./tessel dist timeline}. */
public final class ShardingTimeline {
    /** Unmeasured steps first (JIT compilation of the GEMM kernels runs for the first seconds). */
    static final int WARMUP_STEPS = 2;

    /** Model and run sizes. */
    public record Setup(int devicesPerMachine, int width, int hidden, int blocks, int batch, int steps, Path png) {}

    private ShardingTimeline() {}

    public static void run(Communicator world, Setup s, PrintStream out) {
        if (s.steps() < 1) throw new IllegalArgumentException("dist timeline: --steps must be >= 1 (measured steps per mode), got " + s.steps());
        List<TimelinePng.Panel> panels = new ArrayList<>();
        if (world.rank() == 0) {
            out.printf(Locale.ROOT, "dist timeline: world=%d (%d machines x %d devices), %d blocks of width %d hidden %d (%.1f MB of fp32 parameters per block), batch %d per rank%n",
                    world.size(), world.size() / s.devicesPerMachine(), s.devicesPerMachine(), s.blocks(), s.width(), s.hidden(),
                    (2.0 * s.width() * s.hidden() + s.hidden() + 3.0 * s.width()) * 4 / 1e6, s.batch());
            out.println("prefetch  step_ms  gather_ms  waited_ms");
        }
        Tensor x = Tensor.zeros(DType.F32, s.batch(), s.width()), y = Tensor.zeros(DType.F32, s.batch(), s.width());
        Philox.fillNormal(x, 1, world.rank(), 0, 1);
        Philox.fillNormal(y, 2, world.rank(), 0, 1);
        SplittableRandom rng = new SplittableRandom(5);
        List<MlpResblock> initial = new ArrayList<>();
        for (int i = 0; i < s.blocks(); i++) initial.add(new MlpResblock(s.width(), s.hidden(), rng));
        double[][] sums = new double[2][3];           // [prefetch off, on][step, gather, wait] in ms over measured steps
        Timeline[] last = new Timeline[2];
        try (Topology topo = Topology.of(world, s.devicesPerMachine());
             ShardedTrainer<MlpResblock> trainer = new ShardedTrainer<>(topo, initial, i -> new MlpResblock(s.width(), s.hidden(), new SplittableRandom(i)),
                     MlpResblock::forward, new ShardedTrainer.Config(false, null, name -> true), p -> new AdamW(p, 1e-3))) {
            for (int step = 0; step < WARMUP_STEPS + 2 * s.steps(); step++) {
                int mode = step % 2;                  // alternate off / on, so JIT warm-up and machine load hit both alike
                trainer.setPrefetch(mode == 1);
                long t0 = System.nanoTime();
                trainer.step(x, v -> Ops.meanAll(Ops.square(Ops.sub(v, Variable.constant(y)))));
                if (step < WARMUP_STEPS) continue;
                sums[mode][0] += (System.nanoTime() - t0) / 1e6;
                sums[mode][1] += trainer.timeline().total(Timeline.Kind.ALL_GATHER) / 1e6;
                sums[mode][2] += trainer.timeline().total(Timeline.Kind.WAIT_GATHER) / 1e6;
                last[mode] = trainer.timeline();
            }
        }
        double[] waitedMs = new double[2], stepMs = new double[2];
        for (int mode = 0; mode < 2; mode++) {
            try (Tensor t = Tensor.of(new float[] {(float) sums[mode][0], (float) sums[mode][1], (float) sums[mode][2]}, 3)) {
                world.allReduce(t);
                double n = (double) world.size() * s.steps();
                double step = t.getDouble(0) / n, gather = t.getDouble(1) / n, waited = t.getDouble(2) / n;
                waitedMs[mode] = waited;
                stepMs[mode] = step;
                if (world.rank() == 0) {
                    out.printf(Locale.ROOT, "%-8s  %7.1f  %9.1f  %9.1f%n", mode == 1 ? "on" : "off", step, gather, waited);
                    panels.add(new TimelinePng.Panel(String.format(Locale.ROOT, "prefetch %s: rank 0, last step (%.1f ms waited on %.1f ms of all-gather)",
                            mode == 1 ? "on" : "off", last[mode].total(Timeline.Kind.WAIT_GATHER) / 1e6, last[mode].total(Timeline.Kind.ALL_GATHER) / 1e6), last[mode]));
                }
            }
        }
        if (world.rank() == 0) {
            out.printf(Locale.ROOT, "prefetch hides %.0f%% of the all-gather wait (1 - %.1f / %.1f ms); step time off/on = %.2f%n",
                    100 * (1 - waitedMs[1] / waitedMs[0]), waitedMs[1], waitedMs[0], stepMs[0] / stepMs[1]);
        }
        if (world.rank() == 0 && s.png() != null) {
            TimelinePng.write(s.png(), panels);
            out.println("wrote " + s.png());
        }
    }
}
