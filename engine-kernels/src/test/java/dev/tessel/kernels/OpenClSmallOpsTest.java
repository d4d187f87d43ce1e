package dev.tessel.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.kernels.opencl.OpenClBackend;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * small_ops.cu on PoCL against the Reference backend: the GELUs, layerNorm (with and without
 * weight and bias, rows longer than a work-group, a sliced view), softmax cross-entropy (I32 and
 * I64 targets), embedding (bit copies), for F32, F16 and BF16; F64 goes to the host and is
 * checked too. Tolerances: DalleOpsTestTensors.tolerance, the float-kernel-vs-double-oracle
 * bounds the Cpu backend is held to.
 */
class OpenClSmallOpsTest {
    private static final Backend REF = Backends.reference();
    private static final List<DType> DTYPES = List.of(DType.F32, DType.F16, DType.BF16, DType.F64);
    private static OpenClBackend cl;

    @BeforeAll
    static void open() { cl = OpenClTestSupport.backend(); }

    @Test
    void gelusMatchReference() {
        for (DType d : DTYPES) {
            Tensor x = KernelTestSupport.slicedView(d, 31, -6, 6, 17, 23);
            for (UnaryOp op : new UnaryOp[] {UnaryOp.GELU_ERF, UnaryOp.GELU_TANH, UnaryOp.GELU_SIGMOID}) {
                DalleOpsTestTensors.assertClose(REF.unary(op, x), cl.unary(op, x), d, "opencl " + op + " " + d);
            }
            DalleOpsTestTensors.assertClose(REF.unary(UnaryOp.TANH, x), cl.unary(UnaryOp.TANH, x), d, "tanh goes to the host " + d);
        }
    }

    @Test
    void layerNormMatchesReference() {
        for (DType d : DTYPES) {
            Tensor x = KernelTestSupport.slicedView(d, 32, -2, 3, 7, 300);
            Tensor w = KernelTestSupport.random(d, 33, 0.5, 1.5, 300), b = KernelTestSupport.random(d, 34, -1, 1, 300);
            DalleOpsTestTensors.assertClose(REF.layerNorm(x, w, b, 1e-5), cl.layerNorm(x, w, b, 1e-5), d, "opencl layerNorm " + d);
            DalleOpsTestTensors.assertClose(REF.layerNorm(x, null, null, 1e-5), cl.layerNorm(x, null, null, 1e-5), d, "opencl layerNorm no affine " + d);
        }
    }

    @Test
    void crossEntropyMatchesReference() {
        for (DType d : DTYPES) {
            Tensor logits = KernelTestSupport.random(d, 35, -4, 4, 9, 301);
            for (DType idType : new DType[] {DType.I32, DType.I64}) {
                Tensor targets = KernelTestSupport.randomIds(idType, 36, 301, 9);
                DalleOpsTestTensors.assertClose(REF.softmaxCrossEntropy(logits, targets), cl.softmaxCrossEntropy(logits, targets), d,
                        "opencl softmaxCrossEntropy " + d + " " + idType);
            }
        }
    }

    @Test
    void embeddingCopiesRowsBitForBit() {
        for (DType d : DTYPES) {
            Tensor table = KernelTestSupport.random(d, 37, -1, 1, 11, 7);
            Tensor ids = KernelTestSupport.randomIds(DType.I32, 38, 11, 3, 5);
            KernelTestSupport.assertBitsEqual(REF.embedding(table, ids), cl.embedding(table, ids), "opencl embedding " + d);
        }
        Tensor bad = Tensor.ofInts(new int[] {0, 11}, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> cl.embedding(Tensor.zeros(DType.F32, 11, 7), bad));
        assertTrue(e.getMessage().contains("embedding") && e.getMessage().contains("11"), e.getMessage());
    }
}
