/** The {@code ipc4j} command. */
module dev.ipc4j.cli {
    requires dev.ipc4j;
    requires info.picocli;

    opens dev.ipc4j.cli to info.picocli;
}
