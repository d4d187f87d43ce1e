// ScalePlan: what training a transformer preset on a GPU cluster costs per GPU and per step under
// the paper's scheme (section 2.5, appendix D-E): parameters, gradients and Adam moments sharded
// over the m GPUs of a machine, resblocks all-gathered before use (forward and the checkpointed
// recompute) and gradients reduce-scattered, then averaged across machines (fp32 ring all-reduce,
// or PowerSGD with 16-bit P and Q). Nothing is measured: every number is a stated formula of the
// config, the cluster shape and the hardware figures the caller gives (docs/scaling.md).
//
// Invariants: the parameter count is TextToImageTransformer.parameterCount (never a second count);
// the activation bytes are MemoryBudget's batch-1 items times the per-GPU batch; the compressed
// matrices are the four resblock weights per layer (qkv d x 3d, attention out d x d, fc d x 4d,
// mlp out 4d x d), each compressed as a whole at rank min(r, rows, cols) with its factors split
// evenly over the machine's m GPUs; everything else (embeddings, heads, gains, biases) travels
// uncompressed in fp32. Byte counts are what one GPU sends in ring collectives.
package dev.tessel.models.transformer;

/** Per-GPU memory, traffic and step time of one preset on one cluster. */
public final class ScalePlan {
    /** Bytes of one fp16 / 1-6-9 / 0-6-10 value. */
    private static final int HALF = 2;
    /** Bytes of one fp32 value. */
    private static final int SINGLE = 4;

    /**
     * Hardware figures (never measured here).
     *
     * @param peakTflops     peak 16-bit matmul throughput of one GPU, TFLOP/s
     * @param utilisation    assumed fraction of the peak reached on average (0, 1]
     * @param intraGBps      per-GPU bandwidth inside a machine, GB/s (each GPU sends at this rate)
     * @param interGBps      bandwidth of one machine's network link, GB/s (shared by its GPUs)
     * @param memoryGiB      memory of one GPU, GiB
     */
    public record Hardware(double peakTflops, double utilisation, double intraGBps, double interGBps, double memoryGiB) {
        /** V100 SXM2 16 GB: 125 TFLOP/s tensor-core fp16 peak, 30% assumed, NVLink ~100 GB/s, 100 Gb/s InfiniBand per machine. */
        public static Hardware v100() { return new Hardware(125, 0.30, 100, 12.5, 16); }

        public Hardware {
            if (!(peakTflops > 0) || !(utilisation > 0 && utilisation <= 1) || !(intraGBps > 0) || !(interGBps > 0) || !(memoryGiB > 0)) {
                throw new IllegalArgumentException("ScalePlan.Hardware: need positive throughput and bandwidths, utilisation in (0, 1] and positive memory; got "
                        + peakTflops + " TFLOP/s, " + utilisation + ", " + intraGBps + " GB/s, " + interGBps + " GB/s, " + memoryGiB + " GiB");
            }
        }
    }

    /** Memory of one GPU, bytes. */
    public record Memory(long parameters, long gradients, long adamMoments, long errorBuffers, long gatheredBlocks, long activations) {
        public long total() { return parameters + gradients + adamMoments + errorBuffers + gatheredBlocks + activations; }
    }

    /** Bytes one GPU sends per step, and the step time they and the FLOPs imply. */
    public record Traffic(long intraMachine, long interMachinePlain, long interMachinePowerSgd) {
        /** 1 - bytes with PowerSGD / bytes without: the whole model's achieved compression. */
        public double achievedCompression() { return 1 - (double) interMachinePowerSgd / interMachinePlain; }
    }

    private final TransformerConfig config;
    private final int gpus, devicesPerMachine, batchPerGpu, rank;
    private final long parameters;

    /**
     * @param globalBatch samples per step over all GPUs (a multiple of gpus)
     * @param rank        PowerSGD rank r (0 = no PowerSGD: no error buffers)
     */
    public ScalePlan(TransformerConfig config, int gpus, int devicesPerMachine, int globalBatch, int rank) {
        if (gpus < 1 || devicesPerMachine < 1 || gpus % devicesPerMachine != 0) {
            throw new IllegalArgumentException("ScalePlan: --gpus must be a positive multiple of --devices-per-machine, got " + gpus + " GPUs and " + devicesPerMachine + " per machine");
        }
        if (globalBatch < gpus || globalBatch % gpus != 0) {
            throw new IllegalArgumentException("ScalePlan: the global batch must be a positive multiple of the GPU count, got batch " + globalBatch + " on " + gpus + " GPUs");
        }
        if (rank < 0) throw new IllegalArgumentException("ScalePlan: the PowerSGD rank must be >= 0, got " + rank);
        this.config = config;
        this.gpus = gpus;
        this.devicesPerMachine = devicesPerMachine;
        this.batchPerGpu = globalBatch / gpus;
        this.rank = rank;
        this.parameters = TextToImageTransformer.parameterCount(config);
    }

    public long parameters() { return parameters; }

    public int machines() { return gpus / devicesPerMachine; }

