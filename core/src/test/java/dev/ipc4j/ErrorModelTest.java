package dev.ipc4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.Ipc4jException.Category;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The error model README's "Errors in one screen" states: every exception an exported package declares is an unchecked
 * {@link Ipc4jException}, and each concrete one has the category the README's table gives it.
 */
class ErrorModelTest {
    /** README's table, type by type. */
    private static final Map<String, Category> TABLE = new TreeMap<>(Map.ofEntries(
            Map.entry("dev.ipc4j.transport.PeerGoneException", Category.PEER_GONE),
            Map.entry("dev.ipc4j.transport.PipeClosedException", Category.CLOSED),
            Map.entry("dev.ipc4j.transport.ProtocolException", Category.PROTOCOL_VIOLATION),
            Map.entry("dev.ipc4j.session.AccessDeniedException", Category.ACCESS_DENIED),
            Map.entry("dev.ipc4j.session.ChannelRefusedException", Category.REFUSED),
            Map.entry("dev.ipc4j.session.ServerAlreadyRunningException", Category.ALREADY_RUNNING),
            Map.entry("dev.ipc4j.session.ServerNotRunningException", Category.NOT_RUNNING),
            Map.entry("dev.ipc4j.session.SessionClosedException", Category.CLOSED),
            Map.entry("dev.ipc4j.session.SessionTimeoutException", Category.TIMEOUT),
            Map.entry("dev.ipc4j.message.BackPressureException", Category.BACK_PRESSURE),
            Map.entry("dev.ipc4j.message.ChannelClosedException", Category.CLOSED),
            Map.entry("dev.ipc4j.message.InvalidPayloadException", Category.INVALID_PAYLOAD),
            Map.entry("dev.ipc4j.message.MalformedMessageException", Category.PROTOCOL_VIOLATION),
            Map.entry("dev.ipc4j.message.MessageTimeoutException", Category.TIMEOUT),
            Map.entry("dev.ipc4j.message.StreamCancelledException", Category.CANCELLED),
            Map.entry("dev.ipc4j.pubsub.PublisherGoneException", Category.PEER_GONE),
            Map.entry("dev.ipc4j.pubsub.SlowSubscriberException", Category.BACK_PRESSURE),
            Map.entry("dev.ipc4j.pubsub.SubscriptionEndedException", Category.CLOSED),
            Map.entry("dev.ipc4j.shm.InvalidHandleException", Category.INVALID_HANDLE),
            Map.entry("dev.ipc4j.shm.ShmAccessException", Category.ACCESS_DENIED),
            Map.entry("dev.ipc4j.shm.ShmCapacityException", Category.CAPACITY),
            Map.entry("dev.ipc4j.shm.ShmIoException", Category.IO),
            Map.entry("dev.ipc4j.shm.ShmQuotaExceededException", Category.CAPACITY),
            Map.entry("dev.ipc4j.shm.ShmTimeoutException", Category.TIMEOUT)));

    @Test
    void everyExceptionOfAnExportedPackageIsAnUncheckedIpc4jExceptionWithItsCategory() throws Exception {
        List<String> found = exportedThrowables();
        assertTrue(found.size() >= TABLE.size(), "found " + found);
        Map<String, Category> seen = new TreeMap<>();
        for (String name : found) {
            Class<?> type = Class.forName(name);
            assertTrue(Ipc4jException.class.isAssignableFrom(type), name + " is not an Ipc4jException");
            assertTrue(RuntimeException.class.isAssignableFrom(type), name + " is checked");
            if (!Modifier.isAbstract(type.getModifiers())) {
                seen.put(name, instance(type).category());
            }
        }
        assertEquals(TABLE, seen, "README's table and the code disagree");
    }

    @Test
    void theLayerRootsAreAbstractAndNoLongerIoExceptions() {
        for (Class<?> root : List.of(dev.ipc4j.transport.TransportException.class, dev.ipc4j.session.SessionException.class,
                dev.ipc4j.message.MessageException.class, dev.ipc4j.shm.ShmException.class)) {
            assertTrue(Modifier.isAbstract(root.getModifiers()), root.getName());
            assertFalse(IOException.class.isAssignableFrom(root), root.getName());
            assertEquals(Ipc4jException.class, root.getSuperclass(), root.getName());
        }
    }

    /** The public Throwables in the exported packages of this module's classes (os and internal are not exported). */
    private static List<String> exportedThrowables() throws Exception {
        Path classes = Path.of(Ipc4jException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Module module = Ipc4jException.class.getModule();
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("$")
                    && !p.getFileName().toString().equals("module-info.class")).toList()) {
                String rel = classes.relativize(f).toString();
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                String pkg = name.substring(0, name.lastIndexOf('.'));
                boolean exported = module.isNamed() ? module.isExported(pkg)
                        : !pkg.endsWith(".os") && !pkg.endsWith(".internal");
                if (!exported || name.equals(Ipc4jException.class.getName())) {
                    continue;
                }
                Class<?> type = Class.forName(name, false, ErrorModelTest.class.getClassLoader());
                if (Throwable.class.isAssignableFrom(type) && Modifier.isPublic(type.getModifiers())) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** An instance made through any constructor, with placeholder arguments (only its category is looked at). */
    private static Ipc4jException instance(Class<?> type) throws Exception {
        Constructor<?> c = type.getDeclaredConstructors()[0];
        c.setAccessible(true);
        Class<?>[] params = c.getParameterTypes();
        Object[] args = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            Class<?> p = params[i];
            args[i] = p == String.class ? "x" : p == long.class ? 0L : p == int.class ? 0 : p == boolean.class ? false
                    : p.isEnum() ? p.getEnumConstants()[0] : Exception.class.isAssignableFrom(p) ? new IOException("x") : null;
        }
        return (Ipc4jException) c.newInstance(args);
    }
}
