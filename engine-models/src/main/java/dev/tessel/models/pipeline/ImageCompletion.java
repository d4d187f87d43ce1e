// ImageCompletion: zero-shot image-to-image on `shapes` (paper section 3.3): the dVAE tokens of
// the top half of a real image showing "a X above a Y" are given, the transformer completes the
// rest from that caption, and the attribute reader decides whether the completion kept the given
// object and matches the caption.
//
// Invariant: judging is pure geometry (CaptionMatch / ShapesReader), so it is tested on real images
// (a real scene must count as kept and matched, a scene with its bottom half blanked must not match).
package dev.tessel.models.pipeline;

import dev.tessel.models.data.Relation;
import dev.tessel.models.data.ShapesCaption;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.eval.CaptionMatch;
import dev.tessel.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Top-half completion of two-object "above" scenes and its evaluation. */
public final class ImageCompletion {
    /** One prompt's completions: how many kept the given (upper) object, matched the caption, and both. */
    public record Outcome(String caption, boolean heldOut, int candidates, int kept, int matched, int keptAndMatched, Tensor images) {}

    /** What the judge says about one image. */
    public record Verdict(boolean kept, boolean matches) {}

    /** The demo's prompts: two seen compositions, then two with a held-out pair in the completed half. */
    public static final List<ShapesCaption> DEMO_CAPTIONS = List.of(
            ShapesCaption.parse("a blue square above a red star"),
            ShapesCaption.parse("a white square above a green circle"),
            ShapesCaption.parse("a red circle above a blue circle"),
            ShapesCaption.parse("a green square above a yellow square"));

    /** Completions per demo prompt. */
    public static final int DEMO_CANDIDATES = 8;

    private ImageCompletion() {}

    /**
     * kept: the reader finds an object of the caption's first (upper) colour and shape whose centre
     * lies in the image's top half; matches: the whole caption holds (CaptionMatch).
     */
    public static Verdict judge(CaptionMatch match, ShapesCaption caption, Tensor image) {
        if (caption.objects().size() != 2 || caption.relation() != Relation.ABOVE) {
            throw new IllegalArgumentException("image completion takes captions 'a X above a Y', got '" + caption.text() + "'");
        }
        CaptionMatch.Result result = match.judge(caption.text(), image);
        ShapesCaption.Phrase upper = caption.objects().getFirst();
        double middle = image.dim(1) / 2.0;
        boolean kept = result.detected().stream().anyMatch(d -> d.color() == upper.color() && d.shape() == upper.shape() && d.centerY() < middle);
        return new Verdict(kept, result.matches());
    }

    /**
     * Completes scene {@code variant} of each caption from its top half: {@code n} candidates each.
     * The given tokens are the first grid/2 rows of the dVAE's tokens of the real image.
     */
    public static List<Outcome> run(CandidateGenerator generator, ShapesDataset data, List<ShapesCaption> captions, int n, long seed) {
        CaptionMatch match = new CaptionMatch();
        int grid = (int) Math.round(Math.sqrt(generator.dvae().tokensPerImage()));
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < captions.size(); i++) {
            ShapesCaption caption = captions.get(i);
            Tensor image = data.draw(data.sceneFor(caption, i)).image();
            int[] given;
            try (Tensor ids = generator.dvae().encode(image.reshape(1, image.dim(0), image.dim(1), image.dim(2)))) {
                given = new int[(grid / 2) * grid];
                for (int t = 0; t < given.length; t++) given[t] = (int) ids.getLong(t);
            }
            Tensor images = generator.decode(generator.completeTokens(caption.text(), given, n, seed + i));
            int kept = 0, matched = 0, both = 0;
            for (int c = 0; c < n; c++) {
                // a view of candidate c: closing it would close the batch's storage
                Verdict v = judge(match, caption, images.slice(0, c, c + 1).reshape(images.dim(1), images.dim(2), images.dim(3)));
                if (v.kept()) kept++;
                if (v.matches()) matched++;
                if (v.kept() && v.matches()) both++;
            }
            out.add(new Outcome(caption.text(), caption.containsHeldOutPair(), n, kept, matched, both, images));
        }
        return out;
    }
}
