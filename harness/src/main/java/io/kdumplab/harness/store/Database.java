package io.kdumplab.harness.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * The nightly engine's PostgreSQL: a given JDBC URL (password from
 * HARNESS_DB_PASSWORD or a 0600 HARNESS_DB_PASSWORD_FILE, never argv) or the
 * private cluster. Every connection and statement is bounded; the schema is
 * created on first use under an advisory lock, so several orchestrators may
 * start at once.
 */
public final class Database implements AutoCloseable {
    /** Seconds: connecting, and any one statement (a hung database is an infrastructure error, not a hang). */
    static final int CONNECT_TIMEOUT_S = 5;
    static final int STATEMENT_TIMEOUT_S = 30;
    private static final long SCHEMA_LOCK = 0x6b64756d70L;

    /** How this process names itself to PostgreSQL: `db status` lists who uses the private cluster by it. */
    static final String APPLICATION = "kdump-harness:" + ProcessHandle.current().pid();

    private final HikariDataSource pool;
    private final String describe;
    private final PrivateCluster privateCluster;

    private Database(HikariDataSource pool, String describe, PrivateCluster privateCluster) {
        this.pool = pool;
        this.describe = describe;
        this.privateCluster = privateCluster;
    }

    /** Opens the database at `url`, or the private cluster when url is null; checks it answers and creates the schema. */
    public static Database open(String url, int poolSize) {
        PrivateCluster cluster = null;
        String user;
        String password;
        if (url == null || url.isBlank()) {
            PrivateCluster c = PrivateCluster.local();
            c.ensureRunning();
            cluster = c;
            url = c.url();
            user = PrivateCluster.USER;
            password = c.password();
        } else {
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new ConfigurationException("--db '" + url + "' is not a PostgreSQL JDBC URL",
                        "e.g. --db jdbc:postgresql://db.lab.example:5432/harness (user from HARNESS_DB_USER, password from "
                                + "HARNESS_DB_PASSWORD or a 0600 HARNESS_DB_PASSWORD_FILE)");
            }
            user = System.getenv().getOrDefault("HARNESS_DB_USER", configuredUser == null ? "harness" : configuredUser);
            password = passwordFromEnvironment();
        }
        return open(url, user, password, poolSize, cluster);
    }

    /** One of the private cluster's databases (a benchmark's own): stopped at the end like the default one. */
    public static Database openPrivate(PrivateCluster cluster, String url, int poolSize) {
        return open(url, PrivateCluster.USER, cluster.password(), poolSize, cluster);
    }

    /** A database with explicit credentials (tests, and callers that read them from their own secret store). */
    public static Database open(String url, String user, String password, int poolSize) {
        return open(url, user, password, poolSize, null);
    }

    private static Database open(String url, String user, String password, int poolSize, PrivateCluster started) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(poolSize);
        cfg.setMinimumIdle(1);
        cfg.setConnectionTimeout(CONNECT_TIMEOUT_S * 1000L);
        cfg.setInitializationFailTimeout(CONNECT_TIMEOUT_S * 1000L);
        cfg.setPoolName("kdump-harness");
        cfg.addDataSourceProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_S));
        cfg.addDataSourceProperty("socketTimeout", String.valueOf(STATEMENT_TIMEOUT_S + 5));
        cfg.addDataSourceProperty("options", "-c statement_timeout=" + STATEMENT_TIMEOUT_S * 1000);
        cfg.addDataSourceProperty("ApplicationName", APPLICATION);
        String where = url.replaceFirst("\\?.*", "");
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(cfg);
        } catch (RuntimeException e) {
            throw new InfrastructureException("database", "cannot reach PostgreSQL at " + where + ": " + rootMessage(e),
                    "check --db (or leave it out for the private cluster), that the server runs and accepts this user");
        }
        Database db = new Database(ds, where, started);
        db.createSchema();
        return db;
    }

    /** From the machine's configuration file, used where HARNESS_DB_USER / HARNESS_DB_PASSWORD(_FILE) are not set. */
    private static volatile String configuredUser;
    private static volatile Path configuredPasswordFile;

    public static void credentialsFromConfig(String user, Path passwordFile) {
        configuredUser = user;
        configuredPasswordFile = passwordFile;
    }

    private static String passwordFromEnvironment() {
        String pw = System.getenv("HARNESS_DB_PASSWORD");
        if (pw != null) {
            return pw;
        }
        String file = System.getenv("HARNESS_DB_PASSWORD_FILE");
        if (file == null && configuredPasswordFile != null) {
            file = configuredPasswordFile.toString();
        }
        if (file == null) {
            return null;
        }
        Path f = Path.of(file);
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new ConfigurationException("HARNESS_DB_PASSWORD_FILE " + f + " is readable by others",
                        "chmod 600 " + f);
            }
            return Files.readString(f).strip();
        } catch (IOException e) {
            throw new ConfigurationException("cannot read HARNESS_DB_PASSWORD_FILE " + f + ": " + e.getMessage(),
                    "point it at a 0600 file holding the password");
        }
    }

    private void createSchema() {
        String sql;
        try (InputStream in = Database.class.getClassLoader().getResourceAsStream("db/schema.sql")) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("db/schema.sql missing from the jar", e);
        }
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("select pg_advisory_lock(" + SCHEMA_LOCK + ")");
            try {
                for (String stmt : sql.split(";\\s*\\n")) {
                    String s = stmt.replaceAll("(?m)^--.*$", "").strip();
                    if (!s.isEmpty()) {
                        st.execute(s);
                    }
                }
            } finally {
                st.execute("select pg_advisory_unlock(" + SCHEMA_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new InfrastructureException("database", "creating the schema on " + describe + " failed: " + e.getMessage(),
                    "the user needs CREATE rights on the database");
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    public String describe() {
        return describe;
    }

    /**
     * Which database this is, the same from every orchestrator connected to it (a random id written once, with the
     * schema): fencing tokens are comparable only within one.
     */
    public String identity() {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             var rs = st.executeQuery("select id from database_identity")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw failure("reading the database's identity", e);
        }
    }

    /** A connection from the pool; a database that stopped answering is an infrastructure error. */
    public Connection connection() {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw failure("connecting", e);
        }
    }

    public InfrastructureException failure(String doing, SQLException e) {
        return new InfrastructureException("database", doing + " on " + describe + " failed: " + e.getMessage(),
                "check the database; the night resumes where it stopped", e);
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * Closes the pool; on the private cluster, the last one out stops it: when this process started or adopted it,
     * or whoever did is gone, and no other client (another harness process, someone's psql) is connected.
     */
    public void closeAndStopIfOurs() {
        boolean stop = false;
        if (privateCluster != null) {
            boolean ours = privateCluster.startedByThisProcess()
                    || privateCluster.starter().map(st -> !st.process().isRunning()).orElse(false);
            if (ours) {
                try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                     var rs = st.executeQuery("select count(*) from pg_stat_activity where backend_type = 'client backend'"
                             + " and pid <> pg_backend_pid() and application_name is distinct from '" + APPLICATION + "'")) {
                    rs.next();
                    stop = rs.getLong(1) == 0;
                } catch (SQLException | RuntimeException e) {
                    stop = false; // cannot tell who else is there: leave it running
                }
            }
        }
        pool.close();
        if (stop) {
            privateCluster.stop();
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null) {
            r = r.getCause();
        }
        return r.getMessage();
    }
}
