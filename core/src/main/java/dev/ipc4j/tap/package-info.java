/**
 * The message tap: a server lets authorised observers see the messages crossing its sessions, as {@code ipc4j
 * inspect} prints them, without slowing it ({@link dev.ipc4j.tap.Tap}; records: {@link dev.ipc4j.tap.TapRecord}).
 */
package dev.ipc4j.tap;
