package dev.tessel.autograd.mixed;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Ops;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.LayerNorm;
import dev.tessel.autograd.nn.Module;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The autograd mechanics of mixed precision on a small pre-LN residual MLP (3 resblocks of width
 * 16): fp16 resblocks with per-resblock scaling give the fp32 gradients to fp16 rounding; a
 * forced overflow in one resblock skips that resblock's update only; the global loss scale mode
 * unscales everything; 16-bit Adam moments follow fp32 Adam to their precision.
 */
class GradScalerTest {
    private static final int WIDTH = 16, BATCH = 6, BLOCKS = 3;

    /** One resblock: x + W2 gelu(W1 LN(x) + b1) + b2, parameters as fp32 masters. */
    private static final class Block extends Module {
        final LayerNorm norm = registerModule("norm", new LayerNorm(WIDTH, 1e-5));
        final Parameter w1, b1, w2, b2;

        Block(SplittableRandom rng) {
            w1 = registerParameter("w1", randn(rng, 0.3, 2 * WIDTH, WIDTH));
            b1 = registerParameter("b1", randn(rng, 0.1, 2 * WIDTH));
            w2 = registerParameter("w2", randn(rng, 0.3, WIDTH, 2 * WIDTH));
            b2 = registerParameter("b2", randn(rng, 0.1, WIDTH));
        }

        Variable branch(MixedPrecision policy, Variable x) {
            Variable h = policy.linear(policy.toResblock(norm.forward(x)), w1, b1);
            return policy.linear(Ops.geluErf(policy.toFull(h)), w2, b2);
        }
    }

    private static final class Net extends Module {
        final List<Block> blocks = new ArrayList<>();

        Net(long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            for (int i = 0; i < BLOCKS; i++) blocks.add(registerModule("block_" + i, new Block(rng)));
        }

        Variable loss(GradScaler scaler, Tensor x) {
            Variable h = Variable.constant(x);
            for (int i = 0; i < BLOCKS; i++) {
                Block b = blocks.get(i);
                h = scaler.residual("block_" + i, h, in -> b.branch(scaler.policy(), in));
            }
            return Ops.meanAll(Ops.mul(h, h));
        }

        GradScaler scaler(MixedPrecision policy) {
            GradScaler s = new GradScaler(policy, parameters(), 1);
            for (int i = 0; i < BLOCKS; i++) s.register("block_" + i, blocks.get(i).parameters());
            return s;
        }
    }

    private static Tensor randn(SplittableRandom rng, double std, int... dims) {
        Tensor t = Tensor.zeros(DType.F32, dims);
        for (long i = 0; i < t.numel(); i++) t.setDouble(i, std * rng.nextGaussian());
        return t;
    }

    private static Tensor input() { return randn(new SplittableRandom(5), 1.0, BATCH, WIDTH); }

    private static Map<String, Tensor> gradients(MixedPrecision policy) {
        Net net = new Net(1);
        GradScaler scaler = net.scaler(policy);
        scaler.scaleLoss(net.loss(scaler, input())).backward();
        GradScaler.StepReport report = scaler.unscale();
        for (boolean s : report.skipped()) assertFalse(s, "no overflow at the initial scale 2^13");
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        net.namedParameters().forEach((k, p) -> out.put(k, p.grad()));
        return out;
    }

