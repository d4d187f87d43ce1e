// BpeStage: the caption vocabulary shared by the transformer and the reranker: a byte-level BPE
// learned from training captions only, cached like the trained models.
//
// Invariant: the captions come from the TRAIN split, so no held-out colour-shape pair shapes
// the vocabulary (a held-out caption still encodes: its words occur in other seen pairs).
package dev.tessel.models.pipeline;

import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.bpe.BpeTrainer;
import dev.tessel.models.data.ShapesDataset;
import dev.tessel.models.data.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Train-or-reuse of the demo's BPE vocabulary. */
final class BpeStage {
    private BpeStage() {}

    static BpeTokenizer run(DemoConfig config, StageCache cache) {
        StageCache.Entry entry = cache.entry("bpe", config.bpeKey());
        Path file = entry.file("bpe.json");
        if (entry.done()) return BpeTokenizer.load(file);
        long start = System.nanoTime();
        ShapesDataset train = new ShapesDataset(Split.TRAIN, config.dataSeed(), config.imageSize());
        List<String> captions = new ArrayList<>(config.bpeCaptions());
        for (int i = 0; i < config.bpeCaptions(); i++) captions.add(train.scene(i).caption().text());
        BpeTokenizer bpe = BpeTrainer.train(captions, config.bpeVocab(), true);
        bpe.save(file);
        entry.markDone(new TrainingLoop.Outcome(bpe.merges().size(), bpe.merges().size(), false, (System.nanoTime() - start) / 1e9, new float[0]));
        return bpe;
    }
}
