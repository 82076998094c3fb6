package io.kdumplab.harness.device.ipmi;

import io.kdumplab.harness.target.BmcEndpoint;
import io.kdumplab.harness.device.console.ConsoleConnector;
import io.kdumplab.harness.device.console.ConsoleLink;
import io.kdumplab.harness.failure.HarnessException;
import org.metricshub.ipmi.core.coding.commands.payload.ActivateSolPayload;
import org.metricshub.ipmi.core.coding.commands.payload.ActivateSolPayloadResponseData;
import org.metricshub.ipmi.core.coding.commands.payload.DeactivatePayload;
import org.metricshub.ipmi.core.coding.commands.payload.GetPayloadActivationStatus;
import org.metricshub.ipmi.core.coding.commands.payload.GetPayloadActivationStatusResponseData;
import org.metricshub.ipmi.core.coding.payload.sol.SolAckState;
import org.metricshub.ipmi.core.coding.sol.SolCoder;
import org.metricshub.ipmi.core.coding.protocol.PayloadType;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * IPMI Serial-over-LAN through the BMC: the RMCP+ session from ipmi-java, the
 * payload's receiving side our own ({@link SolStream}: every packet ACKed, no
 * NACKs, retransmissions de-duplicated). SOL drops exactly when it matters
 * (BMC session loss across power transitions), so a link that goes silent is
 * checked with a cheap BMC request and reported lost when the payload is
 * gone; the capture then reconnects and marks the gap. A payload left active
 * by a dead session ("SOL payload already active") is deactivated first, and
 * ours is deactivated on close so the next client finds it free. Every exchange
 * is bounded as IpmiBmc's are (ipmi-java can wait for a lost answer forever).
 */
public final class SolConsoleConnector implements ConsoleConnector {
    private static final int SILENCE_CHECK_MS = 3000;
    private static final int KEEPALIVE_MS = 5000;
    private static final int TICK_MS = 1000;
    /** Console data younger than this proves the SOL session alive whatever the control session says. */
    private static final int DATA_STILL_FLOWING_MS = 10_000;

    private final BmcEndpoint endpoint;
    private final Consumer<String> log;

    public SolConsoleConnector(BmcEndpoint endpoint, Consumer<String> log) {
        this.endpoint = endpoint;
        this.log = log;
    }

