// PlanCommand: `./tessel model plan`: the per-GPU memory, traffic and step time of training a
// preset on a GPU cluster with the paper's sharding and PowerSGD (ScalePlan; docs/scaling.md).
//
// Invariant: nothing here measures this machine; every figure comes from ScalePlan's formulas and
// the hardware flags, whose defaults (a V100 16 GB cluster) are printed with the result.
package dev.tessel.cli.model;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.models.transformer.ScalePlan;
import dev.tessel.models.transformer.TransformerConfig;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** The {@code model plan} sub-command. */
final class PlanCommand implements Verb {
    @Override public String name() { return "model plan"; }

    @Override public String summary() { return "per-GPU memory, bytes per step and step time of a preset on a GPU cluster (sharding + PowerSGD)"; }

    @Override public String synopsis() { return "--preset NAME [--gpus N --devices-per-machine M --batch B --powersgd-rank R] [hardware flags]"; }

    @Override
    public String description() {
        return """
                Plans the paper's training setup for a preset: parameters, gradients and Adam moments (16-bit) sharded
                over the --devices-per-machine GPUs of a machine; each resblock all-gathered twice (forward and the
                checkpointed recompute) and its gradients reduce-scattered; then averaged across machines by a fp32
                ring all-reduce, or by PowerSGD at --powersgd-rank (16-bit P and Q of the four resblock weights of
                every layer; embeddings, heads, gains and biases uncompressed in fp32; --powersgd-rank 0 = off).
                Prints the memory of one GPU, the bytes one GPU sends per step inside and across machines, the
                paper's compression rate 1 - 5r/(8d) and the whole model's, and a step time from the matmul FLOPs and
                the hardware flags (defaults: V100 16 GB, 125 TFLOP/s fp16 peak at an assumed 30%, 100 GB/s NVLink per
                GPU, 12.5 GB/s = 100 Gb/s InfiniBand per machine). Nothing is measured on this CPU.""";
    }

