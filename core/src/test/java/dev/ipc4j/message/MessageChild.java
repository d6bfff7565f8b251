package dev.ipc4j.message;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.ShmBlock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The far end of the message tests, a client of the parent's server. Args: a scenario, the run directory, then the
 * scenario's own.
 */
public final class MessageChild {
    private MessageChild() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[1]);
        switch (args[0]) {
            case "responder" -> responder(runDir, Integer.parseInt(args[2]), Boolean.parseBoolean(args[3]),
                    args.length > 4 && args[4].equals("patient"));
            case "hostile" -> hostile(runDir, args[2].split(","));
            case "server" -> server(runDir);
            case "flooder" -> flooder(runDir);
            case "holding-server" -> holdingServer(runDir);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static ClientSession connect(Path runDir, int channels, boolean socketOnly) throws Exception {
        return connect(runDir, channels, socketOnly, false);
    }

    private static ClientSession connect(Path runDir, int channels, boolean socketOnly, boolean patient) throws Exception {
        SessionConfig config = Types.sessionConfig(socketOnly);
        return ClientSession.connect(Types.WEB, Types.cache(runDir), ClientSession.Config.DEFAULT.withInitChannels(channels)
                .withSession(patient ? Types.patient(config) : config));
    }

    /** Answers on every init channel as {@link Types} describes, and follows the parent's commands until EXIT. */
    private static void responder(Path runDir, int channels, boolean socketOnly, boolean patient) throws Exception {
        ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
        List<MessageChannel<MemorySegment>> all = new ArrayList<>();
        try (ClientSession session = connect(runDir, channels, socketOnly, patient)) {
            for (int i = 0; i < channels; i++) {
                MessageChannel<MemorySegment> ch = MessageChannel.of(session, i, RawCodec.INSTANCE);
                all.add(ch);
                serve(ch, i, held);
            }
            say("READY");
            for (String command; !(command = hear()).equals("EXIT"); ) {
                String[] c = command.split(" ");
                switch (c[0]) {
                    case "RELEASE" -> {
                        int n = 0;
                        for (Held h; (h = held.poll()) != null; n++) {
                            try (InMessage<MemorySegment> request = h.request(); OutMessage out = h.channel().newMessage(0, Types.SLOW)) {
                                h.channel().reply(out, request);
                            }
                        }
                        say("RELEASED " + n);
                    }
                    case "EARLY" -> {
                        MessageChannel<MemorySegment> ch = all.get(Integer.parseInt(c[1]));
                        int type = Integer.parseInt(c[2]);
                        for (int i = 0; i < Integer.parseInt(c[3]); i++) {
                            try (OutMessage out = Types.intMessage(ch, type, i)) {
                                ch.send(out);
                            }
                        }
                        say("SENT");
                    }
                    case "SHARED" -> { // notifications in shared memory, closed as soon as sent
                        MessageChannel<MemorySegment> ch = all.get(Integer.parseInt(c[1]));
                        for (int i = 0; i < Integer.parseInt(c[3]); i++) {
                            try (OutMessage out = ch.newMessage(8192, Integer.parseInt(c[2]))) {
                                out.payload().set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                                ch.send(out);
                            }
                        }
                        say("SENT");
                    }
                    default -> throw new IllegalArgumentException(command);
                }
            }
            for (MessageChannel<MemorySegment> ch : all) {
                ch.close();
            }
        }
        say("BYE");
    }

    /**
     * Sends FLOOD notifications as fast as it can when told (FLOOD n): each is offered first, and when the ring is
     * full (BACK_PRESSURED) sent with a send that waits for room. Says BACKPRESSURED the first time, then FLOODED n
     * and how often it was back-pressured.
     */
    private static void flooder(Path runDir) throws Exception {
        try (ClientSession session = connect(runDir, 1, false);
             MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
            say("READY");
            for (String command; !(command = hear()).equals("EXIT"); ) {
                int n = Integer.parseInt(command.split(" ")[1]);
                int pressured = 0;
                for (int i = 0; i < n; i++) {
                    try (OutMessage out = ch.newMessage(4096, Types.FLOOD)) {
                        out.payload().set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                        if (ch.offer(out) == MessageEndpoint.BACK_PRESSURED) {
                            if (pressured++ == 0) {
                                say("BACKPRESSURED " + i);
                            }
                            ch.send(out);
                        }
                    }
                }
                say("FLOODED " + n + " " + pressured);
            }
        }
        say("BYE");
    }

    /** The roles turned round: a server whose sessions answer on init channel 0 as {@link #responder} does. */
    private static void server(Path runDir) throws Exception {
        List<MessageChannel<MemorySegment>> all = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(Types.cache(runDir))) {
            server.onSession(session -> {
                MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                all.add(ch);
                serve(ch, 0, new ConcurrentLinkedQueue<>());
            });
            say("STARTED");
            hear("EXIT");
            all.forEach(MessageChannel::close);
        }
        say("BYE");
    }

    /**
     * A server that takes FLOOD notifications on init channel 0 and never closes them: after 64 it stops reading, so a
     * client sending more is held back by the full ring. Says HELD 64 when it got there.
     */
    private static void holdingServer(Path runDir) throws Exception {
        List<InMessage<MemorySegment>> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(Types.cache(runDir))) {
            server.onSession(session -> {
                MessageChannel<MemorySegment> ch = MessageChannel.over(session, session.channel(0), RawCodec.INSTANCE,
                        MessageChannel.Config.DEFAULT.withMaxUnhandled(64, 1L << 30));
                ch.expectEvery(Types.FLOOD, m -> {
                    held.add(m);
                    if (held.size() == 64) {
                        say("HELD 64");
                    }
                });
            });
            say("STARTED");
            hear("EXIT");
        }
        say("BYE");
    }

    private record Held(MessageChannel<MemorySegment> channel, InMessage<MemorySegment> request) {}

    private static void serve(MessageChannel<MemorySegment> ch, int index, ConcurrentLinkedQueue<Held> held) {
        ch.onUnexpectedResponse(u -> say("UNEXPECTED " + index + " " + u.responseId() + " " + u.requestId() + " " + u.reportedByPeer()));
        ch.onError(e -> { e.printStackTrace(); say("ERROR " + index + " " + e.getClass().getSimpleName()); });
        ch.expectEvery(Types.ECHO, req -> {
            // Closed as soon as it is sent: the channel holds a shared block until the parent has borrowed it.
            try (req; OutMessage out = ch.newMessage(req.payload().byteSize(), Types.ECHO)) {
                MemorySegment.copy(req.payload(), 0, out.payload(), 0, req.payload().byteSize());
                ch.reply(out, req);
            }
        });
        ch.expectEvery(Types.THROWS_ERROR, req -> {
            say("THROWING " + req.id());
            throw new AssertionError("a handler failing with an Error, on purpose");
        });
        ch.expectEvery(Types.SLOW, req -> {
            held.add(new Held(ch, req));
            say("HELD " + req.id());
        });
        ch.expectEvery(Types.STREAM, req -> {
            try (req; ResponseStream stream = ch.openStream(req)) {
                int count = Types.readInt(req.payload());
                for (int i = 0; i < count; i++) {
                    try (OutMessage item = Types.intMessage(ch, Types.STREAM, i)) {
                        stream.send(item);
                    }
                }
            }
        });
        // An endless stream is written by a thread of the application's: a handler runs on the channel's driving
        // thread, which must go on reading (here: the requester's CANCEL).
        ch.expectEvery(Types.ENDLESS, req -> Thread.ofPlatform().daemon().name("endless-stream").start(() -> {
            int sent = 0;
            try (req; ResponseStream stream = ch.openStream(req)) {
                while (true) {
                    try (OutMessage item = Types.intMessage(ch, Types.ENDLESS, sent)) {
                        stream.send(item);
                    }
                    sent++;
                }
            } catch (StreamCancelledException e) {
                say("CANCELLED " + sent);
            } catch (MessageException e) {
                say("STREAM-FAILED " + e);
            }
        }));
        ch.expectEvery(Types.FD, req -> {
            try (req) {
                List<NativeHandle> fds = req.handles();
                byte[] bytes = Files.readAllBytes(Path.of("/proc/self/fd/" + fds.getFirst().fd()));
                try (OutMessage out = ch.newMessage(bytes.length, Types.FD)) {
                    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, out.payload(), 0, bytes.length);
                    ch.reply(out, req);
                }
            }
        });
        ch.expectEvery(Types.CHECKSUM, req -> {
            try (req; OutMessage out = ch.newMessage(16, Types.CHECKSUM)) {
                out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, req.payload().byteSize());
                out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 8, Types.crc(req.payload()));
                say("CHECKED " + req.payload().byteSize() + " " + req.isShared());
                ch.reply(out, req);
            }
        });
        serveCalls(ch);
        AtomicInteger notes = new AtomicInteger();
        ch.expectEvery(Types.NOTE, note -> {
            try (note) {
                if (Types.readInt(note.payload()) != -1) {
                    notes.incrementAndGet();
                    return;
                }
            }
            try (OutMessage out = Types.intMessage(ch, Types.COUNTED, notes.getAndSet(0))) {
                ch.send(out);
            }
        });
    }

    /** The callee's side of every call shape ({@link Types}' CALL_* types). */
    private static void serveCalls(MessageChannel<MemorySegment> ch) {
        ch.onCall(Types.CALL_UNARY, call -> new CallListener<>() {
            @Override
            public void onMessage(InMessage<MemorySegment> m) {
                try (m; OutMessage out = Types.intMessage(ch, Types.CALL_UNARY, Types.readInt(m.payload()) + 1)) {
                    call.sendHeaders(Metadata.empty().with("served-by", "child-headers"));
                    call.send(out); // within the caller's initial credit of one
                    call.close(Status.OK, Metadata.empty().with("served-by", "child").with("n-bin", new byte[] {0, 1, 2}));
                } catch (MessageException e) {
                    say("CALL-FAILED " + e);
                }
            }
        });
        ch.onCall(Types.CALL_SERVER_STREAM, call -> new CallListener<>() {
            int next;
            int count = -1;

            @Override
            public void onMessage(InMessage<MemorySegment> m) {
                try (m) {
                    count = Types.readInt(m.payload());
                }
                pump();
            }

            @Override
            public void onReady() {
                pump();
            }

            private void pump() {
                try {
                    while (next < count) {
                        try (OutMessage out = Types.intMessage(ch, Types.CALL_SERVER_STREAM, next)) {
                            if (call.send(out) == MessageEndpoint.BACK_PRESSURED) {
                                return; // onReady resumes
                            }
                        }
                        next++;
                    }
                    call.close(Status.OK, Metadata.empty());
                } catch (MessageException e) {
                    say("CALL-FAILED " + e);
                }
            }
        });
        ch.onCall(Types.CALL_CLIENT_STREAM, call -> {
            grant(call, 100);
            return new CallListener<>() {
                int sum;

                @Override
                public void onMessage(InMessage<MemorySegment> m) {
                    try (m) {
                        sum += Types.readInt(m.payload());
                    }
                }

                @Override
                public void onHalfClose() {
                    try (OutMessage out = Types.intMessage(ch, Types.CALL_CLIENT_STREAM, sum)) {
                        call.send(out);
                        call.close(Status.OK, Metadata.empty());
                    } catch (MessageException e) {
                        say("CALL-FAILED " + e);
                    }
                }
            };
        });
        ch.onCall(Types.CALL_BIDI, call -> {
            grant(call, 100);
            return new CallListener<>() {
                @Override
                public void onMessage(InMessage<MemorySegment> m) {
                    try (m; OutMessage out = Types.intMessage(ch, Types.CALL_BIDI, Types.readInt(m.payload()) * 10)) {
                        if (call.send(out) == MessageEndpoint.BACK_PRESSURED) {
                            say("CALL-FAILED no credit for an echo");
                        }
                    } catch (MessageException e) {
                        say("CALL-FAILED " + e);
                    }
                }

                @Override
                public void onHalfClose() {
                    try {
                        call.close(Status.OK, Metadata.empty().with("echoed", "yes"));
                    } catch (MessageException e) {
                        say("CALL-FAILED " + e);
                    }
                }
            };
        });
        ch.onCall(Types.CALL_SINK, call -> {
            grant(call, 1 << 20);
            return new CallListener<>() {
                final java.util.List<InMessage<MemorySegment>> held = new java.util.ArrayList<>();

                @Override
                public void onMessage(InMessage<MemorySegment> m) {
                    held.add(m); // read later: the ring fills behind them
                }

                @Override
                public void onHalfClose() {
                    int sum = 0;
                    boolean inOrder = true;
                    for (int i = 0; i < held.size(); i++) {
                        try (InMessage<MemorySegment> m = held.get(i)) {
                            int v = Types.readInt(m.payload());
                            inOrder &= v == i;
                            sum += v;
                        }
                    }
                    try {
                        call.close(Status.OK, Metadata.empty().with("count", Integer.toString(held.size()))
                                .with("sum", Integer.toString(sum)).with("in-order", Boolean.toString(inOrder)));
                    } catch (MessageException e) {
                        say("CALL-FAILED " + e);
                    }
                }
            };
        });
        ch.onCall(Types.CALL_HANG, call -> {
            String method = call.options().method();
            say("CALL-OPENED " + method + " " + (call.deadlineNanos() != Long.MAX_VALUE) + " "
                    + call.options().headers().get("who"));
            return new CallListener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    say("CALL-ENDED " + method + " " + status.code());
                }
            };
        });
        ch.onCall(Types.CALL_CALLEE_CANCELS, call -> new CallListener<>() {
            @Override
            public void onMessage(InMessage<MemorySegment> m) {
                m.close();
                call.cancel();
            }
        });
    }

    private static void grant(Call<MemorySegment> call, int n) {
        try {
            call.request(n);
        } catch (MessageException e) {
            say("CALL-FAILED " + e);
        }
    }

    /**
     * Sends one forged frame, raw, on each init channel but the last (which answers as {@link #responder} does), then
     * waits for EXIT.
     */
    private static void hostile(Path runDir, String[] forgeries) throws Exception {
        int n = forgeries.length;
        try (ClientSession session = connect(runDir, n + 1, false);
             MessageChannel<MemorySegment> good = MessageChannel.of(session, n, RawCodec.INSTANCE);
             ShmBlock block = session.arena().allocate(4096)) {
            serve(good, n, new ConcurrentLinkedQueue<>());
            for (int i = 0; i < n; i++) {
                for (String what : forgeries[i].split("\\+")) {
                    session.channel(i).blobs().send(forge(what, session.lend(block)));
                }
            }
            say("FORGED");
            hear("EXIT");
        }
        say("BYE");
    }

    /** A frame that breaks one rule (see {@link Wire}). */
    static MemorySegment forge(String what, SessionHandle real) {
        MemorySegment f = MemorySegment.ofArray(new byte[Wire.SHM_FRAME]);
        Wire.writeHeader(f, Kind.NOTIFY, 0, 1, 0, Types.ECHO, 0, 0, Wire.SHM_FRAME - Wire.HEADER);
        switch (what) {
            case "magic" -> f.set(ValueLayout.JAVA_INT_UNALIGNED, Wire.MAGIC_AT, 0xdeadbeef);
            case "version" -> f.set(ValueLayout.JAVA_BYTE, Wire.VERSION_AT, (byte) 9);
            case "version1" -> f.set(ValueLayout.JAVA_BYTE, Wire.VERSION_AT, (byte) 1); // an older ipc4j: no calls
            case "peer-call" -> f.set(ValueLayout.JAVA_SHORT_UNALIGNED, Wire.FLAGS_AT, (short) Wire.PEER_CALL);
            case "credit-zero" -> { // a CALL_CREDIT granting nothing, on a call that does not exist
                MemorySegment c = MemorySegment.ofArray(new byte[Wire.HEADER + Wire.CREDIT_BODY]);
                Wire.writeHeader(c, Kind.CALL_CREDIT, Wire.PEER_CALL, 1, 5, 0, 0, 0, Wire.CREDIT_BODY);
                return c;
            }
            case "kind" -> f.set(ValueLayout.JAVA_BYTE, Wire.KIND_AT, (byte) 99);
            case "flags" -> f.set(ValueLayout.JAVA_SHORT_UNALIGNED, Wire.FLAGS_AT, (short) 0x80);
            case "length" -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.PAYLOAD_LENGTH_AT, 1000);
            case "negative" -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.PAYLOAD_LENGTH_AT, -8);
            case "short" -> {
                return f.asSlice(0, 10);
            }
            case "answer" -> f.set(ValueLayout.JAVA_BYTE, Wire.KIND_AT, (byte) Kind.RESPONSE.code);
            case "offset" -> { // a real lent block, the payload beyond its end
                Wire.writeHeader(f, Kind.NOTIFY, Wire.SHM, 1, 0, Types.ECHO, 0, 4000, 1000);
                real.writeTo(f, Wire.HEADER);
            }
            case "overflow" -> { // offset + length wraps around
                Wire.writeHeader(f, Kind.NOTIFY, Wire.SHM, 1, 0, Types.ECHO, 0, Long.MAX_VALUE, Long.MAX_VALUE);
                real.writeTo(f, Wire.HEADER);
            }
            case "handle" -> { // a handle to a block nobody lent
                Wire.writeHeader(f, Kind.NOTIFY, Wire.SHM, 1, 0, Types.ECHO, 0, 0, 16);
                new SessionHandle(real.scope(), new dev.ipc4j.shm.ShmHandle(real.handle().segmentId() + 7, 1 << 20, 4096,
                        real.handle().generation() + 3)).writeTo(f, Wire.HEADER);
            }
            case "garbled-handle" -> {
                Wire.writeHeader(f, Kind.NOTIFY, Wire.SHM, 1, 0, Types.ECHO, 0, 0, 16);
                for (int i = Wire.HEADER; i < Wire.SHM_FRAME; i++) {
                    f.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 37));
                }
            }
            case "payload-garbage" -> { } // a good frame; its 40 zero bytes are no Tagged payload
            case "payload-mistyped" -> Tagged.write(f.asSlice(Wire.HEADER), Types.ECHO + 1);
            case "payload-good" -> Tagged.write(f.asSlice(Wire.HEADER), Types.ECHO);
            case "fds" -> { // announces a descriptor that never comes
                Wire.writeHeader(f, Kind.NOTIFY, Wire.HAS_FDS, 1, 0, Types.ECHO, 1, 0, Wire.SHM_FRAME - Wire.HEADER);
            }
            default -> throw new IllegalArgumentException(what);
        }
        return f;
    }
}
