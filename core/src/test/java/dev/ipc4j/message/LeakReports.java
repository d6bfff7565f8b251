package dev.ipc4j.message;

import java.lang.reflect.Field;
import java.util.function.Consumer;

/**
 * Listens to the shared-memory leak detector's reports. Its listener hook is package-private in dev.ipc4j.shm; tests
 * run inside the same module, so reflection reaches it without opening anything.
 */
final class LeakReports {
    private LeakReports() {}

    static AutoCloseable listen(Consumer<String> listener) throws ReflectiveOperationException {
        Field field = Class.forName("dev.ipc4j.shm.LeakDetector").getDeclaredField("listener");
        field.setAccessible(true);
        Object before = field.get(null);
        field.set(null, listener);
        return () -> field.set(null, before);
    }
}
