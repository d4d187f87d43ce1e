// LoadResult: what a non-strict Module.loadStateDict skipped.
//
// Invariant: both lists are in a stable order (module order for missing keys, state-dict order
// for unexpected ones) and immutable; a strict load that returns has both empty.
package dev.tessel.autograd.nn;

import java.util.List;

/**
 * Keys a state-dict load did not match: {@code missingKeys} are parameters of the module absent
 * from the state dict (left unchanged); {@code unexpectedKeys} are state-dict entries the module
 * has no parameter for (ignored). Mirrors torch's {@code _IncompatibleKeys}.
 */
public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
    public LoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
    }

    public boolean isComplete() { return missingKeys.isEmpty() && unexpectedKeys.isEmpty(); }
}
