// ReconstructionMatch: the exact attribute reader on real shapes images and on the dVAE's
// reconstructions of them, decode(argmax encode(x)). Every generated image is a dVAE decode, so
// the reconstructions' caption match is the pipeline's ceiling, category by category: a
// transformer that predicted the real images' tokens exactly would score no better.
//
// Invariant: the originals are judged with the same reader and captions, so a ceiling below 1
// is the dVAE's loss, never the reader's (the originals score 1.0 on clean renders: ReaderCheck).
// The shape confusion says which drawn objects lose their shape (at 32x32: mostly small ones).
package dev.tessel.models.eval;

import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.tensor.Tensor;

/** Caption match of real images and of their dVAE reconstructions, and the shape read for each drawn object in the reconstructions. */
public record ReconstructionMatch(CaptionMatch.Tally originals, CaptionMatch.Tally reconstructions, ShapeConfusion reconstructedShapes) {
    /** Judges every image of {@code batch} (shapes captions) and its reconstruction, encoding {@code chunk} images at a time. */
    public static ReconstructionMatch of(DvaeTokenizer dvae, ImageBatch batch, int chunk) {
        if (chunk < 1) throw new IllegalArgumentException("ReconstructionMatch: chunk must be >= 1, got " + chunk);
        CaptionMatch judge = new CaptionMatch();
        CaptionMatch.Tally originals = new CaptionMatch.Tally(), reconstructions = new CaptionMatch.Tally();
        ShapeConfusion shapes = new ShapeConfusion();
        Tensor images = batch.images();
        for (int from = 0; from < images.dim(0); from += chunk) {
            int to = Math.min(images.dim(0), from + chunk);
            Tensor part = images.slice(0, from, to).contiguous();   // a view of the batch when already contiguous: not closed here
            try (Tensor decoded = dvae.decode(dvae.encode(part))) {
                for (int i = from; i < to; i++) {
                    String caption = batch.captions().get(i);
                    originals.add(judge.judge(caption, images.slice(0, i, i + 1).squeeze(0)));
                    CaptionMatch.Result reconstructed = judge.judge(caption, decoded.slice(0, i - from, i - from + 1).squeeze(0));
                    reconstructions.add(reconstructed);
                    shapes.add(batch.objects().get(i), reconstructed.detected());
                }
            }
        }
        return new ReconstructionMatch(originals, reconstructions, shapes);
    }
}
