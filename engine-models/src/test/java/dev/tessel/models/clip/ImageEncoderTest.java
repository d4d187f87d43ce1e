// Tests of the reranker's image tower with the colour apart: the ink map is the same for a shape in
// every colour (and is 1 on the object, 0 on the background), the outline tower is blind to colour,
// and the config with a colour tower survives its JSON form and a checkpoint.
package dev.tessel.models.clip;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.autograd.Autograd;
import dev.tessel.autograd.Variable;
import dev.tessel.autograd.nn.Parameter;
import dev.tessel.models.data.ShapeColor;
import dev.tessel.models.data.ShapeKind;
import dev.tessel.models.data.ShapeObject;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.ShapesRenderer;
import dev.tessel.models.data.SizeClass;
import dev.tessel.models.data.Split;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageEncoderTest {
    private static final int SIZE = 16;
    private static final ClipConfig SEPARATE = ClipConfig.preset("tiny", SIZE, 3, 48).withSeparateColour(true);

    /** One star at a fixed place, in the given colour: [1, 3, SIZE, SIZE]. */
    private static Tensor star(ShapeColor colour) {
        return ShapesRenderer.render(List.of(new ShapeObject(colour, ShapeKind.STAR, SizeClass.LARGE, 3, 2, 10)), SIZE).unsqueeze(0);
    }

    @Test
    void theInkMapIsOneOnTheObjectAndZeroOnTheBackgroundInEveryColour() {
        float[] first = null;
        for (ShapeColor colour : ShapeColor.values()) {
            Tensor image = star(colour);
            float[] pixels = image.toFloatArray(), ink = ImageEncoder.inkMap(image).toFloatArray();
            int plane = SIZE * SIZE, onObject = 0;
            for (int i = 0; i < plane; i++) {
                boolean background = true;
                for (int c = 0; c < 3; c++) background &= pixels[c * plane + i] == (float) ShapeColor.BACKGROUND[c];
                assertEquals(background ? 0f : 1f, ink[i], "pixel " + i + " of the " + colour.word() + " star");
                if (!background) onObject++;
            }
            assertTrue(onObject > 10, "the star covers " + onObject + " pixels");
            if (first == null) first = ink;
            else assertArrayEquals(first, ink, colour.word() + " star's ink differs from the first colour's");
        }
    }

    @Test
    void withTheColourTowerSilencedAShapeHasTheSameFeaturesInEveryColour() {
        ClipModel model = new ClipModel(SEPARATE, CaptionTokenizer.bytes(48), new SplittableRandom(3));
        Map<String, Parameter> params = model.namedParameters();
                double[] red = features(model, ShapeColor.RED), green = features(model, ShapeColor.GREEN);
        assertFalse(java.util.Arrays.equals(red, green), "with the colour tower on, colour must change the features");
        // the last colour conv's weights at zero: its relu outputs 0 + bias, the same for every pixel colour
        String lastColourConv = "image.colour_" + SEPARATE.convStages() + ".w";
        assertTrue(params.containsKey(lastColourConv), lastColourConv + " not among " + params.keySet());
        Tensor weight = params.get(lastColourConv).value();
        for (long i = 0; i < weight.numel(); i++) weight.setDouble(i, 0);
        red = features(model, ShapeColor.RED);
        green = features(model, ShapeColor.GREEN);
        for (int i = 0; i < red.length; i++) assertEquals(red[i], green[i], 1e-6, "feature " + i);
    }

    private static double[] features(ClipModel model, ShapeColor colour) {
        try (var noGrad = Autograd.noGrad(); Tensor image = star(colour)) {
            Tensor f = model.imageFeatures(Variable.constant(image)).value();
            double[] out = new double[f.dim(1)];
            for (int i = 0; i < out.length; i++) out[i] = f.get(0, i);
            return out;
        }
    }

    @Test
    void theColourTowerIsPartOfTheConfigItsJsonAndItsCheckpoint(@TempDir Path dir) {
        assertEquals(SEPARATE, ClipConfig.fromJson(SEPARATE.toJson()));
        ClipConfig oneTower = ClipConfig.preset("tiny", SIZE, 3, 48);
        assertFalse(oneTower.toJson().contains("separate_colour"), "an older checkpoint's JSON has no such field: " + oneTower.toJson());
        assertEquals(oneTower, ClipConfig.fromJson(oneTower.toJson()));
        var grey = assertThrows(IllegalArgumentException.class, () -> ClipConfig.preset("tiny", SIZE, 1, 48).withSeparateColour(true));
        assertTrue(grey.getMessage().contains("3-channel"), grey.getMessage());

        ShapesDataset train = new ShapesDataset(Split.TRAIN, 5, SIZE);
        ClipTrainer trainer = new ClipTrainer(new ClipModel(SEPARATE, CaptionTokenizer.bytes(48), new SplittableRandom(1)), train,
                new ClipTrainer.Options(4, 1e-3, 2), 2);
        trainer.trainStep();
        Path checkpoint = dir.resolve("clip.safetensors");
        trainer.save(checkpoint, new float[0]);
        ClipModel loaded = ClipCheckpoint.load(checkpoint, (name, context) -> CaptionTokenizer.forCheckpoint(name, context, null)).model();
        assertEquals(SEPARATE, loaded.config());
        try (Tensor image = star(ShapeColor.BLUE)) {
            assertArrayEquals(trainer.model().scores("a blue star", image), loaded.scores("a blue star", image), 0);
        }
    }
}
