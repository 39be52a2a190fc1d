package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.reassembly.StreamListener;
import io.spanwatch.sensor.reassembly.TcpStream;
import java.util.Arrays;

/**
 * Keeps one direction of a {@link TcpConnection}: its reassembled stream and what its SYNs, flags
 * and timestamps showed, the first bytes kept while the connection's content is not yet known (the
 * probe), and its stream events held back while they wait for the other direction's bytes they
 * acknowledge ({@link AckOrderWait}). Receives the direction's reassembled bytes and hands those not
 * held back to the connection, which decides what reads them. Used by the worker thread that owns
 * the connection.
 */
final class TcpSide implements StreamListener {
    final TcpConnection conn;
    final boolean isOrig;
    final TcpStream stream;
    /** The stream's first bytes while deciding whether it is HTTP; made at the first byte, dropped once decided. */
    byte[] probe;
    int probeLen;
    /** Stream offset of the first byte in {@link #probe}. */
    long probeStart;
    /** Set while this side's {@link #data} runs (its bytes are handed on there). */
    boolean inData;
    boolean probeDone;
    boolean pendingFin;
    boolean finSeen;
    boolean finFlag;
    boolean payloadSeen;
    /** The sequence number of this side's first SYN (or SYN-ACK); -1 before one. */
    long isn = -1;
    /** The sequence number of this side's latest SYN (or SYN-ACK) taken, and the bytes it carried; -1 before one. */
    long lastSynSeq = -1;
    int lastSynData;
    /** Whether this side sent a SYN without ACK (it is the client), and the timestamp values of its first and latest; -1 before one with timestamps. */
    boolean bareSyn;
    long synTsFirst = -1;
    long synTsLast = -1;
    /** Whether the peer acknowledged this side's SYN: a synchronized host challenges a SYN with another sequence number. */
    boolean synAcked;
    /** Whether this side was seen sending a segment with right checksums (so it does not offload them). */
    boolean checksumsRight;
    /**
     * What this side's first SYN (or SYN-ACK) offered, packed ({@link TcpOptions#synOffer}: timestamps,
     * window scale, Fast Open, an MD5 signature); -1 before one.
     */
    int synOffer = -1;
    /** Data this side's SYN carried, while it waits for the SYN-ACK; null until a SYN carries any. */
    SynData synData;
    /** Whether this side sent any segment with timestamps. */
    boolean sentTimestamps;
    /** The acknowledgement of this side's last segment discarded as covering unsent bytes, until taken; -1: none. */
    long withheldAck = -1;
    /** This side's stream events while they wait for the other side's bytes (see {@link TcpConnection#packet}); null before the first wait. */
    AckOrderWait wait;

    TcpSide(TcpConnection conn, boolean isOrig) {
        this.conn = conn;
        this.isOrig = isOrig;
        // The host receiving this side's bytes decides how they are reassembled.
        var r = conn.worker.config.reassembly();
        this.stream = new TcpStream(r, conn.worker.reassemblyStats, this, r.policies().forAddress(isOrig ? conn.flow.respAddr : conn.flow.origAddr));
    }

    /** Returns the stream offset of the bytes taken so far: those delivered, less those waiting. */
    long consumed() {
        return stream.offset() - (wait == null ? 0 : wait.heldLen());
    }

    boolean waiting() {
        return wait != null && wait.active();
    }

    /** Starts waiting when this side's acknowledgement covers bytes of {@code peer} not yet seen. */
    void waitForPeer(long ts, TcpSide peer, long ack) {
        long ahead = peer.stream.ackedUnseen(ack);
        if (ahead == 0 || ahead > TcpConnection.ACK_ORDER_MAX_BYTES) {
            return; // in order, or far ahead: bytes lost by the capture, not a reordering
        }
        if (wait == null) {
            wait = new AckOrderWait(conn.worker.reassemblyStats, TcpConnection.ACK_ORDER_MAX_BYTES);
        }
        wait.start(ts, peer.stream.offset() + ahead);
    }

    /** Keeps a copy of bytes delivered while waiting; false (and the wait ended) when they do not fit. */
    private boolean hold(long ts, byte[] buf, int off, int len) {
        if (wait.holdData(ts, buf, off, len)) {
            return true;
        }
        conn.worker.anomaly(conn.flow, ts, "stream", "stream.ack_order_limit");
        release();
        return false;
    }

