package io.kdumplab.harness.support;

import org.testng.ISuite;
import org.testng.ISuiteListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The unit tier's temporary files go under target/ (surefire sets java.io.tmpdir there), so that a run leaves nothing
 * in /tmp and `mvn clean` removes them; this creates that directory before the first test asks for a file in it.
 */
public final class TestTmpDir implements ISuiteListener {
    @Override
    public void onStart(ISuite suite) {
        try {
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the tests' temporary directory", e);
        }
    }
}