    @Override
    public ConsoleLink connect() throws IOException {
        IpmiBmc bmc;
        try {
            bmc = IpmiBmc.open(endpoint);
        } catch (HarnessException e) {
            throw new IOException(e.getMessage(), e);
        }
        SolStream stream = new SolStream(bmc.connector(), bmc.handle());
        // listening before activation: the BMC may send the first packet right after its answer
        bmc.connector().registerIncomingMessageListener(stream);
        try {
            activate(bmc);
        } catch (Exception first) {
            // most often a stale payload of an earlier, dead session ("SOL payload already active"): deactivate, retry once
            log.accept("SOL: activation failed (" + rootMessage(first) + "); deactivating a stale SOL payload and retrying");
            deactivate(bmc);
            try {
                activate(bmc);
            } catch (Exception e) {
                bmc.close();
                throw new IOException("SOL activation failed on " + endpoint.describe() + ": " + rootMessage(e), e);
            }
        }
        resync(bmc);
        // IPMI requests go on a second session. On the SOL session the BMC numbers SOL packets and IPMI responses in
        // one sequence, while ipmi-java keeps one receive window per payload type: after a few hundred SOL packets
        // every IPMI response on that session falls outside the IPMI window and is dropped, and a status check or
        // a deactivation "times out" (the ~25 s SOL drops seen under a flood and after an NMI).
        AtomicReference<IpmiBmc> control = new AtomicReference<>();
        try {
            control.set(IpmiBmc.open(endpoint));
        } catch (HarnessException e) {
            deactivate(bmc);
            bmc.close();
            throw new IOException(e.getMessage(), e);
        }
        String[] lost = new String[1];
        Thread keepAlive = new Thread(() -> {
            int failures = 0;
            long ticks = 0;
            while (!Thread.currentThread().isInterrupted() && lost[0] == null) {
                try {
                    Thread.sleep(TICK_MS);
                } catch (InterruptedException e) {
                    return;
                }
                boolean due = ++ticks % (KEEPALIVE_MS / TICK_MS) == 0;
                if (due) {
                    // the SOL session stays alive with a request whose answer we do not need (a BMC may time out a
                    // session that carries no IPMI request, as ipmitool's SOL keep-alive assumes)
                    keepSessionAlive(bmc);
                }
                // while data flows the payload is evidently active; once it stops, ask every tick, so that a payload
                // the BMC dropped is re-activated within about a second, not up to a keep-alive period later
                if (!due && stream.millisSinceData() < TICK_MS) {
                    continue;
                }
                try {
                    if (!payloadActive(control.get())) {
                        lost[0] = "the BMC says the SOL payload is no longer active";
                    }
                    failures = 0;
                } catch (Exception e) {
                    if (++failures < 2) {
                        continue;
                    }
                    // The SOL session is judged by its data, the control session is replaceable: while console
                    // data still arrives, a control session that stopped answering is reopened and SOL is left
                    // alone (a SOL reconnect loses what the line carries meanwhile, e.g. the capture kernel's banner).
                    if (stream.millisSinceData() < DATA_STILL_FLOWING_MS && reopen(control)) {
                        log.accept("SOL: the control session stopped answering (" + rootMessage(e)
                                + "); reopened it, console data still arriving on the SOL session");
                        failures = 0;
                    } else {
                        lost[0] = "the BMC stopped answering (" + rootMessage(e) + ") and sent no console data for "
                                + stream.millisSinceData() + " ms";
                    }
                }
            }
        }, "sol-keepalive");
        keepAlive.setDaemon(true);
        keepAlive.start();
        return new ConsoleLink() {
            private long silentSince = System.currentTimeMillis();
            private int silentChecks;
            private byte[] pending = new byte[0];

            @Override
            public int read(byte[] buf) {
                while (true) {
                    if (stream.deactivated() || lost[0] != null) {
                        if (lost[0] != null) {
                            log.accept("SOL: " + lost[0]);
                        }
                        return -1;
                    }
                    byte[] b = pending;
                    pending = new byte[0];
                    if (b.length == 0) {
                        try {
                            b = stream.poll(buf.length, 200);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return -1;
                        }
                    }
                    if (b.length > 0) {
                        int n = Math.min(b.length, buf.length);
                        System.arraycopy(b, 0, buf, 0, n);
                        if (n < b.length) {
                            pending = java.util.Arrays.copyOfRange(b, n, b.length);
                        }
                        silentSince = System.currentTimeMillis();
                        silentChecks = 0;
                        return n;
                    }
                    if (System.currentTimeMillis() - silentSince > SILENCE_CHECK_MS) {
                        silentSince = System.currentTimeMillis();
                        // a quiet console is normal (the keep-alive notices a dropped payload); a stream stalled on
                        // a lost ACK restarts when asked again
                        stream.nudge(++silentChecks == 2);
                    }
                }
            }

            @Override
            public void write(byte[] data) throws IOException {
                try {
                    IpmiBmc.bounded("write to SOL", IpmiBmc.CALL_LIMIT,
                            () -> bmc.connector().sendMessage(bmc.handle(), new SolCoder(data, bmc.handle().getCipherSuite())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("SOL write interrupted");
                } catch (Exception e) {
                    throw new IOException("SOL write not acknowledged: " + rootMessage(e), e);
                }
            }

            @Override
            public void close() {
                keepAlive.interrupt();
                if (stream.retransmits() > 0) {
                    log.accept("SOL: " + stream.packets() + " packets, " + stream.retransmits()
                            + " retransmissions recognised and not duplicated");
                }
                // give the payload back (from the control session, see above): the next client must find it free
                deactivate(control.get());
                control.get().close();
                bmc.close();
            }
        };
    }

    /** A fresh control session in place of one that stopped answering; false when the BMC refuses one. */
    private boolean reopen(AtomicReference<IpmiBmc> control) {
        try {
            IpmiBmc fresh = IpmiBmc.open(endpoint);
            control.getAndSet(fresh).close();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void activate(IpmiBmc bmc) throws Exception {
        ActivateSolPayloadResponseData r = IpmiBmc.bounded("activate SOL", IpmiBmc.CALL_LIMIT,
                () -> (ActivateSolPayloadResponseData) bmc.connector().sendMessage(bmc.handle(),
                        new ActivateSolPayload(bmc.handle().getCipherSuite(), 1)));
        if (r.getPayloadUdpPortNumber() != bmc.handle().getRemotePort()) {
            throw new IOException("the BMC serves SOL on UDP port " + r.getPayloadUdpPortNumber()
                    + ", not on its session's port " + bmc.handle().getRemotePort() + " (not supported)");
        }
    }

    private static void deactivate(IpmiBmc bmc) {
        try {
            IpmiBmc.bounded("deactivate SOL", IpmiBmc.CLOSE_LIMIT, () -> bmc.connector().sendMessage(bmc.handle(),
                    new DeactivatePayload(bmc.handle().getCipherSuite(), PayloadType.Sol, 1)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception ignored) {
            // nothing was active, or the session is gone already
        }
    }

    /**
     * Acknowledges every SOL sequence number once (ack-only packets, no data).
     * A BMC ignores acks of packets it has not sent; ipmi_sim, though, stops
     * reading its serial side while a payload is inactive and resumes only on
     * an ack of its current sequence number, so a re-activated payload would
     * stay silent without this.
     */
    private static void resync(IpmiBmc bmc) {
        for (int seq = 1; seq <= 15; seq++) {
            try {
                bmc.connector().sendOneWayMessage(bmc.handle(),
                        new SolCoder((byte) seq, (byte) 0, SolAckState.ACK, bmc.handle().getCipherSuite()));
            } catch (Exception ignored) {
                // best effort: a real BMC needs none of this
            }
        }
    }

    private static void keepSessionAlive(IpmiBmc bmc) {
        try {
            bmc.connector().sendOneWayMessage(bmc.handle(), new org.metricshub.ipmi.core.coding.commands.chassis.GetChassisStatus(
                    org.metricshub.ipmi.core.coding.commands.IpmiVersion.V20, bmc.handle().getCipherSuite(),
                    org.metricshub.ipmi.core.coding.protocol.AuthenticationType.RMCPPlus));
        } catch (Exception ignored) {
            // the status check on the control session notices a dead BMC
        }
    }

    /** One "Get Payload Activation Status": is SOL instance 1 active? Throws when the session does not answer. */
    private static boolean payloadActive(IpmiBmc bmc) throws Exception {
        GetPayloadActivationStatusResponseData r = IpmiBmc.bounded("read the SOL payload's status", IpmiBmc.CALL_LIMIT,
                () -> (GetPayloadActivationStatusResponseData) bmc.connector().sendMessage(bmc.handle(),
                        new GetPayloadActivationStatus(bmc.handle().getCipherSuite(), PayloadType.Sol)));
        return !r.getAvailableInstances().contains((byte) 1);
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null) {
            r = r.getCause();
        }
        return r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    @Override
    public String describe() {
        return "IPMI SOL via " + endpoint.describe();
    }
}
