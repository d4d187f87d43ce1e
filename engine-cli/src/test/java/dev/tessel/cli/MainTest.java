package dev.tessel.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Verb dispatch, help pages, and the exit-status and one-line-error contract of {@link Main}. */
class MainTest {
    /** What one in-process run printed and returned. */
    record Run(int status, String out, String err) {}

    private static Run run(List<Verb> verbs, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(verbs, args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run run(String... args) { return run(Main.verbs(), args); }

    /** A verb that records its arguments, or throws what it is given. */
    static final class ProbeVerb implements Verb {
        final List<String> seen = new ArrayList<>();
        final RuntimeException toThrow;

        ProbeVerb(RuntimeException toThrow) { this.toThrow = toThrow; }

        @Override public String name() { return "probe"; }
        @Override public String summary() { return "probe verb"; }
        @Override public String synopsis() { return "[options] ARG..."; }
        @Override public String description() { return "Records what it was given."; }
        @Override public List<OptionSpec> options() { return List.of(OptionSpec.value("n", "N", "3", "a count")); }
        @Override public List<String> examples() { return List.of("./tessel probe --n 4 x"); }

        @Override
        public int run(Arguments args, PrintStream out) {
            if (toThrow != null) throw toThrow;
            seen.add(args.integer("n") + ":" + args.positionals());
            return 0;
        }
    }

    @Test
    void topLevelHelpListsEveryVerbOfTheTable() {
        Run r = run("--help");
        assertEquals(0, r.status());
        for (Verb v : Main.verbs()) assertTrue(r.out().contains(v.name()) && r.out().contains(v.summary()), v.name());
        assertTrue(r.out().contains("Usage:"));
    }

    @Test
    void everyVerbHasHelpWithUsageOptionsAndExample() {
        for (Verb v : Main.verbs()) {
            for (Run r : List.of(run(v.name(), "--help"), run("help", v.name()))) {
                assertEquals(0, r.status(), v.name());
                assertTrue(r.out().startsWith("Usage: ./tessel " + v.name()), r.out());
                assertTrue(r.out().contains("Options:") && r.out().contains("Example"), r.out());
                for (OptionSpec o : v.options()) assertTrue(r.out().contains("--" + o.name()), v.name() + " --" + o.name());
                assertTrue(r.err().isEmpty());
            }
        }
    }

    @Test
    void dispatchPassesParsedArgumentsToTheVerb() {
        ProbeVerb probe = new ProbeVerb(null);
        Run r = run(List.of(probe), "probe", "--n", "5", "a", "b");
        assertEquals(0, r.status());
        assertEquals(List.of("5:[a, b]"), probe.seen);
    }

    @Test
    void unknownVerbIsOneLineNamingItWithStatus2() {
        Run r = run("frobnicate");
        assertEquals(2, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("'frobnicate'") && r.err().contains("golden") && r.err().contains("--help"), r.err());
    }

    @Test
    void unknownOptionOrBadValueIsOneLineWithStatus2() {
        Run r = run(List.of(new ProbeVerb(null)), "probe", "--bogus");
        assertEquals(2, r.status());
        assertEquals("tessel probe: unknown option --bogus; expected one of --n (see ./tessel probe --help)", r.err().strip());
        Run bad = run(List.of(new ProbeVerb(null)), "probe", "--n", "x");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--n expects an integer, got 'x'"), bad.err());
    }

    @Test
    void theLauncherOnlyTestVerbPointsAtTheLauncher() {
        Run r = run("test");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("run ./tessel test"), r.err());
    }

    @Test
    void noVerbPrintsTheOverviewAndStatus2() {
        Run r = run();
        assertEquals(2, r.status());
        assertTrue(r.err().contains("no verb given"));
    }

    @Test
    void anUnexpectedExceptionIsOneLineWithoutAStackTrace() {
        Run r = run(List.of(new ProbeVerb(new IllegalStateException("disk on fire\nsecond line"))), "probe");
        assertEquals(1, r.status());
        assertEquals("tessel: disk on fire second line", r.err().strip());
        Run noMessage = run(List.of(new ProbeVerb(new NullPointerException())), "probe");
        assertEquals("tessel: NullPointerException", noMessage.err().strip());
    }

    @Test
    void debugModeAddsTheStackTrace() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(List.of(new ProbeVerb(new IllegalStateException("boom"))), new String[] {"probe"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8), true);
        assertEquals(1, status);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("tessel: boom") && text.contains("at dev.tessel.cli"), text);
    }

    @Test
    void subcommandVerbsPassTheirArgumentsThroughVerbatim() {
        List<String> seen = new ArrayList<>();
        Verb group = new SubcommandVerb("grp", "run a sub-command", Map.of(
                "one", argv -> { seen.add(String.join(" ", argv)); return 3; }), List.of("./tessel grp one --x 1"));
        Run r = run(List.of(group), "grp", "one", "--x", "1", "--help");
        assertEquals(3, r.status());
        assertEquals(List.of("--x 1 --help"), seen);
        Run help = run(List.of(group), "grp", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("Usage: ./tessel grp COMMAND") && help.out().contains("one"), help.out());
        Run unknown = run(List.of(group), "grp", "two");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("unknown command 'two'; expected one of one"), unknown.err());
        assertEquals(2, run(List.of(group), "grp").status());
    }
}
