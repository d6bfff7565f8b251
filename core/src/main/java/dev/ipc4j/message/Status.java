package dev.ipc4j.message;

import java.util.Objects;

/**
 * How a call ended: a code and a description, carried by the callee's CALL_CLOSE (or made locally when the call ended
 * here: cancelled, past its deadline, the channel gone). The codes are gRPC's, so a gRPC adapter maps them one to one.
 *
 * @param code one of the constants' codes (0 OK .. 16 UNAUTHENTICATED); other values from a peer read as UNKNOWN
 * @param description for people; may be empty
 */
public record Status(int code, String description) {
    public static final int OK_CODE = 0;
    public static final Status OK = new Status(0, "");
    public static final Status CANCELLED = new Status(1, "cancelled");
    public static final Status UNKNOWN = new Status(2, "unknown");
    public static final Status INVALID_ARGUMENT = new Status(3, "invalid argument");
    public static final Status DEADLINE_EXCEEDED = new Status(4, "deadline exceeded");
    public static final Status NOT_FOUND = new Status(5, "not found");
    public static final Status RESOURCE_EXHAUSTED = new Status(8, "resource exhausted");
    public static final Status FAILED_PRECONDITION = new Status(9, "failed precondition");
    public static final Status UNIMPLEMENTED = new Status(12, "unimplemented");
    public static final Status INTERNAL = new Status(13, "internal");
    public static final Status UNAVAILABLE = new Status(14, "unavailable");

    public Status {
        Objects.requireNonNull(description, "description");
        if (code < 0 || code > 16) {
            code = 2; // what a peer may send is data, not truth: anything else is UNKNOWN
        }
    }

    public boolean isOk() {
        return code == OK_CODE;
    }

    /** The same code with {@code description}. */
    public Status withDescription(String description) {
        return new Status(code, description);
    }
}
