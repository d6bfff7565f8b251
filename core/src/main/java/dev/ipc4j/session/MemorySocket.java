package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.transport.ProtocolException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session's socket for shared-memory descriptors: one record socket (SOCK_SEQPACKET) pair per session, made by the
 * server and passed with LOGIN_OK, on which each side posts the sealed memfds of its arenas (the control object, then
 * each data segment) before it lends the first handle that names them. The peer takes them when a handle first names
 * an arena or segment it has not mapped: the post went out before the handle, so it is already in the socket then and
 * taking it never waits for the peer. Nothing is ever named in /dev/shm, so no process can open, let alone shrink, a
 * session's memory by name.
 *
 * <pre>
 * One record, little-endian, with exactly one descriptor:
 *  0        4        6        8          12           16                24
 *  +--------+--------+--------+----------+------------+-----------------+
 *  | MAGIC  | WHAT   | SCOPE  | SEGMENT  | GENERATION | SIZE u64        |
 *  | "I4M1" | u16    | u16    | i32      | u32        | bytes           |
 *  +--------+--------+--------+----------+------------+-----------------+
 *  WHAT  1 = the arena's control object (SEGMENT 0, GENERATION 0), 2 = data segment SEGMENT
 *  GENERATION which incarnation of the segment's slot (a released huge segment's slot is used again), < 2^24
 *  SCOPE SessionHandle.Scope ordinal + 1 (the sender's own arenas only: its session arena, or the server's app arena)
 * </pre>
 *
 * <p>Bounds: descriptors taken off the socket but not yet asked for are kept, at most {@link #KEPT} (the oldest is
 * closed first: a handle that later names it gets a typed error); a record that is not one of the above closes its
 * descriptors and makes the session a protocol violation. Sending never blocks: a socket the peer stopped taking from
 * fails the lend.
 *
 * <p>Thread-safe: posts and takes are each serialized by a lock of their own.
 */
final class MemorySocket implements AutoCloseable {
    static final int MAGIC = 0x314d3449; // "I4M1" as little-endian text
    static final int RECORD = 24;
    static final int CONTROL = 1;
    static final int SEGMENT = 2;
    /** Descriptors kept that no handle has asked for yet. */
    static final int KEPT = 256;

    private static final long MAGIC_AT = 0;
    private static final long WHAT_AT = 4;
    private static final long SCOPE_AT = 6;
    private static final long SEGMENT_AT = 8;
    private static final long GENERATION_AT = 12;
    private static final long SIZE_AT = 16;

    private final UnixSocket socket;
    private final boolean serverSide;
    private final Object sending = new Object();
    private final MemorySegment out = Arena.ofAuto().allocate(RECORD, 8);
    private final MemorySegment in = Arena.ofAuto().allocate(RECORD + 8, 8); // one byte more shows a longer record
    private final List<Fd> received = new ArrayList<>(2);
    /** Taken off the socket, not yet asked for, the newest incarnation of each; oldest first. Guarded by itself. */
    private final LinkedHashMap<Key, Posted> kept = new LinkedHashMap<>();
    private volatile String violation;

    private record Key(SessionHandle.Scope scope, int what, int segment) {
        // Written out: a record's generated equals and hashCode bootstrap through ObjectMethods on first use, some
        // 25 ms in a fresh JVM, and the first use is inside a session's first borrow, its first round trip's clock.
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.scope == scope && k.what == what && k.segment == segment;
        }

