package dev.ipc4j.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a benchmark run leaves behind, checked after each test: no child process alive, nothing new in /dev/shm that a
 * benchmark could have made, no work directory left in the temp dir. For tests whose baseline (Aeron's driver) keeps
 * descriptors of its own, where {@code NoLeaks}'s descriptor check cannot be used. Objects of other programs on a
 * shared machine come and go: only names the benchmark could have made count.
 */
public final class NothingLeftBehind implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NothingLeftBehind.class);
    private static final Path SHM = Path.of("/dev/shm");

    private final String children;
    private final Predicate<String> shmOurs;
    private final String tmpPrefix;

    /**
     * @param children what the test's child processes are, for the message
     * @param shmOurs which /dev/shm names the benchmark could have made
     * @param tmpPrefix the prefix of its work directories in the temp dir
     */
    public NothingLeftBehind(String children, Predicate<String> shmOurs, String tmpPrefix) {
        this.children = children;
        this.shmOurs = shmOurs;
        this.tmpPrefix = tmpPrefix;
    }

    private static Path tmp() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static Set<String> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return new HashSet<>(files.map(p -> p.getFileName().toString()).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("shm", list(SHM));
        context.getStore(NS).put("tmp", list(tmp()));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList(),
                children + " still running");
        Set<String> shm = list(SHM);
        shm.removeAll(context.getStore(NS).get("shm", Set.class));
        shm.removeIf(shmOurs.negate());
        assertEquals(Set.of(), shm, "left in /dev/shm");
        Set<String> tmp = list(tmp());
        tmp.removeAll(context.getStore(NS).get("tmp", Set.class));
        tmp.removeIf(name -> !name.startsWith(tmpPrefix));
        assertEquals(Set.of(), tmp, "work directories left in the temp dir");
    }
}
