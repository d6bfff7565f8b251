/**
 * Protobuf messages as payloads: serialized once, straight into shared memory, and parsed from that memory (with
 * aliased {@code bytes} fields where the caller opts in).
 *
 * <p>{@link dev.ipc4j.protobuf.ShmProtobuf} writes and parses; {@link dev.ipc4j.protobuf.ProtobufCodec} is the message
 * layer's codec for one message type, parsing within {@link dev.ipc4j.protobuf.ParseLimits}; a payload that does not
 * parse is an {@link dev.ipc4j.protobuf.InvalidProtobufException}. See the module's README for copy counts.
 */
package dev.ipc4j.protobuf;
