/**
 * ipc4j: zero-copy inter-process communication for Java on Linux.
 *
 * <p>Only API packages are exported; {@code dev.ipc4j.os}, the Linux layer, is internal. Native access must be granted
 * to this module alone: {@code --enable-native-access=dev.ipc4j}.
 */
module dev.ipc4j {
    exports dev.ipc4j;
    exports dev.ipc4j.counters;
    exports dev.ipc4j.transport;
    exports dev.ipc4j.shm;
    exports dev.ipc4j.session;
    exports dev.ipc4j.message;
    exports dev.ipc4j.pubsub;
    exports dev.ipc4j.tap;
}
