package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.pipeline.ReassemblyEvasionTest.Capture;
import io.spanwatch.sensor.pipeline.ReassemblyEvasionTest.Result;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the third evasion round's handshake rules (d8ac16a, db49e92, 435b75c): legitimate
 * handshakes real stacks complete, each followed by a download the client saves. The sensor must store
 * the file and must not name the handshake's real segments as decoys.
 */
class HandshakeFalseDropTest {
    private static final byte[] NONE = new byte[0];
    private static final byte[] GET = "GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private final ReassemblyEvasionTest downloads = new ReassemblyEvasionTest();

    private byte[] response() {
        return ReassemblyEvasionTest.concat(ReassemblyEvasionTest.head(downloads.body.length), downloads.body);
    }

    private Result run(Capture c, ReassemblyConfig config) throws Exception {
        downloads.tmp = tmp;
        return downloads.run(c, config);
    }

    /** After the handshake: the client's ACK, the request, the server's ACK, the response and the client's ACK. */
    private void requestAndResponse(Capture c, TcpWire w) {
        c.add(w.ack(true, 65_535));
        c.addAll(w.data(true, GET, 1460, 65_535));
        c.add(w.ack(false, 65_535));
        c.addAll(w.data(false, response(), 1000, 65_535));
        c.add(w.ack(true, 65_535));
    }