        @Override
        public int hashCode() {
            return (scope.ordinal() * 31 + what) * 31 + segment;
        }
    }

    private record Posted(int generation, Fd fd) {}

    /** Over {@code socket}, this side's end; {@code serverSide} says which arenas the peer may post (its own only). */
    MemorySocket(UnixSocket socket, boolean serverSide) {
        this.socket = socket;
        this.serverSide = serverSide;
    }

    /** Posts one of this side's arena objects; fails when the peer has not taken what was posted before. */
    void post(SessionHandle.Scope scope, int what, int segment, int generation, long size, Fd fd) throws IOException {
        synchronized (sending) {
            out.set(ValueLayout.JAVA_INT, MAGIC_AT, MAGIC);
            out.set(ValueLayout.JAVA_SHORT, WHAT_AT, (short) what);
            out.set(ValueLayout.JAVA_SHORT, SCOPE_AT, (short) (scope.ordinal() + 1));
            out.set(ValueLayout.JAVA_INT, SEGMENT_AT, segment);
            out.set(ValueLayout.JAVA_INT, GENERATION_AT, generation);
            out.set(ValueLayout.JAVA_LONG, SIZE_AT, size);
            if (socket.send(out, true, fd) != RECORD) {
                throw new IOException("the peer is not taking shared-memory descriptors (its socket is full)");
            }
        }
    }

    /**
     * The descriptor of {@code scope}'s control object ({@code what} = {@link #CONTROL}) or of incarnation
     * {@code generation} of a data segment, which the caller takes over; reads what the peer posted so far first.
     *
     * @throws IOException when the peer never posted it (or it was dropped, see {@link #KEPT}), or the socket failed
     */
    Fd take(SessionHandle.Scope scope, int what, int segment, int generation) throws IOException {
        synchronized (kept) {
            drainLocked();
            Posted p = kept.remove(new Key(scope, what, segment));
            if (p == null || p.generation() != generation) {
                if (p != null) {
                    Closing.quietly(p.fd());
                }
                throw new IOException("the peer never gave this process " + (what == CONTROL ? "the control object" : "segment " + segment
                        + " (incarnation " + generation + ")") + " of its " + scope + " arena");
            }
            return p.fd();
        }
    }

    /**
     * Whether the peer posted {@code scope}'s object {@code what} (segment {@code segment}) and no one took it yet; reads
     * what the peer posted so far first. False when the socket failed (the next {@link #drain} reports why).
     */
    boolean holds(SessionHandle.Scope scope, int what, int segment) {
        synchronized (kept) {
            try {
                drainLocked();
            } catch (IOException | Ipc4jException e) {
                return false;
            }
            return kept.containsKey(new Key(scope, what, segment));
        }
    }

    /** Takes what the peer posted off the socket (the session's reader does it now and then); returns how many. */
    int drain() {
        synchronized (kept) {
            try {
                return drainLocked();
            } catch (IOException | Ipc4jException e) {
                if (violation == null) {
                    violation = e.getMessage();
                }
                return 0;
            }
        }
    }

    /** What was wrong with the peer's records, or null: the session then ends as a protocol violation. */
    String violation() {
        return violation;
    }

    private int drainLocked() throws IOException {
        int n = 0;
        while (true) {
            received.clear();
            long length;
            try {
                length = socket.receive(in, received, true);
            } catch (ErrnoException e) {
                if (!socket.isOpen()) {
                    return n; // closed here: nothing more will be asked for
                }
                throw e;
            }
            if (length <= 0) { // nothing more now (-1), or the peer closed its end (0)
                received.forEach(Closing::quietly);
                return n;
            }
            n++;
            Key key = decode(length);
            Posted old = kept.remove(key); // an earlier incarnation never asked for: the newest wins
            if (old != null) {
                Closing.quietly(old.fd());
            }
            kept.put(key, new Posted(in.get(ValueLayout.JAVA_INT, GENERATION_AT), received.getFirst()));
            received.clear();
            if (kept.size() > KEPT) {
                Iterator<Map.Entry<Key, Posted>> oldest = kept.entrySet().iterator();
                Closing.quietly(oldest.next().getValue().fd());
                oldest.remove();
            }
        }
    }

    /** The record just received, checked; closes its descriptors and throws when it does not add up. */
    private Key decode(long length) throws ProtocolException {
        String wrong = null;
        int what = in.get(ValueLayout.JAVA_SHORT, WHAT_AT);
        int scope = in.get(ValueLayout.JAVA_SHORT, SCOPE_AT);
        int segment = in.get(ValueLayout.JAVA_INT, SEGMENT_AT);
        int generation = in.get(ValueLayout.JAVA_INT, GENERATION_AT);
        if (length != RECORD || received.size() != 1) {
            wrong = "a shared-memory record of " + length + " bytes with " + received.size() + " descriptors";
        } else if (in.get(ValueLayout.JAVA_INT, MAGIC_AT) != MAGIC) {
            wrong = "not a shared-memory record";
        } else if ((what != CONTROL && what != SEGMENT) || (what == CONTROL && (segment != 0 || generation != 0)) || segment < 0
                || generation < 0 || generation > 0xff_ffff) {
            wrong = "a shared-memory record of kind " + what + " for segment " + segment;
        } else if (scope < 1 || scope > SessionHandle.Scope.values().length || !postable(SessionHandle.Scope.values()[scope - 1])) {
            wrong = "a shared-memory record for arena scope " + scope + ", which is not the peer's to give";
        }
        if (wrong != null) {
            received.forEach(Closing::quietly);
            received.clear();
            throw new ProtocolException(wrong);
        }
        return new Key(SessionHandle.Scope.values()[scope - 1], what, segment);
    }

    private boolean postable(SessionHandle.Scope scope) {
        return serverSide ? scope == SessionHandle.Scope.CLIENT_SESSION : scope != SessionHandle.Scope.CLIENT_SESSION;
    }

    @Override
    public void close() {
        Closing.quietly(socket);
        synchronized (kept) {
            kept.values().forEach(p -> Closing.quietly(p.fd()));
            kept.clear();
        }
    }
}
