package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the Ethernet frames of one TCP connection with the options {@link TrafficSynth}
 * leaves out: timestamps, window scale and any window, over IPv4 or IPv6. Each side keeps its sequence
 * number and its timestamp clock (one tick per segment); the caller decides what is sent, in what
 * order and with which numbers, as an attacker would.
 */
final class TcpWire {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;

    final byte[] client;
    final byte[] server;
    final int cport;
    final int sport;
    long cseq = 0x1000_0000L;
    long sseq = 0x7000_0000L;
    /** Timestamp clocks, or -1 for a side that sends no timestamps. */
    long cts = 5_000;
    long sts = 900_000;
    final List<byte[]> frames = new ArrayList<>();

    TcpWire(String client, int cport, String server, int sport) {
        this.client = addr(client);
        this.server = addr(server);
        this.cport = cport;
        this.sport = sport;
    }

    /** Writes SYN, SYN-ACK and ACK, each SYN offering timestamps when its clock runs and the shift given (-1 none). */
    TcpWire handshake(int clientShift, int serverShift, int clientWindow, int serverWindow) {
        frames.add(frame(true, SYN, cseq, 0, clientWindow, synOptions(cts, 0, clientShift), new byte[0]));
        cseq++;
        frames.add(frame(false, SYN | ACK, sseq, cseq, serverWindow, synOptions(sts, cts, serverShift), new byte[0]));
        sseq++;
        frames.add(segment(true, ACK, cseq, sseq, clientWindow, new byte[0]));
        return this;
    }

    /** Builds a segment from one side with its next timestamp (if its clock runs), without sending it. */
    byte[] segment(boolean fromClient, int flags, long seq, long ack, int window, byte[] payload) {
        long ts = fromClient ? cts : sts;
        long echo = fromClient ? sts : cts;
        byte[] opts = new byte[0];
        if (ts >= 0) {
            opts = timestamps(ts, echo);
            if (fromClient) {
                cts++;
            } else {
                sts++;
            }
        }
        return frame(fromClient, flags, seq, ack, window, opts, payload);
    }

    /** Builds a segment carrying the given timestamp value, whatever the side's clock says. */
    byte[] segmentWithTimestamp(boolean fromClient, int flags, long seq, long ack, int window, byte[] payload, long tsval) {
        return frame(fromClient, flags, seq, ack, window, timestamps(tsval, fromClient ? sts : cts), payload);
    }

    /** Builds the segments carrying data from one side in segments of {@code mss}, advancing its sequence number; no ACKs. */
    List<byte[]> data(boolean fromClient, byte[] data, int mss, int window) {
        List<byte[]> out = dataAt(fromClient, fromClient ? cseq : sseq, data, mss, window);
        if (fromClient) {
            cseq += data.length;
        } else {
            sseq += data.length;
        }
        return out;
    }

    /** Builds segments carrying data from one side at the given sequence number, without advancing it. */
    List<byte[]> dataAt(boolean fromClient, long seq, byte[] data, int mss, int window) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < data.length; off += mss) {
            byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + mss));
            out.add(segment(fromClient, ACK | PSH, seq + off, fromClient ? sseq : cseq, window, chunk));
        }
        return out;
    }

    /** Builds an ACK from one side of everything the other sent so far. */
    byte[] ack(boolean fromClient, int window) {
        return segment(fromClient, ACK, fromClient ? cseq : sseq, fromClient ? sseq : cseq, window, new byte[0]);
    }

    /** A timestamps option (RFC 7323) after two no-ops. */
    static byte[] timestamps(long tsval, long tsecr) {
        return new byte[] {1, 1, 8, 10, (byte) (tsval >>> 24), (byte) (tsval >>> 16), (byte) (tsval >>> 8), (byte) tsval,
            (byte) (tsecr >>> 24), (byte) (tsecr >>> 16), (byte) (tsecr >>> 8), (byte) tsecr};
    }

    private static byte[] synOptions(long tsval, long tsecr, int shift) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[] {2, 4, 0x05, (byte) 0xb4}); // MSS 1460
        if (tsval >= 0) {
            o.writeBytes(timestamps(tsval, tsecr));
        }
        if (shift >= 0) {
            o.writeBytes(new byte[] {1, 3, 3, (byte) shift});
        }
        while (o.size() % 4 != 0) {
            o.write(0);
        }
        return o.toByteArray();
    }

    /** Builds a segment from one side with the URG flag and this urgent pointer; no timestamps. */
    byte[] urgent(boolean fromClient, long seq, long ack, int window, byte[] payload, int pointer) {
        return TrafficSynth.tcpFrame(fromClient ? client : server, fromClient ? cport : sport, fromClient ? server : client,
                fromClient ? sport : cport, ACK | PSH | URG, seq, ack, window, new byte[0], payload, 0, pointer);
    }

    byte[] frame(boolean fromClient, int flags, long seq, long ack, int window, byte[] options, byte[] payload) {
        return TrafficSynth.tcpFrame(fromClient ? client : server, fromClient ? cport : sport, fromClient ? server : client,
                fromClient ? sport : cport, flags, seq, ack, window, options, payload, 0);
    }

    private static byte[] addr(String text) {
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
