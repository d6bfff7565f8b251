package dev.ipc4j.session;

import dev.ipc4j.transport.ProtocolException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The session protocol: the messages that travel on a session's control socket (a socket-only channel, so they keep
 * their boundaries and can carry descriptors). Layout (docs/wire-format.md, "Session protocol"), little-endian:
 *
 * <pre>
 *  0        4        6        8                 16
 *  +--------+--------+--------+-----------------+----------------------
 *  | MAGIC  | TYPE   | 0      | TOKEN u64       | body (per type)
 *  | "I4S1" | u16    | u16    | 0 in the log-in |
 *  +--------+--------+--------+-----------------+----------------------
 *  str   = u16 length + UTF-8 (at most MAX_STRING bytes)
 *  bytes = u32 length + bytes (at most MAX_METADATA)
 *
 *  LOGIN        u16 min version, u16 max version, i64 pid, i32 uid, i32 gid, str client app, str server app,
 *               u16 n, n x bytes (metadata of the init channels the client asks for)
 *  LOGIN_OK     u16 version, i64 session id, u64 token (nonzero; in every later header), u16 n, n x bytes
 *               (metadata)               + n + 1 descriptors: the init channels, then the memory socket (a record
 *                                          socket that carries shared-memory descriptors, see MemorySocket)
 *  REFUSED      u16 reason (AccessDeniedException.Reason ordinal), str message
 *  OPEN         i64 request id, bytes metadata                                 + 1 descriptor: the channel's socket
 *  OPENED       i64 request id
 *  OPEN_REFUSED i64 request id, str reason
 *  BYE          (nothing): "I am ending the session"; the other side answers BYE once it let go of what it borrowed
 * </pre>
 *
 * Everything is checked on decoding; a message that does not add up is a {@link ProtocolException}.
 */
final class Control {
    static final int MAGIC = 0x31533449; // "I4S1" as little-endian text
    /** 2: LOGIN_OK carries the session's memory socket after the init channels ({@link MemorySocket}). */
    static final int VERSION = 2;
    static final int HEADER = 16;
    static final int MAX_STRING = 1024;
    static final int MAX_METADATA = 64 * 1024;
    /** Init channels travel as descriptors of one message, and a message carries at most 64. */
    static final int MAX_INIT_CHANNELS = 32;

    static final int LOGIN = 1;
    static final int LOGIN_OK = 2;
    static final int REFUSED = 3;
    static final int OPEN = 4;
    static final int OPENED = 5;
    static final int OPEN_REFUSED = 6;
    static final int BYE = 7;

    private Control() {}

    /** A decoded control message. */
    sealed interface Message permits Login, LoginOk, Refused, Open, Opened, OpenRefused, Bye {}

    record Login(int minVersion, int maxVersion, long pid, int uid, int gid, String clientApp, String serverApp,
            List<byte[]> initChannels) implements Message {}

    record LoginOk(int version, long sessionId, long token, List<byte[]> initChannels) implements Message {}

    record Refused(AccessDeniedException.Reason reason, String message) implements Message {}

    record Open(long requestId, byte[] metadata) implements Message {}

    record Opened(long requestId) implements Message {}

    record OpenRefused(long requestId, String reason) implements Message {}

    record Bye() implements Message {}

    // ------------------------------------------------------------------------------------------------- encoding

