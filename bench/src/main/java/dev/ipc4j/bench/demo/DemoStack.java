package dev.ipc4j.bench.demo;

/**
 * Which layers of ipc4j a row went through. {@code message}: the stack a user's code runs on, a {@code SessionServer}
 * and a {@code ClientSession}, a {@code MessageChannel} with the FlatBuffers codec (the default). {@code transport}:
 * below the session and message layers, a raw {@code transport.Channel} with a hand-rolled protocol and an arena lent
 * by hand ({@code --stack transport}); also the label of the copied baseline, a plain Unix socket with no ipc4j layer
 * above it.
 */
public enum DemoStack {
    MESSAGE("message"),
    TRANSPORT("transport");

    private final String label;

    DemoStack(String label) {
        this.label = label;
    }

    /** The name in tables, JSON and {@code --stack}. */
    public String label() {
        return label;
    }

    public static DemoStack parse(String s) {
        for (DemoStack stack : values()) {
            if (stack.label.equals(s.trim())) {
                return stack;
            }
        }
        throw new IllegalArgumentException("--stack: '" + s + "' is neither message nor transport");
    }
}
