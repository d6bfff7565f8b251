package dev.ipc4j.session;

import dev.ipc4j.shm.ShmPermissions;

/**
 * Who may reach a server app's socket, pid file and shared memory: Flow-IPC's three presets. Every object is created
 * with exactly these bits, whatever the process's umask.
 */
public enum Permissions {
    /** 0600: the owning user only (the default). */
    USER(0600, 0700, ShmPermissions.OWNER),
    /** 0660: the owning user and group. */
    GROUP(0660, 0750, ShmPermissions.GROUP),
    /** 0666: every user of the host. */
    ALL(0666, 0755, ShmPermissions.ALL);

    private final int mode;
    private final int directoryMode;
    private final ShmPermissions shm;

    Permissions(int mode, int directoryMode, ShmPermissions shm) {
        this.mode = mode;
        this.directoryMode = directoryMode;
        this.shm = shm;
    }

    /** The bits of sockets, pid files and SHM objects, e.g. {@code 0660}. */
    public int mode() {
        return mode;
    }

    /** The bits of a run directory the server has to create (those who may connect must be able to enter it). */
    public int directoryMode() {
        return directoryMode;
    }

    ShmPermissions shm() {
        return shm;
    }
}
