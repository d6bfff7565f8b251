package dev.ipc4j.counters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the counters of running processes, from any process of the same user: finds their counters files in
 * {@code /proc/PID/fd} (memfds named {@code ipc4j.APP.counters}) and copies each with {@code pread}, never mapping
 * it. What a file says is checked before use: a file that is not one, of another version, or that lies about its
 * size is an {@link IOException} for that file alone.
 *
 * <p>A snapshot is not atomic across values (they change while it is copied); each value is one aligned 8-byte word
 * and rates come from two snapshots' differences. Thread-safe (stateless).
 */
public final class CountersReader {
    private static final Path PROC = Path.of("/proc");
    private static final Pattern MEMFD = Pattern.compile("/memfd:ipc4j\\.([A-Za-z0-9_-]{1,48})\\.counters(?: \\(deleted\\))?");
    /** The largest capacity a reader believes (a lying header must not make it read gigabytes). */
    private static final int MAX_CAPACITY = 1 << 20;

    /**
     * One counters file of a running process.
     *
     * @param path {@code /proc/PID/fd/N}, readable while the process keeps the file open
     */
    public record Source(long pid, String app, Path path) {}

    /**
     * One read of a file.
     *
     * @param takenNanos {@link System#nanoTime()} when it was read, for rates
     * @param overflow records that found no room and are not in the file
     */
    public record Snapshot(Source source, long startedMillis, long takenNanos, long overflow, List<Entry> records) {
        public Snapshot {
            records = List.copyOf(records);
        }
    }

    /**
     * One live record.
     *
     * @param index its slot; with {@code generation}, what tells it from an earlier object in the same slot
     * @param parent the slot of the record it belongs to, -1 for none
     */
    public record Entry(int index, int generation, RecordType type, int parent, long id, String label, long[] values) {
        /** The value of {@code field}, which must be one of this record's type. */
        public long value(Field field) {
            if (!type.fields().contains(field)) {
                throw new IllegalArgumentException(field + " is not a field of a " + type.key() + " record");
            }
            return values[field.slot()];
        }
    }

    private CountersReader() {}

    /** The counters files of every running process this user may read, of {@code app} only if given, by pid. */
    public static List<Source> find(Optional<String> app) throws IOException {
        List<Source> found = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        Matcher m = MEMFD.matcher(link(fd));
                        if (m.matches() && (app.isEmpty() || app.get().equals(m.group(1)))) {
                            found.add(new Source(pid, m.group(1), fd));
                        }
                    }
                } catch (IOException | SecurityException notOurs) {
                    // another user's process, or one that exited while we looked
                }
            }
        }
        found.sort(Comparator.comparing(Source::app).thenComparingLong(Source::pid));
        return found;
    }

    /** This process's counters files (for a process that shows its own). */
    public static List<Source> ofThisProcess() throws IOException {
        long me = ProcessHandle.current().pid();
        return find(Optional.empty()).stream().filter(s -> s.pid() == me).toList();
    }

    /** Reads {@code source} now; an {@link IOException} if it is gone or is not a counters file this version reads. */
    public static Snapshot read(Source source) throws IOException {
        try (FileChannel ch = FileChannel.open(source.path(), StandardOpenOption.READ)) {
            ByteBuffer header = read(ch, 0, CountersLayout.HEADER, source);
            long taken = System.nanoTime();
            if (header.getLong(CountersLayout.MAGIC) != CountersLayout.MAGIC_VALUE) {
                throw new IOException(source.path() + " is not a counters file (magic)");
            }
            int version = header.getInt(CountersLayout.VERSION);
            int recordSize = header.getInt(CountersLayout.RECORD_SIZE_FIELD);
            if (version != CountersLayout.VERSION_VALUE || recordSize != CountersLayout.RECORD_SIZE) {
                throw new IOException(source.path() + ": counters file version " + version + " with records of "
                        + recordSize + " bytes; this reader knows version " + CountersLayout.VERSION_VALUE);
            }
            int capacity = header.getInt(CountersLayout.CAPACITY);
            int high = header.getInt(CountersLayout.HIGH);
            if (capacity < 0 || capacity > MAX_CAPACITY || high < 0 || high > capacity) {
                throw new IOException(source.path() + ": " + high + " records used of " + capacity + " claimed");
            }
            ByteBuffer all = read(ch, CountersLayout.HEADER, high * CountersLayout.RECORD_SIZE, source);
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < high; i++) {
                int r = i * CountersLayout.RECORD_SIZE;
                if (all.getInt(r + CountersLayout.STATE) != CountersLayout.LIVE) {
                    continue;
                }
                Optional<RecordType> type = RecordType.byCode(all.getInt(r + CountersLayout.TYPE));
                int labelLength = all.getInt(r + CountersLayout.LABEL_LENGTH);
                if (type.isEmpty() || labelLength < 0 || labelLength > CountersLayout.LABEL_MAX) {
                    continue; // a newer writer's type, or a record being rewritten: the next read sees it
                }
                byte[] label = new byte[labelLength];
                all.get(r + CountersLayout.LABEL, label);
                long[] values = new long[CountersLayout.VALUE_COUNT];
                for (int v = 0; v < values.length; v++) {
                    values[v] = all.getLong(r + CountersLayout.VALUES + 8 * v);
                }
                int parent = all.getInt(r + CountersLayout.PARENT);
                entries.add(new Entry(i, all.getInt(r + CountersLayout.GENERATION), type.get(),
                        parent >= 0 && parent < high ? parent : -1, all.getLong(r + CountersLayout.ID),
                        new String(label, StandardCharsets.UTF_8), values));
            }
            return new Snapshot(source, header.getLong(CountersLayout.STARTED), taken,
                    header.getLong(CountersLayout.OVERFLOW), entries);
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int length, Source source) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException(source.path() + " ends at " + (at + b.position()) + " bytes; its header claims "
                        + (at + length));
            }
        }
        return b;
    }

    private static String link(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
