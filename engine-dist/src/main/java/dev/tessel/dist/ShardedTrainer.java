// ShardedTrainer: data-parallel training of a stack of resblocks whose parameters are sharded
// over the devices of each machine (DALL·E section 2.5): gather a block just before it runs,
// prefetch the next block's gather on a communication thread while the current one computes,
// drop the gathered copy after use; reduce-scatter gradients; average the shards across
// machines (plain fp32 all-reduce or PowerSGD); step the optimizer on the shard only.
//
// Invariants: every rank issues the same collectives in the same order, all of them from its one
// communication thread (so MPI sees them serialised, and prefetch never reorders them). Blocks
// are checkpointed: the forward keeps only each block's input; the backward gathers the block
// again, recomputes it with the tape on, and backpropagates. A gathered block is a fresh module
// built by the factory and filled from the gather; it is closed (its memory freed) right after
// use, so at most two blocks' full parameters (current + prefetched) live at once. Each rank's
// backward is seeded with 1/devicesPerMachine, so the reduce-scatter sum is the machine's mean and
// the cross-machine average is the global mean gradient.
package dev.tessel.dist;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Module;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.autograd.optim.AdamW;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Predicate;

/** One rank's sharded copy of a block stack, its optimizer on the shard, and its step. */
public final class ShardedTrainer<B extends Module> implements AutoCloseable {
    private static final java.lang.foreign.ValueLayout.OfFloat FLOAT = java.lang.foreign.ValueLayout.JAVA_FLOAT;
    /** Builds an empty block {@code index} (its values are overwritten by a gather). */
    @FunctionalInterface
    public interface BlockFactory<B> { B build(int index); }

    /** A block's forward: x -> block(x). */
    @FunctionalInterface
    public interface BlockForward<B> { Variable apply(B block, Variable x); }

    /**
     * @param prefetch    gather block i±1 while block i computes
     * @param powerSgd    cross-machine compression, or null for a plain fp32 all-reduce
     * @param mayCompress by dotted parameter name: false keeps it uncompressed (embeddings, gains, biases; 1-D never compresses)
     */
    public record Config(boolean prefetch, PowerSgd.Options powerSgd, Predicate<String> mayCompress) {}

    private final Topology topo;
    private final BlockFactory<B> factory;
    private final BlockForward<B> forward;
    private final Config config;
    private final List<ShardLayout> layouts = new ArrayList<>();
    private final List<Parameter> shards = new ArrayList<>();
    private final List<Tensor> shardGrads = new ArrayList<>();
    private final List<Tensor> machineGrads = new ArrayList<>();
    private final AdamW optimizer;
    private final PowerSgd powerSgd;
    private final ExecutorService comm;
    private Timeline timeline = new Timeline();
    private boolean prefetch;

