/**
 * Live counters: every server, session, channel and arena counts what passes through it in a small shared-memory
 * file of its process ({@link dev.ipc4j.counters.CounterRecord}), without locks or allocation, and any process of the
 * same user reads them ({@link dev.ipc4j.counters.CountersReader}), as {@code ipc4j stat} does. Aeron's counters
 * file and AeronStat are the model.
 */
package dev.ipc4j.counters;
