// ShardedTrainingCheck: trains a small MlpResblock stack sharded over a world (threads or MPI
// processes) and checks it against what must hold: with PowerSGD off, the parameters equal
// single-process training on the concatenated batch to fp32 round-off; with PowerSGD on, the
// loss falls and error feedback loses nothing (sum of applied averages + mean error buffer =
// sum of mean gradients).
//
// Invariants: every rank builds the same initial blocks and the same data from fixed seeds, and
// computes the single-process reference itself (the model is tiny), so the check needs no file
// and no rank trusts another; every size here is odd or not a multiple of the device count, so
// the padding paths run. A failed check throws on every rank (each one checks).
package dev.tessel.dist;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Philox;
import dev.tessel.tensor.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/** The sharded-vs-single-process check; see {@link #run}. */
public final class ShardedTrainingCheck {
    static final int WIDTH = 9, HIDDEN = 13, BLOCKS = 3, MICRO_BATCH = 3;
    static final long SEED = 7;
    static final double LR = 1e-2;
    /**
     * Parameters after a few AdamW steps may differ from single-process training only by fp32
     * round-off: the gradient sums run in another order (per-rank means, then reduce-scatter and
     * all-reduce sums), and Adam divides by sqrt(v), so a gradient's relative error of a few ulps
     * becomes a relative error of the update of the same size; updates are ~LR per step, so
     * 5 steps of error ~1e-6 relative give at most ~1e-7 absolute. 1e-6 leaves a 10x margin.
     */
    static final double PARAM_TOLERANCE = 1e-6;
    /** The error-feedback identity sums a few fp32 gradients: residual / max |sum| must be round-off. */
    static final double FEEDBACK_TOLERANCE = 1e-5;

    /** What one run measured (identical on every rank). */
    public record Result(int world, int machines, int steps, boolean powerSgd, double maxParamDiff, double firstLoss, double lastLoss,
                         double feedbackResidual) {
        public String line() {
            return String.format(Locale.ROOT, "dist train: ok (world=%d, machines=%d, steps=%d, powersgd=%s, max |param - single-process| %.2e, "
                            + "loss %.5f -> %.5f%s)", world, machines, steps, powerSgd ? "on" : "off",
                    maxParamDiff, firstLoss, lastLoss, powerSgd ? String.format(Locale.ROOT, ", error-feedback residual %.1e", feedbackResidual) : "");
        }
    }

    private ShardedTrainingCheck() {}

    /** Runs on every rank; rank 0 prints {@link Result#line()}. {@code powerSgdRank} 0 turns PowerSGD off. */
    public static Result run(Communicator world, int devicesPerMachine, int steps, int powerSgdRank, PrintStream out) {
        Result r = run(world, devicesPerMachine, steps, powerSgdRank, true);
        if (world.rank() == 0) out.println(r.line());
        return r;
    }

    public static Result run(Communicator world, int devicesPerMachine, int steps, int powerSgdRank, boolean prefetch) {
        int ranks = world.size();
        int batch = ranks * MICRO_BATCH;
        Tensor data = Tensor.zeros(DType.F32, batch, WIDTH), target = Tensor.zeros(DType.F32, batch, WIDTH);
        Philox.fillNormal(data, SEED, 0, 0, 1);
        Philox.fillNormal(target, SEED, 1L << 32, 0, 1);
        List<MlpResblock> reference = blocks();
        AdamW refOptimizer = adam(reference.stream().flatMap(b -> b.parameters().stream()).toList());
        boolean compress = powerSgdRank > 0;
        PowerSgd.Options psgd = compress ? new PowerSgd.Options(powerSgdRank, 1, 1, true, PowerSgd.QMode.WARM_START,
                Orthogonalization.GRAM_SCHMIDT, 0, DType.F32, SEED) : null;
        try (Topology topo = Topology.of(world, devicesPerMachine);
             ShardedTrainer<MlpResblock> trainer = new ShardedTrainer<>(topo, blocks(), i -> new MlpResblock(WIDTH, HIDDEN, new SplittableRandom(i)),
                     MlpResblock::forward, new ShardedTrainer.Config(prefetch, psgd, name -> true), ShardedTrainingCheck::adam)) {
            int lo = world.rank() * MICRO_BATCH;
            Tensor myData = data.slice(0, lo, lo + MICRO_BATCH).contiguous(), myTarget = target.slice(0, lo, lo + MICRO_BATCH).contiguous();
            List<Tensor> sumApplied = zerosLike(trainer), sumMachine = zerosLike(trainer);
            double first = 0, last = 0;
            for (int s = 0; s < steps; s++) {
                double local = trainer.step(myData, y -> mse(y, myTarget));
                try (Tensor l = Tensor.of(new float[] {(float) (local / ranks)}, 1)) {
                    world.allReduce(l);
                    if (s == 0) first = l.getDouble(0);
                    last = l.getDouble(0);
                }
                for (int b = 0; b < trainer.blockCount(); b++) {
                    accumulate(sumApplied.get(b), trainer.shardGradient(b));
                    accumulate(sumMachine.get(b), trainer.machineGradient(b));
                }
                referenceStep(reference, refOptimizer, data, target);
            }
            double maxDiff = compareWithReference(trainer.gatherFullParameters(), reference);
            double residual = compress && trainer.powerSgd() != null ? feedbackResidual(topo, trainer, sumApplied, sumMachine) : 0;
            Result result = new Result(ranks, topo.machines(), steps, compress, maxDiff, first, last, residual);
            if (!compress && !(maxDiff <= PARAM_TOLERANCE)) {
                throw new IllegalStateException("sharded training diverged from single-process training: max |param diff| " + maxDiff
                        + " > " + PARAM_TOLERANCE + " (" + result + ")");
            }
            if (compress && !(last < first)) throw new IllegalStateException("loss did not fall with PowerSGD on: " + result);
            if (compress && !(residual <= FEEDBACK_TOLERANCE)) {
                throw new IllegalStateException("error feedback lost gradient: relative residual " + residual + " > " + FEEDBACK_TOLERANCE);
            }
            return result;
        }
    }

