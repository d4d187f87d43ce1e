// DistributedPriorTraining: data-parallel training of the transformer over a Topology (threads or
// Open MPI ranks). Every rank holds a full replica built from the same seed and runs PriorTrainer
// on its own slice of each global batch; between backward and clipping the gradients are averaged:
// one fp32 all-reduce inside the machine, then across machines a fp32 all-reduce or PowerSGD
// (the resblocks' 2-D weights compressed; embeddings, heads, gains and biases uncompressed).
//
// Invariants: every rank calls step() with the same global batch, in the same order (the
// collectives pair up by call order); the global batch divides evenly over the world, so the mean
// of the ranks' mean losses is the mean loss of the whole batch and the averaged gradient is its
// gradient; after the average every rank holds identical gradients, so clipping, AdamW and the EMA
// keep the replicas identical. This is replication, not the paper's sharding (docs/scaling.md).
package dev.tessel.models.transformer;

import dev.tessel.autograd.nn.Parameter;
import dev.tessel.dist.Communicator;
import dev.tessel.dist.PowerSgd;
import dev.tessel.dist.Topology;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** One rank's side of a data-parallel prior run. Not thread-safe; one instance per rank. */
public final class DistributedPriorTraining {
    private final Topology topology;
    private final PriorTrainer trainer;
    private final List<int[]> matrices = new ArrayList<>();
    private final PowerSgd powerSgd;

    /**
     * Installs the gradient averaging on {@code trainer}.
     *
     * @param powerSgdRank 0 = fp32 all-reduce across machines; r > 0 = PowerSGD at rank r (the paper's
     *                     fixed random Q and Householder orthogonalisation, error feedback, from the first step)
     * @param seed         seed of PowerSGD's random Q (the same on every rank)
     */
    public DistributedPriorTraining(Topology topology, PriorTrainer trainer, int powerSgdRank, long seed) {
        if (powerSgdRank < 0) throw new IllegalArgumentException("DistributedPriorTraining: the PowerSGD rank must be >= 0, got " + powerSgdRank);
        this.topology = topology;
        this.trainer = trainer;
        List<Boolean> compressible = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : trainer.model().namedParameters().entrySet()) {
            Parameter p = e.getValue();
            // F16: a resblock weight of mixed precision; its gradient is unscaled to F32 before this averaging runs
            if (p.dtype() != DType.F32 && p.dtype() != DType.F16) {
                throw new IllegalArgumentException("DistributedPriorTraining: parameter " + e.getKey() + " is " + p.dtype() + "; expected F32 or F16");
            }
            int rows = p.shape().dim(0);
            matrices.add(new int[] {rows, Math.toIntExact(p.shape().numel() / rows)});
            // only the resblocks' weight matrices: embeddings, heads, gains and biases stay exact
            compressible.add(e.getKey().startsWith("stack.") && p.shape().rank() == 2);
        }
        this.powerSgd = powerSgdRank == 0 ? null
                : new PowerSgd(PowerSgd.Options.paper(powerSgdRank, 0, seed), topology.interMachine(), matrices, compressible);
        trainer.reduceGradientsWith(this::averageGradients);
    }

    public PriorTrainer trainer() { return trainer; }

    /** Rows [from, to) of the global batch this rank trains on. */
    public int[] slice(int globalBatch) {
        int world = topology.world().size();
        if (globalBatch % world != 0) {
            throw new IllegalArgumentException("DistributedPriorTraining: a global batch of " + globalBatch + " does not split evenly over " + world + " ranks");
        }
        int per = globalBatch / world, rank = topology.world().rank();
        return new int[] {rank * per, (rank + 1) * per};
    }

    /**
     * One update on the global batch (identical on every rank); this rank trains on its slice. The
     * returned losses are the whole batch's (the mean over ranks), the same on every rank.
     */
    public PriorTrainer.StepResult step(List<int[]> captions, int[][] imageTokens) {
        if (captions.size() != imageTokens.length) {
            throw new IllegalArgumentException("DistributedPriorTraining.step: " + captions.size() + " captions and " + imageTokens.length + " images");
        }
        int[] s = slice(captions.size());
        PriorTrainer.StepResult local = trainer.step(captions.subList(s[0], s[1]), Arrays.copyOfRange(imageTokens, s[0], s[1]));
        Communicator world = topology.world();
        try (Tensor losses = Tensor.of(new float[] {(float) local.loss(), (float) local.textLoss(), (float) local.imageLoss()}, 3)) {
            world.allReduce(losses);
            float[] sum = losses.toFloatArray();
            return new PriorTrainer.StepResult(local.step(), sum[0] / world.size(), sum[1] / world.size(), sum[2] / world.size(),
                    local.gradNorm(), local.lr(), local.skipped());
        }
    }

    /** Replaces every gradient by the average over all ranks (the machine's fp32 mean, then across machines). */
    private void averageGradients(List<Parameter> parameters) {
        long total = 0;
        for (Parameter p : parameters) total += p.shape().numel();
        float[] flat = new float[Math.toIntExact(total)];
        int at = 0;
        for (Parameter p : parameters) {
            float[] g = p.grad() == null ? new float[Math.toIntExact(p.shape().numel())] : p.grad().toFloatArray();
            System.arraycopy(g, 0, flat, at, g.length);
            at += g.length;
        }
        meanOver(topology.intraMachine(), flat);
        if (powerSgd == null) {
            meanOver(topology.interMachine(), flat);
        } else {
            List<Tensor> grads = new ArrayList<>();
            at = 0;
            for (int[] m : matrices) {
                grads.add(Tensor.of(Arrays.copyOfRange(flat, at, at + m[0] * m[1]), m[0], m[1]));
                at += m[0] * m[1];
            }
            powerSgd.reduce(grads);
            at = 0;
            for (Tensor g : grads) {
                float[] averaged = g.toFloatArray();
                System.arraycopy(averaged, 0, flat, at, averaged.length);
                at += averaged.length;
                g.close();
            }
        }
        at = 0;
        for (Parameter p : parameters) {
            int n = Math.toIntExact(p.shape().numel());
            p.setGrad(Tensor.of(Arrays.copyOfRange(flat, at, at + n), p.shape().toArray()));
            at += n;
        }
    }

    private static void meanOver(Communicator group, float[] values) {
        if (group.size() == 1) return;
        try (Tensor t = Tensor.of(values, values.length)) {
            group.allReduce(t);
            float[] sum = t.toFloatArray();
            for (int i = 0; i < values.length; i++) values[i] = sum[i] / group.size();
        }
    }
}
