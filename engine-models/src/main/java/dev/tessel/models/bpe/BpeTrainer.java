// BpeTrainer: learns a byte-level BPE vocabulary from captions: start from the 256 byte tokens and
// repeatedly merge the most frequent adjacent pair inside the pre-tokenised words.
//
// Invariants: the result is a pure function of (captions in order, vocabulary size, lowercase):
// ties between equally frequent pairs go to the pair of smaller ids (first, then second), never to
// hash order. Pair counts are kept incrementally (only words holding the merged pair are touched),
// and a queue entry whose count has gone stale is skipped, so each merge costs what it changes.
package dev.tessel.models.bpe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;

/** Trains a {@link BpeTokenizer} (ids 0..255 = bytes, then one id per merge in merge order). */
public final class BpeTrainer {
    /** The largest vocabulary DALL·E uses for captions (and the limit accepted here). */
    public static final int MAX_VOCAB = 16384;

    private BpeTrainer() {}

    /**
     * Learns merges until the vocabulary has {@code vocabSize} tokens or no adjacent pair is left
     * (a small corpus can run out first: the result is then smaller than asked).
     */
    public static BpeTokenizer train(Iterable<String> captions, int vocabSize, boolean lowercase) {
        if (vocabSize < 256 || vocabSize > MAX_VOCAB) {
            throw new IllegalArgumentException("BPE train: vocabulary size must be in [256, " + MAX_VOCAB + "] (256 byte tokens + merges), got " + vocabSize);
        }
        List<int[]> words = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        Map<String, Integer> wordIndex = new LinkedHashMap<>();
        for (String caption : captions) {
            String text = lowercase ? caption.toLowerCase(Locale.ROOT) : caption;
            for (String word : Gpt2PreTokenizer.split(text)) {
                Integer at = wordIndex.get(word);
                if (at == null) {
                    byte[] bytes = ByteSymbols.utf8(word);
                    int[] symbols = new int[bytes.length];
                    for (int i = 0; i < bytes.length; i++) symbols[i] = bytes[i] & 0xFF;
                    wordIndex.put(word, words.size());
                    words.add(symbols);
                    counts.add(1L);
                } else {
                    counts.set(at, counts.get(at) + 1);
                }
            }
        }
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteSymbols.symbol(b)));
        List<String> merges = new ArrayList<>();
        new PairMerger(words, counts).run(vocabSize - 256, tokens, merges);
        return new BpeTokenizer(tokens, merges, lowercase);
    }

    /** The incremental pair statistics of one training run. */
    private static final class PairMerger {
        private final List<int[]> words;
        private final List<Long> counts;
        private final Map<Long, Long> pairCount = new HashMap<>();
        private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
        /** {count, pair}; most frequent first, then smaller pair. */
        private final PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));

        PairMerger(List<int[]> words, List<Long> counts) {
            this.words = words;
            this.counts = counts;
            for (int w = 0; w < words.size(); w++) addPairs(w, 1);
            for (var e : pairCount.entrySet()) queue.add(new long[] {e.getValue(), e.getKey()});
        }

        void run(int maxMerges, List<String> tokens, List<String> merges) {
            while (merges.size() < maxMerges && !queue.isEmpty()) {
                long[] top = queue.poll();
                long pair = top[1];
                if (pairCount.getOrDefault(pair, 0L) != top[0] || top[0] == 0) continue;
                int first = (int) (pair >>> 32), second = (int) pair;
                int merged = tokens.size();
                tokens.add(tokens.get(first) + tokens.get(second));
                merges.add(tokens.get(first) + " " + tokens.get(second));
                Set<Long> changed = new TreeSet<>();
                for (int w : new TreeSet<>(pairWords.get(pair))) {
                    changed.addAll(addPairs(w, -1));
                    words.set(w, replace(words.get(w), first, second, merged));
                    changed.addAll(addPairs(w, 1));
                }
                // every pair whose count moved gets a fresh entry; its older entries are now stale
                for (long p : changed) {
                    long c = pairCount.getOrDefault(p, 0L);
                    if (c > 0) queue.add(new long[] {c, p});
                }
            }
        }

        /** Adds (sign 1) or removes (sign -1) word w's pairs from the statistics; returns the pairs touched. */
        private List<Long> addPairs(int w, int sign) {
            int[] s = words.get(w);
            long n = counts.get(w);
            List<Long> touched = new ArrayList<>();
            for (int i = 0; i + 1 < s.length; i++) {
                long pair = ((long) s[i] << 32) | (s[i + 1] & 0xFFFFFFFFL);
                pairCount.merge(pair, sign * n, Long::sum);
                if (sign > 0) pairWords.computeIfAbsent(pair, k -> new java.util.HashSet<>()).add(w);
                touched.add(pair);
            }
            if (sign < 0) for (long pair : touched) if (pairWords.containsKey(pair)) pairWords.get(pair).remove(w);
            return touched;
        }

        private static int[] replace(int[] s, int first, int second, int merged) {
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; i++) {
                if (i + 1 < s.length && s[i] == first && s[i + 1] == second) {
                    out[n++] = merged;
                    i++;
                } else {
                    out[n++] = s[i];
                }
            }
            return java.util.Arrays.copyOf(out, n);
        }
    }
}
