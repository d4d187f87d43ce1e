// Tests of the reranker: the loss against a direct double computation, causal padding
// independence, learning on a fixed batch, and checkpoint resume reproducing an unbroken run.
package dev.tessel.models.clip;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.kernels.Backends;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.dvae.Dvae;
import dev.tessel.models.dvae.DvaeConfig;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.data.Split;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipModelTest {
    private static final ClipConfig TINY = ClipConfig.preset("tiny", 16, 3, 48);

    private static ClipModel tiny(long seed) { return new ClipModel(TINY, CaptionTokenizer.bytes(48), new SplittableRandom(seed)); }

    @Test
    void lossIsTheMeanOfBothCrossEntropiesOverCosineLogits() {
        ClipModel model = tiny(1);
        try (ImageBatch batch = ImageBatch.range(new ShapesDataset(Split.TRAIN, 3, 16), 0, 5)) {
            double loss = model.loss(batch.images(), batch.captions()).value().getDouble(0);
            double[][] img, txt;
            try (var n = Autograd.noGrad()) {
                img = rows(model.imageFeatures(Variable.constant(batch.images())).value());
                txt = rows(model.textFeatures(batch.captions()).value());
            }
            int b = img.length;
            double scale = model.logitScale();
            double[][] logits = new double[b][b];
            for (int i = 0; i < b; i++) {
                assertEquals(1, dot(img[i], img[i]), 1e-5, "image features are unit vectors");
                assertEquals(1, dot(txt[i], txt[i]), 1e-5, "text features are unit vectors");
                for (int j = 0; j < b; j++) logits[i][j] = scale * dot(img[i], txt[j]);
            }
            double expected = 0;
            for (int i = 0; i < b; i++) {
                double rowMax = Double.NEGATIVE_INFINITY, colMax = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < b; j++) { rowMax = Math.max(rowMax, logits[i][j]); colMax = Math.max(colMax, logits[j][i]); }
                double rowSum = 0, colSum = 0;
                for (int j = 0; j < b; j++) { rowSum += Math.exp(logits[i][j] - rowMax); colSum += Math.exp(logits[j][i] - colMax); }
                expected += (rowMax + Math.log(rowSum) - logits[i][i]) + (colMax + Math.log(colSum) - logits[i][i]);
            }
            expected /= 2 * b;
            // float32 features and logits up to ~14: agreement to ~1e-5 relative
            assertEquals(expected, loss, 1e-4 * Math.max(1, expected));
        }
    }

    @Test
    void aCaptionsFeaturesDoNotDependOnThePaddingOfItsBatch() {
        ClipModel model = tiny(2);
        try (var n = Autograd.noGrad()) {
            double[] alone = rows(model.textFeatures(List.of("a red circle")).value())[0];
            double[] padded = rows(model.textFeatures(List.of("a red circle", "a green square left of a blue star")).value())[0];
            for (int i = 0; i < alone.length; i++) assertEquals(alone[i], padded[i], 1e-5, "feature " + i);
        }
    }

    @Test
    void trainingOnOneBatchLowersItsLossAndKeepsTheTemperatureInRange() {
        ClipModel model = tiny(3);
        var adam = new dev.tessel.autograd.optim.AdamW(model.parameters(), 3e-3);
        try (ImageBatch batch = ImageBatch.range(new ShapesDataset(Split.TRAIN, 4, 16), 0, 8)) {
            double first = 0, last = 0;
            for (int s = 0; s < 25; s++) {
                model.zeroGrad();
                Variable loss = model.loss(batch.images(), batch.captions());
                loss.backward();
                adam.step();
                model.clampTemperature();
                if (s == 0) first = loss.value().getDouble(0);
                last = loss.value().getDouble(0);
            }
            assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
            assertTrue(model.logitScale() >= 1 && model.logitScale() <= 100 + 1e-9, "scale " + model.logitScale());
        }
    }

    @Test
    void resumingFromACheckpointReproducesAnUnbrokenRun(@TempDir Path dir) {
        // the Cpu backend's threaded reductions may differ in the last bit between runs, so bit
        // equality is checked on the Reference backend, whose summation order is fixed
        try (var reference = Autograd.backend(Backends.reference())) {
            resumeReproducesUnbrokenRun(dir);
        }
    }

    private static void resumeReproducesUnbrokenRun(Path dir) {
        ShapesDataset train = new ShapesDataset(Split.TRAIN, 5, 16);
        ClipTrainer.Options options = new ClipTrainer.Options(4, 1e-3, 9);
        ClipTrainer unbroken = new ClipTrainer(tiny(7), train, options, 4);
        float[] losses = new float[4];
        for (int s = 0; s < 4; s++) losses[s] = (float) unbroken.trainStep();
        // the same run killed after its step-2 checkpoint, then resumed from it
        Path checkpoint = dir.resolve("clip.safetensors");
        ClipTrainer first = new ClipTrainer(tiny(7), train, options, 4);
        float[] head = {(float) first.trainStep(), (float) first.trainStep()};
        first.save(checkpoint, head);
        ClipTrainer resumed = ClipTrainer.resume(checkpoint, train, options, TINY, null);
        assertEquals(2, resumed.step());
        assertEquals(4, resumed.scheduledSteps());
        assertArrayEquals(head, resumed.restoredLosses());
        float[] tail = {(float) resumed.trainStep(), (float) resumed.trainStep()};
        assertArrayEquals(new float[] {losses[2], losses[3]}, tail);
        Map<String, Tensor> expected = unbroken.model().stateDict();
        for (var e : resumed.model().stateDict().entrySet()) {
            assertArrayEquals(expected.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), e.getKey());
        }
    }

    @Test
    void shapeTwinsChangeOneShapeToASeenPairAndFillHalfOfEachBatch() {
        ShapesDataset train = new ShapesDataset(Split.TRAIN, 5, 16);
        SplittableRandom random = new SplittableRandom(3);
        for (long i = 0; i < 2000; i++) {
            ShapesCaption caption = train.scene(i).caption(), twin = caption.shapeTwin(random);
            assertNotNull(twin, caption.text());
            assertFalse(twin.containsHeldOutPair(), twin.text());
            assertEquals(caption.relation(), twin.relation());
            int changed = 0;
            for (int o = 0; o < caption.objects().size(); o++) {
                ShapesCaption.Phrase a = caption.objects().get(o), b = twin.objects().get(o);
                assertEquals(a.color(), b.color(), twin.text());
                assertEquals(a.size(), b.size(), twin.text());
                if (a.shape() != b.shape()) changed++;
            }
            assertEquals(1, changed, caption.text() + " -> " + twin.text());
        }
        ClipTrainer trainer = new ClipTrainer(tiny(1), train, new ClipTrainer.Options(8, 1e-3, 4, true, false, null), 2);
        try (ImageBatch batch = trainer.batch(0)) {
            List<String> captions = batch.captions();
            assertEquals(8, captions.size());
            assertEquals(8, captions.stream().distinct().count(), "distinct captions: " + captions);
            for (String twin : captions.subList(4, 8)) {
                // each twin is one shape word away from one of the first half
                long partners = captions.subList(0, 4).stream().filter(c -> oneWordApart(c, twin)).count();
                assertTrue(partners >= 1, twin + " has no original in " + captions);
            }
        }
        // another training set (the shapes images under another name): twins need the shapes grammar
        dev.tessel.models.data.ImageCaptionDataset other = new dev.tessel.models.data.ImageCaptionDataset() {
            @Override public String name() { return "folder"; }
            @Override public Split split() { return Split.TRAIN; }
            @Override public long size() { return 10; }
            @Override public int channels() { return 3; }
            @Override public int height() { return 16; }
            @Override public int width() { return 16; }
            @Override public dev.tessel.models.data.Example get(long index) { return train.get(index); }
        };
        var e = assertThrows(IllegalArgumentException.class, () -> new ClipTrainer(tiny(1), other, new ClipTrainer.Options(8, 1e-3, 4, true, false, null), 2));
        assertTrue(e.getMessage().contains("shape twins"), e.getMessage());
    }

    @Test
    void bindingTwinsSwapTheColoursOfSomeTwoObjectCaptionsAndNeedShapeTwins() {
        ShapesDataset train = new ShapesDataset(Split.TRAIN, 5, 16);
        ClipTrainer trainer = new ClipTrainer(tiny(1), train, new ClipTrainer.Options(16, 1e-3, 4, true, true, null), 2);
        int swaps = 0, shapes = 0;
        for (long t = 0; t < 6; t++) {
            try (ImageBatch batch = trainer.batch(t)) {
                List<String> captions = batch.captions();
                assertEquals(captions.size(), captions.stream().distinct().count(), "distinct captions: " + captions);
                for (String twin : captions.subList(8, captions.size())) {
                    boolean swap = captions.subList(0, 8).stream().anyMatch(c -> twin.equals(swapped(c)));
                    boolean shape = captions.subList(0, 8).stream().anyMatch(c -> oneWordApart(c, twin));
                    assertTrue(swap || shape, twin + " is neither a colour swap nor a shape twin of " + captions);
                    if (swap) swaps++;
                    else shapes++;
                }
            }
        }
        assertTrue(swaps > 0 && shapes > 0, "colour swaps " + swaps + ", shape twins " + shapes);
        var e = assertThrows(IllegalArgumentException.class, () -> new ClipTrainer.Options(8, 1e-3, 4, false, true, null));
        assertTrue(e.getMessage().contains("shape twins"), e.getMessage());
    }

    /** The caption with its two objects' colours swapped, or null (ShapesCaption.colourSwapTwin). */
    private static String swapped(String caption) {
        ShapesCaption twin = ShapesCaption.parse(caption).colourSwapTwin();
        return twin == null ? null : twin.text();
    }

    @Test
    void withADvaeEveryOtherBatchTrainsOnItsReconstructions() {
        ShapesDataset train = new ShapesDataset(Split.TRAIN, 5, 16);
        DvaeTokenizer dvae = DvaeTokenizer.of(new Dvae(new DvaeConfig(16, 3, 3, 1, 8, 16, 64), 2));
        ClipTrainer trainer = new ClipTrainer(tiny(1), train, new ClipTrainer.Options(4, 1e-3, 4, false, false, dvae), 4);
        try (ImageBatch even = trainer.batch(0); ImageBatch odd = trainer.batch(1)) {
            assertNull(trainer.reconstruction(even, 0), "even steps train on the drawings themselves");
            try (Tensor got = trainer.reconstruction(odd, 1); Tensor ids = dvae.encode(odd.images()); Tensor want = dvae.decode(ids)) {
                assertArrayEquals(want.toFloatArray(), got.toFloatArray());
                assertFalse(java.util.Arrays.equals(odd.images().toFloatArray(), got.toFloatArray()), "a reconstruction is not the drawing");
            }
        }
        assertTrue(Double.isFinite(trainer.trainStep()) && Double.isFinite(trainer.trainStep()));
        DvaeTokenizer wrongSize = DvaeTokenizer.of(new Dvae(new DvaeConfig(32, 3, 3, 1, 8, 16, 64), 2));
        var e = assertThrows(IllegalArgumentException.class, () -> new ClipTrainer(tiny(1), train, new ClipTrainer.Options(4, 1e-3, 4, false, false, wrongSize), 4));
        assertTrue(e.getMessage().contains("3x32x32") && e.getMessage().contains("3x16x16"), e.getMessage());
    }

    private static boolean oneWordApart(String a, String b) {
        String[] x = a.split(" "), y = b.split(" ");
        if (x.length != y.length) return false;
        int differ = 0;
        for (int i = 0; i < x.length; i++) if (!x[i].equals(y[i])) differ++;
        return differ == 1;
    }

    @Test
    void aCheckpointOfAnotherConfigIsRefusedWithBothConfigsNamed(@TempDir Path dir) {
        ShapesDataset train = new ShapesDataset(Split.TRAIN, 5, 16);
        ClipTrainer.Options options = new ClipTrainer.Options(2, 1e-3, 1);
        Path checkpoint = dir.resolve("clip.safetensors");
        new ClipTrainer(tiny(1), train, options, 2).save(checkpoint, new float[0]);
        ClipConfig other = ClipConfig.preset("tiny", 32, 3, 48);
        var e = assertThrows(IllegalArgumentException.class, () -> ClipTrainer.resume(checkpoint, train, options, other, null));
        assertTrue(e.getMessage().contains("\"image_size\":16") && e.getMessage().contains("\"image_size\":32"), e.getMessage());
        var wrongSplit = assertThrows(IllegalArgumentException.class,
                () -> new ClipTrainer(tiny(1), new ShapesDataset(Split.HELD_OUT, 5, 16), options, 2));
        assertTrue(wrongSplit.getMessage().contains("held-out"), wrongSplit.getMessage());
    }

    private static double[][] rows(Tensor t) {
        int b = t.dim(0), d = t.dim(1);
        double[][] out = new double[b][d];
        for (int i = 0; i < b; i++) for (int j = 0; j < d; j++) out[i][j] = t.get(i, j);
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
