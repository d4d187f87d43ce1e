// TorchPowerSgdReplay: re-runs a recorded torch DDP powerSGD_hook job (golden case kind
// `powersgd`, FORMAT.md 3.10) on LocalCommunicator ranks, and returns what each rank held after
// every step, under the case's field names.
//
// Invariants: every size and setting comes from the caller (read from the case), nothing is
// assumed; the bucket's tensors are reduced in bucket order, as torch flattens them; the hook's
// random initial Q is not redrawn (torch's generator is not ours) but taken from the case.
package dev.tessel.dist;

import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Replays torch's PowerSGD hook over threads. */
public final class TorchPowerSgdReplay {
    private TorchPowerSgdReplay() {}

    /** The hook's state attributes as the case records them; {@code bucketOrder} names the bucket's tensors in order. */
    public record Settings(int worldSize, int approximationRank, int startIter, double minCompressionRate, boolean errorFeedback,
                           boolean warmStart, double epsilon, int iters, List<String> bucketOrder) {}

    /**
     * Runs the job. {@code input} returns a case tensor by name ({@code in.q_init_raw},
     * {@code in.local_grad.r{R}.s{S}.<name>}). Returns {@code out.avg_grad.s{S}.<name>} (rank 0's;
     * every rank's is checked to be bit-identical), and for PowerSGD steps
     * {@code out.error.r{R}.s{S}.<name>}, {@code out.p.s{S}}, {@code out.q.s{S}}.
     */
    public static Map<String, Tensor> replay(Settings s, Function<String, Tensor> input) {
        if (!s.warmStart()) {
            throw new UnsupportedOperationException("powersgd with warm_start=false: torch draws a new Q every step from its own generator, "
                    + "and the case records only the first draw");
        }
        List<String> names = s.bucketOrder();
        List<int[]> shapes = new ArrayList<>();
        for (String name : names) {
            Tensor g = input.apply("in.local_grad.r0.s0." + name);
            int rows = g.dim(0);
            shapes.add(new int[] {rows, (int) (g.numel() / rows)});
        }
        PowerSgd.Options options = new PowerSgd.Options(s.approximationRank(), s.startIter(), s.minCompressionRate(), s.errorFeedback(),
                PowerSgd.QMode.WARM_START, Orthogonalization.TORCH, s.epsilon(), DType.F32, 0);
        List<Boolean> mayCompress = Collections.nCopies(names.size(), true);
        Map<String, Tensor> fields = Collections.synchronizedMap(new TreeMap<>());
        Map<String, float[]> avgByRank = Collections.synchronizedMap(new LinkedHashMap<>());
        LocalCommunicator.launch(s.worldSize(), comm -> {
            PowerSgd hook = new PowerSgd(options, comm, shapes, mayCompress);
            int compressed = -1;
            for (int i = 0; i < names.size(); i++) {
                if (!hook.compressed(i)) continue;
                if (compressed >= 0) {
                    throw new UnsupportedOperationException("powersgd bucket with more than one compressed tensor: the case's single "
                            + "in.q_init_raw does not say how torch's draw is split among them");
                }
                compressed = i;
            }
            if (compressed >= 0) hook.setInitialQ(compressed, input.apply("in.q_init_raw").toFloatArray());
            int r = comm.rank();
            for (int step = 0; step < s.iters(); step++) {
                List<Tensor> grads = new ArrayList<>();
                for (String name : names) grads.add(input.apply("in.local_grad.r" + r + ".s" + step + "." + name).contiguous().copy());
                hook.reduce(grads);
                boolean powerStep = step >= s.startIter();
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get(i);
                    avgByRank.put("r" + r + ".s" + step + "." + name, grads.get(i).toFloatArray());
                    if (r == 0) fields.put("out.avg_grad.s" + step + "." + name, grads.get(i));
                    if (powerStep && hook.error(i) != null) {
                        fields.put("out.error.r" + r + ".s" + step + "." + name, Tensor.of(hook.error(i), input.apply("in.local_grad.r0.s0." + name).shape().toArray()));
                    }
                }
                if (powerStep && r == 0 && compressed >= 0) {
                    int k = hook.p(compressed).length / shapes.get(compressed)[0];
                    fields.put("out.p.s" + step, Tensor.of(hook.p(compressed), shapes.get(compressed)[0], k));
                    fields.put("out.q.s" + step, Tensor.of(hook.q(compressed), shapes.get(compressed)[1], k));
                }
            }
        });
        for (var e : avgByRank.entrySet()) {
            String key = e.getKey().substring(e.getKey().indexOf('.') + 1);
            if (!java.util.Arrays.equals(e.getValue(), avgByRank.get("r0." + key))) {
                throw new IllegalStateException("PowerSGD replay: rank " + e.getKey() + " holds a different average than rank 0 (the ranks diverged)");
            }
        }
        return fields;
    }
}
