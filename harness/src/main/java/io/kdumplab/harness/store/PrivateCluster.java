package io.kdumplab.harness.store;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The harness's own PostgreSQL cluster, used when no JDBC URL is given: Debian's
 * server binaries (initdb, pg_ctl), data in a directory of ours, listening on
 * 127.0.0.1 only, a generated password in a 0600 file (never on a command line).
 * As root the cluster runs as the `postgres` user (PostgreSQL refuses root), in
 * /var/lib/kdump-harness/postgres; otherwise in the user's state directory.
 */
public final class PrivateCluster {
    public static final String USER = "harness";
    private static final long START_TIMEOUT_S = 60;

    private final Path dir;
    private final boolean asRoot;

    private PrivateCluster(Path dir, boolean asRoot) {
        this.dir = dir;
        this.asRoot = asRoot;
    }

    public static PrivateCluster local() {
        boolean root = "root".equals(System.getProperty("user.name"));
        String override = System.getenv("HARNESS_PG_DIR");
        if (override != null && !override.isBlank()) {
            return new PrivateCluster(Path.of(override), root);
        }
        if (root) {
            return new PrivateCluster(Path.of("/var/lib/kdump-harness/postgres"), true);
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        Path state = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local/state");
        return new PrivateCluster(state.resolve("kdump-harness/postgres"), false);
    }

    public Path dir() {
        return dir;
    }

    Path data() {
        return dir.resolve("data");
    }

    Path passwordFile() {
        return dir.resolve("password");
    }

    int port() {
        try {
            return Integer.parseInt(Files.readString(dir.resolve("port")).trim());
        } catch (IOException | NumberFormatException e) {
            throw new InfrastructureException("database", "the private PostgreSQL cluster in " + dir + " has no valid port file",
                    "remove " + dir + " to start over (the nightly history in it is lost)");
        }
    }

    /** JDBC URL of the running cluster. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
    }

    public Path passwordFilePath() {
        return passwordFile();
    }

    public String password() {
        try {
            return Files.readString(passwordFile()).trim();
        } catch (IOException e) {
            throw new InfrastructureException("database", "cannot read " + passwordFile() + ": " + e.getMessage(), "");
        }
    }

    /** A new database in the running cluster (tests, benchmarks); returns its JDBC URL. */
    public String createDatabase(String prefix) {
        String name = prefix + "_" + Long.toHexString(System.nanoTime() & 0xffffffffL);
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url(), USER, password());
             java.sql.Statement st = c.createStatement()) {
            st.execute("create database " + name);
        } catch (java.sql.SQLException e) {
            throw new InfrastructureException("database", "creating database " + name + " failed: " + e.getMessage(), "");
        }
        return url().replaceFirst("/postgres$", "/" + name);
    }

    /**
     * Creates the cluster on first use and starts it if it is not running. True when this process is now the one
     * that stops it: it started it, or adopted it because the process that started it is gone (killed with -9, say),
     * which would otherwise leave it running until someone finds it.
     */
    public synchronized boolean ensureRunning() {
        Path bin = binaries();
        // two runs started together on this machine: one creates and starts the cluster, the other finds it running
        Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(createParents(lockFile),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock ignored = ch.lock()) {
            return ensureRunningLocked(bin);
        } catch (IOException e) {
            throw new InfrastructureException("database", "cannot lock " + lockFile + ": " + e.getMessage(), "check its directory");
        }
    }

    private static Path createParents(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        return p;
    }

    private boolean ensureRunningLocked(Path bin) {
        try {
            if (!Files.exists(data().resolve("PG_VERSION"))) {
                init(bin);
            }
            if (running(bin)) {
                Optional<Starter> starter = starter();
                if (starter.isEmpty() || starter.get().process().isRunning()) {
                    return false; // its starter runs, or none was recorded (by hand, an older harness): not ours to stop
                }
                recordStarter(); // its starter is gone (killed with -9): this process looks after it now
                return true;
            }
            Path log = dir.resolve("postgres.log");
            run(bin.resolve("pg_ctl"), List.of("-D", data().toString(), "-l", log.toString(), "-w", "-t",
                    String.valueOf(START_TIMEOUT_S), "-o", "-c listen_addresses=127.0.0.1 -p " + port()
                            + " -c unix_socket_directories=" + dir + " -c max_connections=300", "start"), START_TIMEOUT_S + 10);
            recordStarter();
            return true;
        } catch (IOException e) {
            throw new InfrastructureException("database", "the private PostgreSQL cluster in " + dir + " did not start: "
                    + e.getMessage(), "see " + dir.resolve("postgres.log"));
        }
    }

    /** Stops the cluster (fast shutdown: open sessions are ended, data is consistent). */
    public synchronized void stop() {
        Path bin = binaries();
        try {
            if (running(bin)) {
                run(bin.resolve("pg_ctl"), List.of("-D", data().toString(), "-m", "fast", "-w", "-t", "30", "stop"), 40);
            }
            Files.deleteIfExists(starterFile());
        } catch (IOException e) {
            throw new InfrastructureException("database", "stopping the private PostgreSQL cluster failed: " + e.getMessage(),
                    "see " + dir.resolve("postgres.log"));
        }
    }

    /** The harness process that started (or adopted) the running cluster, and since when. */
    public record Starter(io.kdumplab.harness.util.ProcessIdentity process, java.time.Instant since) {}

    private Path starterFile() {
        return dir.resolve("starter");
    }

    /** Who looks after the running cluster; empty when nobody recorded it (a cluster started by an older harness). */
    public Optional<Starter> starter() {
        try {
            if (!Files.exists(starterFile())) {
                return Optional.empty();
            }
            java.util.Map<String, String> kv = io.kdumplab.harness.util.KeyValues.parse(Files.readString(starterFile()));
            return Optional.of(new Starter(new io.kdumplab.harness.util.ProcessIdentity(Long.parseLong(kv.get("pid")),
                    Long.parseLong(kv.get("start_ticks")), kv.getOrDefault("boot_id", "")),
                    java.time.Instant.parse(kv.get("since"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable: as if nobody looked after it
        }
    }

    /** True when this process started or adopted the running cluster. */
    public boolean startedByThisProcess() {
        // the whole identity (pid, start time, boot): a number reused after a restart is not this process
        return starter().map(s -> io.kdumplab.harness.util.ProcessIdentity.of(ProcessHandle.current().pid())
                .map(me -> me.equals(s.process())).orElse(false)).orElse(false);
    }

    private void recordStarter() throws IOException {
        io.kdumplab.harness.util.ProcessIdentity me = io.kdumplab.harness.util.ProcessIdentity.of(ProcessHandle.current().pid())
                .orElseThrow(() -> new IOException("cannot read this process's identity"));
        io.kdumplab.harness.util.AtomicFiles.write(starterFile(), "pid=" + me.pid() + "\nstart_ticks=" + me.startTicks()
                + "\nboot_id=" + me.bootId() + "\nsince=" + java.time.Instant.now() + "\n");
    }

    /**
     * A connection to the running cluster: a harness process (its pid from its application name) or another client
     * (psql, a dashboard), since when.
     */
    public record Client(String application, Long harnessPid, String address, java.time.Instant since, int connections) {}

    /** Who is connected now, one line per client program; empty when the cluster is not running. */
    public List<Client> clients() {
        if (!isRunning()) {
            return List.of();
        }
        List<Client> out = new ArrayList<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url() + "?ApplicationName=kdump-harness-db-status",
                USER, password());
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("select coalesce(application_name, ''), coalesce(host(client_addr), 'local'),"
                     + " min(backend_start), count(*) from pg_stat_activity where backend_type = 'client backend'"
                     + " and pid <> pg_backend_pid() group by 1, 2 order by 3")) {
            while (rs.next()) {
                String app = rs.getString(1);
                Long pid = null;
                if (app.startsWith("kdump-harness:")) {
                    try {
                        pid = Long.parseLong(app.substring("kdump-harness:".length()));
                    } catch (NumberFormatException ignored) {
                        // another name of ours
                    }
                }
                out.add(new Client(app, pid, rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getInt(4)));
            }
        } catch (java.sql.SQLException e) {
            throw new InfrastructureException("database", "cannot list the clients of the private cluster: " + e.getMessage(),
                    "see " + dir.resolve("postgres.log"));
        }
        return out;
    }

    /** Its data's size on disk, in bytes (0 when there is none). */
    public long dataBytes() {
        try (Stream<Path> s = Files.walk(data())) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    /** The cluster exists (it was set up by an earlier nightly run); it is started when needed. */
    public boolean isRunningOrInitialised() {
        return Files.exists(data().resolve("PG_VERSION")) || Files.exists(passwordFile());
    }

    public boolean isRunning() {
        try {
            return Files.exists(data().resolve("PG_VERSION")) && running(binaries());
        } catch (IOException e) {
            return false;
        }
    }

    private boolean running(Path bin) throws IOException {
        return exec(bin.resolve("pg_ctl"), List.of("-D", data().toString(), "status"), 15).exit() == 0;
    }

    private void init(Path bin) throws IOException {
        Files.createDirectories(dir);
        if (asRoot) {
            chown(dir);
        }
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        Path pw = passwordFile();
        Files.writeString(pw, Base64.getUrlEncoder().withoutPadding().encodeToString(raw) + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("port"), String.valueOf(freePort()));
        // initdb reads the password from a copy the server user can read; removed right after
        Path initPw = dir.resolve(".initdb-password");
        Files.copy(pw, initPw, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(initPw, PosixFilePermissions.fromString("rw-------"));
        if (asRoot) {
            chown(initPw);
        }
        try {
            run(bin.resolve("initdb"), List.of("-D", data().toString(), "-U", USER, "--auth=scram-sha-256",
                    "--pwfile=" + initPw, "-E", "UTF8", "--no-instructions"), 120);
        } finally {
            Files.deleteIfExists(initPw);
        }
    }

    private static void chown(Path p) throws IOException {
        Process pr = new ProcessBuilder("chown", "postgres:postgres", p.toString()).redirectErrorStream(true).start();
        try {
            if (!pr.waitFor(10, TimeUnit.SECONDS) || pr.exitValue() != 0) {
                throw new IOException("chown postgres " + p + " failed: " + new String(pr.getInputStream().readAllBytes()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private void run(Path program, List<String> args, long timeoutSeconds) throws IOException {
        Result r = exec(program, args, timeoutSeconds);
        if (r.exit() != 0) {
            throw new IOException(program.getFileName() + " exited " + r.exit() + ": " + r.output().strip());
        }
    }

    private record Result(int exit, String output) {}

    private Result exec(Path program, List<String> args, long timeoutSeconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (asRoot) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.add(program.toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(asRoot ? new java.io.File("/") : null).start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(program.getFileName() + " did not finish within " + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Debian's server binaries (newest major version), or those on PATH. */
    static Path binaries() {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(v -> {
                            try {
                                return Integer.parseInt(v.getFileName().toString());
                            } catch (NumberFormatException e) {
                                return 0;
                            }
                        }));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            } catch (IOException ignored) {
                // fall through to PATH
            }
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "initdb")) && Files.isExecutable(Path.of(d, "pg_ctl"))) {
                return Path.of(d);
            }
        }
        throw new ConfigurationException("PostgreSQL's server programs (initdb, pg_ctl) are not installed",
                "run ./setup-host.sh (it installs Debian's postgresql), or give a database with --db jdbc:postgresql://HOST/DB");
    }
}
