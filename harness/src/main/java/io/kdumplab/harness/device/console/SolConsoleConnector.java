package io.kdumplab.harness.device.console;

import io.kdumplab.harness.inventory.BmcEndpoint;
import io.kdumplab.harness.device.ipmi.IpmiBmc;
import io.kdumplab.harness.failure.HarnessException;
import org.metricshub.ipmi.core.api.sol.SerialOverLan;
import org.metricshub.ipmi.core.api.sol.SolEventListener;
import org.metricshub.ipmi.core.coding.commands.payload.DeactivatePayload;
import org.metricshub.ipmi.core.coding.commands.payload.GetPayloadActivationStatus;
import org.metricshub.ipmi.core.coding.commands.payload.GetPayloadActivationStatusResponseData;
import org.metricshub.ipmi.core.coding.payload.sol.SolAckState;
import org.metricshub.ipmi.core.coding.payload.sol.SolOperation;
import org.metricshub.ipmi.core.coding.sol.SolCoder;
import org.metricshub.ipmi.core.coding.payload.sol.SolStatus;
import org.metricshub.ipmi.core.coding.protocol.PayloadType;

import java.io.IOException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * IPMI Serial-over-LAN through the BMC (ipmi-java). SOL drops exactly when it
 * matters (BMC session loss across power transitions), so a link that goes
 * silent is checked with a cheap BMC request and reported lost when the
 * session is gone; the capture then reconnects. A payload left active by a
 * dead session ("SOL payload already active") is deactivated first.
 */
public final class SolConsoleConnector implements ConsoleConnector {
    private static final int SILENCE_CHECK_MS = 3000;

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
        SerialOverLan sol;
        try {
            sol = new SerialOverLan(bmc.connector(), bmc.session());
        } catch (Exception first) {
            // most often a stale payload of an earlier, dead session: deactivate it and try once more
            log.accept("SOL: activation failed (" + rootMessage(first) + "); deactivating a stale SOL payload and retrying");
            try {
                bmc.connector().sendMessage(bmc.handle(), new DeactivatePayload(bmc.handle().getCipherSuite(), PayloadType.Sol, 1));
            } catch (Exception ignored) {
                // nothing was active: the retry tells
            }
            try {
                sol = new SerialOverLan(bmc.connector(), bmc.session());
            } catch (Exception e) {
                bmc.close();
                throw new IOException("SOL activation failed on " + endpoint.describe() + ": " + rootMessage(e), e);
            }
        }
        SerialOverLan active = sol;
        resync(bmc);
        boolean[] deactivated = {false};
        active.registerEventListener(new SolEventListener() {
            @Override
            public void processRequestEvent(Set<SolStatus> statuses) {
                if (statuses.contains(SolStatus.SolDeactivated)) {
                    deactivated[0] = true;
                }
            }

            @Override
            public void processResponseEvent(Set<SolStatus> statuses, byte[] data, Set<SolOperation> ops) {
                if (statuses.contains(SolStatus.SolDeactivated)) {
                    deactivated[0] = true;
                }
            }
        });
        return new ConsoleLink() {
            private long silentSince = System.currentTimeMillis();

            @Override
            public int read(byte[] buf) {
                while (true) {
                    if (deactivated[0]) {
                        return -1;
                    }
                    // non-blocking read + short sleep: the library's timed read busy-waits a core
                    byte[] b = active.readBytes(buf.length);
                    if (b.length == 0) {
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return -1;
                        }
                        b = active.readBytes(buf.length);
                    }
                    if (b.length > 0) {
                        System.arraycopy(b, 0, buf, 0, b.length);
                        silentSince = System.currentTimeMillis();
                        return b.length;
                    }
                    if (System.currentTimeMillis() - silentSince > SILENCE_CHECK_MS) {
                        silentSince = System.currentTimeMillis();
                        if (!payloadStillOurs(bmc)) {
                            return -1;
                        }
                    }
                }
            }

            @Override
            public void write(byte[] data) throws IOException {
                if (!active.writeBytes(data)) {
                    throw new IOException("SOL write not acknowledged");
                }
            }

            @Override
            public void close() {
                try {
                    active.close();
                } catch (Exception ignored) {
                    // the session may be dead already
                }
                bmc.close();
            }
        };
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

    /**
     * A quiet console is normal; a lost payload is not (the BMC dropped it, or
     * someone deactivated it). One "Get Payload Activation Status" tells them apart.
     */
    private static boolean payloadStillOurs(IpmiBmc bmc) {
        try {
            GetPayloadActivationStatusResponseData r = (GetPayloadActivationStatusResponseData) bmc.connector()
                    .sendMessage(bmc.handle(), new GetPayloadActivationStatus(bmc.handle().getCipherSuite(), PayloadType.Sol));
            return !r.getAvailableInstances().contains((byte) 1);
        } catch (Exception e) {
            return false;
        }
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
