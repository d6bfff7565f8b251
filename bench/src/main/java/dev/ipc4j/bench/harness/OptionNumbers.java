package dev.ipc4j.bench.harness;

/** Whole-number option values for the benchmark mains, with the error messages their users see. */
public final class OptionNumbers {
    private OptionNumbers() {}

    public static int positive(String option, String value) {
        int n = nonNegative(option, value);
        if (n == 0) {
            throw new IllegalArgumentException(option + " must be positive");
        }
        return n;
    }

    /** Accepts {@code 100_000} as well as {@code 100000}. */
    public static int nonNegative(String option, String value) {
        try {
            int n = Integer.parseInt(value.replace("_", ""));
            if (n < 0) {
                throw new IllegalArgumentException(option + " must not be negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, not '" + value + "'");
        }
    }
}
