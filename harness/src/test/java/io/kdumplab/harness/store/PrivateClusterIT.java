package io.kdumplab.harness.store;

import io.kdumplab.harness.support.ChildProcesses;
import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/**
 * The private cluster's lifecycle across processes, on a cluster of its own (HARNESS_PG_DIR): a process that started
 * it and was killed with -9 leaves it running; `db status` names it, the dead starter and who is connected; the next
 * process that uses it adopts it and, as the last one out, stops it: no PostgreSQL is left running.
 */
@Test(groups = "db", singleThreaded = true)
public class PrivateClusterIT {
    private Path pgDir;

    /** A process of the harness's own code that opens the private database, says so, and holds it (or closes it). */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            Database db = Database.open(null, 1);
            System.out.println("open");
            System.out.flush();
            if (args.length > 0 && args[0].equals("hold")) {
                Thread.sleep(600_000);
            }
            db.closeAndStopIfOurs();
            System.out.println("closed");
        }
    }

    private Process java(Path log, String main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HARNESS_PG_DIR", pgDir.toString());
        pb.environment().remove("HARNESS_DB_URL");
        return ChildProcesses.track(pb.start());
    }

    private String dbStatus(Path work) throws Exception {
        Path log = work.resolve("status-" + System.nanoTime() + ".log");
        Process p = java(log, "io.kdumplab.harness.cli.Main", "db", "status");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = Files.readString(log);
        assertEquals(p.exitValue(), 0, out);
        return out;
    }

    private static boolean postgresRunsOn(Path dir) throws Exception {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).anyMatch(p -> {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    return cmd.contains("postgres") && cmd.contains(dir.toString());
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    @Test
    public void aClusterLeftByAKilledRunIsAdoptedAndStoppedByTheLastOneOut() throws Exception {
        Path work = Files.createTempDirectory("private-cluster");
        // PostgreSQL runs as its own user when the harness is root: the directory must be reachable for it
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        pgDir = work.resolve("postgres");

        Path firstLog = work.resolve("first.log");
        Process first = java(firstLog, Holder.class.getName(), "hold");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(firstLog).contains("open") && System.nanoTime() < end && first.isAlive()) {
            Thread.sleep(200);
        }
        assertTrue(Files.readString(firstLog).contains("open"), Files.readString(firstLog));
        String holding = dbStatus(work);
        assertTrue(holding.contains("private PostgreSQL cluster: " + pgDir) && holding.contains("state   : running"), holding);
        assertTrue(holding.contains("started : by pid " + first.pid()) && holding.contains("(still running"), holding);
        assertTrue(holding.contains("client  : harness pid " + first.pid()), "names who is connected: " + holding);

        first.destroyForcibly(); // kill -9: no close, no stop
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertTrue(postgresRunsOn(pgDir), "the killed run's cluster still runs");
        String orphaned = dbStatus(work);
        assertTrue(orphaned.contains("started : by pid " + first.pid()) && orphaned.contains("(gone:"), orphaned);

        Path secondLog = work.resolve("second.log");
        Process second = java(secondLog, Holder.class.getName());
        assertTrue(second.waitFor(120, TimeUnit.SECONDS));
        assertEquals(second.exitValue(), 0, Files.readString(secondLog));
        assertTrue(Files.readString(secondLog).contains("closed"), Files.readString(secondLog));
        assertFalse(postgresRunsOn(pgDir), "the last one out stopped the adopted cluster");
        assertTrue(dbStatus(work).contains("state   : stopped"));
    }

    /** This test's own cluster only (HARNESS_PG_DIR is set for the child): never the machine's private cluster. */
    @AfterClass(alwaysRun = true)
    public void stopWhatIsLeft() throws Exception {
        if (pgDir != null) {
            Process p = java(pgDir.resolveSibling("stop.log"), "io.kdumplab.harness.cli.Main", "db", "stop", "--force");
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }
}
