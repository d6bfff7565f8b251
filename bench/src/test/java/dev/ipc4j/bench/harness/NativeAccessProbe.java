package dev.ipc4j.bench.harness;

import dev.ipc4j.Ipc4j;

/**
 * Child main for {@link ChildJvmTest}: prints whether ipc4j's classes are the named module {@code dev.ipc4j} here and
 * whether its native calls work (its self-check makes real syscalls, which fail under
 * {@code --illegal-native-access=deny} unless the module was granted native access).
 */
public final class NativeAccessProbe {
    private NativeAccessProbe() {}

    public static void main(String[] args) {
        System.out.println("MODULE " + Ipc4j.class.getModule().getName());
        for (Ipc4j.Check check : Ipc4j.selfCheck()) {
            System.out.println((check.ok() ? "OK " : "FAILED ") + check.name() + (check.ok() ? "" : ": " + check.error()));
        }
        System.out.println("END");
    }
}
