package dev.ipc4j.message;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.transport.Channel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** What the message tests and their child agree on: the apps, the message types, and payload helpers. */
final class Types {
    static final ClientApp WEB = ClientApp.named("web").build();

    /** Answered with a copy of the request's payload. */
    static final int ECHO = 1;
    /** Held by the responder until the parent says RELEASE, then answered with an empty payload. */
    static final int SLOW = 2;
    /** A stream request: the payload is an int count; answered with that many items (item i holds i), then ended. */
    static final int STREAM = 3;
    /** A stream request answered with items until the requester cancels. */
    static final int ENDLESS = 4;
    /** Carries a memfd: answered with the descriptor's bytes. */
    static final int FD = 5;
    /** Answered with 16 bytes: the payload's length and CRC32C (read in place). */
    static final int CHECKSUM = 6;
    /** Its handler throws an AssertionError (an Error, not an Exception) and answers nothing. */
    static final int THROWS_ERROR = 7;
    /** Notifications counted by the responder; the int -1 asks it to notify back (type COUNTED) with the count. */
    static final int NOTE = 10;
    static final int COUNTED = 11;
    /** Calls (message protocol version 2), answered by the responder as their names say. */
    static final int CALL_UNARY = 40;
    static final int CALL_SERVER_STREAM = 41;
    static final int CALL_CLIENT_STREAM = 42;
    static final int CALL_BIDI = 43;
    /** Never answered: for cancels, deadlines and peer death; the responder says CALL-OPENED and CALL-ENDED. */
    static final int CALL_HANG = 44;
    static final int CALL_CALLEE_CANCELS = 45;
    /** A client stream under a large grant: the callee holds every message until the half-close, then answers the
     * count, the sum of their first ints, and whether they came in order. */
    static final int CALL_SINK = 46;
    /** Notifications of 4 KiB in shared memory a flooder sends as fast as it can, payload an int sequence number. */
    static final int FLOOD = 30;
    /** Notifications the responder sends when asked (EARLY command), payload an int sequence number. */
    static final int EARLY = 20;

    private Types() {}

    static ServerApp cache(Path runDir) {
        return ServerApp.named("cache").allowing(WEB).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    static SessionConfig sessionConfig(boolean socketOnly) {
        return socketOnly ? SessionConfig.DEFAULT.withChannels(Channel.Config.SOCKET_ONLY) : SessionConfig.DEFAULT;
    }

    /**
     * {@code config} with a keep-alive that outlasts starvation: for tests that start dozens of JVMs at once on 2 cores,
     * where a JVM still loading classes can be silent for more than the default 5 s and be declared gone (seen in CI:
     * "it hangs or is gone" before a child was READY). Keep-alive expiry itself is tested elsewhere.
     */
    static SessionConfig patient(SessionConfig config) {
        return config.withKeepAlive(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(60));
    }

    static long crc(MemorySegment m) {
        CRC32C crc = new CRC32C();
        long chunk = 1 << 20;
        for (long at = 0; at < m.byteSize(); at += chunk) {
            crc.update(m.asSlice(at, Math.min(chunk, m.byteSize() - at)).asByteBuffer());
        }
        return crc.getValue();
    }

    static int readInt(MemorySegment m) {
        return m.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
    }

    static OutMessage intMessage(MessageChannel<?> ch, int type, int value) {
        OutMessage out = ch.newMessage(4, type);
        out.payload().set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
        return out;
    }
}
