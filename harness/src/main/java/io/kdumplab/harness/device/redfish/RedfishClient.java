package io.kdumplab.harness.device.redfish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kdumplab.harness.failure.ConfigurationException;
import io.kdumplab.harness.failure.InfrastructureException;
import io.kdumplab.harness.target.BmcEndpoint;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * HTTPS and JSON to one Redfish service, with the habits real BMCs need: a session (X-Auth-Token, deleted on close)
 * or Basic authentication where sessions are not offered; a 503 (BMC busy, session table full for a moment) waited
 * out within a bound, honouring Retry-After; an expired session logged in again once; a 202 task followed to its end.
 * Every call is bounded ({@link #CONNECT}, {@link #REQUEST}). Errors quote the service's own
 * `@Message.ExtendedInfo`. The password and the token never leave this class.
 */
final class RedfishClient implements AutoCloseable {
    static final Duration CONNECT = Duration.ofSeconds(5);
    static final Duration REQUEST = Duration.ofSeconds(15);
    /** How long a BMC answering 503 is waited for before the call is an infrastructure error. */
    static final Duration UNAVAILABLE_FOR = Duration.ofSeconds(30);
    /** How long a 202 task monitor is followed. */
    static final Duration TASK = Duration.ofSeconds(60);
    static final String SESSIONS = "/redfish/v1/SessionService/Sessions";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, JsonNode body, Optional<String> location) {}

    private final BmcEndpoint endpoint;
    private final Duration unavailableFor;
    private final HttpClient http;
    private final URI base;
    private String token;
    private String session;
    private String basic;

    private RedfishClient(BmcEndpoint endpoint, Duration unavailableFor) {
        this.endpoint = endpoint;
        this.unavailableFor = unavailableFor;
        this.base = URI.create("https://" + endpoint.host() + ":" + endpoint.port());
        var ctx = PinnedTrust.context(endpoint.tlsFingerprint(), endpoint.caFile(), endpoint.describe());
        this.http = HttpClient.newBuilder().sslContext(ctx).connectTimeout(CONNECT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Logs in (a session, else Basic) or throws naming the BMC. */
    static RedfishClient open(BmcEndpoint endpoint) {
        return open(endpoint, UNAVAILABLE_FOR);
    }

    /** As {@link #open(BmcEndpoint)} with another bound on a BMC answering 503 (tests: the bound's end, quickly). */
    static RedfishClient open(BmcEndpoint endpoint, Duration unavailableFor) {
        RedfishClient c = new RedfishClient(endpoint, unavailableFor);
        c.login();
        return c;
    }

    String describe() {
        return endpoint.describe();
    }

    String authentication() {
        return token != null ? "session (X-Auth-Token)" : "Basic authentication (the service offers no sessions)";
    }

    private void login() {
        ObjectNode creds = JSON.createObjectNode().put("UserName", endpoint.user()).put("Password", endpoint.password().reveal());
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve(SESSIONS)).POST(body(creds)), "POST " + SESSIONS, true);
        if (r.statusCode() == 200 || r.statusCode() == 201) {
            token = r.headers().firstValue("X-Auth-Token").orElse(null);
            session = r.headers().firstValue("Location").map(l -> URI.create(l).getPath())
                    .orElseGet(() -> parse(r).path("@odata.id").asText(null));
            if (token != null) {
                return;
            }
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw refused(r);
        }
        if (r.statusCode() >= 400 && r.statusCode() != 404 && r.statusCode() != 405 && r.statusCode() != 501) {
            throw error("POST " + SESSIONS, r);
        }
        // no session service here: Basic on every request, checked once on a resource that needs authentication
        basic = "Basic " + Base64.getEncoder().encodeToString((endpoint.user() + ":" + endpoint.password().reveal())
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> check = send(authorized(HttpRequest.newBuilder(base.resolve("/redfish/v1/Systems")).GET()),
                "GET /redfish/v1/Systems", true);
        if (check.statusCode() == 401 || check.statusCode() == 403) {
            throw refused(check);
        }
    }

    JsonNode get(String path) {
        return call("GET", path, null).body();
    }

    /** A POST that is safe to repeat only when refused outright (503): an action the BMC did not start. */
    Answer post(String path, JsonNode body) {
        Answer a = call("POST", path, body);
        if (a.status() == 202 && a.location().isPresent()) {
            return followTask(a.location().get());
        }
        return a;
    }

    private Answer followTask(String monitor) {
        long end = System.nanoTime() + TASK.toNanos();
        while (true) {
            Answer a = call("GET", monitor, null);
            if (a.status() != 202) {
                String state = a.body().path("TaskState").asText("");
                if (!state.isEmpty() && !state.equals("Completed")) {
                    throw new InfrastructureException("bmc", endpoint.describe() + ": task " + monitor + " ended " + state + ": "
                            + messages(a.body()), "look at the BMC's task and event log");
                }
                return a;
            }
            if (System.nanoTime() > end) {
                throw new InfrastructureException("bmc", endpoint.describe() + ": task " + monitor + " still running after "
                        + TASK.toSeconds() + " s", "look at the BMC's task list");
            }
            sleep(1000);
        }
    }

    private Answer call(String method, String path, JsonNode body) {
        String what = method + " " + path;
        boolean relogged = false;
        while (true) {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
            b = switch (method) {
                case "GET" -> b.GET();
                case "DELETE" -> b.DELETE();
                default -> b.POST(body(body));
            };
            HttpResponse<String> r = send(authorized(b), what, true);
            if (r.statusCode() == 401 && token != null && !relogged) {
                // BMCs expire idle sessions (minutes): one new login, then the same request
                relogged = true;
                token = null;
                login();
                continue;
            }
            if (r.statusCode() >= 400) {
                throw r.statusCode() == 401 || r.statusCode() == 403 ? refused(r) : error(what, r);
            }
            return new Answer(r.statusCode(), parse(r), r.headers().firstValue("Location").map(l -> URI.create(l).getPath()));
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b) {
        b.header("Accept", "application/json").header("OData-Version", "4.0");
        if (token != null) {
            b.header("X-Auth-Token", token);
        } else if (basic != null) {
            b.header("Authorization", basic);
        }
        return b;
    }

    /** One request; a 503 is repeated within {@link #UNAVAILABLE_FOR} (a refusal, so nothing was done). */
    private HttpResponse<String> send(HttpRequest.Builder b, String what, boolean retryUnavailable) {
        long end = System.nanoTime() + unavailableFor.toNanos();
        HttpRequest req = b.timeout(REQUEST).header("Content-Type", "application/json").build();
        while (true) {
            HttpResponse<String> r;
            try {
                r = http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (SSLHandshakeException e) {
                throw new ConfigurationException(endpoint.describe() + ": TLS refused: " + rootMessage(e),
                        "check tls_fingerprint (or ca_file) against the BMC's certificate: openssl s_client -connect "
                                + endpoint.host() + ":" + endpoint.port() + " </dev/null | openssl x509 -noout -fingerprint -sha256");
            } catch (IOException e) {
                throw new InfrastructureException("bmc", endpoint.describe() + ": " + what + " failed: " + rootMessage(e),
                        "check that the BMC answers HTTPS on port " + endpoint.port(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InfrastructureException("bmc", endpoint.describe() + ": " + what + " interrupted", "");
            }
            if (r.statusCode() != 503 || !retryUnavailable || System.nanoTime() > end) {
                return r;
            }
            long wait = r.headers().firstValue("Retry-After").map(RedfishClient::seconds).orElse(2L);
            sleep(Math.min(Math.max(1, wait), 10) * 1000);
        }
    }

    private static long seconds(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    private RuntimeException refused(HttpResponse<String> r) {
        return new ConfigurationException(endpoint.describe() + " refused the login (HTTP " + r.statusCode() + "): "
                + messages(parse(r)), "check the user and the password (" + endpoint.password().source() + ")");
    }

    private InfrastructureException error(String what, HttpResponse<String> r) {
        return new InfrastructureException("bmc", endpoint.describe() + ": " + what + " answered HTTP " + r.statusCode() + ": "
                + messages(parse(r)), "look at the BMC's event log; retry once it answers");
    }

    /** The service's own words: error.@Message.ExtendedInfo[].Message, else error.message. */
    static String messages(JsonNode body) {
        JsonNode err = body.path("error");
        List<String> out = new ArrayList<>();
        for (JsonNode m : err.path("@Message.ExtendedInfo")) {
            String id = m.path("MessageId").asText("");
            out.add(m.path("Message").asText("") + (id.isEmpty() ? "" : " [" + id + "]"));
        }
        if (out.isEmpty() && !err.path("message").asText("").isEmpty()) {
            out.add(err.path("message").asText());
        }
        return out.isEmpty() ? "(no message)" : String.join("; ", out);
    }

    private static JsonNode parse(HttpResponse<String> r) {
        String s = r.body();
        if (s == null || s.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return JSON.createObjectNode().put("raw", s.length() > 200 ? s.substring(0, 200) : s);
        }
    }

    private static HttpRequest.BodyPublisher body(JsonNode n) {
        return HttpRequest.BodyPublishers.ofString(n == null ? "{}" : n.toString());
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("bmc", "interrupted while waiting for the BMC", "");
        }
    }

    /** Deletes the session (BMC session tables are small); best effort, bounded. */
    @Override
    public void close() {
        if (token != null && session != null) {
            try {
                send(authorized(HttpRequest.newBuilder(base.resolve(session)).DELETE()), "DELETE " + session, false);
            } catch (RuntimeException ignored) {
                // the BMC expires it in a few minutes
            }
        }
        token = null;
    }
}
