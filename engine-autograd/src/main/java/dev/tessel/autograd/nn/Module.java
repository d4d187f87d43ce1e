// Module: a tree of named parameters and named child modules, with PyTorch-compatible
// state-dict names and safetensors save/load.
//
// Invariants: names are registered once, in construction order, and never change, so
// namedParameters() is deterministic (own parameters first, then each child's, depth-first in
// registration order, exactly as torch's state_dict()). A name is non-empty and has no dot (the
// dot is the path separator). Loading writes into the existing parameter tensors in place and
// never replaces one; on any error it throws before writing a single value.
package dev.tessel.autograd.nn;

import dev.tessel.tensor.Safetensors;
import dev.tessel.tensor.SafetensorsFile;
import dev.tessel.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base class of layers and models. A subclass registers its parameters with
 * {@link #registerParameter} and its sub-layers with {@link #registerModule} in its constructor;
 * the dotted names then match the reference state dicts, e.g. a child "blocks" holding "group_1"
 * holding "block_1" ... gives {@code blocks.group_1.block_1.res_path.conv_1.w}.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    protected Module() {}

    /** Registers a trainable tensor under {@code name}; the module owns {@code value} from now on. */
    protected final Parameter registerParameter(String name, Tensor value) {
        checkFree(name);
        Parameter p = new Parameter(name, value);
        parameters.put(name, p);
        return p;
    }

    /** Registers a child module under {@code name} and returns it. */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkFree(name);
        if (child == null) throw new IllegalArgumentException(getClass().getSimpleName() + ".registerModule: child '" + name + "' is null");
        if (child == this) throw new IllegalArgumentException(getClass().getSimpleName() + ".registerModule: a module cannot contain itself");
        children.put(name, child);
        return child;
    }

    private void checkFree(String name) {
        checkName(getClass().getSimpleName(), name);
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the name '" + name + "' is already registered");
        }
    }

    static void checkName(String owner, String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(owner + ": invalid name '" + name + "' (must be non-empty and contain no '.')");
        }
    }

    /** Every parameter under its dotted name, in torch's state_dict order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (var e : parameters.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out);
    }

    public final List<Parameter> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Direct children in registration order. */
    public final Map<String, Module> namedChildren() { return java.util.Collections.unmodifiableMap(children); }

    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.numel();
        return n;
    }

    /** Clears the gradient of every parameter. */
    public final void zeroGrad() {
        for (Parameter p : namedParameters().values()) p.zeroGrad();
    }

    /** Dotted name -> the live parameter tensor (not a copy: it changes as training updates it). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : namedParameters().entrySet()) out.put(e.getKey(), e.getValue().value());
        return out;
    }

    /**
     * Copies every matching entry of {@code state} into the parameter of that name. Shapes and
     * dtypes must match exactly (error names the key and both). With {@code strict}, a missing
     * or an unexpected key is an error too; without, they are returned and skipped.
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Parameter> own = namedParameters();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!t.shape().equals(e.getValue().shape()) || t.dtype() != e.getValue().dtype()) {
                mismatched.add("'" + e.getKey() + "': the state dict has " + t.dtype() + t.shape() + " but the module has "
                        + e.getValue().dtype() + e.getValue().shape());
            }
        }
        for (String key : state.keySet()) if (!own.containsKey(key)) unexpected.add(key);
        String who = getClass().getSimpleName() + ".loadStateDict";
        if (!mismatched.isEmpty()) {
            throw new IllegalArgumentException(who + ": shape or dtype mismatch for " + String.join("; ", mismatched)
                    + " (nothing was loaded; the checkpoint belongs to a differently configured model)");
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new IllegalArgumentException(who + ": missing keys " + missing + " (in the module, not in the state dict); unexpected keys "
                    + unexpected + " (in the state dict, not in the module). Nothing was loaded; pass strict=false to load the "
                    + "matching keys only");
        }
        for (var e : own.entrySet()) {
            Tensor t = state.get(e.getKey());
            if (t != null) e.getValue().value().copyFrom(t);
        }
        return new LoadResult(missing, unexpected);
    }

    /** Writes the state dict to a safetensors file (atomically: readers see the old or the new file). */
    public final void save(Path path, Map<String, String> metadata) {
        Safetensors.write(path, stateDict(), metadata == null ? Map.of() : metadata);
    }

    public final void save(Path path) { save(path, Map.of()); }

    /** Loads a safetensors state dict (e.g. one exported from PyTorch); see {@link #loadStateDict}. */
    public final LoadResult load(Path path, boolean strict) {
        try (SafetensorsFile file = Safetensors.read(path)) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (String name : file.names()) state.put(name, file.tensor(name));
            return loadStateDict(state, strict);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + namedParameters().size() + " parameters, " + parameterCount() + " values)";
    }
}
