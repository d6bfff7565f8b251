package dev.ipc4j.bench.demo;

/** The two ways the demo moves a response: only a handle (zero-copy), or every byte over a Unix socket (copy). */
public enum DemoMode {
    ZERO_COPY("zero-copy"),
    COPY("copy");

    private final String label;

    DemoMode(String label) {
        this.label = label;
    }

    /** The name in tables and JSON: {@code zero-copy} or {@code copy}. */
    public String label() {
        return label;
    }
}