    /**
     * A Windows client that gets a RST+ACK to its SYN keeps the connection attempt and sends the SYN
     * again, same sequence number, half a second later, up to TcpMaxConnectRetransmissions times
     * (Microsoft KB 175523, "Winsock TCP Connection Performance to Unused Ports": "a pending connection
     * will keep attempting to issue SYN packets"). A server whose listener was momentarily absent or
     * whose backlog was full (Windows servers refuse with a RST then) answers the retry with a SYN-ACK
     * and the download goes through. db49e92 closes the connection at the first RST, and the retried SYN
     * with the same sequence number is not port reuse (TcpConnection.isReuse), so everything after it is
     * ignored: the file is lost. Passes at 0b7fd59 (the RST was stream.rst_ignored).
     */
    @Test
    void aWindowsClientsSynRetriedAfterARefusalStillGivesTheFile() throws Exception {
        Capture c = new Capture();
        TcpWire w = ReassemblyEvasionTest.untimed(40_900);
        c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 64_240, NONE, NONE));
        c.add(w.frame(false, 0x04 | TcpWire.ACK, 0, w.cseq + 1, 0, NONE, NONE));
        c.now += 500_000_000L; // Windows retries after 500 ms
        c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 64_240, NONE, NONE));
        w.cseq++;
        c.add(w.frame(false, TcpWire.SYN | TcpWire.ACK, w.sseq, w.cseq, 65_535, NONE, NONE));
        w.sseq++;
        requestAndResponse(c, w);
        Result r = run(c, ReassemblyEvasionTest.receiverIs(OverlapPolicy.WINDOWS));
        assertTrue(r.stored(downloads.body), "the client saved the file: " + r.eve());
    }

    /**
     * A Linux TCP Fast Open client sends its request on the SYN; when no SYN-ACK comes within the RTO it
     * sends the SYN again without the data and without the Fast Open option ({@code tcp_send_syn_data}:
     * "we keep in write queue in case of a retransmit, as we also have the SYN packet (with no data)";
     * {@code fo->cookie.len = -1} "Exclude Fast Open option for SYN retries"). The server had taken
     * the first SYN's data, so its SYN-ACK acknowledges it. The client accepts any acknowledgement up to
     * SND.NXT, which still covers the data ({@code tcp_rcv_synsent_state_process}:
     * {@code after(ack_seq, tp->snd_nxt)} only resets). d8ac16a compares with the latest SYN's data (0)
     * and drops the real SYN-ACK as {@code stream.3whs_synack_with_wrong_ack}. (Here the file still comes
     * out, picked up without the handshake; the server's ISN, window scale and options are lost, and the
     * anomaly names a real SYN-ACK as a decoy.)
     */
    @Test
    void aFastOpenSynAckAcknowledgingTheFirstSynsDataAfterARetransmissionIsTheServers() throws Exception {
        Capture c = new Capture();
        TcpWire w = ReassemblyEvasionTest.untimed(40_910);
        byte[] cookie = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1};
        c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 65_535, cookie, GET));
        c.now += 1_000_000_000L; // the SYN-ACK is late: the client's RTO fires
        c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 65_535, NONE, NONE));
        w.cseq += 1 + GET.length;
        c.add(w.frame(false, TcpWire.SYN | TcpWire.ACK, w.sseq, w.cseq, 65_535, NONE, NONE));
        w.sseq++;
        c.add(w.ack(true, 65_535));
        c.addAll(w.data(false, response(), 1000, 65_535));
        c.add(w.ack(true, 65_535));
        Result r = run(c, ReassemblyEvasionTest.receiverIs(OverlapPolicy.LINUX));
        assertAll(() -> assertFalse(r.eve().contains("\"stream.3whs_synack_with_wrong_ack\""), "the client took this SYN-ACK"),
                () -> assertTrue(r.stored(downloads.body), "the client saved the file"));
    }

    /**
     * The mirror lost the SYN-ACK; the connection runs, the download completes, and the server ends the
     * connection with a RST at its next sequence number (nginx's reset_timedout_connection, SO_LINGER 0,
     * an aborted keep-alive): Linux's active reset carries timestamps, echoing the client's latest
     * value ({@code tcp_send_active_reset}, {@code tcp_established_options}). The client is ESTABLISHED
     * and takes it. 435b75c judges "a RST before the SYN-ACK" by {@code !handshakeSeen}, which stays
     * false for the whole connection when no SYN-ACK was taken, so this RST is dropped as
     * {@code stream.pkt_invalid_timestamp}: the flow stays open, and when the client's port comes round
     * again (a busy client, a NAT) the new connection's SYN is {@code stream.syn_on_established} and its
     * SYN-ACK {@code stream.3whs_synack_with_wrong_ack}: its file is lost (with a new ISN below the old
     * one; ISNs are random) until the old flow times out. Passes at 0b7fd59.
     */
    @Test
    void aRstEndingAConnectionWhoseSynAckTheMirrorLostClosesIt() throws Exception {
        Capture c = new Capture();
        TcpWire w = new TcpWire("10.0.0.1", 40_930, "10.0.0.3", 80);
        c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 65_535, TcpWire.timestamps(w.cts, 0), NONE));
        w.cseq++;
        w.cts++;
        w.sseq++; // the SYN-ACK: not in the capture
        w.sts++;
        requestAndResponse(c, w);
        c.add(w.frame(false, 0x04 | TcpWire.ACK, w.sseq, w.cseq, 0, TcpWire.timestamps(w.sts, w.cts - 1), NONE));
        // the same port again, a new connection with its own file
        c.now += 2_000_000_000L;
        byte[] body2 = new byte[6000];
        new java.util.Random(99).nextBytes(body2);
        w.cseq = 0x0F00_0000L; // a new ISN below the old one (ISNs are random)
        w.sseq = 0x6F00_0000L;
        w.cts += 2000;
        w.sts += 2000;
        c.addAll(w.handshake(-1, -1, 65_535, 65_535).frames.subList(0, 3));
        c.addAll(w.data(true, GET, 1460, 65_535));
        c.add(w.ack(false, 65_535));
        c.addAll(w.data(false, ReassemblyEvasionTest.concat(ReassemblyEvasionTest.head(body2.length), body2), 1000, 65_535));
        c.add(w.ack(true, 65_535));
        Result r = run(c, ReassemblyConfig.DEFAULTS);
        assertAll(() -> assertTrue(r.stored(downloads.body), "the first file"),
                () -> assertFalse(r.eve().contains("\"stream.pkt_invalid_timestamp\""), "the client took this RST"),
                () -> assertTrue(r.stored(body2), "the second connection's file"));
    }

    /**
     * The mirror lost the client's first SYN (or the capture started between it and its retransmission).
     * A Linux server answers a retransmitted SYN by sending its SYN-ACK again, echoing the timestamp of
     * the SYN that made the request socket ({@code req->ts_recent}, set in {@code tcp_openreq_init}
     * from the first SYN; {@code tcp_check_req} only calls {@code inet_rtx_syn_ack} for a pure
     * retransmitted SYN). The Linux client takes an echo anywhere between its first SYN's timestamp
     * ({@code retrans_stamp}) and now; FreeBSD and Windows do not reject on the echo at all. 435b75c
     * only knows the SYNs it saw and drops the real SYN-ACK as {@code stream.pkt_invalid_timestamp}, for
     * every policy. (Here the file still comes out without the handshake; the anomaly is a false one.)
     */
    @Test
    void aSynAckEchoingAFirstSynTheMirrorLostIsTheServers() throws Exception {
        java.util.List<org.junit.jupiter.api.function.Executable> checks = new java.util.ArrayList<>();
        for (OverlapPolicy p : new OverlapPolicy[] {OverlapPolicy.LINUX, OverlapPolicy.BSD}) {
            Capture c = new Capture();
            TcpWire w = new TcpWire("10.0.0.1", p == OverlapPolicy.LINUX ? 40_920 : 40_921, "10.0.0.3", 80);
            long firstSynTs = w.cts; // SYN #1, tsval 5000: not in the capture
            w.cts += 1000; // SYN #2, one second later
            c.add(w.frame(true, TcpWire.SYN, w.cseq, 0, 65_535, TcpWire.timestamps(w.cts, 0), NONE));
            w.cseq++;
            c.add(w.frame(false, TcpWire.SYN | TcpWire.ACK, w.sseq, w.cseq, 65_535, TcpWire.timestamps(w.sts, firstSynTs), NONE));
            w.sseq++;
            w.sts++;
            w.cts++;
            requestAndResponse(c, w);
            Result r = run(c, ReassemblyEvasionTest.receiverIs(p));
            checks.add(() -> assertFalse(r.eve().contains("\"stream.pkt_invalid_timestamp\""), p + ": the client took this SYN-ACK"));
            checks.add(() -> assertTrue(r.stored(downloads.body), p + ": the client saved the file"));
        }
        assertAll(checks);
    }
}
