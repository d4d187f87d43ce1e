package dev.tessel.cli.demo;

import dev.tessel.cli.golden.FieldResult;
import dev.tessel.cli.golden.GoldenCommand;
import dev.tessel.cli.golden.GoldenRunner;
import dev.tessel.cli.golden.GoldenSummary;
import dev.tessel.kernels.Backend;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Demo step: every golden reference case bundled in the jar, checked on one backend.
 *
 * <p>Invariant: a case that fails only because an op or gradient is not implemented yet makes the
 * step INCOMPLETE, not FAILED; a wrong value, an error or a malformed bundled file makes it FAILED.
 */
final class GoldenCasesStep implements DemoStep {
    private final Backend backend;

    GoldenCasesStep(Backend backend) {
        this.backend = backend;
    }

    @Override
    public String title() { return "golden reference cases (" + backend.name() + " backend)"; }

    @Override
    public Outcome run(PrintStream out) throws Exception {
        try (BundledGolden.Extracted cases = BundledGolden.extract()) {
            List<Path> files = GoldenRunner.caseFiles(List.of(cases.dir()));
            out.println("  " + files.size() + " cases from the jar; a case passes when all its out.* and grad.* fields match");
            GoldenSummary summary = GoldenRunner.standard(backend).run(files, r -> {
                out.print("  ");
                GoldenCommand.print(out, r, false);
            });
            long unsupported = summary.failedUnsupportedOnly();
            long wrong = summary.failed() - unsupported;
            long computed = summary.results().stream().flatMap(r -> r.fields().stream()).filter(FieldResult::compared).count();
            long matching = summary.results().stream().flatMap(r -> r.fields().stream()).filter(FieldResult::passed).count();
            String text = summary.passed() + "/" + summary.results().size() + " cases pass, " + unsupported
                    + " wait for an op or gradient, " + wrong + " wrong; " + matching + " of " + computed + " computed fields match";
            Status status = wrong > 0 ? Status.FAILED : unsupported > 0 ? Status.INCOMPLETE : Status.OK;
            return new Outcome(status, text);
        }
    }
}
