package dev.tessel.cli.golden;

import dev.tessel.cli.Arguments;
import dev.tessel.cli.OptionSpec;
import dev.tessel.cli.UsageException;
import dev.tessel.cli.Verb;
import dev.tessel.kernels.Backend;
import dev.tessel.kernels.Backends;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code ./tessel golden DIR...}: checks the engine against the golden reference cases and prints one
 * line per case, then {@code N passed, M failed}.
 *
 * <p>Invariant: exit status 1 when any case failed (including an unsupported op or field), 0 only
 * when every case found passed, 2 for a calling mistake (no folder, not a folder).
 */
public final class GoldenCommand implements Verb {
    private final Function<Backend, GoldenRunner> runnerFactory;

    public GoldenCommand() {
        this(GoldenRunner::standard);
    }

    /** For tests: a runner with synthetic readers or handlers. */
    public GoldenCommand(Function<Backend, GoldenRunner> runnerFactory) {
        this.runnerFactory = runnerFactory;
    }

    @Override public String name() { return "golden"; }

    @Override public String summary() { return "check the engine against golden reference cases (*.safetensors, *_cases.json)"; }

    @Override public String synopsis() { return "[options] DIR..."; }

    @Override
    public String description() {
        return """
                Reads every *.safetensors case directly in each DIR, and every JSON text-case file *_cases.json
                in DIR or one folder down (bpe/bpe_cases.json); other files are ignored (the format is in
                FORMAT.md next to the cases). Computes each case's out.* and grad.* fields with the
                engine and compares them elementwise: |got - exp| <= atol + rtol*|exp| with the per-op
                tolerances of FORMAT.md section 2, integer fields exactly.
                Prints one line per case: PASS/FAIL, the case, its worst field (the one closest to or
                furthest past its tolerance), that field's max absolute error and tolerance, and for a FAIL
                why: a mismatch, an unsupported op or field, or a malformed file. The last line is
                'N passed, M failed'. Exit status 1 if any case failed.""";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.value("backend", "NAME", null, "reference or cpu (default: -Dtessel.backend, else cpu)"),
                OptionSpec.flag("fields", "also print one line per field under each case"));
    }

    @Override
    public List<String> examples() {
        return List.of("./tessel golden engine-cli/src/test/resources/golden",
                "./tessel golden --backend reference --fields my-cases/ more-cases/");
    }

    @Override
    public int run(Arguments args, PrintStream out) throws Exception {
        List<Path> dirs = args.paths(1, "DIR");
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) throw new UsageException(name(), "'" + d + "' is not a folder; expected folders holding *.safetensors cases");
        }
        Backend backend = args.given("backend") ? Backends.byName(args.choice("backend", "reference", "cpu")) : Backends.get();
        boolean fields = args.flag("fields");
        GoldenRunner runner = runnerFactory.apply(backend);
        List<Path> files = GoldenRunner.caseFiles(dirs);
        if (files.isEmpty()) {
            out.println("no *.safetensors cases in " + dirs);
            out.println("0 passed, 0 failed");
            return 1;
        }
        GoldenSummary summary = runner.run(files, r -> print(out, r, fields));
        out.println(summary.line());
        return summary.failed() == 0 ? 0 : 1;
    }

    /** The case line, and with --fields one indented line per field. */
    public static void print(PrintStream out, CaseResult r, boolean fields) {
        out.println(r.line());
        if (!fields) return;
        for (FieldResult f : r.fields()) {
            String measured = f.compared() ? String.format(Locale.ROOT, "max_abs_err %.2e  tol %s", f.maxAbsError(), f.tolerance()) : "";
            out.println(String.format(Locale.ROOT, "      %-9s %-16s %s%s", f.status(), f.field(), measured,
                    f.detail().isEmpty() ? "" : "  -- " + f.detail()).stripTrailing());
        }
        out.flush();
    }
}
