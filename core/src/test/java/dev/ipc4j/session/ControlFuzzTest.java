package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.transport.ProtocolException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Session control decoding reads what the peer wrote (before log-in, anyone who can connect): every input is a
 * message or a {@link ProtocolException}, never another exception (issue 13 asked for seeded fuzzing of every decoder
 * that reads peer bytes; this one had no test).
 */
class ControlFuzzTest {
    private static final long TOKEN = 0x1234_5678_9ABC_DEF1L;

    private static final List<Control.Message> SAMPLES = List.of(
            new Control.Login(Control.VERSION, Control.VERSION, 4242, 1000, 1000, "web", "cache",
                    List.of("init-0".getBytes(), new byte[0])),
            new Control.LoginOk(Control.VERSION, 7, TOKEN, List.of("a".getBytes(), "b".getBytes())),
            new Control.Refused(AccessDeniedException.Reason.UNKNOWN_APP, "who are you"),
            new Control.Open(99, "bulk".getBytes()),
            new Control.Opened(99),
            new Control.OpenRefused(99, "no"),
            new Control.Bye());

    private static byte[] bytes(Control.Message m) {
        ByteBuffer b = Control.encode(m, TOKEN);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static int descriptors(Control.Message m) {
        return switch (m) {
            case Control.LoginOk o -> o.initChannels().size() + 1; // and the memory socket
            case Control.Open o -> 1;
            default -> 0;
        };
    }

    @Test
    void everyMessageReadsBackAndEveryTruncationIsAProtocolError() throws Exception {
        for (Control.Message m : SAMPLES) {
            byte[] whole = bytes(m);
            Control.Message back = Control.decode(ByteBuffer.wrap(whole), TOKEN, descriptors(m));
            assertEquals(m.getClass(), back.getClass());
            assertArrayEquals(whole, bytes(back), "reads back as written: " + m);
            for (int n = 0; n < whole.length; n++) {
                byte[] cut = Arrays.copyOf(whole, n);
                assertThrows(ProtocolException.class, () -> Control.decode(ByteBuffer.wrap(cut), TOKEN, descriptors(m)),
                        m.getClass().getSimpleName() + " cut at " + n);
            }
            assertThrows(ProtocolException.class, () -> Control.decode(ByteBuffer.wrap(whole), TOKEN + 2, descriptors(m)), "wrong token");
            assertThrows(ProtocolException.class, () -> Control.decode(ByteBuffer.wrap(whole), TOKEN, descriptors(m) + 1),
                    "a descriptor more than the type carries");
        }
    }

    /** 200,000 seeded cases: valid messages with bytes flipped, inserted or cut, and plain random bytes. */
    @Test
    void mutatedAndRandomBytesGiveOnlyMessagesOrProtocolErrors() {
        SplittableRandom random = new SplittableRandom(1313);
        int[] outcomes = new int[2];
        for (int c = 0; c < 200_000; c++) {
            Control.Message sample = SAMPLES.get(random.nextInt(SAMPLES.size()));
            byte[] input;
            if (random.nextInt(5) == 0) {
                input = new byte[random.nextInt(0, 96)];
                random.nextBytes(input);
                if (input.length >= 4 && random.nextBoolean()) { // past the magic, so the rest gets read
                    System.arraycopy(bytes(sample), 0, input, 0, Math.min(16, input.length));
                }
            } else {
                input = bytes(sample);
                for (int k = random.nextInt(1, 4); k > 0; k--) {
                    int at = random.nextInt(Math.max(1, input.length));
                    switch (random.nextInt(4)) {
                        case 0 -> input[at] = (byte) random.nextInt(256);
                        case 1 -> input[at] ^= (byte) (1 << random.nextInt(8));
                        case 2 -> input = Arrays.copyOf(input, Math.max(0, input.length + random.nextInt(-8, 9)));
                        default -> { // a length field made huge or negative
                            if (at + 4 <= input.length) {
                                ByteBuffer.wrap(input).putInt(at, random.nextBoolean() ? -1 : random.nextInt());
                            }
                        }
                    }
                    if (input.length == 0) {
                        break;
                    }
                }
            }
            int fds = random.nextInt(4) == 0 ? random.nextInt(0, 40) : descriptors(sample);
            try {
                Control.decode(ByteBuffer.wrap(input), TOKEN, fds);
                outcomes[0]++;
            } catch (ProtocolException expected) {
                outcomes[1]++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("case " + c + " (" + sample.getClass().getSimpleName() + ", " + input.length
                        + " bytes) ended with " + e, e);
            }
        }
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes occur: " + Arrays.toString(outcomes));
    }
}
