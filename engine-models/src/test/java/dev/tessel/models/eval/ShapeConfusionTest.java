package dev.tessel.models.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tessel.models.data.Example;
import dev.tessel.models.data.ShapeColor;
import dev.tessel.models.data.ShapeKind;
import dev.tessel.models.data.ShapeObject;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.ShapesRenderer;
import dev.tessel.models.data.SizeClass;
import dev.tessel.models.data.Split;
import dev.tessel.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape confusion against drawings whose shapes are known. */
class ShapeConfusionTest {
    private final ShapesReader reader = new ShapesReader();

    @Test
    void cleanDrawingsKeepEveryShape() {
        ShapesDataset data = new ShapesDataset(Split.TEST, 5, 32);
        ShapeConfusion confusion = new ShapeConfusion();
        int drawn = 0;
        for (long i = 0; i < 300; i++) {
            Example e = data.get(i);
            try (Tensor image = e.image()) {
                confusion.add(e.objects(), reader.read(image));
            }
            drawn += e.objects().size();
        }
        int counted = 0;
        for (SizeClass size : SizeClass.values()) {
            for (ShapeKind shape : ShapeKind.values()) {
                int n = confusion.objects(size, shape);
                assertTrue(n > 0, "300 scenes draw every shape at every size; none of " + size + " " + shape);
                assertEquals(n, confusion.readAs(size, shape, shape), size + " " + shape);
                assertEquals(1.0, confusion.kept(size, shape));
                assertEquals(0, confusion.missing(size, shape));
                counted += n;
            }
        }
        assertEquals(drawn, counted, "every drawn object is counted once");
    }

    @Test
    void aShapeReadAsAnotherAndAnAbsentObjectAreCountedAsSuch() {
        ShapeObject square = new ShapeObject(ShapeColor.RED, ShapeKind.SQUARE, SizeClass.SMALL, 4, 4, 10);
        ShapeObject star = new ShapeObject(ShapeColor.BLUE, ShapeKind.STAR, SizeClass.LARGE, 14, 14, 16);
        ShapeConfusion confusion = new ShapeConfusion();
        // the drawing has a red circle where the caption's drawing had a red square, and no blue star at all
        ShapeObject circle = new ShapeObject(ShapeColor.RED, ShapeKind.CIRCLE, SizeClass.SMALL, 4, 4, 10);
        try (Tensor image = ShapesRenderer.render(List.of(circle), 32)) {
            confusion.add(List.of(square, star), reader.read(image));
        }
        assertEquals(1, confusion.readAs(SizeClass.SMALL, ShapeKind.SQUARE, ShapeKind.CIRCLE));
        assertEquals(0.0, confusion.kept(SizeClass.SMALL, ShapeKind.SQUARE));
        assertEquals(1, confusion.missing(SizeClass.LARGE, ShapeKind.STAR));
        assertTrue(Double.isNaN(confusion.kept(SizeClass.LARGE, ShapeKind.CIRCLE)), "nothing counted: no rate");
        List<String> lines = confusion.summary();
        assertEquals(List.of("small: square 0.00 of 1 (else circle 1)", "large: star 0.00 of 1 (else missing 1)"), lines);
    }
}
