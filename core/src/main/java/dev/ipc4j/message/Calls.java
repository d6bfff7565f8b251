package dev.ipc4j.message;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The inline bodies of call frames (message protocol version 2; docs/wire-format.md), little-endian, and their checks:
 *
 * <pre>
 * CALL_OPEN  : u16 method length | method (UTF-8) | i32 type (repeats the header's) | i64 timeout ns (-1: none) | metadata
 * CALL_CLOSE : i32 status code | u16 description length | description (UTF-8) | metadata (the trailers)
 * CALL_CREDIT: i64 more messages the receiver of this frame may send (1 .. 2^31-1)
 * CALL_CANCEL: i32 status code why (CANCELLED, DEADLINE_EXCEEDED; another code reads as CANCELLED)
 * CALL_HEADERS: metadata (the callee's response headers)
 * metadata   : u16 count | count x (u8 key length | key (ASCII) | u32 value length | value)
 * </pre>
 *
 * Everything read is checked against the body's length before it is used; a lie is a {@link MalformedMessageException}.
 */
final class Calls {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    /** How many messages each side may send on a call before the receiver grants more: enough for a unary call. */
    static final int INITIAL_CREDIT = 1;

    private Calls() {}

    static OutMessage open(CallOptions options) {
        byte[] method = options.method().getBytes(StandardCharsets.UTF_8);
        byte[] meta = metadata(options.headers());
        OutMessage out = OutMessage.inline(2 + method.length + 4 + 8 + meta.length, options.type());
        MemorySegment p = out.payload();
        p.set(SHORT, 0, (short) method.length);
        MemorySegment.copy(MemorySegment.ofArray(method), 0, p, 2, method.length);
        long at = 2 + method.length;
        p.set(INT, at, options.type());
        p.set(LONG, at + 4, options.timeout().map(Duration::toNanos).orElse(-1L));
        MemorySegment.copy(MemorySegment.ofArray(meta), 0, p, at + 12, meta.length);
        return out;
    }

    static CallOptions readOpen(MemorySegment body, int headerType) throws MalformedMessageException {
        Reader r = new Reader(body, "CALL_OPEN");
        String method = r.text(r.u16());
        int type = r.i32();
        if (type != headerType) {
            throw new MalformedMessageException("CALL_OPEN: type " + type + " in the body, " + headerType + " in the header");
        }
        long timeout = r.i64();
        if (timeout < -1) {
            throw new MalformedMessageException("CALL_OPEN: timeout " + timeout + " ns");
        }
        Metadata headers = r.metadata();
        r.end();
        return new CallOptions(method, type, timeout < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(timeout)), headers);
    }

    static OutMessage close(Status status, Metadata trailers) {
        String d = status.description();
        byte[] description = (d.length() > 4096 ? d.substring(0, 4096) : d).getBytes(StandardCharsets.UTF_8);
        int descLength = Math.min(description.length, 0xffff);
        byte[] meta = metadata(trailers);
        OutMessage out = OutMessage.inline(4 + 2 + descLength + meta.length, 0);
        MemorySegment p = out.payload();
        p.set(INT, 0, status.code());
        p.set(SHORT, 4, (short) descLength);
        MemorySegment.copy(MemorySegment.ofArray(description), 0, p, 6, descLength);
        MemorySegment.copy(MemorySegment.ofArray(meta), 0, p, 6 + descLength, meta.length);
        return out;
    }

    /** A close's status and trailers. */
    record Closing(Status status, Metadata trailers) {}

    static Closing readClose(MemorySegment body) throws MalformedMessageException {
        Reader r = new Reader(body, "CALL_CLOSE");
        int code = r.i32();
        String description = r.text(r.u16());
        Metadata trailers = r.metadata();
        r.end();
        return new Closing(new Status(code, description), trailers);
    }

    static OutMessage headers(Metadata headers) {
        byte[] meta = metadata(headers);
        OutMessage out = OutMessage.inline(meta.length, 0);
        MemorySegment.copy(MemorySegment.ofArray(meta), 0, out.payload(), 0, meta.length);
        return out;
    }

    static Metadata readHeaders(MemorySegment body) throws MalformedMessageException {
        Reader r = new Reader(body, "CALL_HEADERS");
        Metadata headers = r.metadata();
        r.end();
        return headers;
    }

    static OutMessage cancel(Status why) {
        OutMessage out = OutMessage.inline(Wire.CANCEL_BODY, 0);
        out.payload().set(INT, 0, why.code());
        return out;
    }

    static Status readCancel(MemorySegment body, boolean byCaller) {
        int code = body.get(INT, 0);
        String who = byCaller ? "the caller" : "the callee";
        return code == Status.DEADLINE_EXCEEDED.code()
                ? Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed at " + who)
                : Status.CANCELLED.withDescription("cancelled by " + who);
    }

    static OutMessage credit(long n) {
        OutMessage out = OutMessage.inline(Wire.CREDIT_BODY, 0);
        out.payload().set(LONG, 0, n);
        return out;
    }

    static long readCredit(MemorySegment body) throws MalformedMessageException {
        long n = body.get(LONG, 0);
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new MalformedMessageException("CALL_CREDIT of " + n + " messages");
        }
        return n;
    }

    private static byte[] metadata(Metadata m) {
        int size = 2;
        for (Metadata.Entry e : m.entries()) {
            size += 1 + e.key().length() + 4 + e.value().length;
        }
        if (size > Wire.MAX_CALL_BODY - 4096) {
            throw new IllegalArgumentException("metadata of " + size + " bytes (at most " + (Wire.MAX_CALL_BODY - 4096) + ")");
        }
        if (m.entries().size() > 0xffff) {
            throw new IllegalArgumentException("more than 65,535 metadata entries");
        }
        MemorySegment s = MemorySegment.ofArray(new byte[size]);
        s.set(SHORT, 0, (short) m.entries().size());
        long at = 2;
        for (Metadata.Entry e : m.entries()) {
            byte[] k = e.key().getBytes(StandardCharsets.US_ASCII);
            byte[] v = e.value();
            s.set(ValueLayout.JAVA_BYTE, at, (byte) k.length);
            MemorySegment.copy(MemorySegment.ofArray(k), 0, s, at + 1, k.length);
            s.set(INT, at + 1 + k.length, v.length);
            MemorySegment.copy(MemorySegment.ofArray(v), 0, s, at + 5 + k.length, v.length);
            at += 5 + k.length + v.length;
        }
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Reads a body front to back, every length checked against what is left. */
    private static final class Reader {
        private final MemorySegment body;
        private final String what;
        private long at;

        Reader(MemorySegment body, String what) {
            this.body = body;
            this.what = what;
        }

        private void need(long n) throws MalformedMessageException {
            if (n < 0 || body.byteSize() - at < n) {
                throw new MalformedMessageException(what + ": the body ends before its field at " + at + " (" + n
                        + " bytes of " + body.byteSize() + ")");
            }
        }

        int u16() throws MalformedMessageException {
            need(2);
            int v = body.get(SHORT, at) & 0xffff;
            at += 2;
            return v;
        }

        int i32() throws MalformedMessageException {
            need(4);
            int v = body.get(INT, at);
            at += 4;
            return v;
        }

        long i64() throws MalformedMessageException {
            need(8);
            long v = body.get(LONG, at);
            at += 8;
            return v;
        }

        String text(int length) throws MalformedMessageException {
            need(length);
            byte[] b = body.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE);
            at += length;
            return new String(b, StandardCharsets.UTF_8);
        }

        Metadata metadata() throws MalformedMessageException {
            int count = u16();
            java.util.List<Metadata.Entry> entries = new java.util.ArrayList<>(Math.min(count, 64));
            for (int i = 0; i < count; i++) {
                need(1);
                int kl = body.get(ValueLayout.JAVA_BYTE, at) & 0xff;
                at++;
                need(kl);
                String key = new String(body.asSlice(at, kl).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
                at += kl;
                int vl = i32();
                need(vl);
                byte[] value = body.asSlice(at, vl).toArray(ValueLayout.JAVA_BYTE);
                at += vl;
                try {
                    entries.add(new Metadata.Entry(key, value));
                } catch (IllegalArgumentException e) {
                    throw new MalformedMessageException(what + ": " + e.getMessage());
                }
            }
            return Metadata.of(entries);
        }

        void end() throws MalformedMessageException {
            if (at != body.byteSize()) {
                throw new MalformedMessageException(what + ": " + (body.byteSize() - at) + " bytes after its last field");
            }
        }
    }
}