    static ByteBuffer encode(Message m, long token) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + bodySize(m)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putShort((short) type(m)).putShort((short) 0).putLong(token);
        switch (m) {
            case Login l -> {
                b.putShort((short) l.minVersion()).putShort((short) l.maxVersion()).putLong(l.pid()).putInt(l.uid()).putInt(l.gid());
                putString(b, l.clientApp());
                putString(b, l.serverApp());
                putList(b, l.initChannels());
            }
            case LoginOk o -> {
                b.putShort((short) o.version()).putLong(o.sessionId()).putLong(o.token());
                putList(b, o.initChannels());
            }
            case Refused r -> {
                b.putShort((short) r.reason().ordinal());
                putString(b, r.message());
            }
            case Open o -> {
                b.putLong(o.requestId());
                putBytes(b, o.metadata());
            }
            case Opened o -> b.putLong(o.requestId());
            case OpenRefused o -> {
                b.putLong(o.requestId());
                putString(b, o.reason());
            }
            case Bye bye -> { }
        }
        return b.flip();
    }

    private static int type(Message m) {
        return switch (m) {
            case Login l -> LOGIN;
            case LoginOk o -> LOGIN_OK;
            case Refused r -> REFUSED;
            case Open o -> OPEN;
            case Opened o -> OPENED;
            case OpenRefused o -> OPEN_REFUSED;
            case Bye b -> BYE;
        };
    }

    private static int bodySize(Message m) {
        return switch (m) {
            case Login l -> 20 + stringSize(l.clientApp()) + stringSize(l.serverApp()) + listSize(l.initChannels());
            case LoginOk o -> 18 + listSize(o.initChannels());
            case Refused r -> 2 + stringSize(r.message());
            case Open o -> 8 + 4 + o.metadata().length;
            case Opened o -> 8;
            case OpenRefused o -> 8 + stringSize(o.reason());
            case Bye b -> 0;
        };
    }

    /** Long texts (e.g. a refusal's explanation) are cut to fit, never refused. */
    private static byte[] utf8(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_STRING) {
            return bytes;
        }
        int end = MAX_STRING;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // do not cut a character in half
        }
        return java.util.Arrays.copyOf(bytes, end);
    }

    private static int stringSize(String s) {
        return 2 + utf8(s).length;
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = utf8(s);
        b.putShort((short) bytes.length).put(bytes);
    }

    private static int listSize(List<byte[]> list) {
        int size = 2;
        for (byte[] m : list) {
            size += 4 + m.length;
        }
        return size;
    }

    private static void putList(ByteBuffer b, List<byte[]> list) {
        b.putShort((short) list.size());
        for (byte[] m : list) {
            putBytes(b, m);
        }
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        b.putInt(bytes.length).put(bytes);
    }

    /** Checks what a caller wants to send before anything is sent: metadata sizes and channel counts. */
    static void checkMetadata(List<byte[]> list) {
        if (list.size() > MAX_INIT_CHANNELS) {
            throw new IllegalArgumentException("at most " + MAX_INIT_CHANNELS + " init channels, not " + list.size());
        }
        list.forEach(Control::checkMetadata);
    }

    static void checkMetadata(byte[] metadata) {
        if (metadata.length > MAX_METADATA) {
            throw new IllegalArgumentException("channel metadata of " + metadata.length + " bytes exceeds " + MAX_METADATA);
        }
    }

    // ------------------------------------------------------------------------------------------------- decoding

    /**
     * Decodes one message; {@code expectedToken} is the session's token (0 before log-in).
     *
     * @param descriptors how many descriptors arrived with it (each type says how many it must have)
     */
    static Message decode(ByteBuffer b, long expectedToken, int descriptors) throws ProtocolException {
        b.order(ByteOrder.LITTLE_ENDIAN);
        try {
            int magic = b.getInt();
            if (magic != MAGIC) {
                throw new ProtocolException("not a session message: magic 0x" + Integer.toHexString(magic));
            }
            int type = Short.toUnsignedInt(b.getShort());
            if (b.getShort() != 0) {
                throw new ProtocolException("reserved header bits set in a session message");
            }
            long token = b.getLong();
            if (token != expectedToken) {
                throw new ProtocolException("session message with the wrong token");
            }
            Message m = switch (type) {
                case LOGIN -> new Login(Short.toUnsignedInt(b.getShort()), Short.toUnsignedInt(b.getShort()), b.getLong(),
                        b.getInt(), b.getInt(), getString(b), getString(b), getList(b));
                case LOGIN_OK -> new LoginOk(Short.toUnsignedInt(b.getShort()), b.getLong(), b.getLong(), getList(b));
                case REFUSED -> {
                    int reason = Short.toUnsignedInt(b.getShort());
                    AccessDeniedException.Reason[] all = AccessDeniedException.Reason.values();
                    if (reason >= all.length) {
                        throw new ProtocolException("unknown refusal reason " + reason);
                    }
                    yield new Refused(all[reason], getString(b));
                }
                case OPEN -> new Open(b.getLong(), getBytes(b));
                case OPENED -> new Opened(b.getLong());
                case OPEN_REFUSED -> new OpenRefused(b.getLong(), getString(b));
                case BYE -> new Bye();
                default -> throw new ProtocolException("unknown session message type " + type);
            };
            if (b.hasRemaining()) {
                throw new ProtocolException("session message type " + type + " has " + b.remaining() + " bytes too many");
            }
            int wanted = switch (m) {
                case LoginOk o -> o.initChannels().size() + 1;
                case Open o -> 1;
                default -> 0;
            };
            if (descriptors != wanted) {
                throw new ProtocolException("session message type " + type + " came with " + descriptors
                        + " descriptors instead of " + wanted);
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated session message");
        }
    }

    private static String getString(ByteBuffer b) throws ProtocolException {
        int length = Short.toUnsignedInt(b.getShort());
        if (length > MAX_STRING || length > b.remaining()) {
            throw new ProtocolException("string of " + length + " bytes in a session message");
        }
        ByteBuffer slice = b.slice(b.position(), length);
        b.position(b.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException("string that is not UTF-8 in a session message");
        }
    }

    private static byte[] getBytes(ByteBuffer b) throws ProtocolException {
        int length = b.getInt();
        if (length < 0 || length > MAX_METADATA || length > b.remaining()) {
            throw new ProtocolException("metadata of " + Integer.toUnsignedString(length) + " bytes in a session message");
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return bytes;
    }

    private static List<byte[]> getList(ByteBuffer b) throws ProtocolException {
        int n = Short.toUnsignedInt(b.getShort());
        if (n > MAX_INIT_CHANNELS) {
            throw new ProtocolException(n + " init channels in a session message (at most " + MAX_INIT_CHANNELS + ")");
        }
        List<byte[]> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(getBytes(b));
        }
        return List.copyOf(list);
    }
}
