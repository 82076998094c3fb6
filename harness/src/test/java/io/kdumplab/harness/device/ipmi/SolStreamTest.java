package io.kdumplab.harness.device.ipmi;

import org.metricshub.ipmi.core.coding.payload.sol.SolInboundMessage;
import org.testng.annotations.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;

/** The SOL receiving side against packets as a BMC sends them (IPMI 2.0, 15.9): no BMC needed. */
@Test(groups = "unit")
public class SolStreamTest {
    private final List<String> acks = new ArrayList<>();

    private SolStream stream() {
        acks.clear();
        return new SolStream((seq, count) -> acks.add(seq + ":" + count));
    }

    /** A BMC data packet: sequence number, no ACK of ours, status 0, characters. */
    private static SolInboundMessage packet(int seq, String data) {
        byte[] d = data.getBytes(StandardCharsets.ISO_8859_1);
        byte[] raw = new byte[4 + d.length];
        raw[0] = (byte) seq;
        System.arraycopy(d, 0, raw, 4, d.length);
        return new SolInboundMessage(raw);
    }

    private static String drain(SolStream s) throws Exception {
        StringBuilder b = new StringBuilder();
        for (byte[] chunk; (chunk = s.poll(1 << 16, 0)).length > 0; ) {
            b.append(new String(chunk, StandardCharsets.ISO_8859_1));
        }
        return b.toString();
    }

    @Test
    public void everyPacketIsAcknowledgedWithItsWholeCountAndNeverNacked() throws Exception {
        SolStream s = stream();
        s.notify(packet(1, "Linux version 6.1.0"));
        s.notify(packet(2, "-56-amd64\n"));
        assertEquals(acks, List.of("1:19", "2:10"));
        assertEquals(drain(s), "Linux version 6.1.0-56-amd64\n");
    }

    @Test
    public void aRetransmissionIsAcknowledgedAgainButKeptOnceWithOnlyWhatTheBmcAppended() throws Exception {
        SolStream s = stream();
        s.notify(packet(3, "Checking for memory holes"));
        // our ACK was lost: the BMC sends packet 3 again, with characters it gathered meanwhile
        s.notify(packet(3, "Checking for memory holes : [  0.0 %]"));
        s.notify(packet(4, "\n"));
        assertEquals(drain(s), "Checking for memory holes : [  0.0 %]\n", "no fragment appended twice");
        assertEquals(acks, List.of("3:25", "3:37", "4:1"));
        assertEquals(s.retransmits(), 1);
    }

    @Test
    public void aSilenceIsNudgedFirstByRepeatingTheLastAckThenByAskingForTheNextPacket() {
        SolStream s = stream();
        s.notify(packet(15, "login: "));
        s.nudge(false);
        s.nudge(true);
        // the sequence numbers wrap 15 -> 1 (0 means "no packet"); 0 characters accepted asks for all of it again
        assertEquals(acks, List.of("15:7", "15:7", "1:0"));
    }

    @Test
    public void anAcknowledgementFromTheBmcIsNotConsoleData() throws Exception {
        SolStream s = stream();
        byte[] ackOnly = {0, 5, 12, 0};
        s.notify(new SolInboundMessage(ackOnly));
        assertEquals(drain(s), "");
        assertEquals(acks, List.of(), "nothing to acknowledge");
    }
}
