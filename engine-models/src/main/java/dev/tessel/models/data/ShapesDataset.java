package dev.tessel.models.data;

import dev.tessel.tensor.Tensor;
import java.util.List;

/**
 * {@code shapes}: the built-in data set — one or two coloured shapes on a dark-gray background
 * with a caption of the grammar in {@link ShapesCaption}, generated on the fly. The full
 * description (sizes, layout, held-out pairs, split streams) is docs/data-shapes.md.
 *
 * <p>Invariants: example i is a pure function of (seed, split, image size, i); {@link Split#TRAIN}
 * and {@link Split#TEST} never contain a held-out colour-shape pair, {@link Split#HELD_OUT}
 * always contains at least one; the three splits draw from independent random streams.
 * Layout is done on a 32-unit canvas and scaled to the image size, so a 64x64 image shows the
 * same scene as the 32x32 one.
 */
public final class ShapesDataset implements ImageCaptionDataset {
    public static final int DEFAULT_IMAGE_SIZE = 32;
    /** Below this the smallest objects (8 units) would be 4 px and unreadable. */
    public static final int MIN_IMAGE_SIZE = 16;

    private static final double CANVAS = 32;
    private static final int MARGIN = 1;
    /** Minimum empty space between two objects' boxes, so same-coloured objects never touch. */
    private static final int GAP = 2;
    /** Largest centre offset across the relation's axis (the other axis' offset is >= 10). */
    private static final int MAX_CROSS_OFFSET = 4;

    private final Split split;
    private final long seed;
    private final int imageSize;

    public ShapesDataset(Split split, long seed) {
        this(split, seed, DEFAULT_IMAGE_SIZE);
    }

    public ShapesDataset(Split split, long seed, int imageSize) {
        if (imageSize < MIN_IMAGE_SIZE) {
            throw new IllegalArgumentException("shapes: image size " + imageSize + " is too small; expected at least " + MIN_IMAGE_SIZE);
        }
        this.split = split;
        this.seed = seed;
        this.imageSize = imageSize;
    }

    /** A caption with its objects placed in the image, before drawing. */
    public record Scene(ShapesCaption caption, List<ShapeObject> objects) {}

    @Override public String name() { return "shapes"; }

    @Override public Split split() { return split; }

    @Override public long size() { return UNBOUNDED; }

    @Override public int channels() { return 3; }

    @Override public int height() { return imageSize; }

    @Override public int width() { return imageSize; }

    public long seed() { return seed; }

    @Override
    public Example get(long index) {
        Scene scene = scene(index);
        return new Example(ShapesRenderer.render(scene.objects(), imageSize), scene.caption().text(), -1, scene.objects());
    }

    /** The caption and layout of example {@code index}, without drawing it. */
    public Scene scene(long index) {
        checkIndex(index);
        ExampleRandom random = new ExampleRandom(seed, split.ordinal() + 1, index);
        return layout(caption(random), random);
    }

    /**
     * A fresh drawing of a given caption (any caption of the grammar, held-out pairs included):
     * the reference images of a prompt. Variant v of a caption is deterministic from the seed.
     */
    public Scene sceneFor(ShapesCaption caption, long variant) {
        if (variant < 0) throw new IllegalArgumentException("shapes: negative variant " + variant);
        ExampleRandom random = new ExampleRandom(seed ^ ExampleRandom.mix(caption.text().hashCode()), 0x5CE4E, variant);
        return layout(caption, random);
    }

    /** Renders a scene at this data set's image size. */
    public Example draw(Scene scene) {
        return new Example(ShapesRenderer.render(scene.objects(), imageSize), scene.caption().text(), -1, scene.objects());
    }

