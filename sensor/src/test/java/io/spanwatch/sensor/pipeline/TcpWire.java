package io.spanwatch.sensor.pipeline;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the Ethernet frames of one TCP connection with the options {@link io.spanwatch.sensor.capture.TrafficSynth}
 * leaves out: timestamps, window scale and any window, over IPv4 or IPv6. Each side keeps its sequence
 * number and its timestamp clock (one tick per segment); the caller decides what is sent, in what
 * order and with which numbers, as an attacker would.
 */
final class TcpWire {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

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

    private static byte[] timestamps(long tsval, long tsecr) {
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

    byte[] frame(boolean fromClient, int flags, long seq, long ack, int window, byte[] options, byte[] payload) {
        byte[] src = fromClient ? client : server;
        byte[] dst = fromClient ? server : client;
        int hl = 20 + options.length;
        byte[] tcp = new byte[hl + payload.length];
        put16(tcp, 0, fromClient ? cport : sport);
        put16(tcp, 2, fromClient ? sport : cport);
        put32(tcp, 4, seq);
        put32(tcp, 8, (flags & ACK) != 0 ? ack : 0);
        tcp[12] = (byte) ((hl / 4) << 4);
        tcp[13] = (byte) flags;
        put16(tcp, 14, window);
        System.arraycopy(options, 0, tcp, 20, options.length);
        System.arraycopy(payload, 0, tcp, hl, payload.length);
        long sum = sum(src, 0) + sum(dst, 0) + 6 + tcp.length + sum(tcp, 0);
        put16(tcp, 16, fold(sum));
        boolean v6 = src.length == 16;
        int ipl = v6 ? 40 : 20;
        byte[] f = new byte[14 + ipl + tcp.length];
        f[0] = 0x02;
        f[5] = dst[dst.length - 1];
        f[6] = 0x02;
        f[11] = src[src.length - 1];
        put16(f, 12, v6 ? 0x86DD : 0x0800);
        if (v6) {
            f[14] = 0x60;
            put16(f, 18, tcp.length);
            f[20] = 6;
            f[21] = 64;
            System.arraycopy(src, 0, f, 22, 16);
            System.arraycopy(dst, 0, f, 38, 16);
        } else {
            f[14] = 0x45;
            put16(f, 16, 20 + tcp.length);
            f[22] = 64;
            f[23] = 6;
            System.arraycopy(src, 0, f, 26, 4);
            System.arraycopy(dst, 0, f, 30, 4);
            put16(f, 24, fold(sum(java.util.Arrays.copyOfRange(f, 14, 34), 0)));
        }
        System.arraycopy(tcp, 0, f, 14 + ipl, tcp.length);
        return f;
    }

    private static long sum(byte[] b, long s) {
        for (int i = 0; i + 1 < b.length; i += 2) {
            s += ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
        }
        if (b.length % 2 == 1) {
            s += (b[b.length - 1] & 0xFF) << 8;
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) (~s & 0xFFFF);
    }

    private static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    private static void put32(byte[] b, int o, long v) {
        put16(b, o, (int) (v >>> 16));
        put16(b, o + 2, (int) v);
    }

    private static byte[] addr(String text) {
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
