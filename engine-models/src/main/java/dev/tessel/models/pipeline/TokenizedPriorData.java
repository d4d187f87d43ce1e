// TokenizedPriorData: DALL·E's stage-2 data path: a pool of training (caption, image) pairs, the
// images encoded ONCE by the dVAE into token grids and cached in a safetensors file, the captions
// BPE-encoded per batch with 10% BPE dropout (the paper's), truncated to the transformer's room.
//
// Invariants: the cache file records what produced it (a key naming the data and the dVAE); a
// cache written under another key is re-encoded, never silently reused. batch(step) depends only on
// (seed, step), so every rank and a resumed run see the batches an unbroken run would.
package dev.tessel.models.pipeline;

import dev.tessel.models.bpe.BpeTokenizer;
import dev.tessel.models.data.ImageBatch;
import dev.tessel.models.data.ImageCaptionDataset;
import dev.tessel.models.dvae.DvaeEvaluation;
import dev.tessel.models.dvae.DvaeTokenizer;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.models.transformer.PriorBatches;
import dev.tessel.tensor.DType;
import dev.tessel.tensor.Json;
import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/** The transformer's training pairs: cached dVAE tokens and BPE-encoded captions. */
public final class TokenizedPriorData implements PriorBatches {
    /** BPE dropout while training, as the paper (10%). */
    public static final double BPE_DROPOUT = 0.1;
    /** Images the dVAE encodes per call while building the cache. */
    private static final int ENCODE_BATCH = 64;

    private final int[][] imageTokens;
    private final List<String> captions;
    private final BpeTokenizer bpe;
    private final int batchSize, captionRoom;
    private final long seed;
    private final double bpeDropout;

    private TokenizedPriorData(int[][] imageTokens, List<String> captions, BpeTokenizer bpe, int batchSize, int captionRoom, long seed, double bpeDropout) {
        if (batchSize < 1) throw new IllegalArgumentException("TokenizedPriorData: the batch size must be >= 1, got " + batchSize);
        this.imageTokens = imageTokens;
        this.captions = captions;
        this.bpe = bpe;
        this.batchSize = batchSize;
        this.captionRoom = captionRoom;
        this.seed = seed;
        this.bpeDropout = bpeDropout;
    }

    /**
     * The first {@code pool} examples of {@code data} (the training split; a test split to measure a loss), their images tokenised by {@code dvae} —
     * read from {@code cacheFile} when it was written under {@code key}, else encoded and written there.
     *
     * @param captionRoom caption tokens the transformer has room for (longer captions are truncated)
     */
    public static TokenizedPriorData prepare(ImageCaptionDataset data, DvaeTokenizer dvae, BpeTokenizer bpe, int pool, int batchSize,
                                             int captionRoom, long seed, Path cacheFile, String key, PrintStream log) {
        if (data.channels() != dvae.channels() || data.height() != dvae.imageSize() || data.width() != dvae.imageSize()) {
            throw new IllegalArgumentException("the dVAE encodes " + dvae.channels() + "x" + dvae.imageSize() + "x" + dvae.imageSize()
                    + " images but " + data.name() + " holds " + data.channels() + "x" + data.height() + "x" + data.width()
                    + " (train the dVAE on this data, or give --channels to match)");
        }
        if (pool < 1) throw new IllegalArgumentException("the token pool must hold at least one image, got " + pool);
        int n = data.isBounded() ? (int) Math.min(pool, data.size()) : pool;
        Cached cached = readCache(cacheFile, key, n, dvae.tokensPerImage(), log);
        if (cached == null) cached = encode(data, dvae, n, cacheFile, key, log);
        logCodeUsage(cached.tokens, dvae.vocabSize(), log);
        return new TokenizedPriorData(cached.tokens, cached.captions, bpe, batchSize, captionRoom, seed, BPE_DROPOUT);
    }

    /** The same pool for measuring a loss: no BPE dropout, so a caption always encodes alike. */
    public TokenizedPriorData withoutDropout() {
        return new TokenizedPriorData(imageTokens, captions, bpe, batchSize, captionRoom, seed, 0);
    }

    public int poolSize() { return imageTokens.length; }

    /** Caption {@code i} of the pool, as the data set gives it. */
    public String caption(int i) { return captions.get(i); }

