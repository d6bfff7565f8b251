package dev.ipc4j.counters;

/** The values of a {@link RecordType#SERVER} record: one per {@code SessionServer}. */
public enum ServerField implements Field {
    /** Sessions open now. */
    SESSIONS(0, "sessions", true),
    /** Sessions that logged in, ever. */
    SESSIONS_OPENED(1, "sessionsOpened", false),
    /** Log-ins refused (unknown or disallowed app, credentials the kernel contradicts, a bad handshake). */
    LOGINS_REFUSED(2, "loginsRefused", false);

    private final int slot;
    private final String key;
    private final boolean gauge;

    ServerField(int slot, String key, boolean gauge) {
        this.slot = slot;
        this.key = key;
        this.gauge = gauge;
    }

    @Override
    public int slot() {
        return slot;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public boolean gauge() {
        return gauge;
    }
}
