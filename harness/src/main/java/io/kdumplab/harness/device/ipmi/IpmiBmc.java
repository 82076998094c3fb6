package io.kdumplab.harness.device.ipmi;

import io.kdumplab.harness.device.PowerState;
import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.device.Bmc;
import io.kdumplab.harness.device.DriverState;
import io.kdumplab.harness.failure.InfrastructureException;
import org.metricshub.ipmi.core.api.async.ConnectionHandle;
import org.metricshub.ipmi.core.api.sync.IpmiConnector;
import org.metricshub.ipmi.core.coding.commands.IpmiVersion;
import org.metricshub.ipmi.core.coding.commands.PrivilegeLevel;
import org.metricshub.ipmi.core.coding.commands.chassis.GetChassisStatus;
import org.metricshub.ipmi.core.coding.commands.chassis.GetChassisStatusResponseData;
import org.metricshub.ipmi.core.coding.commands.session.SetSessionPrivilegeLevel;
import org.metricshub.ipmi.core.coding.payload.lan.IPMIException;
import org.metricshub.ipmi.core.coding.protocol.AuthenticationType;
import org.metricshub.ipmi.core.coding.security.CipherSuite;
import org.metricshub.ipmi.core.connection.Session;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * An RMCP+ (IPMI 2.0, "lanplus") session to a BMC, through ipmi-java.
 *
 * Cipher suite 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) is used; suite 0
 * (no authentication) is never offered. Cipher-suite discovery is skipped on
 * purpose: BMCs without "Get Channel Cipher Suites" (ipmi_sim among them)
 * make ipmi-java wait forever there. Session set-up is retried with a fresh
 * connection because RAKP handshakes fail now and then on real BMCs too.
 */
public final class IpmiBmc implements Bmc {
    private static final int SESSION_ATTEMPTS = 4;
    /** Reads and power actions: tried this many times, each on a fresh session (a lost answer is common on real BMCs). */
    private static final int CALL_ATTEMPTS = 3;

