package dev.tessel.models.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.tessel.models.data.Relation;
import dev.tessel.models.data.ShapeColor;
import dev.tessel.models.data.ShapeKind;
import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import dev.tessel.models.eval.CaptionMatch;
import dev.tessel.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The completion judge on real images, where the answer is known. */
class ImageCompletionTest {
    private final ShapesDataset data = new ShapesDataset(Split.TRAIN, 0);
    private final CaptionMatch match = new CaptionMatch();

    @Test
    void aRealSceneKeepsItsTopObjectAndMatchesItsCaption() {
        ShapesCaption caption = ShapesCaption.two(ShapeColor.BLUE, ShapeKind.SQUARE, Relation.ABOVE, ShapeColor.RED, ShapeKind.STAR);
        for (int variant = 0; variant < 4; variant++) {
            Tensor image = data.draw(data.sceneFor(caption, variant)).image();
            ImageCompletion.Verdict v = ImageCompletion.judge(match, caption, image);
            assertTrue(v.kept() && v.matches(), "variant " + variant + ": " + v);
        }
    }

    @Test
    void aBlankBottomHalfKeepsTheTopButDoesNotMatch() {
        ShapesCaption caption = ShapesCaption.two(ShapeColor.BLUE, ShapeKind.SQUARE, Relation.ABOVE, ShapeColor.RED, ShapeKind.STAR);
        Tensor image = data.draw(data.sceneFor(caption, 1)).image().copy();
        int c = image.dim(0), h = image.dim(1), w = image.dim(2);
        for (int ch = 0; ch < c; ch++) {
            double background = image.getDouble((long) ch * h * w);               // pixel (0, 0) is background
            for (int y = h / 2; y < h; y++) for (int x = 0; x < w; x++) image.setDouble((long) ch * h * w + (long) y * w + x, background);
        }
        ImageCompletion.Verdict v = ImageCompletion.judge(match, caption, image);
        assertTrue(v.kept(), "the upper blue square is still there: " + v);
        assertFalse(v.matches(), "no red star below: " + v);
    }

    @Test
    void onlyAboveCaptionsCanBeCompleted() {
        ShapesCaption left = ShapesCaption.two(ShapeColor.BLUE, ShapeKind.SQUARE, Relation.LEFT_OF, ShapeColor.RED, ShapeKind.STAR);
        Tensor image = data.draw(data.sceneFor(left, 0)).image();
        var e = assertThrows(IllegalArgumentException.class, () -> ImageCompletion.judge(match, left, image));
        assertTrue(e.getMessage().contains("above"), e.getMessage());
    }
}
