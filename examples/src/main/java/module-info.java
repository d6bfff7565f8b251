/** Example programs for ipc4j; nothing here is API. */
module dev.ipc4j.examples {
    requires dev.ipc4j;
}
