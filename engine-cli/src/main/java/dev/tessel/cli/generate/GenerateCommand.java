package dev.tessel.cli.generate;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.models.pipeline.CandidateGenerator;
import dev.tessel.models.pipeline.DemoConfig;
import dev.tessel.models.pipeline.DemoModels;
import dev.tessel.models.pipeline.StageCache;
import dev.tessel.models.report.ImageGrid;
import dev.tessel.models.report.ProgressBar;
import dev.tessel.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./tessel generate --caption TEXT --n N --rerank K}: DALL·E's sampling path with the demo's
 * models: N candidates drawn from the transformer and decoded by the dVAE, ordered by the
 * reranker, the top K written as a PNG grid (and all N, ordered, next to it).
 *
 * <p>Invariants: the models are the demo's (the same stage cache and keys, so after
 * {@code ./tessel demo} nothing is trained); one (caption, N, seed) always gives the same images.
 */
public final class GenerateCommand implements Verb {
    @Override public String name() { return "generate"; }

    @Override public String summary() { return "text to images: N candidates, reranked, top K as a PNG grid"; }

    @Override public String synopsis() { return "--caption TEXT [options]   (or the caption as the only argument)"; }

    @Override
    public String description() {
        return """
                Samples --n candidate images for a caption from the demo's transformer (temperature 1, as the
                paper), decodes them with the dVAE, scores each with the contrastive reranker and writes
                --out/top.png (the best --rerank, best first) and --out/ranked.png (all candidates ordered by
                score, labelled with it). Uses the models ./tessel demo trained (same --preset and --cache);
                when they are not cached yet it trains them first, within the demo's budget. On shapes,
                captions follow the grammar "a [small|large] <color> <shape>" or "a <color> <shape> <above|
                below|left of|right of> a <color> <shape>"; other text is tokenised too, but means nothing to
                these models.""";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("caption", "TEXT", null, "what to draw"),
                OptionSpec.value("n", "N", "16", "candidates to sample"),
                OptionSpec.value("rerank", "K", "4", "best candidates to keep (by the reranker's score)"),
                OptionSpec.value("seed", "N", "0", "seed of the sampler"),
                OptionSpec.value("out", "DIR", "out/generate", "where top.png and ranked.png go"),
                OptionSpec.value("preset", "NAME", "demo", "which demo models: demo or tiny"),
                OptionSpec.value("cache", "DIR", "out/cache", "the demo's model cache"));
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel generate --caption \"a blue circle above a red square\" --n 32 --rerank 4",
                "./tessel generate \"a large green triangle\" --n 8 --rerank 2 --out /tmp/gen");
    }

    @Override
    public int run(Arguments args, PrintStream out) throws IOException {
        String caption = caption(args);
        int n = args.integer("n", 1, 1024);
        int k = args.integer("rerank", 1, n);
        DemoConfig config;
        try {
            config = DemoConfig.preset(args.choice("preset", "demo", "tiny"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(name(), e.getMessage());
        }
        DemoModels models = DemoModels.obtain(config, new StageCache(Path.of(args.string("cache"))), out, ProgressBar::create, DemoModels.StageJvm.OWN);
        CandidateGenerator generator = models.generator();
        if (generator.truncates(caption)) {
            out.println("warning: the caption is longer than the transformer's " + models.prior().config().captionRoom()
                    + " caption tokens; the rest is ignored");
        }
        long start = System.nanoTime();
        Tensor images = generator.sample(caption, n, args.longValue("seed"));
        CandidateGenerator.Ranking ranking = CandidateGenerator.rerank(models.clip(), caption, images);
        double seconds = (System.nanoTime() - start) / 1e9;
        Path dir = Path.of(args.string("out"));
        Files.createDirectories(dir);
        int scale = Math.max(1, 96 / images.dim(2));
        List<String> labels = new ArrayList<>();
        for (int r = 0; r < n; r++) labels.add(String.format(Locale.ROOT, "#%d %.3f", r + 1, ranking.scoreAt(r)));
        try (Tensor top = CandidateGenerator.select(images, Arrays.copyOf(ranking.order(), k));
             Tensor all = CandidateGenerator.select(images, ranking.order())) {
            ImageGrid.of(top, k).labels(labels.subList(0, k)).scale(scale).write(dir.resolve("top.png"));
            ImageGrid.of(all, Math.min(8, n)).labels(labels).scale(scale).write(dir.resolve("ranked.png"));
        }
        out.printf(Locale.ROOT, "%d candidates for \"%s\" in %.1f s; reranker scores, best first: %s%n", n, caption, seconds,
                Arrays.toString(Arrays.stream(ranking.order()).limit(k).mapToObj(i -> String.format(Locale.ROOT, "%.3f", ranking.scores()[i])).toArray()));
        out.println("wrote " + dir.resolve("top.png") + " (top " + k + ") and " + dir.resolve("ranked.png") + " (all " + n + ", ordered)");
        return 0;
    }

    private String caption(Arguments args) {
        List<String> positionals = args.positionals();
        if (args.given("caption") && !positionals.isEmpty()) throw new UsageException(name(), "give the caption once: either --caption TEXT or as the argument");
        if (positionals.size() > 1) throw new UsageException(name(), "expected one caption, got " + positionals.size() + " arguments; quote the caption");
        String caption = args.given("caption") ? args.string("caption") : positionals.isEmpty() ? null : positionals.getFirst();
        if (caption == null || caption.isBlank()) throw new UsageException(name(), "no caption; give --caption \"a red circle above a blue square\"");
        return caption.strip();
    }
}
