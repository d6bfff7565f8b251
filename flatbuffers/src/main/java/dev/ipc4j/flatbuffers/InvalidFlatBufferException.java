package dev.ipc4j.flatbuffers;

/**
 * A FlatBuffer that does not hold up: an offset, length, vtable, union type or nesting depth out of range, a missing
 * file identifier, or bad UTF-8. Thrown by {@link FlatBufferVerifier} before any generated accessor runs, and by
 * {@link FlatBufferReader#read} for anything an accessor trips over, so a reader of memory from another process gets
 * this and nothing else (memory from another process is data, not truth).
 */
public final class InvalidFlatBufferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long position;

    /** An error with detail {@code message} about the byte at {@code position} of the buffer (-1: none in particular). */
    public InvalidFlatBufferException(String message, long position) {
        super(message + (position >= 0 ? " (at byte " + position + ")" : ""));
        this.position = position;
    }

    /** An error with detail {@code message}, caused by {@code cause} (e.g. an accessor that read out of bounds). */
    public InvalidFlatBufferException(String message, Throwable cause) {
        super(message, cause);
        this.position = -1;
    }

    /** The byte of the buffer where the problem was found, or -1 when not known. */
    public long position() {
        return position;
    }
}