    private static List<MlpResblock> blocks() {
        SplittableRandom rng = new SplittableRandom(SEED);
        List<MlpResblock> out = new ArrayList<>();
        for (int i = 0; i < BLOCKS; i++) out.add(new MlpResblock(WIDTH, HIDDEN, rng));
        return out;
    }

    private static AdamW adam(List<Parameter> params) { return new AdamW(params, LR, 0.9, 0.999, 1e-8, 1e-2); }

    private static Variable mse(Variable y, Tensor target) {
        return Ops.meanAll(Ops.square(Ops.sub(y, Variable.constant(target))));
    }

    private static void referenceStep(List<MlpResblock> blocks, AdamW optimizer, Tensor data, Tensor target) {
        Variable x = Variable.constant(data);
        for (MlpResblock b : blocks) x = b.forward(x);
        mse(x, target).backward();
        optimizer.step();
        optimizer.zeroGrad();
    }

    private static double compareWithReference(List<Map<String, Tensor>> sharded, List<MlpResblock> reference) {
        double max = 0;
        for (int b = 0; b < reference.size(); b++) {
            for (var e : reference.get(b).stateDict().entrySet()) {
                Tensor got = sharded.get(b).get(e.getKey()), want = e.getValue();
                for (long i = 0; i < want.numel(); i++) max = Math.max(max, Math.abs(got.getDouble(i) - want.getDouble(i)));
            }
        }
        return max;
    }

    /** max |sum applied + mean_machines(error) - mean_machines(sum machine gradient)| / max |sum gradient|. */
    private static double feedbackResidual(Topology topo, ShardedTrainer<?> trainer, List<Tensor> sumApplied, List<Tensor> sumMachine) {
        PowerSgd psgd = trainer.powerSgd();
        double machines = topo.machines(), worst = 0, scale = 0;
        int view = 0;
        for (int b = 0; b < trainer.blockCount(); b++) {
            ShardLayout layout = trainer.layout(b);
            Tensor error = Tensor.zeros(DType.F32, Math.toIntExact(layout.shardLength()));
            for (int p = 0; p < layout.parameterCount(); p++, view++) {
                float[] e = psgd.error(view);
                if (e != null) layout.shardView(error, p).copyFrom(Tensor.of(e, layout.shardMatrix(p)));
            }
            Tensor meanGrad = sumMachine.get(b).copy();
            topo.interMachine().allReduce(error);
            topo.interMachine().allReduce(meanGrad);
            for (long i = 0; i < error.numel(); i++) {
                double g = meanGrad.getDouble(i) / machines;
                double lhs = sumApplied.get(b).getDouble(i) + error.getDouble(i) / machines;
                worst = Math.max(worst, Math.abs(lhs - g));
                scale = Math.max(scale, Math.abs(g));
            }
        }
        return scale == 0 ? worst : worst / scale;
    }

    private static List<Tensor> zerosLike(ShardedTrainer<?> trainer) {
        List<Tensor> out = new ArrayList<>();
        for (int b = 0; b < trainer.blockCount(); b++) out.add(Tensor.zeros(DType.F64, Math.toIntExact(trainer.layout(b).shardLength())));
        return out;
    }

    private static void accumulate(Tensor sum, Tensor add) {
        for (long i = 0; i < sum.numel(); i++) sum.setDouble(i, sum.getDouble(i) + add.getDouble(i));
    }
}