    public int batchPerGpu() { return batchPerGpu; }

    /** The paper's compression rate: one d x 4d matrix at rank r, 16-bit P and Q against its fp32 gradient: 1 - 5r/(8d). */
    public double paperCompressionRate() {
        long d = config.dModel(), k = Math.min(rank, d);
        return 1 - (double) (d + 4 * d) * k * HALF / (4 * d * d * SINGLE);
    }

    public Memory memory() {
        long m = devicesPerMachine;
        long shard = ceilDiv(parameters, m);
        long errorBuffers = rank == 0 ? 0 : HALF * ceilDiv(compressedElements(), m);
        // current + prefetched gathered resblock in fp16, plus the full fp16 gradient of the block in backward before its reduce-scatter
        long block = Math.max(AttentionResblock.parameterCount(config), MlpResblock.parameterCount(config));
        return new Memory(HALF * shard, HALF * shard, 2 * HALF * shard, errorBuffers, 3 * HALF * block,
                batchPerGpu * MemoryBudget.activationsAtBatchOne(config));
    }

    public Traffic traffic() {
        long m = devicesPerMachine, machines = machines();
        // ring all-gather / reduce-scatter: each GPU sends (m-1)/m of the full array; two gathers (forward, recompute) + one reduce-scatter, fp16
        long intra = 3 * ringShare(HALF * parameters, m);
        // ring all-reduce among the same-ordinal GPUs of every machine: 2 (M-1)/M of the payload
        long plain = 2 * ringShare(SINGLE * ceilDiv(parameters, m), machines);
        long uncompressed = parameters - compressedElements();
        long payload = HALF * ceilDiv(factorElements(), m) + SINGLE * ceilDiv(uncompressed + incompressibleElements(), m);
        long compressed = rank == 0 ? plain : 2 * ringShare(payload, machines);
        return new Traffic(intra, plain, compressed);
    }

    /** Matmul FLOPs of one training step on one GPU: forward, checkpointed recompute of the resblocks, backward (2x forward). */
    public double flopsPerGpu() {
        double t = config.sequenceLength(), d = config.dModel();
        double stackForward = 2 * t * compressedElements();
        for (int layer = 1; layer <= config.layers(); layer++) {
            // q k^T and the weighted sum of v over the visible pairs, every head: 2 * 2 * pairs * headDim * heads
            stackForward += 4.0 * ResblockStack.layerPattern(config, layer).visiblePairs() * d;
        }
        double headsForward = 2.0 * (config.textLength() - 1) * d * config.textTableRows() + 2.0 * config.imageTokens() * d * config.imageVocab();
        return batchPerGpu * (4 * stackForward + 3 * headsForward);
    }

    /** Step-time parts in seconds: compute, intra-machine and inter-machine communication (with or without PowerSGD). */
    public double[] stepSeconds(Hardware hw, boolean powerSgd) {
        Traffic tr = traffic();
        double compute = flopsPerGpu() / (hw.peakTflops() * 1e12 * hw.utilisation());
        double intra = tr.intraMachine() / (hw.intraGBps() * 1e9);
        // the machine's m GPUs share its link
        double inter = (powerSgd ? tr.interMachinePowerSgd() : tr.interMachinePlain()) * (double) devicesPerMachine / (hw.interGBps() * 1e9);
        return new double[] {compute, intra, inter};
    }

    /** Elements of the four resblock weight matrices of every layer (what PowerSGD sees). */
    long compressedElements() {
        long sum = 0;
        for (long[] rc : resblockMatrices()) sum += rc[0] * rc[1];
        return config.layers() * sum;
    }

    /** Elements of P and Q of every compressed matrix (zero for matrices where the factors would not be smaller). */
    private long factorElements() {
        long sum = 0;
        for (long[] rc : resblockMatrices()) if (compresses(rc)) sum += (rc[0] + rc[1]) * Math.min(rank, Math.min(rc[0], rc[1]));
        return config.layers() * sum;
    }

    /** Elements of resblock matrices the rank is too high to compress: they go uncompressed in fp32. */
    private long incompressibleElements() {
        long sum = 0;
        for (long[] rc : resblockMatrices()) if (!compresses(rc)) sum += rc[0] * rc[1];
        return config.layers() * sum;
    }

    private boolean compresses(long[] rc) {
        long k = Math.min(rank, Math.min(rc[0], rc[1]));
        return (rc[0] + rc[1]) * k * HALF < rc[0] * rc[1] * SINGLE;
    }

    /** Rows x cols of the weights of one attention and one MLP resblock (Linear weights are [out, in]). */
    private long[][] resblockMatrices() {
        long d = config.dModel(), w = MlpResblock.WIDTH_RATIO * d;
        return new long[][] {{3 * d, d}, {d, d}, {w, d}, {d, w}};
    }

    private static long ringShare(long bytes, long members) { return members <= 1 ? 0 : bytes / members * (members - 1); }

    private static long ceilDiv(long a, long b) { return (a + b - 1) / b; }
}