    /**
     * ipmi-java waits for an answer in a loop that only its own timeout thread ends; when that notification is lost
     * it waits forever (seen once, a lab's BMC polled during its start, 2026-12-05). So every exchange is bounded here
     * as well, well above ipmi-java's own 3 s x retries: a reading or power call, a session set-up, a session close.
     */
    static final Duration CALL_LIMIT = Duration.ofSeconds(20);
    static final Duration SESSION_LIMIT = Duration.ofSeconds(40);
    static final Duration CLOSE_LIMIT = Duration.ofSeconds(5);
    private static final java.util.concurrent.ExecutorService CALLS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ipmi-call");
        t.setDaemon(true);
        return t;
    });

    private final DriverState state = new DriverState("IpmiBmc", "bmc");

    private final BmcEndpoint endpoint;
    private IpmiConnector connector;
    private ConnectionHandle handle;
    private Session session;
    private CipherSuites.Choice negotiated;

    private IpmiBmc(BmcEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Opens a session or throws an InfrastructureException naming the BMC. */
    public static IpmiBmc open(BmcEndpoint endpoint) {
        IpmiBmc bmc = new IpmiBmc(endpoint);
        bmc.connect();
        return bmc;
    }

    private static final int SUITES_TIMEOUT_MS = 500;

    /** What each BMC listed ("Get Channel Cipher Suites"), asked once per BMC and process; empty: it did not answer. */
    private static final java.util.Map<String, java.util.Optional<List<CipherSuite>>> OFFERED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The suites the BMC lists, or null when it does not answer the command (then 3 is tried, as ipmitool does). */
    private List<CipherSuite> offeredSuites() {
        String key = endpoint.host() + ":" + endpoint.port();
        java.util.Optional<List<CipherSuite>> known = OFFERED.get(key);
        if (known != null) {
            return known.orElse(null);
        }
        java.util.Optional<List<CipherSuite>> asked;
        try {
            // a BMC answers this on the LAN within milliseconds; one that does not answer it at all (ipmi_sim, some
            // older firmware) should cost seconds, not ipmi-java's 4 x 3 s
            connector.setTimeout(handle, SUITES_TIMEOUT_MS);
            List<CipherSuite> l = connector.getAvailableCipherSuites(handle);
            asked = l == null || l.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(List.copyOf(l));
        } catch (Exception e) {
            asked = java.util.Optional.empty();
        } finally {
            connector.setTimeout(handle, 3000);
        }
        OFFERED.put(key, asked);
        return asked.orElse(null);
    }

    /** The suite this session was opened with, and how it was chosen (for the preflight's line). */
    public String cipherSuiteChoice() {
        return negotiated == null ? "not negotiated" : negotiated.why();
    }

    private void connect() {
        String password = endpoint.password().reveal();
        Exception last = null;
        for (int attempt = 1; attempt <= SESSION_ATTEMPTS; attempt++) {
            try {
                bounded("open an RMCP+ session", SESSION_LIMIT, () -> {
                    openSession(password);
                    return null;
                });
                state.opened();
                return;
            } catch (io.kdumplab.harness.failure.ConfigurationException e) {
                closeQuietly(); // no suite in common: asking again changes nothing
                throw e;
            } catch (InterruptedException e) {
                closeQuietly();
                Thread.currentThread().interrupt();
                throw classify("open an RMCP+ session", e);
            } catch (Exception e) {
                last = e;
                closeQuietly();
                if (isAuthenticationFailure(e)) {
                    break; // retrying a wrong password only locks accounts on real BMCs
                }
                LockSupport.parkNanos(Duration.ofMillis(300L * attempt).toNanos());
            }
        }
        throw classify("open an RMCP+ session", last);
    }

    /** One session set-up: connection, cipher suite, RAKP, privilege. */
    private void openSession(String password) throws Exception {
        connector = new IpmiConnector(0);
        InetAddress address = InetAddress.getByName(endpoint.host());
        handle = connector.createConnection(address, endpoint.port());
        connector.setTimeout(handle, 3000);
        // a suite the inventory forces is used as ipmitool -C uses it: nothing is asked first
        List<CipherSuite> offered = endpoint.cipherSuite() != null ? null : offeredSuites();
        CipherSuites.Choice choice = CipherSuites.choose(offered == null ? null
                : offered.stream().map(c -> (int) c.getId()).distinct().toList(), endpoint.cipherSuite(), endpoint.describe());
        if (offered == null) {
            // the BMC did not list its suites: open the connection with the chosen one directly, as
            // ipmitool -C does (ipmi-java's handshake then starts from that suite)
            connector.closeConnection(handle);
            handle = connector.createConnection(address, endpoint.port(), CipherSuites.of(choice.id()),
                    PrivilegeLevel.Administrator);
            connector.setTimeout(handle, 3000);
        } else {
            CipherSuite suite = offered.stream().filter(c -> c.getId() == choice.id()).findFirst().orElseThrow();
            connector.getChannelAuthenticationCapabilities(handle, suite, PrivilegeLevel.Administrator);
                }
                session = connector.openSession(handle, endpoint.user(), password,
                        CipherSuites.kg(endpoint.kg() == null ? null : endpoint.kg().reveal()));
                negotiated = choice;
                // RMCP+ sessions start at User privilege; chassis control needs Operator or more,
                // so raise it as ipmitool does ("Set Session Privilege Level").
                connector.sendMessage(handle, new SetSessionPrivilegeLevel(IpmiVersion.V20, handle.getCipherSuite(),
                        AuthenticationType.RMCPPlus, PrivilegeLevel.Administrator));
    }

    /** Runs one exchange with the BMC within `limit`; past it the waiting thread is interrupted and a timeout thrown. */
    static <T> T bounded(String what, Duration limit, Call<T> call) throws Exception {
        java.util.concurrent.Future<T> f = CALLS.submit(call::call);
        try {
            return f.get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            throw new java.util.concurrent.TimeoutException(what + ": no answer within "
                    + (limit.toMillis() < 1000 ? limit.toMillis() + " ms" : limit.toSeconds() + " s"));
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static boolean isAuthenticationFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase();
            if (m.contains("unauthorized") || m.contains("integrity") || m.contains("invalid name")
                    || m.contains("authentication") || m.contains("rakp 2") || m.contains("rakp2 ")) {
                return true;
            }
        }
        return false;
    }

    private InfrastructureException classify(String what, Exception e) {
        String detail = e == null ? "unknown error" : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e != null && isAuthenticationFailure(e)) {
            return new InfrastructureException("bmc", endpoint.describe() + " refused the login (" + detail + ")",
                    "check the BMC user and the password in " + endpoint.password().source(), e);
        }
        if (detail.contains("Rakp")) {
            // the BMC answered the session request but not the RAKP handshake: the usual sign of bad credentials
            return new InfrastructureException("bmc", "cannot " + what + " with " + endpoint.describe() + " (" + detail + ")",
                    "the BMC answers but the RAKP handshake fails: check the user name and the password in "
                            + endpoint.password().source(), e);
        }
        return new InfrastructureException("bmc", "cannot " + what + " with " + endpoint.describe() + " (" + detail + ")",
                "check that the BMC is reachable (UDP) and that IPMI over LAN is enabled", e);
    }

    @Override
    public PowerState powerState() {
        state.require("powerState");
        return withRetry("read the chassis status", () -> {
            GetChassisStatusResponseData r = (GetChassisStatusResponseData) connector.sendMessage(handle,
                    new GetChassisStatus(IpmiVersion.V20, handle.getCipherSuite(), AuthenticationType.RMCPPlus));
            return r.isPowerOn() ? PowerState.ON : PowerState.OFF;
        });
    }

    @Override
    public Instant powerCycle() {
        state.require("powerCycle");
        // a repeated cycle after a lost answer only restarts a box that is being restarted anyway
        return withRetry("power-cycle", () -> chassisOnce(ChassisAction.POWER_CYCLE));
    }

    /** The SEL's last record id; "last" is record id 0xFFFF in Get SEL Entry (IPMI 2.0 31.5). */
    private static final int LAST_RECORD = 0xFFFF;
    /** A log that keeps growing while it is read (a BMC logging a storm) is read this far, not forever. */
    private static final int MAX_EVENTS = 256;

    @Override
    public java.util.OptionalInt eventLogMark() {
        state.require("eventLogMark");
        try {
            return java.util.OptionalInt.of(withRetry("read the event log's last entry", () -> selEntry(LAST_RECORD))
                    .getSelRecord().getRecordId());
        } catch (InfrastructureException e) {
            // an empty SEL answers "requested record not present": everything logged from now on is this run's
            return e.getCause() instanceof IPMIException ? java.util.OptionalInt.of(0) : java.util.OptionalInt.empty();
        }
    }

    @Override
    public List<io.kdumplab.harness.device.BmcEvent> eventsAfter(int mark) {
        state.require("eventsAfter");
        List<io.kdumplab.harness.device.BmcEvent> events = new ArrayList<>();
        int id = mark == 0 ? 0 : withRetry("read the event log", () -> selEntry(mark)).getNextRecordId();
        while (id != LAST_RECORD && events.size() < MAX_EVENTS) {
            int at = id;
            org.metricshub.ipmi.core.coding.commands.sel.GetSelEntryResponseData r = withRetry("read the event log",
                    () -> selEntry(at));
            var rec = r.getSelRecord();
            events.add(new io.kdumplab.harness.device.BmcEvent(rec.getRecordId(),
                    rec.getTimestamp() == null ? "" : rec.getTimestamp().toInstant().toString(),
                    String.valueOf(rec.getSensorType()) + " #" + rec.getSensorNumber(),
                    rec.getEvent() + ", " + String.valueOf(rec.getEventDirection()).toLowerCase(java.util.Locale.ROOT)));
            if (r.getNextRecordId() == id) {
                break; // a BMC that points a record at itself would hold us here
            }
            id = r.getNextRecordId();
        }
        return events;
    }

    /** A reservation for reading the SEL, taken once per session (a BMC cancels it only when the SEL changes). */
    private Integer selReservation;

    private org.metricshub.ipmi.core.coding.commands.sel.GetSelEntryResponseData selEntry(int recordId) throws Exception {
        if (selReservation == null) {
            selReservation = ((org.metricshub.ipmi.core.coding.commands.sel.ReserveSelResponseData) connector.sendMessage(handle,
                    new org.metricshub.ipmi.core.coding.commands.sel.ReserveSel(IpmiVersion.V20, handle.getCipherSuite(),
                            AuthenticationType.RMCPPlus))).getReservationId();
        }
        try {
            return (org.metricshub.ipmi.core.coding.commands.sel.GetSelEntryResponseData) connector.sendMessage(handle,
                    new org.metricshub.ipmi.core.coding.commands.sel.GetSelEntry(IpmiVersion.V20, handle.getCipherSuite(),
                            AuthenticationType.RMCPPlus, selReservation, recordId));
        } catch (Exception e) {
            selReservation = null; // cancelled (the SEL changed) or the session is gone: reserve again on the next try
            throw e;
        }
    }

    interface Call<T> {
        T call() throws Exception;
    }

    /** Bounded retries, each after a fresh session; a rejected request (completion code) or a refused login is final. */
    private <T> T withRetry(String what, Call<T> call) {
        Exception last = null;
        for (int attempt = 1; attempt <= CALL_ATTEMPTS; attempt++) {
            try {
                return bounded(what, CALL_LIMIT, call);
            } catch (InfrastructureException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw classify(what, e);
            } catch (Exception e) {
                last = e;
                if (isAuthenticationFailure(e) || attempt == CALL_ATTEMPTS) {
                    break;
                }
                closeQuietly();
                connect();
            }
        }
        throw classify(what, last);
    }

    /** Sends one Chassis Control request; returns when the BMC has acknowledged it. */
    public Instant chassis(ChassisAction action) {
        state.require("chassis");
        try {
            return chassisOnce(action);
        } catch (IPMIException e) {
            throw new InfrastructureException("bmc", endpoint.describe() + " rejected chassis control "
                    + action + " (completion code " + e.getCompletionCode() + ")",
                    action == ChassisAction.PULSE_DIAGNOSTIC_INTERRUPT
                            ? "this BMC cannot raise an NMI now (is the host powered on?)"
                            : "check the BMC's state and privileges", e);
        } catch (Exception e) {
            throw classify("send chassis control " + action, e);
        }
    }

    private Instant chassisOnce(ChassisAction action) throws Exception {
        try {
            Instant sent = Instant.now();
            bounded("chassis control " + action, CALL_LIMIT,
                    () -> connector.sendMessage(handle, new ChassisControlCommand(handle.getCipherSuite(), action)));
            return sent;
        } catch (IPMIException e) {
            if (action == ChassisAction.POWER_CYCLE) {
                throw new InfrastructureException("bmc", endpoint.describe() + " rejected chassis control "
                        + action + " (completion code " + e.getCompletionCode() + ")", "check the BMC's state and privileges", e);
            }
            throw e;
        }
    }

    /**
     * A burst of diagnostic interrupts, spaced by `spacing` measured from send
     * to send (the second NMI models the hardlockup watchdog's nested one).
     * Returns the send times.
     */
    @Override
    public List<Instant> nmiBurst(int count, Duration spacing) {
        state.require("nmiBurst");
        List<Instant> sent = new ArrayList<>();
        // send times on the monotonic clock, anchored once to the wall clock: the wall clock's own steps and
        // granularity must not make a 5 ms spacing read as 4 ms
        Instant wallBase = Instant.now();
        long nanoBase = System.nanoTime();
        long next = nanoBase;
        for (int i = 0; i < count; i++) {
            long wait = next - System.nanoTime();
            while (wait > 0) {
                LockSupport.parkNanos(wait);
                wait = next - System.nanoTime();
            }
            long at = System.nanoTime();
            next = at + spacing.toNanos();
            chassis(ChassisAction.PULSE_DIAGNOSTIC_INTERRUPT);
            sent.add(wallBase.plusNanos(at - nanoBase));
        }
        return sent;
    }

    /** For SOL: the library objects of this session. */
    public IpmiConnector connector() {
        return connector;
    }

    public Session session() {
        return session;
    }

    public ConnectionHandle handle() {
        return handle;
    }

    public BmcEndpoint endpoint() {
        return endpoint;
    }

    private void closeQuietly() {
        if (connector != null) {
            try {
                if (handle != null) {
                    IpmiConnector c = connector;
                    ConnectionHandle h = handle;
                    bounded("close the session", CLOSE_LIMIT, () -> {
                        c.closeSession(h);
                        return null;
                    });
                }
            } catch (Exception ignored) {
                // the session may never have opened
            }
            try {
                connector.tearDown();
            } catch (Exception ignored) {
                // nothing left to release
            }
        }
        connector = null;
        handle = null;
        session = null;
        selReservation = null; // a reservation belongs to its session
    }

    @Override
    public String describe() {
        return endpoint.describe() + " (RMCP+, " + (negotiated == null ? "no session" : negotiated.why()) + ")";
    }

    @Override
    public void close() {
        state.closed();
        closeQuietly();
    }
}
