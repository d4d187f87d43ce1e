package dev.tessel.cli.golden;

import dev.tessel.dist.TorchPowerSgdReplay;
import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.util.Map;

/**
 * {@code powersgd} cases (FORMAT.md 3.10): a recorded DDP run of torch 1.13's powerSGD_hook,
 * replayed by engine-dist's PowerSgd on attrs.world_size thread ranks, reading every size and
 * setting from the case. PowerSGD is plain float arithmetic on the host, so the backend is unused.
 */
public final class PowerSgdCase implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        CaseAttrs a = c.attrs();
        if (a.flagOr("batch_tensors_with_same_shape", false)) {
            throw new UnsupportedOperationException("powersgd with batch_tensors_with_same_shape (the replay compresses tensor by tensor; "
                    + "batching only changes the order of equal-shape matrices, which the case would have to record)");
        }
        TorchPowerSgdReplay.Settings s = new TorchPowerSgdReplay.Settings(a.integer("world_size"), a.integer("matrix_approximation_rank"),
                a.integer("start_powerSGD_iter"), a.number("min_compression_rate"), a.flagOr("use_error_feedback", true),
                a.flagOr("warm_start", true), a.number("orthogonalization_epsilon"), a.integer("iters"), a.strings("bucket_order"));
        return TorchPowerSgdReplay.replay(s, c::tensor);
    }
}
