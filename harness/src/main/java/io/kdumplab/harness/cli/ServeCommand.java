package io.kdumplab.harness.cli;

import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.serve.LabView;
import io.kdumplab.harness.serve.WebServer;
import io.kdumplab.harness.store.Database;
import io.kdumplab.harness.util.Secret;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** `harness serve`: the web view and the JSON API over the nightly database, until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"The lab in a browser and a JSON API (/api/hosts, /api/nights, /api/night?id=, /api/runs) over the "
                + "nightly database: hosts with health, lease and queue; nights and their cells; the history of runs with "
                + "filters, each run's report, result.json and console.log by run id. Read-only.",
                "Listens on 127.0.0.1 unless --bind says otherwise; any other address needs a token "
                        + "(HARNESS_SERVE_TOKEN or a 0600 --token-file): clients send 'Authorization: Bearer TOKEN', "
                        + "browsers log in at /login.",
                "Exit 2 on a bad option (found before anything starts), 125 when the database cannot be reached."},
        footer = {"", "Examples:", "  ./harness.sh serve                                   # http://127.0.0.1:8080/",
                "  ./harness.sh serve --bind 0.0.0.0:8443 --token-file /etc/kdump-harness/serve.token --base-path /harness",
                "  curl -H \"Authorization: Bearer $(cat serve.token)\" http://lab-ws:8443/harness/api/hosts"})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--bind", defaultValue = "127.0.0.1:8080", paramLabel = "ADDR:PORT",
            description = "where to listen (default ${DEFAULT-VALUE}; port 0: any free port, printed)")
    String bind;
    @Option(names = "--token-file", paramLabel = "FILE", description = "the token, in a file only its owner reads (chmod 600)")
    Path tokenFile;
    @Option(names = "--base-path", defaultValue = "", paramLabel = "/PREFIX",
            description = "the path a reverse proxy serves this under (e.g. /harness)")
    String basePath;
    @Option(names = "--db", defaultValue = "${env:HARNESS_DB_URL}",
            description = "PostgreSQL JDBC URL (default: $HARNESS_DB_URL, else the private cluster)")
    String db;
    @Option(names = "--reports", defaultValue = "${env:HARNESS_REPORTS:-reports}",
            description = "the reports root whose runs are served (default ${DEFAULT-VALUE})")
    Path reports;

    @Override
    public Integer call() throws Exception {
        WebServer.Settings settings = settings();
        Database database = Database.open(db, 4);
        WebServer server;
        try {
            server = WebServer.start(settings, new LabView(database));
        } catch (RuntimeException e) {
            database.closeAndStopIfOurs();
            throw new io.kdumplab.harness.failure.InfrastructureException("serve", "cannot listen on " + bind + ": "
                    + e.getMessage(), "is another server on that port? choose another with --bind");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // on Ctrl-C or SIGTERM: stop serving, then close the database (the private cluster stops if this was its last user)
        io.kdumplab.harness.util.Shutdown.register(io.kdumplab.harness.util.Shutdown.Stage.RESOURCES, "the web server",
                java.time.Duration.ofSeconds(15), () -> {
                    server.close();
                    database.closeAndStopIfOurs();
                    stopped.countDown();
                });
        System.out.println("serving http://" + settings.host() + ":" + server.port() + settings.basePath() + "/ ("
                + (settings.token() == null ? "loopback, no token" : "token from " + settings.token().source())
                + "; reports from " + settings.reportsRoot() + "; Ctrl-C stops)");
        System.out.flush();
        stopped.await();
        return ExitCodes.OK;
    }

    /** Everything checked before anything starts: a bad bind, prefix or token is a usage error naming the fix. */
    WebServer.Settings settings() {
        int colon = bind.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigurationException("--bind '" + bind + "' is not ADDR:PORT", "e.g. --bind 127.0.0.1:8080");
        }
        String host = bind.substring(0, colon).replaceAll("^\\[|\\]$", "");
        int port;
        try {
            port = Integer.parseInt(bind.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigurationException("--bind '" + bind + "': the port must be 0..65535", "e.g. --bind 127.0.0.1:8080");
        }
        String prefix = basePath == null ? "" : basePath.replaceAll("/+$", "");
        if (!prefix.isEmpty() && !prefix.matches("(/[A-Za-z0-9._-]+)+")) {
            throw new ConfigurationException("--base-path '" + basePath + "' is not a path like /harness",
                    "letters, digits, '.', '_', '-' between slashes");
        }
        Secret token = token();
        WebServer.Settings s = new WebServer.Settings(host, port, token, reports.toAbsolutePath().normalize(), prefix);
        if (!s.loopback() && token == null) {
            throw new ConfigurationException("--bind " + bind + " reaches beyond this machine and no token is set",
                    "set HARNESS_SERVE_TOKEN or --token-file FILE (chmod 600), or bind to 127.0.0.1");
        }
        if (!Files.isDirectory(s.reportsRoot())) {
            throw new ConfigurationException("the reports root " + s.reportsRoot() + " is not a directory",
                    "point --reports (or HARNESS_REPORTS) at the directory runs write to");
        }
        return s;
    }

    private Secret token() {
        if (tokenFile != null) {
            Secret s = Secret.fromFile(tokenFile);
            try {
                if (Files.getPosixFilePermissions(tokenFile).stream().anyMatch(p -> p.name().startsWith("GROUP")
                        || p.name().startsWith("OTHERS"))) {
                    throw new ConfigurationException("token file " + tokenFile + " is readable by others than its owner",
                            "chmod 600 " + tokenFile);
                }
            } catch (java.io.IOException e) {
                throw new ConfigurationException("cannot read token file " + tokenFile + ": " + e.getMessage(),
                        "create it (chmod 600) or use HARNESS_SERVE_TOKEN");
            }
            checkStrength(s.reveal(), "the token in " + tokenFile);
            return s;
        }
        String env = System.getenv("HARNESS_SERVE_TOKEN");
        if (env != null && !env.isEmpty()) {
            checkStrength(env, "HARNESS_SERVE_TOKEN");
            return Secret.fromEnv("HARNESS_SERVE_TOKEN");
        }
        return null;
    }

    private static void checkStrength(String token, String where) {
        if (token.length() < 16) {
            throw new ConfigurationException(where + " is shorter than 16 characters",
                    "use a random one: head -c 24 /dev/urandom | base64");
        }
    }
}