    private ShapesCaption caption(ExampleRandom random) {
        List<ShapesVocabulary.Pair> pool = split == Split.HELD_OUT ? ShapesVocabulary.HELD_OUT_PAIRS : ShapesVocabulary.SEEN_PAIRS;
        if (random.coin()) {
            ShapesVocabulary.Pair p = pool.get(random.below(pool.size()));
            SizeClass size = SizeClass.values()[random.below(2)];
            return ShapesCaption.one(random.coin() ? size : null, p.color(), p.shape());
        }
        Relation relation = Relation.values()[random.below(4)];
        ShapesVocabulary.Pair a;
        ShapesVocabulary.Pair b;
        if (split == Split.HELD_OUT) {
            // One side is held out (which one is random); the other may be any pair.
            ShapesVocabulary.Pair held = pool.get(random.below(pool.size()));
            ShapesVocabulary.Pair any = ShapesVocabulary.ALL_PAIRS.get(random.below(ShapesVocabulary.ALL_PAIRS.size()));
            boolean heldFirst = random.coin();
            a = heldFirst ? held : any;
            b = heldFirst ? any : held;
        } else {
            a = pool.get(random.below(pool.size()));
            b = pool.get(random.below(pool.size()));
        }
        return ShapesCaption.two(a.color(), a.shape(), relation, b.color(), b.shape());
    }

    /**
     * Places the caption's objects. A one-object caption without a size word gets a random size.
     * Two objects are small and sit on either side of the relation's axis with a gap; across
     * that axis their centres differ by at most 4 units, along it by at least 10.
     */
    private Scene layout(ShapesCaption caption, ExampleRandom random) {
        double scale = imageSize / CANVAS;
        List<ShapesCaption.Phrase> phrases = caption.objects();
        if (phrases.size() == 1) {
            ShapesCaption.Phrase p = phrases.get(0);
            SizeClass size = p.size() != null ? p.size() : SizeClass.values()[random.below(2)];
            int extent = random.between(size.minExtent32(), size.maxExtent32());
            int x = random.between(MARGIN, (int) CANVAS - MARGIN - extent);
            int y = random.between(MARGIN, (int) CANVAS - MARGIN - extent);
            return new Scene(caption, List.of(place(p, size, x, y, extent, scale)));
        }
        Relation relation = caption.relation();
        // "first" is the object nearer the top (vertical) or the left (horizontal).
        boolean captionOrderIsFirst = relation == Relation.ABOVE || relation == Relation.LEFT_OF;
        int extentA = random.between(SizeClass.SMALL.minExtent32(), SizeClass.SMALL.maxExtent32());
        int extentB = random.between(SizeClass.SMALL.minExtent32(), SizeClass.SMALL.maxExtent32());
        int firstExtent = captionOrderIsFirst ? extentA : extentB;
        int secondExtent = captionOrderIsFirst ? extentB : extentA;
        int free = (int) CANVAS - 2 * MARGIN - firstExtent - secondExtent - GAP;
        int lead = random.between(0, free);
        int extra = random.between(0, free - lead);
        int firstAlong = MARGIN + lead;
        int secondAlong = firstAlong + firstExtent + GAP + extra;
        int firstAcross;
        int secondAcross;
        do {
            firstAcross = random.between(MARGIN, (int) CANVAS - MARGIN - firstExtent);
            secondAcross = random.between(MARGIN, (int) CANVAS - MARGIN - secondExtent);
        } while (Math.abs((secondAcross + secondExtent / 2.0) - (firstAcross + firstExtent / 2.0)) > MAX_CROSS_OFFSET);
        ShapeObject first;
        ShapeObject second;
        ShapesCaption.Phrase firstPhrase = captionOrderIsFirst ? phrases.get(0) : phrases.get(1);
        ShapesCaption.Phrase secondPhrase = captionOrderIsFirst ? phrases.get(1) : phrases.get(0);
        if (relation.vertical()) {
            first = place(firstPhrase, SizeClass.SMALL, firstAcross, firstAlong, firstExtent, scale);
            second = place(secondPhrase, SizeClass.SMALL, secondAcross, secondAlong, secondExtent, scale);
        } else {
            first = place(firstPhrase, SizeClass.SMALL, firstAlong, firstAcross, firstExtent, scale);
            second = place(secondPhrase, SizeClass.SMALL, secondAlong, secondAcross, secondExtent, scale);
        }
        return new Scene(caption, captionOrderIsFirst ? List.of(first, second) : List.of(second, first));
    }

    private static ShapeObject place(ShapesCaption.Phrase p, SizeClass size, int x, int y, int extent, double scale) {
        return new ShapeObject(p.color(), p.shape(), size, x * scale, y * scale, extent * scale);
    }
}
