/**
 * gRPC over ipc4j: unchanged grpc-java stubs, services and interceptors on a local session. Each gRPC call is one
 * ipc4j call (message protocol version 2: headers, messages under per-call credit, half-close, status and trailers,
 * cancel, deadline), each message written once into the session's shared memory.
 *
 * <pre>{@code
 * Server server = Ipc4jGrpc.server(serverApp).addService(new RouteGuideService()).build().start();
 * ManagedChannel channel = Ipc4jGrpc.channel(clientApp, serverApp).build();
 * RouteGuideGrpc.RouteGuideBlockingStub stub = RouteGuideGrpc.newBlockingStub(channel);
 * }</pre>
 *
 * <p>Only grpc-java's public API is used ({@code io.grpc}: {@code Channel}, {@code ClientCall}, {@code ServerCall},
 * {@code ServerServiceDefinition}, {@code Context}), never {@code io.grpc.internal}, whose interfaces change between
 * releases. See the module's README for what each path copies: a {@link dev.ipc4j.grpc.FlatBuffer} built in the
 * session's memory crosses as a handle only, and large messages can be read in place
 * ({@link dev.ipc4j.grpc.InPlaceScope}, {@link dev.ipc4j.grpc.Ipc4jServer.Builder#aliasRequests}).
 */
package dev.ipc4j.grpc;
