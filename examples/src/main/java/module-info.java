/** Example programs for ipc4j; nothing here is API. */
@SuppressWarnings("requires-automatic") // grpc-java and protobuf ship no module-info: automatic modules, knowingly
module dev.ipc4j.examples {
    requires dev.ipc4j;
    // The gRPC example: ipc4j's gRPC module and grpc-java's (automatic modules on the module path).
    requires dev.ipc4j.grpc;
    requires io.grpc;
    requires io.grpc.stub;
    requires io.grpc.protobuf;
    requires io.grpc.services;
    requires com.google.protobuf;
    requires com.google.common;
}
