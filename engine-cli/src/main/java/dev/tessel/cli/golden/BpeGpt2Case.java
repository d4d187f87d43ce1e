package dev.tessel.cli.golden;

import dev.tessel.kernels.Backend;
import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code bpe.gpt2} cases (FORMAT.md 3.11): loads GPT-2's {@code encoder.json} and
 * {@code vocab.bpe} from the case file's folder, encodes every text, and returns the ids
 * concatenated ({@code out.ids}) with each text's id count ({@code out.counts}), as
 * {@link JsonCaseReader} lays the expected values out. No kernel runs: the backend is unused.
 */
public final class BpeGpt2Case implements CaseHandler {
    @Override
    public Map<String, Tensor> compute(GoldenCase c, Backend backend) {
        BpeTokenizer gpt2 = BpeTokenizer.gpt2(Path.of(c.attrs().string("folder")));
        List<String> texts = c.attrs().strings("texts");
        List<Long> ids = new ArrayList<>();
        long[] counts = new long[texts.size()];
        for (int i = 0; i < counts.length; i++) {
            int[] encoded = gpt2.encode(texts.get(i));
            for (int id : encoded) ids.add((long) id);
            counts[i] = encoded.length;
        }
        return Map.of("out.ids", Tensor.ofLongs(ids.stream().mapToLong(Long::longValue).toArray(), ids.size()),
                "out.counts", Tensor.ofLongs(counts, counts.length));
    }
}
