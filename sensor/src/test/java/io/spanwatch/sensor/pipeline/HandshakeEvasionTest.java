package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.pipeline.ReassemblyEvasionTest.Capture;
import io.spanwatch.sensor.pipeline.ReassemblyEvasionTest.Result;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends downloads with a decoy the client drops for its sequence or acknowledgement numbers (a SYN-ACK
 * that does not acknowledge the SYN, a second SYN-ACK once the handshake is done, an acknowledgement
 * far behind), then the real bytes: the file must be the one the client saved. The third evasion
 * review slipped each past the sensor.
 */
class HandshakeEvasionTest {
    private static final byte[] NONE = new byte[0];

    @TempDir
    Path tmp;

    private final ReassemblyEvasionTest downloads = new ReassemblyEvasionTest();

    private byte[] decoyResponse() {
        return ReassemblyEvasionTest.concat(ReassemblyEvasionTest.head(downloads.body.length), Arrays.copyOf(new byte[] {'Q'}, downloads.body.length));
    }

    /** The response in 1000-byte segments, each acknowledged by the client. */
    private static void respond(Capture c, TcpWire w, byte[] response) {
        c.addAll(w.data(false, response, 1000, 65_535));
        c.add(w.ack(true, 65_535));
    }

    private byte[] response() {
        return ReassemblyEvasionTest.concat(ReassemblyEvasionTest.head(downloads.body.length), downloads.body);
    }

    /** Sends the real response on {@code w} after what {@code c} holds; the file must be the real one, and {@code anomaly} named. */
    private void assertRealFileAnd(Capture c, TcpWire w, String anomaly) throws Exception {
        respond(c, w, response());
        Result r = run(c, ReassemblyConfig.DEFAULTS);
        assertTrue(r.stored(downloads.body), r.eve());
        assertTrue(r.eve().contains("\"" + anomaly + "\""), r.eve());
    }

