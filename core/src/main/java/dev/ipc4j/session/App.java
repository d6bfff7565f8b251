package dev.ipc4j.session;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * A program that takes part in sessions, as both sides describe it: its name (unique on the host; part of every
 * object name), and optionally what the kernel must say about a process claiming to be it: its executable, its uid
 * and gid. Build the same descriptions in the server and its clients (a shared class of constants is the usual way).
 */
public sealed interface App permits ClientApp, ServerApp {
    /** What an app name may be: it is part of file and SHM names. */
    Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,48}");

    /** The app's name: unique per host for a server app, part of the names of its files and shared memory. */
    String name();

    /** The executable a process of this app runs ({@code /proc/PID/exe}); empty: any. */
    Optional<Path> executable();

    /** The uid its processes run as; empty: any. */
    OptionalInt uid();

    /** The gid its processes run as; empty: any. */
    OptionalInt gid();
}
