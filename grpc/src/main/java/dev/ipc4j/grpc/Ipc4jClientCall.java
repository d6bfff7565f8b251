package dev.ipc4j.grpc;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.message.Call;
import dev.ipc4j.message.CallListener;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.MessageException;
import dev.ipc4j.message.OutMessage;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One gRPC call from this process: an ipc4j call (its method name, headers and deadline in the opening), messages
 * marshalled straight into shared memory ({@link Payloads}), the listener's callbacks on the call's executor, one at a
 * time.
 *
 * <p>Contract, as gRPC's: {@code start}, {@code sendMessage}, {@code halfClose} from one thread at a time;
 * {@code request} and {@code cancel} from any thread. Nothing here blocks, except the first call of a channel (and the
 * first after the server went away), which opens the session on the caller's thread, and a blocking stub's
 * {@code halfClose}, which reads the answer for its caller ({@link #awaitAnswer}) just before the stub would wait.
 */
final class Ipc4jClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    /**
     * The executor of grpc-java's blocking stubs: the caller drains it on its own thread once {@code halfClose} returns
     * (its only public trace is this name; anything else is treated as an ordinary executor).
     */
    private static final String THREADLESS_EXECUTOR = "io.grpc.stub.ClientCalls$ThreadlessExecutor";
    /**
     * How long a blocking stub's caller reads its own answer ({@link #halfClose}) before it leaves the channel to its
     * runner and waits as grpc's own calls do: a cancel from another thread reaches a caller that drives within this.
     */
    static final Duration DRIVE_WINDOW = Duration.ofMillis(10);
    private final Ipc4jChannel channel;
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions options;
    private final Context context;
    private final SerialExecutor callbacks;
    private final int maxInbound;
    private final Inbound inbound;
    private final Outbound outbound = new Outbound();
    private final AtomicReference<Status> cancelled = new AtomicReference<>();
    /**
     * A call of one request message opens on the wire only with its half-close: the opening, the message and the
     * half-close then go out together, and the server reads them in one wake-up instead of three.
     */
    private final boolean openLate;
    private dev.ipc4j.message.CallOptions opening; // guarded by this, until the call opened
    private Deadline deadline; // guarded by this
    private OutMessage pending; // guarded by this: the request message of a call that opens late
    /** The deadline of a call that opens late, kept by the channel's timer until it opens. Guarded by this. */
    private ScheduledFuture<?> openTimer;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * A blocking stub's call only: done when what its caller waits for first has arrived (the close of a call with one
     * response, else a message or the close). Null for other calls.
     */
    private final CompletableFuture<Void> answered;
    /** The channel counted this call out (once, at its first end). */
    private final AtomicBoolean counted = new AtomicBoolean();
    private volatile Listener<RespT> listener;
    private volatile Call<MemorySegment> call;
    private volatile MessageChannel<MemorySegment> messages;
    private volatile Attributes attributes = Attributes.EMPTY;
    private Context.CancellationListener onContextCancelled;
    /** The scope the caller gave to read responses in place, and their parser; both null when parsed as usual. */
    private final InPlaceScope inPlace;
    private final Object inPlaceParser; // a protobuf Parser

    Ipc4jClientCall(Ipc4jChannel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options) {
        this.channel = channel;
        this.method = method;
        this.options = options;
        this.context = Context.current();
        this.callbacks = new SerialExecutor(options.getExecutor() != null ? options.getExecutor() : channel.executor());
        Integer max = options.getMaxInboundMessageSize();
        this.maxInbound = max != null ? max : channel.maxInboundMessageSize();
        this.inbound = new Inbound(!method.getType().serverSendsOneMessage(), this::deliver);
        this.openLate = method.getType().clientSendsOneMessage();
        InPlaceScope scope = options.getOption(InPlaceScope.RESPONSES);
        this.inPlaceParser = scope != null ? InPlace.parserOf(method.getResponseMarshaller()) : null;
        this.inPlace = inPlaceParser != null ? scope : null;
        Executor given = options.getExecutor();
        this.answered = given != null && given.getClass().getName().equals(THREADLESS_EXECUTOR)
                ? new CompletableFuture<>() : null;
    }

    @Override
    public void start(Listener<RespT> responseListener, Metadata headers) {
        Objects.requireNonNull(responseListener, "responseListener");
        Objects.requireNonNull(headers, "headers");
        if (listener != null) {
            throw new IllegalStateException("already started");
        }
        listener = responseListener;
        if (!channel.callStarted()) { // counted from here: end() counts it out, once
            end(Status.UNAVAILABLE.withDescription("the channel is shut down"), new Metadata());
            return;
        }
        if (context.isCancelled()) {
            end(Contexts.statusFromCancelled(context), new Metadata());
            return;
        }
        Deadline deadline = effectiveDeadline();
        if (deadline != null && deadline.isExpired()) {
            end(Status.DEADLINE_EXCEEDED.withDescription("ClientCall started after the deadline was exceeded: " + deadline),
                    new Metadata());
            return;
        }
        try {
            dev.ipc4j.message.CallOptions options = dev.ipc4j.message.CallOptions.of(method.getFullMethodName(),
                    Ipc4jGrpc.CALL_TYPE).withHeaders(Headers.toIpc4j(headers));
            messages = channel.messages();
            attributes = channel.attributes(messages);
            synchronized (this) { // set last: a call with an opening has a channel to open it on
                opening = options;
                this.deadline = deadline;
            }
        } catch (IOException | Ipc4jException e) {
            end(Status.UNAVAILABLE.withDescription("no session with " + channel.authority() + ": " + e.getMessage())
                    .withCause(e), new Metadata());
            return;
        } catch (IllegalArgumentException e) {
            end(Status.INTERNAL.withDescription("the call's headers: " + e.getMessage()).withCause(e), new Metadata());
            return;
        }
        if (context != Context.ROOT) {
            onContextCancelled = c -> cancelWith(Contexts.statusFromCancelled(c));
            context.addListener(onContextCancelled, Runnable::run);
        }
        if (!openLate && openNow() == null) {
            return;
        }
        if (openLate && deadline != null) { // a caller that never half-closes must still see its deadline
            ScheduledFuture<?> timer = channel.schedule(() -> cancelWith(Status.DEADLINE_EXCEEDED.withDescription(
                    "the deadline passed before the call went out (it had not half-closed): " + deadline)),
                    deadline.timeRemaining(TimeUnit.NANOSECONDS));
            synchronized (this) {
                openTimer = timer;
            }
            if (call != null || closed.get()) {
                stopOpenTimer(); // opened or ended meanwhile
            }
        }
        callbacks.execute(() -> {
            if (!closed.get() && isReady()) {
                listener.onReady();
            }
        });
    }

    /**
     * Opens the call on the wire (once; later calls return it), its deadline counted from its start. Null when it
     * ended instead (cancelled, its deadline passed, the channel gone): the listener is told.
     */
    private synchronized Call<MemorySegment> openNow() {
        if (call != null || closed.get()) {
            return call;
        }
        stopOpenTimer(); // from here on the ipc4j call keeps the deadline, or the call ends now
        Status early = cancelled.get();
        if (early != null) {
            end(early, new Metadata());
            return null;
        }
        dev.ipc4j.message.CallOptions options = opening;
        if (deadline != null) {
            long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
            if (left <= 0) {
                end(Status.DEADLINE_EXCEEDED.withDescription("the deadline was exceeded before the call went out: "
                        + deadline), new Metadata());
                return null;
            }
            options = options.withTimeout(Duration.ofNanos(left));
        }
        try {
            Call<MemorySegment> opened = messages.openCall(options, new Events());
            outbound.attach(opened);
            inbound.open(opened);
            call = opened;
        } catch (Ipc4jException e) {
            end(Status.UNAVAILABLE.withDescription("no session with " + channel.authority() + ": " + e.getMessage())
                    .withCause(e), new Metadata());
            return null;
        } catch (IllegalArgumentException e) {
            end(Status.INTERNAL.withDescription("the call's headers: " + e.getMessage()).withCause(e), new Metadata());
            return null;
        }
        if (cancelled.get() != null) { // cancelled while opening: its close comes back through Events.onClose
            call.cancel();
        }
        return call;
    }

    private void stopOpenTimer() {
        ScheduledFuture<?> timer;
        synchronized (this) {
            timer = openTimer;
            openTimer = null;
        }
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** The earlier of the call's and the context's deadline, or null. */
    private Deadline effectiveDeadline() {
        Deadline a = options.getDeadline();
        Deadline b = context.getDeadline();
        if (a == null) {
            return b;
        }
        return b == null ? a : a.minimum(b);
    }

    @Override
    public void request(int numMessages) {
        if (listener == null) {
            throw new IllegalStateException("not started");
        }
        if (numMessages < 0) {
            throw new IllegalArgumentException("numMessages must be non-negative: " + numMessages);
        }
        if (numMessages == 0) {
            return;
        }
        callbacks.execute(() -> inbound.request(numMessages)); // the window, not the application, grants ipc4j credit
    }

    @Override
    public void cancel(String message, Throwable cause) {
        if (message == null && cause == null) {
            message = "Call cancelled without message";
        }
        cancelWith(Status.CANCELLED.withDescription(message).withCause(cause));
    }

    private void cancelWith(Status status) {
        if (!cancelled.compareAndSet(null, status)) {
            return;
        }
        Call<MemorySegment> c;
        synchronized (this) { // against openNow: either it sees the cancel or we see its call
            c = call;
        }
        if (c != null) {
            c.cancel(); // its close comes back through Events.onClose, where the status we chose replaces ipc4j's
        } else if (listener != null) {
            end(status, new Metadata()); // not opened on the wire (yet, or ever): nothing to cancel there
        }
    }

    @Override
    public void halfClose() {
        if (listener == null) {
            throw new IllegalStateException("not started");
        }
        Call<MemorySegment> c = call;
        OutMessage request = null;
        if (c == null) {
            synchronized (this) {
                if (closed.get() || opening == null) {
                    return; // the call ended, or never began: its close is on its way
                }
                c = openNow(); // a late opener: the opening, its message and the half-close go out together
                request = pending;
                pending = null;
            }
            if (c == null) {
                if (request != null) {
                    request.close();
                }
                return;
            }
        }
        try {
            if (request != null && !outbound.send(request)) {
                request.close(); // a queue of one cannot be full: unreachable
            }
            outbound.then(c::halfClose);
        } catch (MessageException e) {
            cancelWith(Status.UNAVAILABLE.withDescription("half-closing: " + e.getMessage()).withCause(e));
            return;
        }
        if (answered != null) {
            awaitAnswer();
        }
    }

    /**
     * A blocking stub's caller, about to wait on its thread-less executor, reads the answer itself: for up to
     * {@link #DRIVE_WINDOW} it drives the session's channel, so the answer's callbacks are queued on the executor by
     * this thread and its wait finds them there, instead of the channel's runner waking this thread for them (a
     * thread wake-up saved per call). Past the window (a slow service) the runner
     * takes over and the caller waits as before; see {@link MessageChannel#driveUntil} for when it does not drive.
     */
    private void awaitAnswer() {
        try {
            messages.driveUntil(answered, DRIVE_WINDOW);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the stub's wait sees it and cancels the call, as it would have
        }
    }

    @Override
    public void sendMessage(ReqT message) {
        if (listener == null) {
            throw new IllegalStateException("not started");
        }
        if (cancelled.get() != null || closed.get() || messages == null) {
            return; // ended: gRPC drops what is sent after the end
        }
        OutMessage out;
        try {
            out = Payloads.write(messages, method.getRequestMarshaller(), message);
        } catch (IOException | RuntimeException e) {
            cancelWith(Status.INTERNAL.withDescription("serialising the request failed: " + e).withCause(e));
            return;
        }
        if (call == null) {
            synchronized (this) {
                if (call == null && openLate && pending == null && !closed.get()) {
                    pending = out; // goes out with the opening and the half-close
                    return;
                }
            }
            OutMessage earlier;
            synchronized (this) { // a second message on a call of one (the server will refuse it): open now
                earlier = pending;
                pending = null;
            }
            if (openNow() == null) {
                out.close();
                if (earlier != null) {
                    earlier.close();
                }
                return;
            }
            if (earlier != null) {
                try {
                    outbound.send(earlier);
                } catch (MessageException e) {
                    earlier.close();
                }
            }
        }
        try {
            if (!outbound.send(out)) {
                out.close();
                cancelWith(Status.RESOURCE_EXHAUSTED.withDescription((Outbound.MAX_BYTES >> 20) + " MiB of requests"
                        + " wait for the server to read: a client that streams must respect isReady()"));
            }
        } catch (MessageException e) {
            out.close();
            cancelWith(Status.UNAVAILABLE.withDescription("sending: " + e.getMessage()).withCause(e));
        }
    }

    @Override
    public boolean isReady() {
        if (cancelled.get() != null || closed.get()) {
            return false;
        }
        if (call == null) {
            synchronized (this) {
                return call == null ? openLate && messages != null && pending == null : outbound.isReady();
            }
        }
        return outbound.isReady();
    }

    @Override
    public Attributes getAttributes() {
        return attributes;
    }

    /** On the serial executor: one requested message to the listener. */
    private void deliver(InMessage<MemorySegment> m) {
        if (cancelled.get() != null || closed.get()) {
            m.close();
            return;
        }
        RespT response;
        try {
            response = inPlace != null && InPlace.worth(m) ? InPlace.parse(inPlace, inPlaceParser, m) : null;
            if (response == null) {
                response = Payloads.read(m, method.getResponseMarshaller());
            }
        } catch (RuntimeException e) {
            // As grpc-java's own client calls: the call is cancelled, whatever the marshaller threw.
            cancelWith(Status.CANCELLED.withDescription("Failed to read message: " + e).withCause(e));
            return;
        }
        try {
            listener.onMessage(response);
        } catch (RuntimeException e) {
            cancelWith(Status.CANCELLED.withDescription("the response listener threw").withCause(e));
        }
    }

    /** On the serial executor (or before the call opened): the listener's one close. */
    private void end(Status status, Metadata trailers) {
        stopOpenTimer();
        callbacks.execute(() -> {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            inbound.discard();
            outbound.discard();
            OutMessage unsent;
            synchronized (this) {
                unsent = pending;
                pending = null;
            }
            if (unsent != null) {
                unsent.close();
            }
            if (onContextCancelled != null) {
                context.removeListener(onContextCancelled);
            }
            listener.onClose(status, trailers);
        });
        // Counted out here, not in the task: a blocking stub whose caller gave up never runs its executor's tasks.
        // The task is queued already, so a channel that terminates now still runs it (its executor finishes its queue).
        if (counted.compareAndSet(false, true)) {
            channel.callEnded();
        }
    }

    @Override
    public String toString() {
        return "Ipc4jClientCall[" + method.getFullMethodName() + " to " + channel.authority() + "]";
    }

    /** What the ipc4j call reports, on the channel's driving thread: each handed to the call's executor. */
    private final class Events implements CallListener<MemorySegment> {
        @Override
        public void onHeaders(dev.ipc4j.message.Metadata headers) {
            callbacks.execute(() -> {
                if (!closed.get() && cancelled.get() == null) {
                    listener.onHeaders(Headers.toGrpc(headers));
                }
            });
        }

        @Override
        public void onMessage(InMessage<MemorySegment> message) {
            long size = message.payload().byteSize();
            if (size > maxInbound) {
                message.close();
                cancelWith(Status.RESOURCE_EXHAUSTED.withDescription("gRPC message exceeds maximum size " + maxInbound
                        + ": " + size));
                return;
            }
            callbacks.execute(() -> inbound.add(message));
            if (answered != null && !method.getType().serverSendsOneMessage()) {
                answered.complete(null); // a stream's caller waits for its first message
            }
        }

        @Override
        public void onReady() {
            try {
                outbound.flush();
            } catch (MessageException e) {
                cancelWith(Status.UNAVAILABLE.withDescription("sending: " + e.getMessage()).withCause(e));
                return;
            }
            callbacks.execute(() -> {
                if (!closed.get() && isReady()) {
                    listener.onReady();
                }
            });
        }

        @Override
        public void onClose(dev.ipc4j.message.Status status, dev.ipc4j.message.Metadata trailers) {
            Status ours = cancelled.get();
            Status s = ours != null ? ours
                    : channel.isShutdown() && status.code() == dev.ipc4j.message.Status.CANCELLED.code()
                            ? Status.UNAVAILABLE.withDescription("the channel was shut down now")
                            : Statuses.toGrpc(status);
            Metadata t = Headers.toGrpc(trailers);
            callbacks.execute(() -> {
                if (s.isOk() && inbound.hasPending()) {
                    inbound.then(() -> end(s, t)); // the messages before a successful close are delivered first
                } else {
                    end(s, t);
                }
            });
            if (answered != null) {
                answered.complete(null);
            }
        }
    }
}
