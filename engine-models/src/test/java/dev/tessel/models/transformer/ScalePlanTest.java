// ScalePlanTest: the scale plan reproduces the paper's Table 1 compression rates and its memory and
// traffic scale as the formulas say (sharding divides the parameter state, batch multiplies the
// activations, one machine sends nothing across machines).
package dev.tessel.models.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScalePlanTest {
    @Test
    void reproducesThePapersCompressionRates() {
        // Table 1 of the paper: 83.3% / 85.1% / 85.9% at ranks 512 / 640 / 896, printed to one decimal
        assertEquals(83.3, round1(new ScalePlan(TransformerConfig.preset("2.8b"), 1024, 8, 1024, 512).paperCompressionRate()));
        assertEquals(85.1, round1(new ScalePlan(TransformerConfig.preset("5.6b"), 1024, 8, 1024, 640).paperCompressionRate()));
        assertEquals(85.9, round1(new ScalePlan(TransformerConfig.preset("12b"), 1024, 8, 1024, 896).paperCompressionRate()));
    }

    @Test
    void presetsHaveThePapersWidths() {
        assertEquals(1920, TransformerConfig.preset("2.8b").dModel());
        assertEquals(2688, TransformerConfig.preset("5.6b").dModel());
        assertEquals(3968, TransformerConfig.preset("12b").dModel());
        for (String p : new String[] {"2.8b", "5.6b", "12b"}) {
            assertEquals(64, TransformerConfig.preset(p).headDim(), p);
            assertEquals(64, TransformerConfig.preset(p).layers(), p);
        }
    }

    @Test
    void shardingDividesTheParameterStateAndBatchMultipliesActivations() {
        TransformerConfig c = TransformerConfig.dalle12b();
        ScalePlan.Memory one = new ScalePlan(c, 128, 1, 128, 896).memory();
        ScalePlan.Memory eight = new ScalePlan(c, 1024, 8, 1024, 896).memory();
        long n = TextToImageTransformer.parameterCount(c);
        assertEquals(2 * n, one.parameters());
        assertTrue(Math.abs(8 * eight.parameters() - one.parameters()) <= 16);
        assertTrue(Math.abs(8 * eight.adamMoments() - one.adamMoments()) <= 32);
        assertTrue(Math.abs(8 * eight.errorBuffers() - one.errorBuffers()) <= 16);
        assertEquals(one.activations(), eight.activations(), "same per-GPU batch, same activations");
        assertEquals(4 * one.activations(), new ScalePlan(c, 128, 8, 512, 896).memory().activations(), "batch 4 per GPU");
        assertEquals(0, new ScalePlan(c, 1024, 8, 1024, 0).memory().errorBuffers(), "no PowerSGD, no error buffers");
    }

    @Test
    void trafficScalesWithTheClusterShape() {
        TransformerConfig c = TransformerConfig.dalle12b();
        long n = TextToImageTransformer.parameterCount(c);
        ScalePlan.Traffic oneMachine = new ScalePlan(c, 8, 8, 8, 896).traffic();
        assertEquals(0, oneMachine.interMachinePlain(), "one machine: nothing crosses machines");
        assertEquals(3 * (2 * n / 8 * 7), oneMachine.intraMachine(), "two fp16 all-gathers and one reduce-scatter, 7/8 of the array each");
        ScalePlan.Traffic cluster = new ScalePlan(c, 1024, 8, 1024, 896).traffic();
        long shardBytes = 4 * ((n + 7) / 8);
        assertEquals(2 * (shardBytes / 128 * 127), cluster.interMachinePlain(), "ring all-reduce of the fp32 shard over 128 machines");
        assertTrue(cluster.interMachinePowerSgd() < cluster.interMachinePlain() / 5);
        // the whole model compresses a little less than one d x 4d matrix (square and 3d x d matrices, uncompressed embeddings)
        double whole = cluster.achievedCompression(), paper = new ScalePlan(c, 1024, 8, 1024, 896).paperCompressionRate();
        assertTrue(whole < paper && whole > paper - 0.05, whole + " vs " + paper);
        assertEquals(cluster.interMachinePlain(), new ScalePlan(c, 1024, 8, 1024, 0).traffic().interMachinePowerSgd(), "rank 0 = no PowerSGD");
    }

    @Test
    void rejectsAClusterThatDoesNotSplit() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ScalePlan(TransformerConfig.tiny(), 12, 8, 12, 4));
        assertTrue(e.getMessage().contains("multiple of --devices-per-machine"), e.getMessage());
    }

    private static double round1(double rate) { return Math.round(rate * 1000) / 10.0; }
}
