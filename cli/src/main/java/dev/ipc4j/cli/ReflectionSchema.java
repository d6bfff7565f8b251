package dev.ipc4j.cli;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The services a gRPC server offers, learnt from its server reflection (v1): every method by its HTTP path
 * {@code /package.Service/Method}, with the descriptors to turn JSON into its messages and back. Nothing generated is
 * needed: the server says what it serves.
 */
final class ReflectionSchema {
    private static final String REFLECTION_PREFIX = "grpc.reflection.";

    private final Map<String, Descriptors.MethodDescriptor> methods;
    private final JsonFormat.TypeRegistry types;

    private ReflectionSchema(Map<String, Descriptors.MethodDescriptor> methods, JsonFormat.TypeRegistry types) {
        this.methods = methods;
        this.types = types;
    }

    /**
     * Asks the server behind {@code channel} for its services and their files (each file once, with its imports).
     *
     * @throws StatusRuntimeException when the server does not answer reflection (UNIMPLEMENTED: it serves none)
     */
    static ReflectionSchema load(Channel channel, Duration timeout) throws InterruptedException {
        Conversation c = new Conversation(channel, timeout);
        try {
            List<String> services = new ArrayList<>();
            for (ServiceResponse s : c.ask(ServerReflectionRequest.newBuilder().setListServices("").build())
                    .getListServicesResponse().getServiceList()) {
                if (!s.getName().startsWith(REFLECTION_PREFIX)) {
                    services.add(s.getName());
                }
            }
            Map<String, FileDescriptorProto> protos = new HashMap<>();
            for (String service : services) {
                c.files(ServerReflectionRequest.newBuilder().setFileContainingSymbol(service).build(), protos);
            }
            Map<String, Descriptors.FileDescriptor> built = new HashMap<>();
            Map<String, Descriptors.MethodDescriptor> methods = new LinkedHashMap<>();
            JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder();
            for (String service : services) {
                Descriptors.ServiceDescriptor sd = null;
                for (FileDescriptorProto p : List.copyOf(protos.values())) {
                    Descriptors.FileDescriptor f = build(p.getName(), protos, built, c, 0);
                    Descriptors.ServiceDescriptor found = f.findServiceByName(service.substring(service.lastIndexOf('.') + 1));
                    if (found != null && found.getFullName().equals(service)) {
                        sd = found;
                    }
                }
                if (sd == null) {
                    throw Status.INTERNAL.withDescription("reflection named service " + service + " but no file has it")
                            .asRuntimeException();
                }
                for (Descriptors.MethodDescriptor m : sd.getMethods()) {
                    methods.put("/" + sd.getFullName() + "/" + m.getName(), m);
                }
            }
            for (Descriptors.FileDescriptor f : built.values()) {
                f.getMessageTypes().forEach(types::add);
            }
            return new ReflectionSchema(methods, types.build());
        } finally {
            c.close();
        }
    }

    /** The method at an HTTP path, {@code /package.Service/Method}. */
    Optional<Descriptors.MethodDescriptor> method(String path) {
        return Optional.ofNullable(methods.get(path));
    }

    /** Every method's path, in the order the server listed its services. */
    List<String> paths() {
        return List.copyOf(methods.keySet());
    }

    /** For {@code Any} fields: every message type the server's files define. */
    JsonFormat.TypeRegistry types() {
        return types;
    }

    private static Descriptors.FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
            Map<String, Descriptors.FileDescriptor> built, Conversation c, int depth) throws InterruptedException {
        Descriptors.FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        if (depth > 64) {
            throw Status.INTERNAL.withDescription("imports nest deeper than 64 at " + name).asRuntimeException();
        }
        FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            c.files(ServerReflectionRequest.newBuilder().setFileByFilename(name).build(), protos);
            proto = protos.get(name);
            if (proto == null) {
                throw Status.INTERNAL.withDescription("the server did not give file " + name).asRuntimeException();
            }
        }
        List<Descriptors.FileDescriptor> deps = new ArrayList<>();
        for (String dep : proto.getDependencyList()) {
            deps.add(build(dep, protos, built, c, depth + 1));
        }
        try {
            Descriptors.FileDescriptor f = Descriptors.FileDescriptor.buildFrom(proto, deps.toArray(Descriptors.FileDescriptor[]::new));
            built.put(name, f);
            return f;
        } catch (Descriptors.DescriptorValidationException e) {
            throw Status.INTERNAL.withDescription("file " + name + " from reflection does not build: " + e.getMessage())
                    .asRuntimeException();
        }
    }

    /** One reflection stream: a question, then its answer, in turn. */
    private static final class Conversation implements StreamObserver<ServerReflectionResponse> {
        private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        private final StreamObserver<ServerReflectionRequest> questions;
        private final Duration timeout;

        Conversation(Channel channel, Duration timeout) {
            this.timeout = timeout;
            this.questions = ServerReflectionGrpc.newStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .serverReflectionInfo(this);
        }

        ServerReflectionResponse ask(ServerReflectionRequest q) throws InterruptedException {
            questions.onNext(q);
            Object a = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (a == null) {
                throw Status.DEADLINE_EXCEEDED.withDescription("no reflection answer within " + timeout).asRuntimeException();
            }
            if (a instanceof Throwable t) {
                throw Status.fromThrowable(t).asRuntimeException();
            }
            ServerReflectionResponse r = (ServerReflectionResponse) a;
            if (r.hasErrorResponse()) {
                throw Status.fromCodeValue(r.getErrorResponse().getErrorCode())
                        .withDescription("reflection: " + r.getErrorResponse().getErrorMessage()).asRuntimeException();
            }
            return r;
        }

        /** Asks for files and keeps each one not yet known. */
        void files(ServerReflectionRequest q, Map<String, FileDescriptorProto> into) throws InterruptedException {
            for (var bytes : ask(q).getFileDescriptorResponse().getFileDescriptorProtoList()) {
                try {
                    FileDescriptorProto p = FileDescriptorProto.parseFrom(bytes);
                    into.putIfAbsent(p.getName(), p);
                } catch (InvalidProtocolBufferException e) {
                    throw Status.INTERNAL.withDescription("reflection gave a file that does not parse: " + e.getMessage())
                            .asRuntimeException();
                }
            }
        }

        void close() {
            questions.onCompleted();
        }

        @Override
        public void onNext(ServerReflectionResponse value) {
            answers.add(value);
        }

        @Override
        public void onError(Throwable t) {
            answers.add(t);
        }

        @Override
        public void onCompleted() {
            // the server ends the stream after ours
        }
    }
}