    @Test
    void perResblockFp16GradientsEqualFp32ToFp16Rounding() {
        Map<String, Tensor> full = gradients(MixedPrecision.fp32()), mixed = gradients(MixedPrecision.perResblock()),
                global = gradients(MixedPrecision.globalScale());
        Tensor w = full.get("block_0.w1"), wMixed = mixed.get("block_0.w1");
        boolean anyDiffers = false;
        for (long i = 0; i < w.numel(); i++) anyDiffers |= w.getDouble(i) != wMixed.getDouble(i);
        assertTrue(anyDiffers, "the mixed path must really compute in fp16 (its gradients cannot equal fp32's bit for bit)");
        for (var e : full.entrySet()) {
            Tensor want = e.getValue();
            double peak = 0;
            for (long i = 0; i < want.numel(); i++) peak = Math.max(peak, Math.abs(want.getDouble(i)));
            for (Map<String, Tensor> got : List.of(mixed, global)) {
                Tensor g = got.get(e.getKey());
                assertEquals(DType.F32, g.dtype(), "master gradients are fp32");
                // fp16 has a 2^-11 relative step; a gradient passes ~6 fp16 roundings (weights,
                // activations, their gradients) in this 3-block net, so 2^-11 * 8 of the tensor's peak.
                double tol = peak * 8 * Math.pow(2, -11);
                for (long i = 0; i < want.numel(); i++) {
                    assertEquals(want.getDouble(i), g.getDouble(i), tol, e.getKey() + " element " + i);
                }
            }
        }
    }

    @Test
    void forcedOverflowSkipsOnlyThatResblocksUpdate() {
        Net net = new Net(2);
        GradScaler scaler = net.scaler(MixedPrecision.perResblock());
        // block_1's scale at its maximum, 2^24: its fp16 gradients overflow
        GradScale max = new GradScale(1);
        for (int i = 0; i < 12_000; i++) max.record(true);
        scaler.scale("block_1").loadStateDict(max.stateDict("s."), "s.");
        Map<String, Tensor> before = new java.util.LinkedHashMap<>();
        net.namedParameters().forEach((k, p) -> before.put(k, p.value().copy()));
        AdamW adam = new AdamW(net.parameters(), 1e-2);

        scaler.scaleLoss(net.loss(scaler, input())).backward();
        GradScaler.StepReport report = scaler.unscale();
        adam.step();

        assertArrayEquals(new boolean[] {false, true, false}, report.skipped());
        assertEquals(Math.pow(2, 24) / Math.sqrt(2), report.scales()[1], 1e-6, "block_1 backs off by sqrt 2");
        assertEquals(Math.pow(2, 13) * GradScale.GROWTH, report.scales()[0], 1e-9, "block_0 grows by 2^(1/1000)");
        net.namedParameters().forEach((k, p) -> {
            boolean changed = false;
            for (long i = 0; i < p.numel(); i++) changed |= p.value().getDouble(i) != before.get(k).getDouble(i);
            assertEquals(!k.startsWith("block_1."), changed, k + (k.startsWith("block_1.") ? " must not move" : " must be updated"));
        });
    }

    @Test
    void sixteenBitMomentsTrackFp32AdamAndHalveMomentMemory() {
        Net a = new Net(3), b = new Net(3);
        AdamW full = new AdamW(a.parameters(), 1e-2), narrow = new AdamW(b.parameters(), 1e-2).withSixteenBitMoments();
        GradScaler sa = a.scaler(MixedPrecision.fp32()), sb = b.scaler(MixedPrecision.fp32());
        for (int step = 0; step < 5; step++) {
            a.zeroGrad();
            b.zeroGrad();
            a.loss(sa, input()).backward();
            b.loss(sb, input()).backward();
            full.step();
            narrow.step();
        }
        for (var e : a.namedParameters().entrySet()) {
            Parameter pa = e.getValue(), pb = b.namedParameters().get(e.getKey());
            assertEquals(DType.MEAN_1_6_9, narrow.state(pb).expAvg().dtype());
            assertEquals(DType.VAR_0_6_10, narrow.state(pb).expAvgSq().dtype());
            assertEquals(2 * pb.numel(), narrow.state(pb).expAvg().storage().byteSize(), "2 bytes per moment value");
            // 5 steps of lr 1e-2 move a value by at most 5e-2; the moments' 2^-10 relative rounding
            // perturbs each step by about that fraction of lr, so the paths agree to 5e-2 * 2^-8.
            for (long i = 0; i < pa.numel(); i++) {
                assertEquals(pa.value().getDouble(i), pb.value().getDouble(i), 5e-2 * Math.pow(2, -8), e.getKey() + " element " + i);
            }
        }
    }
}
