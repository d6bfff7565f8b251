package dev.ipc4j.grpc;

import dev.ipc4j.message.Call;
import dev.ipc4j.message.CallListener;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.MessageException;
import dev.ipc4j.message.OutMessage;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InternalServer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One gRPC call this server serves: the ipc4j call it arrived as, the service's listener fed on the server's executor
 * (one callback at a time, inside the call's {@code Context}), responses marshalled straight into shared memory.
 *
 * <p>Contract, as gRPC's: {@code sendHeaders}, {@code sendMessage}, {@code close} from one thread at a time;
 * {@code request} and {@code isReady} from any thread. Nothing here blocks.
 */
final class Ipc4jServerCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final Ipc4jServer server;
    private final MessageChannel<MemorySegment> channel;
    private final Call<MemorySegment> call;
    private final ServerMethodDefinition<ReqT, RespT> method;
    private final SerialExecutor callbacks;
    private final Context.CancellableContext context;
    private final Attributes attributes;
    private final Inbound inbound;
    private final Outbound outbound = new Outbound();
    /** The listener has been told the end (onComplete or onCancel), or is about to be. */
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile boolean headersSent;
    private volatile boolean closeCalled;
    /**
     * The response headers, held until the first message or the close goes out with them; and for a method of one
     * response message that message, held until the close: headers, message and close then reach the client in one
     * wake-up instead of three. Guarded by this.
     */
    private dev.ipc4j.message.Metadata heldHeaders;
    private OutMessage heldResponse;
    private final boolean oneResponse;
    /** Requests parsed in place (their parser, their scope, which ends with the call); null: parsed as usual. */
    private final Object inPlaceParser; // a protobuf Parser
    private final InPlaceScope inPlace;
    private Listener<ReqT> listener; // set and read on the serial executor only
    /** Counts the call out of its session's open calls ({@link #countOut}, once). */
    private final Runnable ended;
    private final AtomicBoolean countedOut = new AtomicBoolean();

    private Ipc4jServerCall(Ipc4jServer server, MessageChannel<MemorySegment> channel, Call<MemorySegment> call,
            ServerMethodDefinition<ReqT, RespT> method, Runnable ended) {
        this.server = server;
        this.ended = ended;
        this.channel = channel;
        this.call = call;
        this.method = method;
        // A request of one message: the service starts once it has come whole (message and half-close), in one
        // hand-off to the executor; a streaming request starts at once.
        this.callbacks = new SerialExecutor(server.executor(), method.getMethodDescriptor().getType().clientSendsOneMessage());
        long deadline = call.deadlineNanos();
        // The server in the Context, as grpc's own servers put it: server reflection finds the services there.
        Context root = Context.ROOT.withValues(InternalServer.SERVER_CONTEXT_KEY, server,
                Ipc4jGrpc.ARENA, channel.session().arena());
        this.context = deadline == Long.MAX_VALUE ? root.withCancellation()
                : root.withDeadline(Deadline.after(deadline - System.nanoTime(), TimeUnit.NANOSECONDS), server.deadlines());
        this.attributes = Attributes.newBuilder()
                .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, Ipc4jAddress.of(channel.session().peer()))
                .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, Ipc4jAddress.app(server.authority()))
                .set(Ipc4jGrpc.PEER, channel.session().peer())
                .build();
        this.inbound = new Inbound(!method.getMethodDescriptor().getType().clientSendsOneMessage(), this::deliver);
        this.oneResponse = method.getMethodDescriptor().getType().serverSendsOneMessage();
        this.inPlaceParser = server.aliasRequests() ? InPlace.parserOf(method.getMethodDescriptor().getRequestMarshaller())
                : null;
        this.inPlace = inPlaceParser != null ? InPlaceScope.open() : null;
        outbound.attach(call);
        inbound.open(call);
    }

    /** On the channel's driving thread, as the ipc4j call opens: the service starts on the executor. */
    static <ReqT, RespT> CallListener<MemorySegment> start(Ipc4jServer server, MessageChannel<MemorySegment> channel,
            Call<MemorySegment> call, ServerMethodDefinition<ReqT, RespT> method, Runnable ended) {
        Ipc4jServerCall<ReqT, RespT> c = new Ipc4jServerCall<>(server, channel, call, method, ended);
        Metadata headers = Headers.toGrpc(call.options().headers());
        c.callbacks.execute(() -> {
            Context previous = c.context.attach();
            try {
                c.listener = method.getServerCallHandler().startCall(c, headers);
            } catch (RuntimeException | Error e) {
                c.failed(e);
                return;
            } finally {
                c.context.detach(previous);
            }
            if (c.isReady()) {
                c.run(() -> c.listener.onReady());
            }
        });
        return c.new Events();
    }

    /** Runs one of the listener's callbacks in the call's context; one that throws ends the call with UNKNOWN. */
    private void run(Runnable callback) {
        if (listener == null) {
            return;
        }
        Context previous = context.attach();
        try {
            callback.run();
        } catch (RuntimeException | Error e) {
            failed(e);
        } finally {
            context.detach(previous);
        }
    }

    private void failed(Throwable e) {
        LOG.log(System.Logger.Level.WARNING, "gRPC over ipc4j: " + method.getMethodDescriptor().getFullMethodName()
                + " threw", e);
        if (!closeCalled) {
            closeCalled = true;
            try {
                endWith(Status.UNKNOWN.withDescription("Application error processing RPC"), new Metadata());
            } catch (MessageException ignored) {
                // the channel ended: the client learns it from that
            }
        }
        context.cancel(e);
        if (e instanceof Error error) {
            throw error;
        }
    }

    /** {@code m} parsed in place when this call does that and it is worth it, else as usual. */
    private ReqT parse(InMessage<MemorySegment> m) {
        ReqT request = inPlace != null && InPlace.worth(m) ? InPlace.parse(inPlace, inPlaceParser, m) : null;
        return request != null ? request : Payloads.read(m, method.getMethodDescriptor().getRequestMarshaller());
    }

    private void deliver(InMessage<MemorySegment> m) {
        if (cancelled) {
            m.close();
            return;
        }
        ReqT request;
        try {
            request = parse(m);
        } catch (RuntimeException e) {
            if (!closeCalled) {
                closeCalled = true;
                try {
                    // UNKNOWN, as grpc's servers answer a request their marshaller cannot parse.
                    endWith(Status.UNKNOWN.withDescription("Application error processing RPC: the request could not be"
                            + " parsed: " + e).withCause(e), new Metadata());
                } catch (MessageException ignored) {
                    // the channel ended
                }
            }
            return;
        }
        run(() -> listener.onMessage(request));
    }

    @Override
    public void request(int numMessages) {
        if (numMessages <= 0) {
            if (numMessages < 0) {
                throw new IllegalArgumentException("numMessages must be non-negative: " + numMessages);
            }
            return;
        }
        callbacks.execute(() -> inbound.request(numMessages)); // the window, not the application, grants ipc4j credit
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (headersSent) {
            throw new IllegalStateException("sendHeaders has already been called");
        }
        if (closeCalled) {
            throw new IllegalStateException("call is closed");
        }
        headersSent = true;
        if (cancelled) {
            return;
        }
        dev.ipc4j.message.Metadata converted;
        try {
            converted = Headers.toIpc4j(headers);
        } catch (IllegalArgumentException e) {
            close(Status.INTERNAL.withDescription("the response headers: " + e.getMessage()), new Metadata());
            return;
        }
        synchronized (this) {
            heldHeaders = converted; // they go with the first message or the close
        }
    }

    /** Sends the held headers, if any: before the first message or the close. */
    private synchronized void flushHeaders() throws MessageException {
        if (heldHeaders != null) {
            dev.ipc4j.message.Metadata h = heldHeaders;
            heldHeaders = null;
            call.sendHeaders(h);
        }
    }

    /** Sends the held response, if any (after the headers). */
    private void flushResponse() throws MessageException {
        OutMessage out;
        synchronized (this) {
            out = heldResponse;
            heldResponse = null;
        }
        if (out != null && !outbound.send(out)) {
            out.close(); // the first message of a call always has the client's initial credit: unreachable
        }
    }

    @Override
    public void sendMessage(RespT message) {
        if (!headersSent) {
            throw new IllegalStateException("sendHeaders has not been called");
        }
        if (closeCalled) {
            throw new IllegalStateException("call is closed");
        }
        if (cancelled) {
            return;
        }
        OutMessage out;
        try {
            out = Payloads.write(channel, method.getMethodDescriptor().getResponseMarshaller(), message);
        } catch (IOException | RuntimeException e) {
            close(Status.INTERNAL.withDescription("serialising the response failed: " + e).withCause(e), new Metadata());
            return;
        }
        synchronized (this) {
            if (oneResponse && heldResponse == null) {
                heldResponse = out; // goes out with the headers and the close
                return;
            }
        }
        try {
            flushHeaders();
            flushResponse();
            if (!outbound.send(out)) {
                out.close();
                close(Status.RESOURCE_EXHAUSTED.withDescription((Outbound.MAX_BYTES >> 20) + " MiB of responses wait"
                        + " for the client to read: a service that streams must respect isReady()"), new Metadata());
            }
        } catch (MessageException e) {
            out.close();
            LOG.log(System.Logger.Level.DEBUG, "a response on a call whose channel ended", e);
        }
    }

    @Override
    public void close(Status status, Metadata trailers) {
        if (closeCalled) {
            throw new IllegalStateException("call already closed");
        }
        closeCalled = true;
        try {
            endWith(status, trailers);
        } catch (MessageException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a call whose channel ended", e);
        }
    }

    /** Sends the close after what waits for credit; then the listener completes. */
    private void endWith(Status status, Metadata trailers) throws MessageException {
        dev.ipc4j.message.Status s = Statuses.toIpc4j(status);
        dev.ipc4j.message.Metadata t;
        try {
            t = Headers.toIpc4j(trailers);
        } catch (IllegalArgumentException e) {
            s = new dev.ipc4j.message.Status(Status.Code.INTERNAL.value(), "the trailers: " + e.getMessage());
            t = dev.ipc4j.message.Metadata.empty();
        }
        dev.ipc4j.message.Status closing = s;
        dev.ipc4j.message.Metadata closingTrailers = t;
        flushHeaders(); // headers, held response and close: one burst for the client's runner to read
        flushResponse();
        outbound.then(() -> {
            countOut(); // before the close goes out: a client that saw it may open its next call at once
            call.close(closing, closingTrailers);
            callbacks.execute(() -> finish(false));
            callbacks.release(); // closed before its request came whole (too large): the listener still hears the end
        });
    }

    /** Out of its session's open calls: once, when its close goes out or (cancelled, the session gone) at its finish. */
    private void countOut() {
        if (countedOut.compareAndSet(false, true)) {
            ended.run();
        }
    }

    /** On the serial executor, once: the listener hears the end; the context is cancelled; the server counts it out. */
    private void finish(boolean byCancel) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        inbound.discard();
        outbound.discard();
        OutMessage unsent;
        synchronized (this) {
            unsent = heldResponse;
            heldResponse = null;
            heldHeaders = null;
        }
        if (unsent != null) {
            unsent.close();
        }
        try {
            run(byCancel ? () -> listener.onCancel() : () -> listener.onComplete());
        } finally {
            if (inPlace != null) {
                inPlace.close(); // after the listener's last callback: the requests' views stop working here
            }
            context.cancel(null);
            countOut();
            server.callEnded();
        }
    }

    @Override
    public boolean isReady() {
        return !closeCalled && !cancelled && outbound.isReady();
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
        return method.getMethodDescriptor();
    }

    @Override
    public Attributes getAttributes() {
        return attributes;
    }

    @Override
    public String getAuthority() {
        return server.authority();
    }

    /** What the ipc4j call reports, on the channel's driving thread: each handed to the call's executor. */
    private final class Events implements CallListener<MemorySegment> {
        @Override
        public void onMessage(InMessage<MemorySegment> message) {
            long size = message.payload().byteSize();
            if (size > server.maxInboundMessageSize()) {
                message.close();
                if (!closeCalled) {
                    close(Status.RESOURCE_EXHAUSTED.withDescription("gRPC message exceeds maximum size "
                            + server.maxInboundMessageSize() + ": " + size), new Metadata());
                }
                return;
            }
            callbacks.execute(() -> inbound.add(message));
        }

        @Override
        public void onHalfClose() {
            callbacks.execute(() -> inbound.then(() -> run(() -> listener.onHalfClose())));
            callbacks.release();
        }

        @Override
        public void onReady() {
            try {
                outbound.flush();
            } catch (MessageException e) {
                LOG.log(System.Logger.Level.DEBUG, "flushing a call whose channel ended", e);
                return;
            }
            callbacks.execute(() -> {
                if (isReady()) {
                    run(() -> listener.onReady());
                }
            });
        }

        /** The call ended without our close: the client cancelled, the deadline passed, or the session ended. */
        @Override
        public void onClose(dev.ipc4j.message.Status status, dev.ipc4j.message.Metadata trailers) {
            cancelled = true;
            context.cancel(Statuses.toGrpc(status).asRuntimeException());
            callbacks.execute(() -> finish(true));
            callbacks.release();
        }
    }
}
