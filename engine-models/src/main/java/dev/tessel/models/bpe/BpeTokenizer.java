// BpeTokenizer: byte-level byte-pair encoding (GPT-2's scheme): text -> UTF-8 bytes -> byte
// symbols -> pre-tokenised words -> rank-ordered merges -> ids, and back.
//
// Invariants: every one of the 256 byte symbols is a token, so any text encodes and
// decode(encode(t)) == lowercase-if-enabled(t) for valid Unicode text; a merge's result is itself
// a token; the tables never change after construction (the object is safe to share between
// threads; only the encode cache is guarded). Without dropout, encode is a pure function of the text.
package dev.tessel.models.bpe;

import dev.tessel.tensor.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/** A byte-level BPE vocabulary with encode/decode, BPE dropout, truncation and JSON save/load. */
public final class BpeTokenizer {
    /** Format tag written by {@link #save} and checked by {@link #load}. */
    public static final String FORMAT = "tessel-bpe-1";
    private static final int CACHE_LIMIT = 1 << 16;

    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private final Map<String, Integer> mergeRanks;
    private final List<String> merges;
    private final boolean lowercase;
    private final Map<String, int[]> cache = new HashMap<>();

    /**
     * @param tokens  id -> token, each a string of byte symbols ({@link ByteSymbols}); must hold all 256 single bytes
     * @param merges  "first second" in rank order (rank 0 merges first); both halves and their join must be tokens
     * @param lowercase whether encode lowercases its input first (DALL·E's captions) or keeps it (GPT-2)
     */
    public BpeTokenizer(List<String> tokens, List<String> merges, boolean lowercase) {
        this.tokens = List.copyOf(tokens);
        this.merges = List.copyOf(merges);
        this.lowercase = lowercase;
        this.ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t == null || t.isEmpty()) throw new IllegalArgumentException("BPE vocabulary: token " + i + " is missing or empty");
            ByteSymbols.toBytes(t);
            if (ids.put(t, i) != null) throw new IllegalArgumentException("BPE vocabulary: token '" + t + "' appears twice (ids " + ids.get(t) + " and " + i + ")");
        }
        for (int b = 0; b < 256; b++) {
            if (!ids.containsKey(String.valueOf(ByteSymbols.symbol(b)))) {
                throw new IllegalArgumentException("BPE vocabulary: the single byte 0x" + Integer.toHexString(b) + " is not a token, so some texts could not be encoded");
            }
        }
        this.mergeRanks = new HashMap<>(merges.size() * 2);
        for (int r = 0; r < merges.size(); r++) {
            String m = merges.get(r);
            int space = m.indexOf(' ');
            if (space <= 0 || space == m.length() - 1 || m.indexOf(' ', space + 1) >= 0) {
                throw new IllegalArgumentException("BPE merges: rule " + r + " '" + m + "' must be two tokens separated by one space");
            }
            String joined = m.substring(0, space) + m.substring(space + 1);
            if (!ids.containsKey(joined)) throw new IllegalArgumentException("BPE merges: rule " + r + " '" + m + "' makes '" + joined + "', which is not in the vocabulary");
            mergeRanks.put(m, r);   // a repeated rule keeps its last rank, as GPT-2's dict(zip(merges, ranks)) does
        }
    }

    public int vocabSize() { return tokens.size(); }

    public boolean lowercase() { return lowercase; }

    /** Token text (byte symbols) of an id. */
    public String token(int id) {
        if (id < 0 || id >= tokens.size()) throw new IllegalArgumentException("BPE: id " + id + " is outside the vocabulary [0, " + tokens.size() + ")");
        return tokens.get(id);
    }

    /** The merge rules in rank order. */
    public List<String> merges() { return merges; }

    // ---------------------------------------------------------------- encode / decode

    /** The ids of {@code text} (lowercased first if this tokenizer lowercases); no start or end token is added. */
    public int[] encode(String text) { return encode(text, 0, null); }

    /**
     * The ids of {@code text} with BPE dropout (Provilkov et al. 2020): at every merge step each
     * applicable merge is skipped with probability {@code dropout}, drawn from {@code rng}, so one
     * text gets varied segmentations during training. dropout 0 gives the deterministic encoding.
     */
    public int[] encode(String text, double dropout, RandomGenerator rng) {
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("BPE encode: dropout must be in [0, 1), got " + dropout);
        if (dropout > 0 && rng == null) throw new IllegalArgumentException("BPE encode: dropout " + dropout + " needs a random generator (pass a seeded one)");
        String input = lowercase ? text.toLowerCase(Locale.ROOT) : text;
        List<Integer> out = new ArrayList<>();
        for (String word : Gpt2PreTokenizer.split(input)) {
            String symbols = ByteSymbols.toSymbols(word);
            int[] wordIds = dropout > 0 ? encodeWord(symbols, dropout, rng) : cachedWord(symbols);
            for (int id : wordIds) out.add(id);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A caption's ids cut to at most {@code maxTokens}; {@code fullLength} says how many there were before the cut. */
    public record CaptionIds(int[] ids, int fullLength) {
        public boolean truncated() { return fullLength > ids.length; }
    }

    /** {@link #encode(String, double, RandomGenerator)}, truncated to {@code maxTokens} (the transformer's caption room). */
    public CaptionIds encodeCaption(String caption, int maxTokens, double dropout, RandomGenerator rng) {
        if (maxTokens < 0) throw new IllegalArgumentException("BPE encodeCaption: maxTokens must be >= 0, got " + maxTokens);
        int[] all = encode(caption, dropout, rng);
        return new CaptionIds(all.length > maxTokens ? java.util.Arrays.copyOf(all, maxTokens) : all, all.length);
    }

    /** The text of {@code ids}; a cut inside a multi-byte character decodes to U+FFFD. */
    public String decode(int[] ids) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int id : ids) bytes.writeBytes(ByteSymbols.toBytes(token(id)));
        return ByteSymbols.decodeUtf8(bytes.toByteArray());
    }

    private int[] cachedWord(String symbols) {
        synchronized (cache) {
            int[] hit = cache.get(symbols);
            if (hit != null) return hit;
        }
        int[] wordIds = encodeWord(symbols, 0, null);
        synchronized (cache) {
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(symbols, wordIds);
        }
        return wordIds;
    }

    /** GPT-2's merge loop on one word: merge the lowest-ranked adjacent pair everywhere, left to right, until none applies. */
    private int[] encodeWord(String symbols, double dropout, RandomGenerator rng) {
        List<String> parts = new ArrayList<>(symbols.length());
        for (int i = 0; i < symbols.length(); i++) parts.add(String.valueOf(symbols.charAt(i)));
        while (parts.size() > 1) {
            String best = null;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                String pair = parts.get(i) + " " + parts.get(i + 1);
                Integer rank = mergeRanks.get(pair);
                if (rank == null || rank >= bestRank) continue;
                if (dropout > 0 && rng.nextDouble() < dropout) continue;
                best = pair;
                bestRank = rank;
            }
            if (best == null) break;
            int space = best.indexOf(' ');
            String first = best.substring(0, space), second = best.substring(space + 1);
            List<String> merged = new ArrayList<>(parts.size());
            for (int i = 0; i < parts.size(); i++) {
                if (i + 1 < parts.size() && parts.get(i).equals(first) && parts.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(parts.get(i));
                }
            }
            parts = merged;
        }
        int[] out = new int[parts.size()];
        for (int i = 0; i < out.length; i++) out[i] = ids.get(parts.get(i));
        return out;
    }

    // ---------------------------------------------------------------- files

    /** Writes the tokenizer as JSON, atomically (a reader sees the old file or the new one). */
    public void save(Path path) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT);
        json.put("lowercase", lowercase);
        json.put("tokens", tokens);
        json.put("merges", merges);
        try {
            Path parent = path.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, path.getFileName().toString(), ".tmp");
            Files.writeString(tmp, Json.write(json), StandardCharsets.UTF_8);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("BPE save: cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Reads what {@link #save} wrote. */
    public static BpeTokenizer load(Path path) {
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("BPE load: cannot read " + path + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("BPE load: " + path + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> map) || !FORMAT.equals(map.get("format"))) {
            throw new IllegalArgumentException("BPE load: " + path + " is not a tessel BPE file (expected a JSON object with \"format\": \"" + FORMAT + "\")");
        }
        if (!(map.get("lowercase") instanceof Boolean lower)) throw new IllegalArgumentException("BPE load: " + path + " has no boolean \"lowercase\"");
        return new BpeTokenizer(strings(map.get("tokens"), path, "tokens"), strings(map.get("merges"), path, "merges"), lower);
    }

    private static List<String> strings(Object value, Path path, String key) {
        if (!(value instanceof List<?> list)) throw new IllegalArgumentException("BPE load: " + path + " has no list \"" + key + "\"");
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String s)) throw new IllegalArgumentException("BPE load: " + path + ": \"" + key + "\" must hold strings only, found " + o);
            out.add(s);
        }
        return out;
    }

    /**
     * GPT-2's vocabulary from {@code encoder.json} (token -> id) and {@code vocab.bpe} (a version
     * line, then one merge per line) in {@code dir}; no lowercasing, as GPT-2 encodes.
     */
    public static BpeTokenizer gpt2(Path dir) {
        Path encoderFile = dir.resolve("encoder.json"), mergesFile = dir.resolve("vocab.bpe");
        try {
            if (!(Json.parse(Files.readString(encoderFile, StandardCharsets.UTF_8)) instanceof Map<?, ?> encoder)) {
                throw new IllegalArgumentException("BPE gpt2: " + encoderFile + " must be a JSON object of token -> id");
            }
            String[] byId = new String[encoder.size()];
            for (var e : encoder.entrySet()) {
                if (!(e.getValue() instanceof Long id) || id < 0 || id >= byId.length || byId[(int) (long) id] != null) {
                    throw new IllegalArgumentException("BPE gpt2: " + encoderFile + ": '" + e.getKey() + "' -> " + e.getValue()
                            + " (ids must be distinct integers 0.." + (byId.length - 1) + ")");
                }
                byId[(int) (long) id] = (String) e.getKey();
            }
            List<String> merges = new ArrayList<>();
            for (String line : Files.readAllLines(mergesFile, StandardCharsets.UTF_8)) {
                if (line.startsWith("#version") || line.isBlank()) continue;
                merges.add(line.strip());
            }
            return new BpeTokenizer(List.of(byId), merges, false);
        } catch (IOException e) {
            throw new UncheckedIOException("BPE gpt2: cannot read " + encoderFile + " and " + mergesFile + ": " + e.getMessage(), e);
        }
    }
}
