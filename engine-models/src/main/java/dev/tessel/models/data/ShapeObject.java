package dev.tessel.models.data;

/**
 * One drawn object of a {@code shapes} image: what it is and where. Coordinates are pixels of the
 * rendered image, x to the right and y down; (x, y) is the top-left corner of the object's
 * {@code extent} x {@code extent} box. Invariant: the box lies inside the image.
 */
public record ShapeObject(ShapeColor color, ShapeKind shape, SizeClass size, double x, double y, double extent) {
    /** "red circle": the colour-shape pair the held-out rule is about. */
    public String pair() {
        return color.word() + " " + shape.word();
    }

    /** Centre of the object's box. */
    public double centerX() {
        return x + extent / 2;
    }

    public double centerY() {
        return y + extent / 2;
    }
}
