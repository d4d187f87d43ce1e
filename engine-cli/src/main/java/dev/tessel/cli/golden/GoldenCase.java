package dev.tessel.cli.golden;

import dev.tessel.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One loaded golden case: its name, op kind, attrs and every tensor by its full name
 * ({@code in.x}, {@code param.weight}, {@code out.y}, {@code grad.x}).
 *
 * <p>Invariant: tensors are owned by the case (they may be views of a memory-mapped file); handlers
 * read them and never close or modify them; {@link #close()} releases them all.
 */
public final class GoldenCase implements AutoCloseable {
    private final String name;
    private final String op;
    private final CaseAttrs attrs;
    private final Map<String, Tensor> tensors;
    private final AutoCloseable resources;

    /** @param resources closed by {@link #close()} (the open file), or null */
    public GoldenCase(String name, String op, CaseAttrs attrs, Map<String, Tensor> tensors, AutoCloseable resources) {
        this.name = name;
        this.op = op;
        this.attrs = attrs;
        this.tensors = new LinkedHashMap<>(tensors);
        this.resources = resources;
    }

    public String name() { return name; }

    public String op() { return op; }

    public CaseAttrs attrs() { return attrs; }

    /** The tensor called {@code name}; a malformed-case error if the file lacks it. */
    public Tensor tensor(String tensorName) {
        Tensor t = tensors.get(tensorName);
        if (t == null) throw new MalformedCaseException(name + ": no tensor '" + tensorName + "' (has " + tensors.keySet() + ")");
        return t;
    }

    /** The tensor called {@code name}, or null when the case has none (an optional bias). */
    public Tensor optionalTensor(String tensorName) { return tensors.get(tensorName); }

    /** The fields to check, in file order: every {@code out.*} and {@code grad.*} tensor. */
    public List<String> expectedFields() {
        return tensors.keySet().stream().filter(n -> n.startsWith("out.") || n.startsWith("grad.")).toList();
    }

    @Override
    public void close() throws Exception {
        if (resources != null) resources.close();
    }
}
