package dev.ipc4j.protobuf;

/**
 * Bounds on what parsing one message may cost.
 *
 * @param maxBytes the largest message accepted (protobuf's own ceiling is 2 GiB - 1: sizes are ints)
 * @param recursionLimit how deeply messages may nest (protobuf's default is 100)
 */
public record ParseLimits(int maxBytes, int recursionLimit) {
    /** 2 GiB - 1 and depth 100, protobuf's defaults. */
    public static final ParseLimits DEFAULT = new ParseLimits(Integer.MAX_VALUE, 100);

    public ParseLimits {
        if (maxBytes < 0 || recursionLimit < 0) {
            throw new IllegalArgumentException("limits must not be negative: " + maxBytes + ", " + recursionLimit);
        }
    }
}
