package dev.tessel.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The shared argument parser: accepted syntaxes, typed getters, and the usage errors they raise. */
class ArgumentsTest {
    private static final List<OptionSpec> SPECS = List.of(
            OptionSpec.value("m", "M", "64", "rows"),
            OptionSpec.value("dtype", "NAME", null, "element type"),
            OptionSpec.value("lr", "X", "1e-4", "learning rate"),
            OptionSpec.flag("verbose", "say more"));

    private static Arguments parse(String... argv) {
        return Arguments.parse("bench", SPECS, List.of(argv));
    }

    private static String usageError(Runnable r) {
        UsageException e = assertThrows(UsageException.class, r::run);
        assertEquals("bench", e.verb());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void valuesFlagsAndPositionalsInAnyOrder() {
        Arguments a = parse("dir1", "--m", "96", "--verbose", "--dtype=f16", "dir2");
        assertEquals(96, a.integer("m"));
        assertEquals("f16", a.string("dtype"));
        assertTrue(a.flag("verbose"));
        assertEquals(List.of(Path.of("dir1"), Path.of("dir2")), a.paths(1, "DIR"));
    }

    @Test
    void defaultsApplyWhenAbsentAndDoNotCountAsGiven() {
        Arguments a = parse();
        assertEquals(64, a.integer("m"));
        assertEquals(1e-4, a.number("lr"));
        assertFalse(a.given("m"));
        assertFalse(a.flag("verbose"));
        assertTrue(a.positionals().isEmpty());
    }

    @Test
    void doubleDashEndsOptions() {
        Arguments a = parse("--", "--verbose", "-x");
        assertFalse(a.flag("verbose"));
        assertEquals(List.of("--verbose", "-x"), a.positionals());
    }

    @Test
    void unknownOptionNamesItAndListsTheKnownOnes() {
        String m = usageError(() -> parse("--bogus", "1"));
        assertTrue(m.contains("--bogus") && m.contains("--m") && m.contains("--verbose"), m);
        assertTrue(usageError(() -> parse("-v")).contains("'-v'"));
    }

    @Test
    void missingRepeatedOrMisplacedValuesAreUsageErrors() {
        assertTrue(usageError(() -> parse("--m")).contains("needs a value"));
        assertTrue(usageError(() -> parse("--m", "1", "--m", "2")).contains("twice"));
        assertTrue(usageError(() -> parse("--verbose=yes")).contains("flag"));
        assertTrue(usageError(() -> parse().string("dtype")).contains("required"));
    }

    @Test
    void typedGettersNameTheOptionAndTheBadValue() {
        String m = usageError(() -> parse("--m", "ninety").integer("m"));
        assertTrue(m.contains("--m") && m.contains("ninety") && m.contains("integer"), m);
        assertTrue(usageError(() -> parse("--lr", "fast").number("lr")).contains("'fast'"));
        assertTrue(usageError(() -> parse("--lr", "NaN").number("lr")).contains("finite"));
        assertTrue(usageError(() -> parse("--m", "0").integer("m", 1, 4096)).contains("between 1 and 4096"));
        assertTrue(usageError(() -> parse("--dtype", "f8").choice("dtype", "f32", "f16")).contains("f32, f16"));
        assertEquals("f16", parse("--dtype", "F16").choice("dtype", "f32", "f16"));
    }

    @Test
    void positionalCountsAreChecked() {
        assertTrue(usageError(() -> parse("--verbose").paths(1, "DIR")).contains("at least 1 DIR"));
        assertTrue(usageError(() -> parse("stray").noPositionals()).contains("'stray'"));
    }

    @Test
    void readingAnUndeclaredOptionIsAProgrammingError() {
        assertThrows(IllegalStateException.class, () -> parse().string("nope"));
        assertThrows(IllegalStateException.class, () -> parse().flag("m"));
    }
}
