package dev.ipc4j.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The counters file as its writer and a reader see it; across processes, {@code StatCommandTest} (cli). */
class CountersTest {
    private static final long ME = ProcessHandle.current().pid();

    private static List<CountersReader.Source> mine(String app) throws IOException {
        return CountersReader.find(Optional.of(app)).stream().filter(s -> s.pid() == ME).toList();
    }

    @Test
    void recordsAreReadWhileLiveAndTheFileGoesWithTheLast() throws IOException {
        String app = "counterstest";
        assertEquals(List.of(), mine(app));
        try (CounterRecord server = CounterRecord.open(app, RecordType.SERVER, 0, app)) {
            CounterRecord channel = server.child(RecordType.CHANNEL, 7, "channel 7 with a label longer than thirty-six bytes");
            server.add(ServerField.SESSIONS_OPENED, 3);
            channel.addOrdered(ChannelField.MESSAGES_IN, 5);
            channel.add(ChannelField.BYTES_OUT, 1 << 20);
            channel.raise(ChannelField.CALLS_OPEN, 4);
            channel.raise(ChannelField.CALLS_OPEN, 2); // lower: no change
            List<CountersReader.Source> sources = mine(app);
            assertEquals(1, sources.size(), "one file per app per process");
            CountersReader.Snapshot s = CountersReader.read(sources.getFirst());
            assertEquals(2, s.records().size());
            CountersReader.Entry srv = s.records().get(0);
            CountersReader.Entry ch = s.records().get(1);
            assertEquals(RecordType.SERVER, srv.type());
            assertEquals(3, srv.value(ServerField.SESSIONS_OPENED));
            assertEquals(srv.index(), ch.parent());
            assertEquals(7, ch.id());
            assertEquals("channel 7 with a label longer than t", ch.label(), "cut to 36 bytes");
            assertEquals(5, ch.value(ChannelField.MESSAGES_IN));
            assertEquals(1 << 20, ch.value(ChannelField.BYTES_OUT));
            assertEquals(4, ch.value(ChannelField.CALLS_OPEN));
            assertThrows(IllegalArgumentException.class, () -> ch.value(ServerField.SESSIONS));
            try (CounterRecord euros = server.child(RecordType.ARENA, 0, "€".repeat(13))) { // 39 bytes of UTF-8
                CountersReader.Entry e = CountersReader.read(sources.getFirst()).records().get(2);
                assertEquals("€".repeat(12), e.label(), "cut before a character that does not fit whole");
            }

            // A freed slot is placed again with a new generation and zeroed values.
            channel.close();
            channel.close(); // idempotent
            CounterRecord again = server.child(RecordType.ARENA, 1, "arena");
            CountersReader.Entry reused = CountersReader.read(sources.getFirst()).records().get(1);
            assertEquals(ch.index(), reused.index());
            assertEquals(ch.generation() + 1, reused.generation());
            assertEquals(0, reused.value(ArenaField.ALLOCATIONS));
            again.close();
        }
        assertEquals(List.of(), mine(app), "the file (and its descriptor) went with the last record");
    }

    @Test
    void aDetachedRecordCountsWhereNobodyLooks() throws IOException {
        CounterRecord r = CounterRecord.detached(RecordType.CHANNEL);
        r.add(ChannelField.MESSAGES_OUT, 2);
        assertEquals(2, r.get(ChannelField.MESSAGES_OUT));
        assertFalse(r.isPublished());
        assertFalse(r.child(RecordType.ARENA, 0, "x").isPublished());
        r.close();
    }

    @Test
    void aFileThatIsNotOneOrLiesIsAnErrorForThatFileAlone(@TempDir Path dir) throws IOException {
        Path garbage = dir.resolve("garbage");
        Files.write(garbage, new byte[4096]);
        IOException notOne = assertThrows(IOException.class,
                () -> CountersReader.read(new CountersReader.Source(ME, "x", garbage)));
        assertTrue(notOne.getMessage().contains("not a counters file"), notOne.getMessage());

        ByteBuffer header = ByteBuffer.allocate(CountersLayout.HEADER).order(ByteOrder.nativeOrder());
        header.putLong(CountersLayout.MAGIC, CountersLayout.MAGIC_VALUE).putInt(CountersLayout.VERSION, 1)
                .putInt(CountersLayout.RECORD_SIZE_FIELD, CountersLayout.RECORD_SIZE).putInt(CountersLayout.CAPACITY, 64)
                .putInt(CountersLayout.HIGH, 10);
        Path truncated = dir.resolve("truncated");
        Files.write(truncated, header.array()); // claims 10 records, has none
        IOException shortFile = assertThrows(IOException.class,
                () -> CountersReader.read(new CountersReader.Source(ME, "x", truncated)));
        assertTrue(shortFile.getMessage().contains("ends at"), shortFile.getMessage());

        header.putInt(CountersLayout.HIGH, 100); // more than its capacity
        Files.write(truncated, header.array());
        assertThrows(IOException.class, () -> CountersReader.read(new CountersReader.Source(ME, "x", truncated)));
    }
}