    /** Ends this side's wait once {@code peer} reached what it waits for, or the gap delay passed. */
    void releaseIfDue(TcpSide peer, long ts) {
        if (wait != null && wait.due(peer.stream.offset(), ts, conn.worker.config.reassembly().gapAckDelayNanos())) {
            release();
        }
    }

    /** Ends the wait: what waited is taken now, in the order the stream gave it. */
    void release() {
        wait.release(this);
    }

    /** Forgets what waited (the connection is not analysed any further). */
    void dropHeld() {
        if (wait != null) {
            wait.drop();
        }
    }

    void synOffer(int offer) {
        if (synOffer < 0) {
            synOffer = offer;
        }
    }

    boolean synSeen() {
        return synOffer >= 0;
    }

    /** Notes a SYN without ACK this side sent, with its timestamp value (-1 without the option). */
    void bareSyn(long tsval) {
        bareSyn = true;
        if (tsval >= 0) {
            if (synTsFirst < 0) {
                synTsFirst = tsval;
            }
            synTsLast = tsval;
        }
    }

    /**
     * Tells whether this side, having sent a SYN, would take a segment echoing {@code tsecr} in
     * SYN-SENT: an echo of 0 (none), or, when its SYNs carried timestamps, one no later than its latest
     * SYN's value. Linux resets and undoes a SYN-ACK or RST whose echo lies outside its SYNs' range
     * ({@code tcp_rcv_synsent_state_process}, {@code PAWSActiveRejected}), and Suricata drops it
     * ({@code StateSynSentValidateTimestamp}, for every policy). An echo older than the first SYN seen
     * is taken: the mirror may have lost an earlier SYN, whose value a server answering the
     * retransmission echoes (Linux's request socket keeps the first SYN's).
     */
    boolean echoesSyn(long tsecr) {
        if (!bareSyn || tsecr == 0) {
            return true;
        }
        return synTsFirst >= 0 && (int) (tsecr - synTsLast) <= 0;
    }

    /**
     * Notes the sequence number and the bytes (those the capture cut too) of a SYN this side sent: a
     * SYN-ACK may acknowledge the data of any SYN sent with that sequence number, a Fast Open client
     * sending its SYN again without the data (Linux's {@code tcp_send_syn_data}).
     */
    void synSent(long seq, int bytes) {
        lastSynData = seq == lastSynSeq ? Math.max(lastSynData, bytes) : bytes;
        lastSynSeq = seq;
    }

    /** Drops the first {@code n} buffered bytes (a tunnel's handshake): the stream now starts after them. */
    void skip(int n) {
        if (n > 0) {
            System.arraycopy(probe, n, probe, 0, probeLen - n);
            probeLen -= n;
            probeStart += n;
        }
    }

    @Override
    public void data(long ts, byte[] buf, int off, int len) {
        if (waiting() && hold(ts, buf, off, len)) {
            return;
        }
        conn.take(this, ts, buf, off, len);
        peerCaughtUp(ts);
    }

    /**
     * Ends the other side's wait once this side's stream reached what it waits for: right after
     * the bytes (or the gap) that got it there, before anything this side delivers next.
     */
    private void peerCaughtUp(long ts) {
        (this == conn.orig ? conn.resp : conn.orig).releaseIfDue(this, ts);
    }

    /**
     * Appends to the probe what of {@code len} bytes fits under {@link TcpConnection#PROBE_BYTES}, the
     * buffer made at the first byte and grown as needed; returns how many bytes it took.
     */
    int keep(byte[] buf, int off, int len) {
        int n = Math.min(len, TcpConnection.PROBE_BYTES - probeLen);
        if (probe == null) {
            probe = new byte[Math.min(TcpConnection.PROBE_BYTES, Math.max(256, n))];
        } else if (probeLen + n > probe.length) {
            probe = Arrays.copyOf(probe, Math.min(TcpConnection.PROBE_BYTES, Math.max(probe.length * 2, probeLen + n)));
        }
        System.arraycopy(buf, off, probe, probeLen, n);
        probeLen += n;
        return n;
    }

    @Override
    public void gap(long ts, long len) {
        if (waiting()) {
            wait.holdGap(ts, len);
            return;
        }
        conn.gap(this, ts, len);
        peerCaughtUp(ts);
    }

    @Override
    public void fin(long ts) {
        if (waiting()) {
            wait.holdFin(ts);
            return;
        }
        finSeen = true;
        conn.fin(this, ts);
    }

    @Override
    public void anomaly(long ts, String name) {
        conn.worker.anomaly(conn.flow, ts, "stream", name);
    }
}
