package io.kdumplab.harness.failure;

/** The user's input is wrong: a file, a flag, a variable, a port, a missing package. Exit 2. */
public final class ConfigurationException extends HarnessException {
    public ConfigurationException(String message, String hint) {
        super(message, hint, null);
    }

    public ConfigurationException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }
}
