// PriorCommands: the `prior` verb group (stage-2 transformer). It holds `train`, the data-parallel
// trainer; further prior commands join the list.
//
// Invariant: each sub-command is its own Verb class; this file only lists them.
package dev.tessel.cli.prior;

import dev.tessel.cli.Verb;
import dev.tessel.cli.VerbGroup;
import java.util.List;

/** The {@code prior} verb for Main's table. */
public final class PriorCommands {
    private PriorCommands() {}

    public static Verb verb() {
        return new VerbGroup("prior", "the stage-2 transformer: data-parallel training over threads or Open MPI", List.of(new PriorTrainCommand()));
    }
}
