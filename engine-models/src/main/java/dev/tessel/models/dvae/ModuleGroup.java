// ModuleGroup: a named container of sub-modules with no computation of its own, the role
// torch's nn.Sequential(OrderedDict(...)) plays in openai/DALL-E for the state-dict names.
//
// Invariant: children keep their insertion order, so state-dict keys come out in the reference
// order (blocks.input, blocks.group_1.block_1..., blocks.output.conv).
package dev.tessel.models.dvae;

import dev.tessel.autograd.nn.Module;

/** A level of dotted names ("blocks", "group_2", "res_path"); the owner runs the forward. */
final class ModuleGroup extends Module {
    <M extends Module> M add(String name, M child) { return registerModule(name, child); }
}
