package io.kdumplab.harness.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.kdumplab.harness.util.Secret;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;

/**
 * `harness serve`: the lab in a browser and a JSON API over the nightly database, read-only. Loopback by default; any
 * other address only with a token (`Authorization: Bearer TOKEN`, or the `harness_token` cookie a browser gets from
 * /login), compared in constant time. Reports are served by run id from the reports root, and only the files a run
 * writes: nothing outside the root, no directory listings, no secrets (the API carries none; result.json names a
 * password's source, never the password).
 */
public final class WebServer implements AutoCloseable {
    /** The files of a run directory that are served. */
    static final Set<String> RUN_FILES = Set.of("index.html", "result.json", "console.log", "harness.log", "junit.xml");
    static final String COOKIE = "harness_token";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** Where and how it listens; `token` null only on a loopback address; `basePath` "" or "/prefix" behind a proxy. */
    public record Settings(String host, int port, Secret token, Path reportsRoot, String basePath) {
        public boolean loopback() {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (IOException e) {
                return false;
            }
        }
    }

    private final Settings settings;
    private final LabView view;
    private final Pages pages;
    private final LiveRuns live;
    private final Javalin app;

    private WebServer(Settings settings, LabView view) {
        this.settings = settings;
        this.view = view;
        this.pages = new Pages(settings.basePath());
        this.live = new LiveRuns(settings.reportsRoot());
        this.app = Javalin.create(config -> {
            config.jetty.host = settings.host();
            config.jetty.port = settings.port();
            config.startup.showJavalinBanner = false;
            config.router.contextPath = settings.basePath().isEmpty() ? "/" : settings.basePath();
            config.routes.before(this::authorize);
            config.routes.get("/api/hosts", ctx -> json(ctx, hosts()));
            config.routes.sse("/api/runs/{id}/console", this::consoleTail);
            config.routes.get("/live.js", ctx -> ctx.contentType("text/javascript; charset=utf-8").result(Pages.LIVE_JS));
            config.routes.get("/api/nights", ctx -> json(ctx, view.nights()));
            config.routes.get("/api/night", ctx -> json(ctx, view.cells(required(ctx, "id"))));
            config.routes.get("/api/night/comparison", ctx -> json(ctx, view.comparison(required(ctx, "id"))));
            config.routes.get("/api/runs", ctx -> json(ctx, view.runs(filter(ctx))));
            config.routes.get("/api/bisections", ctx -> json(ctx, Bisections.under(settings.reportsRoot())));
            config.routes.get("/bisections", ctx -> html(ctx, pages.bisections(Bisections.under(settings.reportsRoot()))));
            config.routes.get("/runs/{id}/{file}", this::runFile);
            config.routes.get("/", ctx -> html(ctx, pages.hosts(hosts())));
            config.routes.get("/nights", ctx -> html(ctx, pages.nights(view.nights())));
            config.routes.get("/night", ctx -> {
                String id = required(ctx, "id");
                html(ctx, pages.night(id, view.comparison(id), view.cells(id)));
            });
            config.routes.get("/runs", ctx -> html(ctx, pages.runs(view.runs(filter(ctx)), filter(ctx))));
            // the reports a run wrote earlier (or elsewhere) may not say "no favicon": nothing, not a 404
            config.routes.get("/favicon.ico", ctx -> ctx.status(HttpStatus.NO_CONTENT));
            config.routes.get("/login", ctx -> html(ctx, pages.login()));
            config.routes.post("/login", this::login);
            config.routes.exception(SQLException.class, (e, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .result("the database did not answer: " + e.getMessage()));
            config.routes.exception(IllegalArgumentException.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST)
                    .result(e.getMessage()));
        });
    }

    /** Starts listening; the caller closes it. */
    public static WebServer start(Settings settings, LabView view) {
        WebServer s = new WebServer(settings, view);
        s.app.start();
        return s;
    }

    /** The port it listens on (the one asked for, or the one the system chose for 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        live.close();
        app.stop();
    }

    // ------------------------------------------------------------------ runs in progress

    /**
     * The hosts, each held one with the run it is held for (its current step) when its directory is readable here:
     * no statement per host (the page is read while a thousand hosts run).
     */
    private java.util.List<LabView.Host> hosts() throws SQLException {
        java.util.List<LabView.Host> out = new java.util.ArrayList<>();
        for (LabView.Host h : view.hosts()) {
            String runId = h.lease() == null ? null : h.lease().runId();
            LiveRuns.Live l = runId == null ? null
                    : live.under(h.lease().runDir()).map(dir -> LiveRuns.read(runId, dir)).orElse(null);
            out.add(l == null ? h : h.withLive(l));
        }
        return out;
    }

