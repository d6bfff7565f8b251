package dev.ipc4j.bench.demo;

import java.util.List;

/** The zero-copy implementations the demo can run, by name; add one here to make it selectable. */
public final class ZeroCopyModes {
    public static final String DEFAULT = "flatbuffers";

    private ZeroCopyModes() {}

    public static List<ZeroCopyMode> all() {
        return List.of(new FlatBuffersDemo(), new RawShmDemo());
    }

    public static List<String> names() {
        return all().stream().map(ZeroCopyMode::name).toList();
    }

    public static ZeroCopyMode named(String name) {
        return all().stream().filter(m -> m.name().equals(name.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown zero-copy mode '" + name + "' (" + String.join(",", names()) + ")"));
    }
}
