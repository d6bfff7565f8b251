package dev.ipc4j.os;

import static dev.ipc4j.testing.ChildSide.say;

/**
 * The process of {@link SyscallHandleTest}: links the one downcall (its first system call), then makes
 * {@code args[0]} more, each phase marked in a class-loading log by loading a class of its own, and says {@code DONE}.
 */
public final class SyscallChild {
    private SyscallChild() {}

    /** Loaded when the downcall is linked: its line in the class-loading log marks the start of the later calls. */
    static final class Linked {
        static void mark() {}
    }

    /** Loaded after the later calls. */
    static final class Called {
        static void mark() {}
    }

    public static void main(String[] args) {
        long pid = ProcessHandle.current().pid();
        if (Libc.syscall(Libc.SYS_GETPID, 0) != pid) {
            throw new AssertionError("getpid through syscall(2) is not this process's pid " + pid);
        }
        Linked.mark();
        int calls = Integer.parseInt(args[0]);
        for (int i = 0; i < calls; i++) {
            Libc.syscall(Libc.SYS_GETPID, 0);
        }
        Called.mark();
        say("DONE");
    }
}
