package dev.tessel.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * An open, memory-mapped, already validated safetensors file (made by {@link Safetensors#read}).
 *
 * <p>Invariant: every entry's byte range lies inside the mapped data section and matches its
 * dtype and shape, so {@link #tensor} never fails on a range. The tensors it hands out are
 * read-only views on the mapping, not copies: {@link #close()} unmaps the file, after which any
 * access through them throws IllegalStateException. The mapping is read-only (golden files are
 * read-only on disk, and a private copy-on-write mapping would need write access), so a write
 * through such a view throws IllegalArgumentException ("read-only segment"): copy a tensor
 * ({@link Tensor#copy()}) to keep or modify it.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Where one tensor lives: byte range [begin, end) relative to the data section. */
    record Entry(DType dtype, Shape shape, long begin, long end) {}

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    public Path path() { return path; }

    /** Tensor names in header order ({@code __metadata__} excluded). */
    public List<String> names() { return List.copyOf(entries.keySet()); }

    public boolean contains(String name) { return entries.containsKey(name); }

    /** The {@code __metadata__} string map (empty when the file has none). */
    public Map<String, String> metadata() { return metadata; }

    public DType dtype(String name) { return entry(name).dtype(); }

    public Shape shape(String name) { return entry(name).shape(); }

    /** A read-only, contiguous view on the mapped bytes; valid until this file is closed. */
    public Tensor tensor(String name) {
        Entry e = entry(name);
        MemorySegment bytes = data.asSlice(e.begin(), e.end() - e.begin());
        return new Tensor(Storage.wrap(bytes), e.dtype(), e.shape(), e.shape().contiguousStrides(), 0);
    }

    private Entry entry(String name) {
        if (closed) throw new IllegalStateException(path + ": file is closed");
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException(path + ": no tensor named '" + name + "' (has " + entries.keySet() + ")");
        return e;
    }

    /** Unmaps the file; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }

    @Override
    public String toString() { return "SafetensorsFile(" + path + ", " + entries.size() + " tensors)"; }
}
