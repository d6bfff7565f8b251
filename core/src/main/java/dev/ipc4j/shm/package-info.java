/**
 * Shared memory that crosses processes by handle: an {@link dev.ipc4j.shm.ShmArena} carves
 * {@link dev.ipc4j.shm.ShmBlock}s out of sealed memfd segments; a block is lent as a 32-byte
 * {@link dev.ipc4j.shm.ShmHandle}, and the process that gets the handle borrows the block as a
 * {@link dev.ipc4j.shm.Lease}, reading it in place. Every block counts its holders in the arena's control object, so
 * it is reused only once every process has let go; a dead process's holds are released by the survivors.
 *
 * <p>Everything a peer can forge (a handle's segment, offset, length or generation; a truncated or scribbled
 * segment) is checked before use and refused with a typed {@link dev.ipc4j.shm.ShmException}, never a crash. Blocks
 * and leases that are garbage-collected unclosed are reported with where they were taken (sampled by default) and
 * released. The layout of the control object and segments is in {@code ArenaLayout} and docs/wire-format.md.
 */
package dev.ipc4j.shm;