    /** Server-sent events: the console of a run in progress (or of a finished one, its end) as console.log gets it. */
    private void consoleTail(io.javalin.http.sse.SseClient client) {
        try {
            consoleTailOf(client);
        } catch (SQLException e) {
            client.sendEvent("end", "the database did not answer: " + e.getMessage());
            client.close();
        }
    }

    private void consoleTailOf(io.javalin.http.sse.SseClient client) throws SQLException {
        String id = client.ctx().pathParam("id");
        if (!LabView.RUN_ID.matcher(id).matches()) {
            client.sendEvent("end", "no such run");
            client.close();
            return;
        }
        String dir = view.liveRunDir(id);
        java.util.Optional<Path> under = live.under(dir != null ? dir : view.reportOf(id));
        if (under.isEmpty()) {
            client.sendEvent("end", "run " + id + " has no directory under this server's reports root");
            client.close();
            return;
        }
        live.follow(client, id, under.get());
    }

    // ------------------------------------------------------------------ security

    private void authorize(Context ctx) {
        if (settings.token() == null || ctx.path().equals(settings.basePath() + "/login")) {
            return;
        }
        String given = null;
        String header = ctx.header("Authorization");
        if (header != null && header.startsWith("Bearer ")) {
            given = header.substring("Bearer ".length()).strip();
        } else if (ctx.cookie(COOKIE) != null) {
            given = ctx.cookie(COOKIE);
        }
        if (given == null || !same(given, settings.token().reveal())) {
            ctx.header("WWW-Authenticate", "Bearer");
            ctx.status(HttpStatus.UNAUTHORIZED).result("a token is needed: Authorization: Bearer TOKEN, or log in at "
                    + settings.basePath() + "/login");
            ctx.skipRemainingHandlers();
        }
    }

    private void login(Context ctx) {
        String given = ctx.formParam("token");
        if (settings.token() == null || given == null || !same(given, settings.token().reveal())) {
            ctx.status(HttpStatus.UNAUTHORIZED).html(pages.login());
            return;
        }
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + given + "; Path=" + (settings.basePath().isEmpty() ? "/"
                : settings.basePath()) + "; HttpOnly; SameSite=Strict");
        ctx.redirect(settings.basePath() + "/");
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ reports

    /** A run's file by run id: the id and the file name are checked, the path must resolve under the reports root. */
    private void runFile(Context ctx) throws SQLException, IOException {
        String id = ctx.pathParam("id");
        String file = ctx.pathParam("file");
        if (!LabView.RUN_ID.matcher(id).matches() || !RUN_FILES.contains(file)) {
            ctx.status(HttpStatus.NOT_FOUND).result("no such run file");
            return;
        }
        String running = view.liveRunDir(id);
        String report = running != null ? running : view.reportOf(id);
        java.util.Optional<Path> dir = live.under(report);
        if (dir.isEmpty()) {
            ctx.status(HttpStatus.NOT_FOUND).result("run " + id + " has no report under this server's reports root");
            return;
        }
        Path root = settings.reportsRoot().toRealPath();
        Path f = dir.get().resolve(file);
        if (!Files.isRegularFile(f) || !f.toRealPath().startsWith(root)) {
            ctx.status(HttpStatus.NOT_FOUND).result("run " + id + " has no " + file);
            return;
        }
        ctx.contentType(file.endsWith(".html") ? "text/html; charset=utf-8" : file.endsWith(".json") ? "application/json"
                : file.endsWith(".xml") ? "application/xml" : "text/plain; charset=utf-8");
        ctx.result(Files.newInputStream(f));
    }

    // ------------------------------------------------------------------ helpers

    private static LabView.RunFilter filter(Context ctx) {
        String since = ctx.queryParam("since");
        String limit = ctx.queryParam("limit");
        try {
            return new LabView.RunFilter(ctx.queryParam("host"), ctx.queryParam("kernel"), ctx.queryParam("scenario"),
                    ctx.queryParam("verdict"), ctx.queryParam("source"), since == null || since.isBlank() ? null
                    : Instant.parse(since.length() == 10 ? since + "T00:00:00Z" : since),
                    limit == null || limit.isBlank() ? 200 : Integer.parseInt(limit));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad filter: since is a date (2026-12-05) or an instant, limit a number");
        }
    }

    private static String required(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("the query parameter '" + name + "' is required");
        }
        return v;
    }

    private static void json(Context ctx, Object o) throws IOException {
        ctx.contentType("application/json").result(JSON.writeValueAsString(o));
    }

    private static void html(Context ctx, String page) {
        ctx.html(page);
    }
}
