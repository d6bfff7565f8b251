package dev.ipc4j.counters;

/**
 * One value of a {@link CounterRecord}: where it sits among the record's values, its name in {@code ipc4j stat} and
 * JSON, and whether it is a total (only grows; a reader shows its rate per second) or a gauge (goes up and down; a
 * reader shows it as it is). Each {@link RecordType} has its own enum of fields, so a field of one type cannot be
 * written into a record of another by mistake.
 */
public sealed interface Field permits ServerField, SessionField, ChannelField, ArenaField {
    /** Where the value sits among the record's {@link CountersLayout#VALUES} (0 to 23). */
    int slot();

    /** The name readers show, in camel case (the JSON key). */
    String key();

    /** True for a value that goes up and down (a reader shows it as is), false for a total (a rate is shown too). */
    boolean gauge();
}
