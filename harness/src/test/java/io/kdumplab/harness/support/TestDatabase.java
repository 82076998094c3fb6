package io.kdumplab.harness.support;

import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.store.PrivateCluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * A fresh database per test class, inside the harness's private PostgreSQL
 * cluster (real PostgreSQL, no mocks): its JDBC URL, and the environment a
 * child harness process needs to reach it (password from the cluster's 0600 file).
 */
public final class TestDatabase implements AutoCloseable {
    private final String url;
    private final String password;
    private final PrivateCluster cluster;
    private final String name;
    private final boolean startedCluster;

    private TestDatabase(String url, String password, PrivateCluster cluster, String name, boolean startedCluster) {
        this.url = url;
        this.password = password;
        this.cluster = cluster;
        this.name = name;
        this.startedCluster = startedCluster;
    }

    public static TestDatabase create(String prefix) throws Exception {
        PrivateCluster c = PrivateCluster.local();
        boolean started = c.ensureRunning();
        String url = c.createDatabase(prefix);
        return new TestDatabase(url, c.password(), c, url.substring(url.lastIndexOf('/') + 1), started);
    }

    public String url() {
        return url;
    }

    public Database open(int pool) {
        return Database.open(url, PrivateCluster.USER, password, pool);
    }

    /**
     * Drops the database, and stops the cluster if this test started it (repro and bisect start it again when they
     * need it: it is their default lease database).
     */
    @Override
    public void close() {
        try (Connection conn = DriverManager.getConnection(cluster.url(), PrivateCluster.USER, password);
             Statement st = conn.createStatement()) {
            st.execute("drop database if exists " + name + " with (force)");
        } catch (Exception ignored) {
            // a leftover test database is harmless
        }
        if (startedCluster) {
            cluster.stop();
        }
    }

    public Map<String, String> childEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("HARNESS_DB_URL", url);
        env.put("HARNESS_DB_USER", PrivateCluster.USER);
        env.put("HARNESS_DB_PASSWORD_FILE", cluster.passwordFilePath().toString());
        return env;
    }
}