    @Override
    public List<OptionSpec> options() {
        ScalePlan.Hardware v100 = ScalePlan.Hardware.v100();
        return List.of(
                OptionSpec.value("preset", "NAME", null, "one of " + TransformerConfig.PRESETS),
                OptionSpec.value("gpus", "N", "1024", "GPUs in the cluster"),
                OptionSpec.value("devices-per-machine", "M", "8", "GPUs per machine (the sharding group)"),
                OptionSpec.value("batch", "B", "1024", "samples per step over all GPUs (a multiple of --gpus)"),
                OptionSpec.value("powersgd-rank", "R", "896", "PowerSGD rank across machines; 0 = plain fp32 all-reduce"),
                OptionSpec.value("peak-tflops", "F", fmt(v100.peakTflops()), "peak 16-bit matmul throughput of one GPU, TFLOP/s"),
                OptionSpec.value("utilisation", "U", fmt(v100.utilisation()), "assumed fraction of the peak reached"),
                OptionSpec.value("intra-gbps", "G", fmt(v100.intraGBps()), "per-GPU bandwidth inside a machine, GB/s"),
                OptionSpec.value("inter-gbps", "G", fmt(v100.interGBps()), "one machine's network bandwidth, GB/s (shared by its GPUs)"),
                OptionSpec.value("gpu-memory-gib", "GIB", fmt(v100.memoryGiB()), "memory of one GPU, GiB"));
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel model plan --preset 12b --gpus 1024 --devices-per-machine 8 --powersgd-rank 896",
                "./tessel model plan --preset 2.8b --powersgd-rank 512 --inter-gbps 25");
    }

    @Override
    public int run(Arguments args, PrintStream out) {
        args.noPositionals();
        TransformerConfig c;
        ScalePlan plan;
        ScalePlan.Hardware hw;
        int rank = args.integer("powersgd-rank", 0, 1 << 20);
        try {
            c = TransformerConfig.preset(args.string("preset"));
            plan = new ScalePlan(c, args.integer("gpus", 1, 1 << 24), args.integer("devices-per-machine", 1, 1 << 16), args.integer("batch", 1, 1 << 30), rank);
            hw = new ScalePlan.Hardware(args.number("peak-tflops"), args.number("utilisation"), args.number("intra-gbps"), args.number("inter-gbps"), args.number("gpu-memory-gib"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(name(), e.getMessage());
        }
        out.println("parameters: " + plan.parameters());
        out.printf(Locale.ROOT, "preset %s: %s%n", args.string("preset"), c);
        out.printf(Locale.ROOT, "cluster: %d GPUs = %d machines x %d, batch %d per GPU; hardware: %s TFLOP/s peak at %s, %s GB/s intra, %s GB/s inter per machine, %s GiB%n",
                plan.machines() * args.integer("devices-per-machine"), plan.machines(), args.integer("devices-per-machine"), plan.batchPerGpu(),
                fmt(hw.peakTflops()), fmt(hw.utilisation()), fmt(hw.intraGBps()), fmt(hw.interGBps()), fmt(hw.memoryGiB()));
        ScalePlan.Memory m = plan.memory();
        out.println("memory of one GPU:");
        row(out, "parameters (fp16, 1/" + args.integer("devices-per-machine") + " shard)", m.parameters());
        row(out, "gradients (fp16 shard)", m.gradients());
        row(out, "Adam moments (1-6-9 + 0-6-10 shard)", m.adamMoments());
        row(out, "PowerSGD error buffers (16-bit shard)", m.errorBuffers());
        row(out, "gathered resblocks (current + prefetched + one gradient, fp16)", m.gatheredBlocks());
        row(out, "activations (checkpointed per resblock, batch " + plan.batchPerGpu() + ")", m.activations());
        row(out, "total", m.total());
        out.printf(Locale.ROOT, "  %-66s %s%n", "fits in " + fmt(hw.memoryGiB()) + " GiB", fits(m.total(), hw) ? "yes" : "NO");
        if (rank > 0) {
            // error feedback adds each gradient to the error buffer before compressing (M = G + E), so the reduce-scattered
            // gradient can be accumulated straight into it and needs no buffer of its own
            long merged = m.total() - m.gradients();
            row(out, "total with the gradient shard accumulated into the error buffer", merged);
            out.printf(Locale.ROOT, "  %-66s %s%n", "fits in " + fmt(hw.memoryGiB()) + " GiB", fits(merged, hw) ? "yes" : "NO");
        }
        ScalePlan.Traffic t = plan.traffic();
        out.println("bytes one GPU sends per step:");
        row(out, "inside the machine (2 all-gathers + 1 reduce-scatter, fp16)", t.intraMachine());
        row(out, "across machines, fp32 all-reduce", t.interMachinePlain());
        row(out, "across machines, PowerSGD rank " + rank, t.interMachinePowerSgd());
        if (rank > 0) {
            out.printf(Locale.ROOT, "compression rate (paper: d x 4d matrix, 1 - 5r/(8d)): %.1f%%%n", 100 * plan.paperCompressionRate());
            out.printf(Locale.ROOT, "compression rate (whole model, bytes across machines): %.1f%%%n", 100 * t.achievedCompression());
        }
        out.printf(Locale.ROOT, "matmul FLOPs per step per GPU: %.3e%n", plan.flopsPerGpu());
        for (boolean compressed : rank > 0 ? new boolean[] {false, true} : new boolean[] {false}) {
            double[] s = plan.stepSeconds(hw, compressed);
            out.printf(Locale.ROOT, "step time %s: compute %.3f s + intra %.3f s + inter %.3f s = %.3f s serial, %.3f s if fully overlapped%n",
                    compressed ? "with PowerSGD" : "fp32 all-reduce", s[0], s[1], s[2], s[0] + s[1] + s[2], Math.max(s[0], Math.max(s[1], s[2])));
        }
        return 0;
    }

    private static boolean fits(long bytes, ScalePlan.Hardware hw) { return bytes <= hw.memoryGiB() * (1L << 30); }

    private static void row(PrintStream out, String what, long bytes) {
        out.printf(Locale.ROOT, "  %-66s %10.3f GiB%n", what, bytes / (double) (1L << 30));
    }

    private static String fmt(double v) { return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v); }
}