    /**
     * Collective-free: every rank passes the same {@code initial} blocks (built from one seed)
     * and keeps only its device's shard of them.
     */
    public ShardedTrainer(Topology topo, List<B> initial, BlockFactory<B> factory, BlockForward<B> forward, Config config,
                          Function<List<Parameter>, AdamW> optimizerFactory) {
        this.topo = topo;
        this.factory = factory;
        this.forward = forward;
        this.config = config;
        this.prefetch = config.prefetch();
        List<int[]> matrices = new ArrayList<>();
        List<Boolean> compressible = new ArrayList<>();
        for (B block : initial) {
            Map<String, Parameter> named = block.namedParameters();
            if (named.size() != block.parameters().size()) {
                throw new IllegalArgumentException("ShardedTrainer: block " + block + " shares a parameter under two names; tied weights cannot be sharded per block");
            }
            ShardLayout layout = new ShardLayout(named.values().stream().map(Parameter::shape).toList(), topo.devicesPerMachine());
            Tensor shard = Tensor.zeros(DType.F32, Math.toIntExact(layout.shardLength()));
            layout.extractShard(named.values().stream().map(Parameter::value).toList(), topo.device(), shard);
            layouts.add(layout);
            shards.add(new Parameter("shard", shard));
            shardGrads.add(Tensor.zeros(DType.F32, Math.toIntExact(layout.shardLength())));
            machineGrads.add(Tensor.zeros(DType.F32, Math.toIntExact(layout.shardLength())));
            int i = 0;
            for (var e : named.entrySet()) {
                matrices.add(layout.shardMatrix(i++));
                compressible.add(e.getValue().shape().rank() >= 2 && config.mayCompress().test(e.getKey()));
            }
        }
        this.optimizer = optimizerFactory.apply(List.copyOf(shards));
        this.powerSgd = config.powerSgd() == null || topo.machines() == 1 ? null
                : new PowerSgd(config.powerSgd(), topo.interMachine(), matrices, compressible);
        this.comm = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tessel-comm-rank-" + topo.world().rank());
            t.setDaemon(true);
            return t;
        });
    }

    /** Turns prefetching on or off from the next step (values do not change, only when gathers are issued). */
    public void setPrefetch(boolean on) { prefetch = on; }

    /** The timeline of the last step. */
    public Timeline timeline() { return timeline; }

    /** The cross-machine PowerSGD reducer, or null when it is off (or there is one machine). */
    public PowerSgd powerSgd() { return powerSgd; }

    /** This rank's averaged shard gradient of block {@code i} from the last step (what the optimizer applied). */
    public Tensor shardGradient(int block) { return shardGrads.get(block); }

    /** This rank's shard gradient of block {@code i} from the last step before the cross-machine average (the machine's mean). */
    public Tensor machineGradient(int block) { return machineGrads.get(block); }

    public ShardLayout layout(int block) { return layouts.get(block); }

    public int blockCount() { return layouts.size(); }

    /**
     * One training step on this rank's micro-batch {@code input}; {@code loss} maps the last
     * block's output to this rank's mean loss. Returns that local loss.
     */
    public double step(Tensor input, Function<Variable, Variable> loss) {
        timeline = new Timeline();
        int n = layouts.size();
        List<Tensor> inputs = new ArrayList<>();
        Tensor x = input;
        Future<Tensor> next = submit(() -> gather(0));
        for (int i = 0; i < n; i++) {
            Tensor full = await(next, Timeline.Kind.WAIT_GATHER, "block " + i);
            if (prefetch && i + 1 < n) next = submitGather(i + 1);
            long start = timeline.now();
            B block = materialise(i, full);
            inputs.add(x);
            try (var off = Autograd.noGrad()) {
                x = forward.apply(block, Variable.constant(x)).value();
            }
            close(block);
            timeline.record(Timeline.Lane.COMPUTE, Timeline.Kind.FORWARD, "fwd " + i, start, timeline.now());
            if (!prefetch && i + 1 < n) next = submitGather(i + 1);
        }
        if (prefetch) next = submitGather(n - 1);    // the backward starts with the last block again
        long start = timeline.now();
        Variable out = Variable.parameter(x);
        Variable l = loss.apply(out);
        double lossValue = l.value().getDouble(0);
        l.backward(Tensor.full(l.dtype(), 1.0 / topo.devicesPerMachine(), l.shape()));
        Tensor gy = out.grad();
        timeline.record(Timeline.Lane.COMPUTE, Timeline.Kind.BACKWARD, "loss", start, timeline.now());
        if (!prefetch) next = submitGather(n - 1);
        List<Future<Tensor>> scatters = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            Tensor full = await(next, Timeline.Kind.WAIT_GATHER, "block " + i);
            if (prefetch && i > 0) next = submitGather(i - 1);
            start = timeline.now();
            B block = materialise(i, full);
            Variable xi = Variable.parameter(inputs.get(i));
            forward.apply(block, xi).backward(gy);
            Tensor packed = Tensor.zeros(DType.F32, Math.toIntExact(topo.devicesPerMachine() * layouts.get(i).shardLength()));
            layouts.get(i).pack(gradients(block), packed);
            gy = xi.grad();
            close(block);
            timeline.record(Timeline.Lane.COMPUTE, Timeline.Kind.BACKWARD, "bwd " + i, start, timeline.now());
            int b = i;
            scatters.add(submit(() -> reduceScatter(b, packed)));
            if (!prefetch && i > 0) next = submitGather(i - 1);
        }
        for (Future<Tensor> f : scatters) await(f, Timeline.Kind.WAIT_REDUCE, "reduce-scatter");
        await(submit(this::crossMachine), Timeline.Kind.WAIT_REDUCE, "cross-machine");
        start = timeline.now();
        for (int i = 0; i < n; i++) shards.get(i).setGrad(shardGrads.get(i));
        optimizer.step();
        for (Parameter p : shards) p.zeroGrad();
        timeline.record(Timeline.Lane.COMPUTE, Timeline.Kind.OPTIMIZER, "adamw", start, timeline.now());
        return lossValue;
    }

    /** Collective: every block's full parameters (fresh tensors, dotted names as in the block), on every rank. */
    public List<Map<String, Tensor>> gatherFullParameters() {
        List<Map<String, Tensor>> out = new ArrayList<>();
        for (int i = 0; i < layouts.size(); i++) {
            int b = i;
            Tensor full = await(submit(() -> gather(b)), Timeline.Kind.WAIT_GATHER, "checkpoint gather");
            B block = materialise(i, full);
            Map<String, Tensor> state = new java.util.LinkedHashMap<>();
            block.stateDict().forEach((k, v) -> state.put(k, v.copy()));
            close(block);
            out.add(state);
        }
        return out;
    }

    private Future<Tensor> submitGather(int block) { return submit(() -> gather(block)); }

    private Future<Tensor> submit(Callable<Tensor> task) { return comm.submit(task); }

    private Tensor gather(int block) {
        long start = timeline.now();
        ShardLayout layout = layouts.get(block);
        Tensor full = Tensor.zeros(DType.F32, Math.toIntExact(topo.devicesPerMachine() * layout.shardLength()));
        topo.intraMachine().allGather(shards.get(block).value(), full);
        timeline.record(Timeline.Lane.COMM, Timeline.Kind.ALL_GATHER, "gather " + block, start, timeline.now());
        return full;
    }

    private Tensor reduceScatter(int block, Tensor packed) {
        long start = timeline.now();
        topo.intraMachine().reduceScatter(packed, shardGrads.get(block));
        packed.close();
        timeline.record(Timeline.Lane.COMM, Timeline.Kind.REDUCE_SCATTER, "scatter " + block, start, timeline.now());
        return shardGrads.get(block);
    }

    /** Averages every shard gradient over the machines (same-ordinal group). */
    private Tensor crossMachine() {
        if (topo.machines() == 1) {
            for (int i = 0; i < shardGrads.size(); i++) machineGrads.get(i).copyFrom(shardGrads.get(i));
            return null;
        }
        long start = timeline.now();
        for (int i = 0; i < shardGrads.size(); i++) machineGrads.get(i).copyFrom(shardGrads.get(i));
        List<Tensor> views = new ArrayList<>();
        for (int i = 0; i < layouts.size(); i++) {
            for (int p = 0; p < layouts.get(i).parameterCount(); p++) views.add(layouts.get(i).shardView(shardGrads.get(i), p));
        }
        if (powerSgd != null) {
            powerSgd.reduce(views);
        } else {
            float machines = topo.machines();
            for (Tensor g : shardGrads) {
                topo.interMachine().allReduce(g);
                java.lang.foreign.MemorySegment m = g.segment();
                for (long j = 0; j < g.numel(); j++) m.setAtIndex(FLOAT, j, m.getAtIndex(FLOAT, j) / machines);
            }
        }
        timeline.record(Timeline.Lane.COMM, Timeline.Kind.CROSS_MACHINE, powerSgd != null ? "powersgd" : "all-reduce", start, timeline.now());
        return null;
    }

    private B materialise(int index, Tensor rankMajor) {
        B block = factory.build(index);
        layouts.get(index).unpack(rankMajor, block.parameters().stream().map(Parameter::value).toList());
        rankMajor.close();
        return block;
    }

    private static List<Tensor> gradients(Module block) {
        List<Tensor> out = new ArrayList<>();
        for (Parameter p : block.parameters()) out.add(p.grad() != null ? p.grad().contiguous() : Tensor.zeros(DType.F32, p.shape()));
        return out;
    }

    /** Frees a gathered block: its parameters and gradients. */
    private static void close(Module block) {
        for (Parameter p : block.parameters()) {
            if (p.grad() != null) p.grad().close();
            p.value().close();
        }
    }

    private <T> T await(Future<T> f, Timeline.Kind kind, String what) {
        long start = timeline.now();
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException("communication for " + what + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        } finally {
            timeline.record(Timeline.Lane.COMPUTE, kind, "wait " + what, start, timeline.now());
        }
    }

    @Override
    public void close() {
        comm.shutdownNow();
    }
}
