package dev.tessel.cli.golden;

import dev.tessel.kernels.Backend;
import dev.tessel.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs golden cases: reads each file, computes its fields with the op's {@link CaseHandler} on one
 * backend, and checks every {@code out.*} / {@code grad.*} tensor with {@link GoldenTolerances}.
 *
 * <p>Invariant: one case never stops the run. A malformed file, an op without a handler, an
 * unimplemented kernel or an engine exception each become one FAIL {@link CaseResult} with the reason;
 * only problems with the folders themselves (missing, unreadable) are thrown.
 */
public final class GoldenRunner {
    private final CaseReader reader;
    private final Map<String, CaseHandler> handlers;
    private final Backend backend;

    public GoldenRunner(CaseReader reader, Map<String, CaseHandler> handlers, Backend backend) {
        this.reader = reader;
        this.handlers = Map.copyOf(handlers);
        this.backend = backend;
    }

    /** The runner the CLI uses: safetensors files and JSON text cases, every registered handler. */
    public static GoldenRunner standard(Backend backend) {
        CaseReader safetensors = new SafetensorsCaseReader(), json = new JsonCaseReader();
        return new GoldenRunner(file -> file.getFileName().toString().endsWith(JsonCaseReader.SUFFIX) ? json.read(file) : safetensors.read(file),
                CaseHandlers.all(), backend);
    }

    public Backend backend() { return backend; }

    /**
     * Every {@code *.safetensors} file directly in each folder, sorted by name per folder, then every
     * JSON text-case file ({@code *_cases.json}, FORMAT.md 3.11) in the folder or one level down
     * (the BPE cases sit in {@code bpe/} with their vocabulary).
     */
    public static List<Path> caseFiles(List<Path> dirs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) throw new IllegalArgumentException("golden: '" + dir + "' is not a folder");
            try (Stream<Path> entries = Files.list(dir)) {
                entries.filter(p -> p.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(p))
                        .sorted()
                        .forEach(files::add);
            }
            try (Stream<Path> entries = Files.walk(dir, 2)) {
                entries.filter(p -> p.getFileName().toString().endsWith(JsonCaseReader.SUFFIX) && Files.isRegularFile(p))
                        .sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    /** Runs every file in order, handing each result to {@code onResult} as soon as it is known. */
    public GoldenSummary run(List<Path> files, Consumer<CaseResult> onResult) {
        List<CaseResult> results = new ArrayList<>();
        for (Path file : files) {
            CaseResult r = runFile(file);
            results.add(r);
            onResult.accept(r);
        }
        return new GoldenSummary(results);
    }

    public CaseResult runFile(Path file) {
        String fallbackName = caseNameOf(file);
        GoldenCase goldenCase;
        try {
            goldenCase = reader.read(file);
        } catch (MalformedCaseException e) {
            return CaseResult.problem(fallbackName, "?", CaseResult.Problem.MALFORMED, e.getMessage());
        } catch (RuntimeException e) {
            return CaseResult.problem(fallbackName, "?", CaseResult.Problem.MALFORMED, file.getFileName() + ": " + describe(e));
        }
        try (goldenCase) {
            return runCase(goldenCase);
        } catch (Exception e) {
            return CaseResult.problem(fallbackName, goldenCase.op(), CaseResult.Problem.ERROR, "closing the case: " + describe(e));
        }
    }

    /** Checks one loaded case; the case stays owned by the caller. */
    public CaseResult runCase(GoldenCase c) {
        CaseHandler handler = handlers.get(c.op());
        if (handler == null) return CaseResult.problem(c.name(), c.op(), CaseResult.Problem.UNSUPPORTED_OP, c.op());
        List<String> expected = c.expectedFields();
        if (expected.isEmpty()) return CaseResult.problem(c.name(), c.op(), CaseResult.Problem.MALFORMED, c.name() + ": no out.* or grad.* tensors to check");
        Map<String, Tensor> computed = new HashMap<>();
        try {
            computed = handler.compute(c, backend);
            List<FieldResult> fields = new ArrayList<>();
            for (String field : expected) {
                Tensor got = computed.get(field);
                if (got == null) {
                    fields.add(FieldResult.unsupported(field, handler.missingReason(field)));
                } else {
                    Tensor exp = c.tensor(field);
                    fields.add(FieldComparison.compare(field, got, exp, GoldenTolerances.forField(c.op(), field, exp.dtype())));
                }
            }
            fields.addAll(DerivedChecks.forCase(c, computed));
            return CaseResult.of(c.name(), c.op(), fields);
        } catch (UnsupportedOperationException e) {
            List<FieldResult> fields = expected.stream().map(f -> FieldResult.unsupported(f, describe(e))).toList();
            return CaseResult.of(c.name(), c.op(), fields);
        } catch (MalformedCaseException e) {
            return CaseResult.problem(c.name(), c.op(), CaseResult.Problem.MALFORMED, e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return CaseResult.problem(c.name(), c.op(), CaseResult.Problem.ERROR, describe(e));
        } finally {
            for (Tensor t : computed.values()) t.close();
        }
    }

    static String caseNameOf(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".safetensors") ? n.substring(0, n.length() - ".safetensors".length()) : n;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        String text = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
