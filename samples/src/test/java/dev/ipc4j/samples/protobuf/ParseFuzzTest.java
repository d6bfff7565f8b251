package dev.ipc4j.samples.protobuf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.protobuf.InvalidProtobufException;
import dev.ipc4j.protobuf.ParseLimits;
import dev.ipc4j.protobuf.ProtobufJson;
import dev.ipc4j.protobuf.ShmProtobuf;
import dev.ipc4j.samples.protobuf.demo.Body;
import dev.ipc4j.samples.protobuf.demo.GetFileReq;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Garbled input, off-heap and read-only as shared memory is: every buffer parses or fails with
 * {@link InvalidProtobufException}, nothing else. Fixed seeds, so a failure repeats.
 */
class ParseFuzzTest {
    private static boolean parses(Arena arena, byte[] bytes) {
        MemorySegment memory = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
        memory.copyFrom(MemorySegment.ofArray(bytes));
        try {
            Body body = ShmProtobuf.parse(memory.asReadOnly(), Body.parser(), new ParseLimits(1 << 20, 20));
            ProtobufJson.render(body, 100);
            return true;
        } catch (InvalidProtobufException expected) {
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("not the typed error for " + Arrays.toString(bytes), e);
        }
    }

    @Test
    void mutatedMessagesParseOrGiveTheTypedError() {
        byte[][] seeds = {
                ShmProtobufTest.response(3, 3).toByteArray(),
                Body.newBuilder().setGetFileReq(GetFileReq.newBuilder().setName("b\u00e9.bin").setSize(77)).build().toByteArray(),
        };
        Random random = new Random(20261121);
        int rejected = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 20_000; i++) {
                byte[] bytes = seeds[i % 2].clone();
                for (int e = 0, n = 1 + random.nextInt(4); e < n; e++) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] = switch (random.nextInt(3)) {
                        case 0 -> (byte) (bytes[at] ^ (1 << random.nextInt(8)));
                        case 1 -> (byte) random.nextInt(256);
                        default -> (byte) 0xFF; // varint continuation: lengths and tags of absurd size
                    };
                }
                if (random.nextInt(10) == 0) {
                    bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
                }
                if (!parses(arena, bytes)) {
                    rejected++;
                }
            }
            for (int i = 0; i < 5_000; i++) {
                byte[] bytes = new byte[random.nextInt(300)];
                random.nextBytes(bytes);
                if (!parses(arena, bytes)) {
                    rejected++;
                }
            }
        }
        assertTrue(rejected > 5_000, "garbage is mostly rejected: " + rejected);
        System.out.println("protobuf fuzz: 25000 inputs, " + rejected + " rejected with InvalidProtobufException");
    }
}
