package io.kdumplab.harness.device.ipmi;

import org.metricshub.ipmi.core.api.async.ConnectionHandle;
import org.metricshub.ipmi.core.api.async.InboundMessageListener;
import org.metricshub.ipmi.core.api.sync.IpmiConnector;
import org.metricshub.ipmi.core.coding.payload.IpmiPayload;
import org.metricshub.ipmi.core.coding.payload.sol.SolAckState;
import org.metricshub.ipmi.core.coding.payload.sol.SolInboundMessage;
import org.metricshub.ipmi.core.coding.payload.sol.SolStatus;
import org.metricshub.ipmi.core.coding.sol.SolCoder;

import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiving side of an IPMI SOL payload, done as the IPMI 2.0 spec asks
 * (section 15.9) rather than as ipmi-java's SerialOverLan does it:
 * <ul>
 * <li>every data packet is acknowledged at once with its full character count;</li>
 * <li>a packet that arrives again with the sequence number just acknowledged is a retransmission (our ACK was
 * lost or late): it is acknowledged again, and only the characters beyond those already accepted are kept
 * (a BMC may append to a retransmitted packet); ipmi-java appends it whole, which is where the repeated line
 * fragments in SOL console logs came from;</li>
 * <li>nothing is ever NACKed: the harness reads everything (the queue is unbounded and drained by the capture
 * thread). ipmi-java NACKs when its 2 KiB buffer is full and resumes with an ACK for the NACKed sequence
 * number, which ipmi_sim has already moved past; ipmi_sim then never reads its serial side again, for this
 * and every later session.</li>
 * </ul>
 */
final class SolStream implements InboundMessageListener {
    /** Sends the BMC an acknowledgement of packet `seq` with `count` characters accepted; best effort (UDP). */
    interface Acks {
        void ack(int seq, int count) throws Exception;
    }

    private final Acks acks;
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong retransmits = new AtomicLong();
    private volatile boolean deactivated;
    private volatile long lastPacketNanos = System.nanoTime();
    private int lastSeq = -1;
    private int lastLen;

    SolStream(IpmiConnector connector, ConnectionHandle handle) {
        this((seq, count) -> connector.sendOneWayMessage(handle, new SolCoder((byte) seq, (byte) count, SolAckState.ACK,
                handle.getCipherSuite())));
    }

    SolStream(Acks acks) {
        this.acks = acks;
    }

    @Override
    public boolean isPayloadSupported(IpmiPayload payload) {
        return payload instanceof SolInboundMessage;
    }

    @Override
    public void notify(IpmiPayload payload) {
        if (!(payload instanceof SolInboundMessage m)) {
            return;
        }
        var statuses = m.getStatusField() == null ? null : m.getStatusField().getStatuses();
        if (statuses != null && statuses.contains(SolStatus.SolDeactivated)) {
            deactivated = true;
        }
        int seq = m.getSequenceNumber() & 0x0f;
        byte[] data = m.getData();
        if (seq == 0 || data == null || data.length == 0) {
            return; // an ACK of something we sent, or a status-only packet
        }
        lastPacketNanos = System.nanoTime();
        byte[] fresh;
        synchronized (this) {
            packets.incrementAndGet();
            if (seq == lastSeq) {
                retransmits.incrementAndGet();
                fresh = data.length > lastLen ? Arrays.copyOfRange(data, lastLen, data.length) : new byte[0];
            } else {
                fresh = data;
            }
            lastSeq = seq;
            lastLen = data.length;
        }
        if (fresh.length > 0) {
            queue.add(fresh);
        }
        ack(seq, data.length);
    }

    private void ack(int seq, int count) {
        try {
            acks.ack(seq, count);
        } catch (Exception ignored) {
            // the BMC retransmits; the next packet's ACK catches up
        }
    }

    /**
     * After a silence: ACK the last packet again; after a second one, ACK the sequence number that follows it
     * with 0 characters accepted. A BMC that is waiting for an ACK we sent but it never got (or, ipmi_sim, one stuck after an
     * earlier client's NACK) sends its data again; a BMC with nothing to send ignores both. No data is lost either
     * way: an ACK of 0 characters asks for all of them again.
     */
    void nudge(boolean askForMore) {
        int seq;
        int len;
        synchronized (this) {
            seq = lastSeq;
            len = lastLen;
        }
        if (!askForMore) {
            if (seq > 0) {
                ack(seq, len);
            }
            return;
        }
        // only after a second silent period: racing a packet in flight, this could make the BMC send it twice
        ack(seq <= 0 || seq >= 15 ? 1 : seq + 1, 0);
    }

    /** Up to `max` bytes, waiting at most `waitMs` for the first; empty when nothing came. */
    byte[] poll(int max, long waitMs) throws InterruptedException {
        byte[] first = queue.poll(waitMs, TimeUnit.MILLISECONDS);
        if (first == null) {
            return new byte[0];
        }
        if (first.length >= max || queue.isEmpty()) {
            return first;
        }
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(max);
        b.write(first, 0, first.length);
        byte[] next;
        while (b.size() < max && (next = queue.peek()) != null && b.size() + next.length <= max) {
            b.write(queue.poll(), 0, next.length);
        }
        return b.toByteArray();
    }

    boolean deactivated() {
        return deactivated;
    }

    /** Milliseconds since the BMC last sent console data (or since the stream was created). */
    long millisSinceData() {
        return (System.nanoTime() - lastPacketNanos) / 1_000_000;
    }

    long packets() {
        return packets.get();
    }

    long retransmits() {
        return retransmits.get();
    }
}