    /** The cached token grid of pool image {@code i} (a copy). */
    public int[] imageTokens(int i) { return imageTokens[i].clone(); }

    /** {@code batchSize} pool examples drawn with replacement by (seed, step); captions with BPE dropout (unless withoutDropout). */
    @Override
    public Batch batch(long step) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        List<int[]> text = new ArrayList<>(batchSize);
        int[][] images = new int[batchSize][];
        for (int b = 0; b < batchSize; b++) {
            int i = rng.nextInt(imageTokens.length);
            text.add(bpe.encodeCaption(captions.get(i), captionRoom, bpeDropout, rng).ids());
            images[b] = imageTokens[i];
        }
        return new Batch(text, images);
    }

    // ---------------------------------------------------------------- the cache file

    private record Cached(int[][] tokens, List<String> captions) {}

    private static Cached readCache(Path file, String key, int n, int tokensPerImage, PrintStream log) {
        if (!Files.isRegularFile(file)) return null;
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            if (!key.equals(meta.get("key"))) {
                log.println("  " + file + " was encoded from other data or another dVAE; encoding again");
                return null;
            }
            Tensor t = f.tensor("tokens");
            if (t.dim(0) != n || t.dim(1) != tokensPerImage) {
                log.println("  " + file + " holds " + t.shape() + " tokens, expected [" + n + ", " + tokensPerImage + "]; encoding again");
                return null;
            }
            List<String> captions = new ArrayList<>();
            for (Object c : (List<?>) Json.parse(meta.get("captions"))) captions.add((String) c);
            log.printf(Locale.ROOT, "  reusing %d dVAE-tokenised images from %s%n", n, file);
            return new Cached(rows(t, n, tokensPerImage), captions);
        }
    }

    private static Cached encode(ImageCaptionDataset data, DvaeTokenizer dvae, int n, Path file, String key, PrintStream log) {
        long start = System.nanoTime();
        String split = data.split().name().toLowerCase(Locale.ROOT).replace('_', '-');
        int tokens = dvae.tokensPerImage();
        Tensor all = Tensor.zeros(DType.I32, n, tokens);
        List<String> captions = new ArrayList<>(n);
        try (ProgressBar bar = ProgressBar.create("tokenise", n).rateIn(1, "img")) {
            for (int from = 0; from < n; from += ENCODE_BATCH) {
                int count = Math.min(ENCODE_BATCH, n - from);
                try (ImageBatch batch = ImageBatch.range(data, from, count)) {
                    Tensor ids = dvae.encode(batch.images());
                    for (int b = 0; b < count; b++) for (int j = 0; j < tokens; j++) all.set(ids.getLong((long) b * tokens + j), from + b, j);
                    captions.addAll(batch.captions());
                }
                bar.update(from + count);
            }
        }
        Safetensors.write(file, Map.of("tokens", all), Map.of("key", key, "captions", Json.write(captions),
                "what", "dVAE tokens of " + split + " images 0.." + (n - 1)));
        log.printf(Locale.ROOT, "  tokenised %d %s images with the dVAE in %.1f s%n", n, split, (System.nanoTime() - start) / 1e9);
        return new Cached(rows(all, n, tokens), captions);
    }

    /**
     * How many codes the images use and how evenly (exp of the entropy of the code counts): how much
     * the dVAE says about each image, and one of the things the demo's runs differ in (32-66 on
     * training images; docs/results.md, "The first fit came too early").
     */
    private static void logCodeUsage(int[][] tokens, int vocabSize, PrintStream log) {
        long[] counts = new long[vocabSize];
        for (int[] grid : tokens) for (int id : grid) counts[id]++;
        log.printf(Locale.ROOT, "  dVAE codes in these %d images: %d of %d used, perplexity %.1f%n", tokens.length,
                DvaeEvaluation.used(counts), vocabSize, DvaeEvaluation.perplexity(counts));
    }

    private static int[][] rows(Tensor t, int n, int tokens) {
        int[][] out = new int[n][tokens];
        for (int i = 0; i < n; i++) for (int j = 0; j < tokens; j++) out[i][j] = (int) t.getLong((long) i * tokens + j);
        return out;
    }
}
