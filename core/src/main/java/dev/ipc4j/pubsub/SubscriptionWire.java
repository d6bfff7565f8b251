package dev.ipc4j.pubsub;

import dev.ipc4j.session.SessionHandle;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The two messages of a subscription's set-up (docs/wire-format.md, "Subscription"): the request travels as the
 * metadata of the channel the subscriber asks for, the reply as the first message on that channel. Both are checked
 * field by field; anything that does not add up is an {@link IllegalArgumentException} (the publisher refuses the
 * channel, the subscriber fails its open).
 *
 * <pre>
 * Request (channel metadata), little-endian:
 *   0  MAGIC u32 "I4TS" | VERSION u16 | DELIVERY u8 | START_KIND u8 (0 now, 1 last, 2 sequence)
 *   8  START_VALUE u64
 *  16  CURSOR: SessionHandle (40 bytes) of the subscriber's cursor block
 *  56  TOPIC_LENGTH u16 | NAME_LENGTH u16 | 0 u32
 *  64  TOPIC (UTF-8) | NAME (UTF-8, empty: anonymous)
 *
 * Reply (first message on the channel):
 *   0  MAGIC u32 "I4TR" | VERSION u16 | 0 u16
 *   8  EPOCH u64       16  START u64 (the first sequence to read)    24  REQUESTED u64 (what was asked for)
 *  32  SLOT u32 | SLOT_GENERATION u32
 *  40  TOPIC: SessionHandle (40 bytes) of the topic block
 * </pre>
 */
final class SubscriptionWire {
    static final int REQUEST_MAGIC = 0x53543449; // "I4TS"
    static final int REPLY_MAGIC = 0x52543449; // "I4TR"
    static final short VERSION = 1;
    static final int REQUEST_HEADER = 64;
    static final int REPLY_BYTES = 80;
    static final int MAX_TEXT = 255;

    private SubscriptionWire() {}

    record Request(String topic, Delivery delivery, StartAt start, Optional<String> name, SessionHandle cursor) {}

    record Reply(long epoch, long start, long requested, int slot, int slotGeneration, SessionHandle topic) {}

    static byte[] encode(Request r) {
        byte[] topic = text(r.topic());
        byte[] name = text(r.name().orElse(""));
        ByteBuffer b = ByteBuffer.allocate(REQUEST_HEADER + topic.length + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(REQUEST_MAGIC).putShort(VERSION).put((byte) r.delivery().ordinal());
        switch (r.start()) {
            case StartAt.Now n -> b.put((byte) 0).putLong(0);
            case StartAt.Last l -> b.put((byte) 1).putLong(l.count());
            case StartAt.Sequence s -> b.put((byte) 2).putLong(s.sequence());
        }
        byte[] cursor = r.cursor().toBytes();
        b.put(cursor);
        b.putShort((short) topic.length).putShort((short) name.length).putInt(0);
        b.put(topic).put(name);
        return b.array();
    }

    /** True when {@code metadata} is a subscription request at all (so a server may route other channels elsewhere). */
    static boolean isRequest(byte[] metadata) {
        return metadata.length >= REQUEST_HEADER
                && ByteBuffer.wrap(metadata).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == REQUEST_MAGIC;
    }

    static Request decodeRequest(byte[] metadata) {
        if (!isRequest(metadata)) {
            throw new IllegalArgumentException("not a subscription request");
        }
        ByteBuffer b = ByteBuffer.wrap(metadata).order(ByteOrder.LITTLE_ENDIAN);
        short version = b.getShort(4);
        if (version != VERSION) {
            throw new IllegalArgumentException("subscription request of version " + version + ", this publisher speaks " + VERSION);
        }
        int delivery = b.get(6);
        int kind = b.get(7);
        long value = b.getLong(8);
        if (delivery < 0 || delivery >= Delivery.values().length || kind < 0 || kind > 2 || value < 0) {
            throw new IllegalArgumentException("subscription request with delivery " + delivery + ", start " + kind + "/" + value);
        }
        StartAt start = switch (kind) {
            case 0 -> StartAt.now();
            case 1 -> StartAt.last(value);
            default -> StartAt.sequence(value);
        };
        SessionHandle cursor = SessionHandle.readFrom(MemorySegment.ofArray(metadata), 16);
        int topicLength = Short.toUnsignedInt(b.getShort(56));
        int nameLength = Short.toUnsignedInt(b.getShort(58));
        if (topicLength == 0 || topicLength > MAX_TEXT || nameLength > MAX_TEXT
                || metadata.length != REQUEST_HEADER + topicLength + nameLength) {
            throw new IllegalArgumentException("subscription request of " + metadata.length + " bytes with a topic of "
                    + topicLength + " and a name of " + nameLength);
        }
        String topic = new String(metadata, REQUEST_HEADER, topicLength, StandardCharsets.UTF_8);
        String name = new String(metadata, REQUEST_HEADER + topicLength, nameLength, StandardCharsets.UTF_8);
        return new Request(topic, Delivery.values()[delivery], start, name.isEmpty() ? Optional.empty() : Optional.of(name), cursor);
    }

    static byte[] encode(Reply r) {
        ByteBuffer b = ByteBuffer.allocate(REPLY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(REPLY_MAGIC).putShort(VERSION).putShort((short) 0);
        b.putLong(r.epoch()).putLong(r.start()).putLong(r.requested()).putInt(r.slot()).putInt(r.slotGeneration());
        b.put(r.topic().toBytes());
        return b.array();
    }

    static Reply decodeReply(MemorySegment m) {
        if (m.byteSize() != REPLY_BYTES) {
            throw new IllegalArgumentException("a subscription reply of " + m.byteSize() + " bytes, not " + REPLY_BYTES);
        }
        ByteBuffer b = m.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != REPLY_MAGIC || b.getShort(4) != VERSION) {
            throw new IllegalArgumentException("not a subscription reply of version " + VERSION);
        }
        long epoch = b.getLong(8);
        long start = b.getLong(16);
        long requested = b.getLong(24);
        int slot = b.getInt(32);
        int generation = b.getInt(36);
        if (start < 0 || requested < 0 || slot < 0 || slot >= TopicBlock.MAX_SLOTS) {
            throw new IllegalArgumentException("subscription reply with start " + start + ", requested " + requested + ", slot " + slot);
        }
        SessionHandle topic = SessionHandle.readFrom(m, 40);
        if (topic.scope() != SessionHandle.Scope.SERVER_APP) {
            throw new IllegalArgumentException("the topic must be a block of the server's app arena, not of " + topic.scope());
        }
        return new Reply(epoch, start, requested, slot, generation, topic);
    }

    static byte[] text(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_TEXT) {
            throw new IllegalArgumentException("at most " + MAX_TEXT + " bytes of UTF-8: " + s);
        }
        return bytes;
    }
}
