package dev.ipc4j.shm;

/** Who may open a named SHM object: the presets Flow-IPC offers. Objects are created with exactly this mode. */
public enum ShmPermissions {
    /** 0600: the owning user only (the default). */
    OWNER(0600),
    /** 0660: the owning user and group. */
    GROUP(0660),
    /** 0666: everyone on the host. */
    ALL(0666);

    private final int mode;

    ShmPermissions(int mode) {
        this.mode = mode;
    }

    /** The permission bits, e.g. {@code 0600}. */
    public int mode() {
        return mode;
    }
}
