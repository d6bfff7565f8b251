/**
 * FlatBuffers messages built directly in shared memory and read in place, for any schema.
 *
 * <p>{@link dev.ipc4j.flatbuffers.ShmFlatBufferBuilder} builds a message in arena blocks and gives a
 * {@link dev.ipc4j.flatbuffers.FlatBufferMessage}; {@link dev.ipc4j.flatbuffers.FlatBufferVerifier} holds the bounds
 * checks a schema's verifier is written from (anything out of range is an
 * {@link dev.ipc4j.flatbuffers.InvalidFlatBufferException}); {@link dev.ipc4j.flatbuffers.FlatBufferReader} gives the
 * zero-copy view generated accessors read; {@link dev.ipc4j.flatbuffers.FlatBuffersCodec} is the message layer's codec
 * for one schema. See the module's README for copy counts and the generated-code workflow.
 */
package dev.ipc4j.flatbuffers;
