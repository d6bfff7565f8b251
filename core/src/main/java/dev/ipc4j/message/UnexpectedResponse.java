package dev.ipc4j.message;

/**
 * A response nobody waited for: its request timed out or was cancelled, or the peer answered something that was no
 * request. Reported on the requester's side (where it arrived) and, through an UNEXPECTED_RESPONSE frame, on the
 * responder's side.
 *
 * @param responseId the response's id (the responder's numbering)
 * @param requestId what the response said it answered (the requester's numbering)
 * @param reportedByPeer true on the responder's side: the peer says it did not expect this response
 */
public record UnexpectedResponse(long responseId, long requestId, boolean reportedByPeer) {}