    /**
     * Sends the client's SYN (with {@code synOptions}), then the {@code decoy} a client in SYN-SENT drops
     * (made once the SYN is counted), the real SYN-ACK (with {@code synAckOptions}), the request and
     * the real response: the file must be the real one, and {@code anomaly} named.
     */
    private void assertDecoyInSynSentIsDropped(TcpWire w, byte[] synOptions, Supplier<byte[]> decoy, byte[] synAckOptions, String anomaly)
            throws Exception {
        Capture c = new Capture();
        c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 65_535, synOptions, NONE));
        w.cseq++;
        c.add(decoy.get());
        c.add(w.frame(false, TcpWire.SYN | TcpWire.ACK, w.sseq, w.cseq, 65_535, synAckOptions, NONE));
        w.sseq++;
        c.add(w.ack(true, 65_535));
        c.addAll(w.data(true, "GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 1460, 65_535));
        c.add(w.ack(false, 65_535));
        assertRealFileAnd(c, w, anomaly);
    }

    private Result run(Capture c, ReassemblyConfig config) throws Exception {
        downloads.tmp = tmp;
        return downloads.run(c, config);
    }

    /**
     * A SYN-ACK whose acknowledgement is not the SYN's sequence number plus one is answered with a RST
     * and dropped, the client staying in SYN-SENT (RFC 9293 §3.10.7.3; Linux's
     * {@code tcp_rcv_synsent_state_process}, {@code reset_and_undo}): its sequence number and the
     * response riding on it are not the server's.
     */
    @Test
    void aSynAckNotAcknowledgingTheSynIsNotTheServers() throws Exception {
        TcpWire w = ReassemblyEvasionTest.untimed(40_300);
        assertDecoyInSynSentIsDropped(w, NONE, () -> w.frame(false, TcpWire.SYN | TcpWire.ACK, 0x2222_0000L, w.cseq + 4000, 65_535, NONE, decoyResponse()),
                NONE, "stream.3whs_synack_with_wrong_ack");
    }

    /**
     * Once the client acknowledged the server's SYN, a SYN-ACK with another sequence number draws a
     * challenge ACK and is dropped, data and all (RFC 5961 §4; Linux's {@code tcp_validate_incoming}),
     * also before the server sent any data.
     */
    @Test
    void aSecondSynAckAfterTheHandshakeIsDropped() throws Exception {
        Capture c = new Capture();
        TcpWire w = ReassemblyEvasionTest.request(c, ReassemblyEvasionTest.untimed(40_310), -1, 65_535);
        c.add(w.frame(false, TcpWire.SYN | TcpWire.ACK, 0x3333_0000L, w.cseq, 65_535, NONE, decoyResponse()));
        assertRealFileAnd(c, w, "stream.syn_on_established");
    }

    /** The same SYN-ACK sent again after the handshake, now carrying data: the established client drops it (RFC 5961 §4). */
    @Test
    void aSynAckSentAgainWithDataAfterTheHandshakeIsDropped() throws Exception {
        Capture c = new Capture();
        TcpWire w = ReassemblyEvasionTest.request(c, ReassemblyEvasionTest.untimed(40_330), -1, 65_535);
        c.add(w.frame(false, TcpWire.SYN | TcpWire.ACK, w.sseq - 1, w.cseq - 45, 65_535, NONE, decoyResponse())); // acknowledging the SYN, as first sent
        assertRealFileAnd(c, w, "stream.syn_on_established");
    }

    /**
     * A RST acknowledging the SYN refuses the connection (RFC 9293 §3.10.7.3) and is no anomaly; one
     * acknowledging anything else is dropped in SYN-SENT and named.
     */
    @Test
    void aRstAcknowledgingTheSynRefusesTheConnection() throws Exception {
        for (int wrong = 0; wrong < 2; wrong++) {
            Capture c = new Capture();
            TcpWire w = ReassemblyEvasionTest.untimed(40_340 + wrong);
            c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 65_535, NONE, NONE));
            c.add(w.frame(false, 0x04 | TcpWire.ACK, 0, w.cseq + 1 + wrong * 500, 0, NONE, NONE));
            Result r = run(c, ReassemblyConfig.DEFAULTS);
            assertTrue(r.eve().contains("\"stream.rst_ignored\"") == (wrong == 1), r.eve());
        }
    }


    /**
     * A RST or SYN-ACK echoing a timestamp the client never sent is reset and undone in SYN-SENT
     * (Linux's {@code PAWSActiveRejected}; Suricata's {@code StateSynSentValidateTimestamp}): a forged
     * refusal before the real SYN-ACK does not close the connection (Suricata's verify test bug-3286
     * is such a capture: the third evasion review's refusal rule lost its file), and a SYN-ACK so
     * stamped, with a decoy response on it, is not the server's.
     */
    @Test
    void aRstOrSynAckEchoingATimestampTheClientNeverSentIsDropped() throws Exception {
        // the client offered no timestamps: an echo other than 0 is forged
        TcpWire w = ReassemblyEvasionTest.untimed(40_350);
        assertDecoyInSynSentIsDropped(w, NONE, () -> w.frame(false, 0x04 | TcpWire.ACK, 0, w.cseq, 8_192, TcpWire.timestamps(100, 100), NONE),
                NONE, "stream.pkt_invalid_timestamp");
        // the client offered timestamps: a SYN-ACK echoing a value it never sent carries a decoy
        TcpWire t = new TcpWire("10.0.0.1", 40_351, "10.0.0.3", 80);
        assertDecoyInSynSentIsDropped(t, TcpWire.timestamps(t.cts, 0),
                () -> t.frame(false, TcpWire.SYN | TcpWire.ACK, 0x2222_0000L, t.cseq, 65_535, TcpWire.timestamps(t.sts, t.cts + 5_000), decoyResponse()),
                TcpWire.timestamps(t.sts, t.cts), "stream.pkt_invalid_timestamp");
    }

    /** A capture of a segment from the server acknowledging {@code ack}, just before the real segment 3. */
    private Capture oldAckDecoy(int port, long behind) {
        Capture c = new Capture();
        TcpWire w = ReassemblyEvasionTest.request(c, ReassemblyEvasionTest.untimed(port), -1, 65_535);
        byte[] response = response();
        byte[] decoy = decoyResponse();
        for (int off = 0; off < response.length; off += 1000) {
            int end = Math.min(response.length, off + 1000);
            if (off == 3000) {
                c.add(w.frame(false, TcpWire.ACK | TcpWire.PSH, w.sseq + off, (w.cseq - behind) & 0xFFFF_FFFFL, 65_535, NONE,
                        Arrays.copyOfRange(decoy, off, end)));
            }
            c.add(w.frame(false, TcpWire.ACK | TcpWire.PSH, w.sseq + off, w.cseq, 65_535, NONE, Arrays.copyOfRange(response, off, end)));
            c.add(w.frame(true, TcpWire.ACK, w.cseq, w.sseq + end, 65_535, NONE, NONE));
        }
        return c;
    }

    /**
     * Linux drops a segment whose acknowledgement lies more than the largest window its peer offered
     * behind the highest one it had (RFC 5961 §5.2, {@code tcp_ack}: {@code TCP_TOO_OLD_ACK}); other
     * stacks are not known to, and one within that window is an old acknowledgement taken as usual.
     */
    @Test
    void aLinuxHostDropsASegmentWhoseAcknowledgementIsTooOld() throws Exception {
        Result linux = run(oldAckDecoy(40_320, 0x3000_0000L), ReassemblyEvasionTest.receiverIs(OverlapPolicy.LINUX));
        assertTrue(linux.stored(downloads.body), linux.eve());
        assertTrue(linux.eve().contains("\"stream.pkt_ack_too_old\""), linux.eve());
        Result bsd = run(oldAckDecoy(40_321, 0x3000_0000L), ReassemblyEvasionTest.receiverIs(OverlapPolicy.BSD));
        assertFalse(bsd.stored(downloads.body), "the decoy comes first: " + bsd.eve());
        Result old = run(oldAckDecoy(40_322, 10), ReassemblyEvasionTest.receiverIs(OverlapPolicy.LINUX));
        assertFalse(old.eve().contains("\"stream.pkt_ack_too_old\""), "10 bytes behind, within the window: " + old.eve());
    }
}
