package io.kdumplab.harness.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.failure.HarnessException;
import io.kdumplab.harness.util.AtomicFiles;
import io.kdumplab.harness.util.Secret;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The virtual lab's Redfish service: what a partner server's BMC answers over HTTPS, in front of the same guest as
 * the lab's IPMI BMC. ComputerSystem.Reset's Nmi goes to the guest the way `ipmitool chassis power diag` does (the
 * lab's ipmi_sim delivers it); PowerCycle and ForceRestart are chassis power cycles. Sessions (X-Auth-Token) and
 * Basic authentication, with the lab BMC's user and password; a certificate generated per lab.
 *
 * The field faults a harness must survive are injected from `redfish-faults.json` in the lab directory
 * (`./harness.sh lab redfish-faults`): {"unavailable": N} answers 503 to the next N requests, {"sessionLimit": N}
 * refuses a session beyond N, {"resetDoesNothing": true} answers 204 to a reset and does nothing,
 * {"dropsConnections": true} closes every connection without an answer.
 *
 * Run as its own process by the lab: `RedfishService LAB_DIR PORT`.
 */
public final class RedfishService {
    static final String SEL = "/redfish/v1/Systems/1/LogServices/SEL";
    static final String SYSTEM = "/redfish/v1/Systems/1";
    static final List<String> RESET_TYPES = List.of("ForceRestart", "PowerCycle", "Nmi");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    /** A device per request: a Device holds one BMC session, and requests run on several threads. */
    private final java.util.function.Supplier<Device> guest;
    private final String user;
    private final Secret password;
    private final Map<String, String> sessions = new ConcurrentHashMap<>();

    RedfishService(Path dir, java.util.function.Supplier<Device> guest, String user, Secret password) {
        this.dir = dir;
        this.guest = guest;
        this.user = user;
        this.password = password;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        LabState s = LabState.load(dir).orElseThrow(() -> new IllegalStateException("no lab state in " + dir));
        start(dir, () -> LabEndpoints.device("redfish backend", s), s.bmcUser(), Secret.fromFile(Path.of(s.bmcPasswordFile())),
                s.host(), port);
        System.err.println("redfish: listening on https://" + s.host() + ":" + port + "/redfish/v1");
    }

    /** Serves `guest` on host:port (0: any free port) with the certificate in `dir`. */
    public static HttpsServer start(Path dir, java.util.function.Supplier<Device> guest, String user, Secret password, String host,
                                    int port) throws Exception {
        RedfishService service = new RedfishService(dir, guest, user, password);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(host, port), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls(dir)));
        server.createContext("/redfish", service::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    /** The lab's certificate: made once per lab directory with the JDK's keytool (a key pair and a self-signed cert). */
    static Path keystore(Path dir) {
        return dir.resolve("redfish.p12");
    }

    static Path keystorePassword(Path dir) {
        return dir.resolve("redfish-keystore-password");
    }

    private static SSLContext tls(Path dir) throws Exception {
        char[] pw = Secret.fromFile(keystorePassword(dir)).reveal().toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore(dir))) {
            ks.load(in, pw);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
        return ctx;
    }

    /** Creates the keystore if the lab has none yet; returns the certificate's fingerprint ("SHA256:AB:CD:..."). */
    public static String ensureCertificate(Path dir, String host) throws IOException, InterruptedException {
        Path ks = keystore(dir);
        if (!Files.exists(ks)) {
            byte[] b = new byte[18];
            new SecureRandom().nextBytes(b);
            AtomicFiles.writePrivate(keystorePassword(dir), Base64.getUrlEncoder().withoutPadding().encodeToString(b) + "\n");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            // the store password reaches keytool through a file, never its argv
            Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "redfish", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-validity", "3650", "-dname", "CN=kdump-harness virtual lab BMC", "-ext", "SAN=ip:" + host,
                    "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass:file", keystorePassword(dir).toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                Files.deleteIfExists(ks);
                throw new IOException("keytool failed: " + out.strip());
            }
            // the private key: readable by the lab's owner only, like the BMC password file
            Files.setPosixFilePermissions(ks, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        try (InputStream in = Files.newInputStream(ks)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, Secret.fromFile(keystorePassword(dir)).reveal().toCharArray());
            byte[] d = MessageDigest.getInstance("SHA-256").digest(store.getCertificate("redfish").getEncoded());
            return "SHA256:" + java.util.HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("unreadable keystore " + ks + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ requests

    void handle(HttpExchange x) throws IOException {
        try {
            String path = x.getRequestURI().getPath().replaceAll("/+$", "");
            String method = x.getRequestMethod();
            // one request per connection: the JDK server drops idle TLS connections that clients (urllib3) then reuse
            // for a POST, which they cannot retry; BMCs' own web servers differ here too
            x.getResponseHeaders().add("Connection", "close");
            System.err.println(java.time.Instant.now() + " " + method + " " + path);
            RedfishFaults faults = RedfishFaults.read(dir);
            if (faults.dropsConnections()) {
                return; // nothing sent: the finally's close drops the connection unanswered
            }
            if (RedfishFaults.takeUnavailable(dir)) {
                x.getResponseHeaders().add("Retry-After", "1");
                error(x, 503, "Base.1.8.ServiceTemporarilyUnavailable", "The service is temporarily unavailable (injected fault).");
                return;
            }
            if (path.equals("/redfish")) {
                json(x, 200, JSON.createObjectNode().put("v1", "/redfish/v1/"));
                return;
            }
            if (path.equals("/redfish/v1") && method.equals("GET")) {
                json(x, 200, serviceRoot());
                return;
            }
            if (path.equals("/redfish/v1/SessionService/Sessions") && method.equals("POST")) {
                login(x, faults);
                return;
            }
            if (!authorized(x)) {
                System.err.println(java.time.Instant.now() + " refused: no valid session or credentials");
                error(x, 401, "Base.1.8.NoValidSession", "There is no valid session established with the implementation.");
                return;
            }
            route(x, method, path, faults);
        } catch (HarnessException e) {
            error(x, 500, "Base.1.8.InternalError", "The BMC could not reach the system: " + e.getMessage());
        } catch (RuntimeException e) {
            error(x, 500, "Base.1.8.InternalError", "Internal error: " + e);
        } finally {
            x.close(); // after the answer: closing first would drop the connection with none
        }
    }

    private void route(HttpExchange x, String method, String path, RedfishFaults faults) throws IOException {
        switch (method + " " + path) {
            case "GET /redfish/v1/Systems" -> json(x, 200, collection("/redfish/v1/Systems", "ComputerSystemCollection", SYSTEM));
            case "GET " + SYSTEM -> json(x, 200, system(faults));
            case "POST " + SYSTEM + "/Actions/ComputerSystem.Reset" -> reset(x, faults);
            case "GET " + SYSTEM + "/LogServices" -> json(x, 200, collection(SYSTEM + "/LogServices", "LogServiceCollection", SEL));
            case "GET " + SEL -> json(x, 200, selService());
            case "GET " + SEL + "/Entries" -> json(x, 200, selEntries());
            case "GET /redfish/v1/Chassis" -> json(x, 200, collection("/redfish/v1/Chassis", "ChassisCollection"));
            case "GET /redfish/v1/Managers" -> json(x, 200, collection("/redfish/v1/Managers", "ManagerCollection"));
            case "GET /redfish/v1/SessionService" -> json(x, 200, sessionService());
            case "GET /redfish/v1/SessionService/Sessions" -> json(x, 200, collection("/redfish/v1/SessionService/Sessions",
                    "SessionCollection", sessions.keySet().stream().map(id -> "/redfish/v1/SessionService/Sessions/" + id)
                            .toArray(String[]::new)));
            default -> {
                String prefix = "/redfish/v1/SessionService/Sessions/";
                if (path.startsWith(prefix) && sessions.containsKey(path.substring(prefix.length()))) {
                    String id = path.substring(prefix.length());
                    if (method.equals("DELETE")) {
                        sessions.remove(id);
                        x.sendResponseHeaders(204, -1);
                    } else {
                        json(x, 200, session(id));
                    }
                } else {
                    error(x, 404, "Base.1.8.ResourceMissingAtURI", "The resource at the URI " + path + " was not found.");
                }
            }
        }
    }

    private void login(HttpExchange x, RedfishFaults faults) throws IOException {
        JsonNode body = JSON.readTree(x.getRequestBody());
        if (!user.equals(body.path("UserName").asText()) || !password.reveal().equals(body.path("Password").asText())) {
            error(x, 401, "Base.1.8.NoValidSession", "The user name or password is wrong.");
            return;
        }
        if (faults.sessionLimit() != null && sessions.size() >= faults.sessionLimit()) {
            error(x, 503, "Base.1.8.SessionLimitExceeded", "The session establishment failed due to the number of simultaneous "
                    + "sessions exceeding the limit of the implementation.");
            return;
        }
        String id = UUID.randomUUID().toString().substring(0, 8);
        byte[] t = new byte[24];
        new SecureRandom().nextBytes(t);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(t);
        sessions.put(id, token);
        x.getResponseHeaders().add("X-Auth-Token", token);
        x.getResponseHeaders().add("Location", "/redfish/v1/SessionService/Sessions/" + id);
        json(x, 201, session(id));
    }

    private boolean authorized(HttpExchange x) {
        String token = x.getRequestHeaders().getFirst("X-Auth-Token");
        if (token != null) {
            return sessions.containsValue(token);
        }
        String auth = x.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Basic ")) {
            String pair = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
            return pair.equals(user + ":" + password.reveal());
        }
        return false;
    }

    private void reset(HttpExchange x, RedfishFaults faults) throws IOException {
        String type = JSON.readTree(x.getRequestBody()).path("ResetType").asText("");
        if (!resetTypes(faults).contains(type)) {
            error(x, 400, "Base.1.8.ActionParameterValueNotInList", "The value '" + type + "' for the parameter ResetType is not "
                    + "in the list of acceptable values " + resetTypes(faults) + ".");
            return;
        }
        if (!faults.resetDoesNothing()) {
            try (Device d = guest.get(); Bmc bmc = d.freshBmc()) {
                if (type.equals("Nmi")) {
                    bmc.nmiBurst(1, Duration.ZERO);
                } else {
                    bmc.powerCycle();
                }
            }
        }
        x.sendResponseHeaders(204, -1);
    }

    // ------------------------------------------------------------------ resources

    private static ObjectNode resource(String id, String type) {
        return JSON.createObjectNode().put("@odata.id", id).put("@odata.type", type);
    }

    private static ObjectNode serviceRoot() {
        ObjectNode r = resource("/redfish/v1", "#ServiceRoot.v1_5_0.ServiceRoot").put("Id", "RootService")
                .put("Name", "kdump-harness virtual lab BMC").put("RedfishVersion", "1.8.0")
                .put("UUID", "92384634-2938-2342-8820-489239905423");
        r.putObject("Systems").put("@odata.id", "/redfish/v1/Systems");
        r.putObject("Chassis").put("@odata.id", "/redfish/v1/Chassis");
        r.putObject("Managers").put("@odata.id", "/redfish/v1/Managers");
        r.putObject("SessionService").put("@odata.id", "/redfish/v1/SessionService");
        r.putObject("Links").putObject("Sessions").put("@odata.id", "/redfish/v1/SessionService/Sessions");
        return r;
    }

    private static List<String> resetTypes(RedfishFaults faults) {
        return faults.noNmi() ? RESET_TYPES.stream().filter(t -> !t.equals("Nmi")).toList() : RESET_TYPES;
    }

    private ObjectNode system(RedfishFaults faults) {
        PowerState p;
        try (Device d = guest.get(); Bmc bmc = d.freshBmc()) {
            p = bmc.powerState();
        }
        ObjectNode s = resource(SYSTEM, "#ComputerSystem.v1_10_0.ComputerSystem").put("Id", "1").put("Name", "virtual-lab")
                .put("SystemType", "Virtual").put("Manufacturer", "QEMU").put("PowerState", p == PowerState.ON ? "On" : "Off");
        s.putObject("Status").put("State", "Enabled").put("Health", "OK");
        ObjectNode boot = s.putObject("Boot").put("BootSourceOverrideEnabled", "Disabled").put("BootSourceOverrideTarget", "None")
                .put("BootSourceOverrideMode", "Legacy");
        boot.putArray("BootSourceOverrideTarget@Redfish.AllowableValues").add("None").add("Hdd");
        s.putObject("LogServices").put("@odata.id", SYSTEM + "/LogServices");
        ObjectNode reset = s.putObject("Actions").putObject("#ComputerSystem.Reset");
        reset.put("target", SYSTEM + "/Actions/ComputerSystem.Reset");
        ArrayNode allowed = reset.putArray("ResetType@Redfish.AllowableValues");
        resetTypes(faults).forEach(allowed::add);
        return s;
    }

    /** The BMC's SEL as Redfish serves it (a LogService of LogEntryType SEL), read from the lab's IPMI BMC. */
    private static ObjectNode selService() {
        ObjectNode l = resource(SEL, "#LogService.v1_1_3.LogService").put("Id", "SEL").put("Name", "System Event Log")
                .put("LogEntryType", "SEL").put("OverWritePolicy", "WrapsWhenFull");
        l.putObject("Entries").put("@odata.id", SEL + "/Entries");
        return l;
    }

    /** The entries, expanded in the collection as most BMCs serve them; the Id is the SEL record id. */
    private ObjectNode selEntries() {
        List<io.kdumplab.harness.device.BmcEvent> events;
        try (Device d = guest.get(); Bmc bmc = d.freshBmc()) {
            events = bmc.eventsAfter(0);
        }
        ObjectNode c = resource(SEL + "/Entries", "#LogEntryCollection.LogEntryCollection").put("Name", "SEL Entries");
        ArrayNode m = c.putArray("Members");
        for (var e : events) {
            ObjectNode entry = m.addObject();
            entry.put("@odata.id", SEL + "/Entries/" + e.recordId()).put("@odata.type", "#LogEntry.v1_4_0.LogEntry")
                    .put("Id", Integer.toString(e.recordId())).put("Name", "SEL entry " + e.recordId()).put("EntryType", "SEL")
                    .put("Created", e.timestamp()).put("SensorType", e.sensor().replaceFirst(" #.*", ""))
                    .put("Message", e.sensor() + ": " + e.event()).put("Severity", "Critical");
        }
        c.put("Members@odata.count", events.size());
        return c;
    }

    private static ObjectNode sessionService() {
        ObjectNode s = resource("/redfish/v1/SessionService", "#SessionService.v1_1_8.SessionService").put("Id", "SessionService")
                .put("Name", "Session Service").put("ServiceEnabled", true).put("SessionTimeout", 1800);
        s.putObject("Sessions").put("@odata.id", "/redfish/v1/SessionService/Sessions");
        return s;
    }

    private ObjectNode session(String id) {
        return resource("/redfish/v1/SessionService/Sessions/" + id, "#Session.v1_3_0.Session").put("Id", id)
                .put("Name", "User Session").put("UserName", user);
    }

    private static ObjectNode collection(String id, String type, String... members) {
        ObjectNode c = resource(id, "#" + type + "." + type).put("Name", type);
        ArrayNode m = c.putArray("Members");
        for (String member : members) {
            m.addObject().put("@odata.id", member);
        }
        c.put("Members@odata.count", members.length);
        return c;
    }

    private static void json(HttpExchange x, int status, JsonNode body) throws IOException {
        byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        x.getResponseHeaders().add("OData-Version", "4.0");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    private static void error(HttpExchange x, int status, String messageId, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode err = body.putObject("error");
        err.put("code", messageId).put("message", message);
        err.putArray("@Message.ExtendedInfo").addObject().put("@odata.type", "#Message.v1_0_0.Message")
                .put("MessageId", messageId).put("Message", message).put("Severity", "Critical");
        json(x, status, body);
    }
}
