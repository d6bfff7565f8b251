/**
 * Linux through the FFM API, for the layers above; not exported, so nothing here is API and any of it may change.
 *
 * <p>Each class wraps one kernel facility ({@link dev.ipc4j.os.MemFd}, {@link dev.ipc4j.os.Mapping},
 * {@link dev.ipc4j.os.Futex}, {@link dev.ipc4j.os.UnixSocket}, {@link dev.ipc4j.os.PidFd}, ...) over the downcall
 * handles of {@link dev.ipc4j.os.Libc}, which captures errno with every call. A failing call throws an
 * {@link dev.ipc4j.os.ErrnoException} naming the call and the errno; descriptors are owned by exactly one
 * {@link dev.ipc4j.os.Fd}, closed once.
 */
package dev.ipc4j.os;
