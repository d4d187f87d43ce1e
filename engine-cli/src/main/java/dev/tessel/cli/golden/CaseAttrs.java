package dev.tessel.cli.golden;

import java.util.List;
import java.util.Map;

/**
 * A golden case's hyper-parameters (the {@code attrs} metadata string, parsed as JSON), with typed
 * getters whose errors name the case and the attribute.
 *
 * <p>Invariant: values are what the JSON parser produced (Number, String, Boolean, List, Map, null);
 * handlers read every size and hyper-parameter through here or from tensor shapes, never from
 * constants, because held-out cases use other values.
 */
public final class CaseAttrs {
    private final String caseName;
    private final Map<String, Object> values;

    public CaseAttrs(String caseName, Map<String, Object> values) {
        this.caseName = caseName;
        this.values = Map.copyOf(values);
    }

    public boolean has(String key) { return values.containsKey(key); }

    public double number(String key) {
        if (get(key) instanceof Number n) return n.doubleValue();
        throw wrongType(key, "a number");
    }

    public int integer(String key) {
        double d = number(key);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw wrongType(key, "an integer");
        return (int) d;
    }

    /** The integer at {@code key}, or {@code fallback} when the case does not record it. */
    public int integerOr(String key, int fallback) {
        return has(key) ? integer(key) : fallback;
    }

    public String string(String key) {
        if (get(key) instanceof String s) return s;
        throw wrongType(key, "a string");
    }

    public int[] integers(String key) {
        if (!(get(key) instanceof List<?> list)) throw wrongType(key, "a list of integers");
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) throw wrongType(key, "a list of integers");
            out[i] = n.intValue();
        }
        return out;
    }

    public List<String> strings(String key) {
        if (!(get(key) instanceof List<?> list) || !list.stream().allMatch(v -> v instanceof String)) throw wrongType(key, "a list of strings");
        return list.stream().map(String.class::cast).toList();
    }

    public double[] numbers(String key) {
        if (!(get(key) instanceof List<?> list)) throw wrongType(key, "a list of numbers");
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n)) throw wrongType(key, "a list of numbers");
            out[i] = n.doubleValue();
        }
        return out;
    }

    /** The boolean at {@code key}, or {@code fallback} when the case does not record it. */
    public boolean flagOr(String key, boolean fallback) {
        if (!has(key)) return fallback;
        if (get(key) instanceof Boolean b) return b;
        throw wrongType(key, "a boolean");
    }

    /** The JSON object at {@code key} as attrs of its own (errors name the case and the path). */
    public CaseAttrs object(String key) {
        if (!(get(key) instanceof Map<?, ?> map)) throw wrongType(key, "an object");
        Map<String, Object> copy = new java.util.HashMap<>();
        map.forEach((k, v) -> copy.put(String.valueOf(k), v));
        return new CaseAttrs(caseName + " attrs." + key, copy);
    }

    /** The string at {@code key}, or {@code fallback} when the case does not record it. */
    public String stringOr(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    private Object get(String key) {
        if (!values.containsKey(key)) throw new MalformedCaseException(caseName + ": attrs has no '" + key + "'");
        return values.get(key);
    }

    private MalformedCaseException wrongType(String key, String expected) {
        return new MalformedCaseException(caseName + ": attrs." + key + " should be " + expected + ", is " + values.get(key));
    }

    @Override
    public String toString() { return values.toString(); }
}
