package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.reassembly.ReassemblyStats;
import io.spanwatch.sensor.reassembly.TcpStream;
import java.util.Arrays;

/**
 * Holds the data a client's SYN carried until the server's SYN-ACK says whether the server took it.
 *
 * <p>A server takes data on a SYN only with TCP Fast Open (enabled on it, and a valid cookie), and
 * then acknowledges it; otherwise it acknowledges the SYN alone and the client sends the bytes again
 * after the handshake (RFC 7413 §4.2; Linux, Windows and the BSDs keep Fast Open off on servers by
 * default). So data the SYN-ACK does not acknowledge is left out ({@code stream.syn_data_ignored},
 * kept aside like a discarded segment's): a decoy request or upload sent on the SYN does not stand in
 * for the one that follows. When no SYN-ACK is seen the data is taken, at the client's next segment
 * or when the connection ends.
 *
 * <p>Bound: one segment per direction, counted with the bytes that wait for the other direction
 * ({@link ReassemblyStats#ackOrderRoom}, the reassembly memcap); without room, or for a segment over
 * {@link TcpConnection#ACK_ORDER_MAX_BYTES}, the data is taken at once ({@code stream.ack_order_limit}).
 *
 * <p>Used by the worker thread that owns the connection.
 */
final class SynData {
    private final ReassemblyStats budget;
    private final TcpStream stream;
    private byte[] data;
    private long seq;

    SynData(ReassemblyStats budget, TcpStream stream) {
        this.budget = budget;
        this.stream = stream;
    }

    boolean held() {
        return data != null;
    }

    /** Holds a SYN's data starting at {@code seq}; false (nothing held) when there is no room. */
    boolean hold(byte[] buf, int off, int len, long seq) {
        release(); // a retransmitted SYN's data replaces the first's
        if (!budget.holdAckOrder(0, len, TcpConnection.ACK_ORDER_MAX_BYTES)) {
            return false;
        }
        this.data = Arrays.copyOfRange(buf, off, off + len);
        this.seq = seq;
        return true;
    }

    /** Passes the data on if the SYN-ACK's acknowledgement {@code ack} covers it; keeps it aside and returns false if not. */
    boolean answered(long ts, long ack) {
        long at = seq;
        byte[] d = release();
        if (((ack - at) & 0xFFFF_FFFFL) == d.length) {
            stream.segment(ts, at, d, 0, d.length, false);
            return true;
        }
        stream.discarded(ts, at, d, 0, d.length);
        return false;
    }

    /** Passes the data on (no SYN-ACK was seen to say otherwise). */
    void take(long ts) {
        long at = seq;
        byte[] d = release();
        if (d != null) {
            stream.segment(ts, at, d, 0, d.length, false);
        }
    }

    /** Forgets the data, giving its bytes back to the budget; returns it (null when none). */
    byte[] release() {
        byte[] d = data;
        if (d != null) {
            data = null;
            budget.releaseAckOrder(d.length);
        }
        return d;
    }
}
