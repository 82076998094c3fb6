package io.kdumplab.harness.device.console;

import java.io.IOException;

/** Opens (and re-opens, after a drop) a console link. */
public interface ConsoleConnector {
    ConsoleLink connect() throws IOException;

    String describe();
}
