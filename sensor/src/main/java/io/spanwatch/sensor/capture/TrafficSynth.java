package io.spanwatch.sensor.capture;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds Ethernet/IPv4-or-IPv6/TCP frames of made-up conversations, with valid checksums, and writes
 * them to a {@link PcapWriter}: handshakes, data cut into MSS-sized segments each acknowledged by the
 * peer, and teardowns. Used for the demo capture and for tests that need traffic whose content is
 * known byte for byte. Segments can also be built one by one and written in any order, to model loss,
 * reordering and retransmission.
 *
 * <p>Not thread-safe. Packet time starts at the given instant and moves 50 µs per frame.
 */
public final class TrafficSynth {
    /** TCP flags. */
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;

    private final PcapWriter out;
    private long now;
    private int ipId = 1;

    public TrafficSynth(PcapWriter out, long startNanos) {
        this.out = out;
        this.now = startNanos;
    }

    /** Returns the packet time of the next frame. */
    public long now() {
        return now;
    }

    /** Moves packet time forward. */
    public void advance(long nanos) {
        now += nanos;
    }

    /** Starts a TCP connection between two addresses (IPv4 or IPv6 text); nothing is written yet. */
    public Conn tcp(String client, int clientPort, String server, int serverPort) {
        return new Conn(addr(client), clientPort, addr(server), serverPort);
    }

    /** Writes one UDP datagram. */
    public void udp(String src, int sport, String dst, int dport, byte[] payload) throws IOException {
        byte[] s = addr(src);
        byte[] d = addr(dst);
        byte[] udp = new byte[8 + payload.length];
        put16(udp, 0, sport);
        put16(udp, 2, dport);
        put16(udp, 4, udp.length);
        System.arraycopy(payload, 0, udp, 8, payload.length);
        int sum = transportChecksum(s, d, 17, udp);
        put16(udp, 6, sum == 0 ? 0xFFFF : sum);
        emit(ip(s, d, 17, udp, nextIpId(s)));
    }

    /**
     * Writes one ICMP message (ICMPv6 when the addresses are IPv6): type, code, checksum, then
     * {@code rest} (e.g. an echo's identifier, sequence number and data).
     */
    public void icmp(String src, String dst, int type, int code, byte[] rest) throws IOException {
        byte[] s = addr(src);
        byte[] d = addr(dst);
        byte[] msg = new byte[4 + rest.length];
        msg[0] = (byte) type;
        msg[1] = (byte) code;
        System.arraycopy(rest, 0, msg, 4, rest.length);
        boolean v6 = s.length == 16;
        put16(msg, 2, v6 ? transportChecksum(s, d, 58, msg) : fold(sum(msg, 0, msg.length, 0)));
        emit(ip(s, d, v6 ? 58 : 1, msg, nextIpId(s)));
    }

    /** Writes a frame as it is (e.g. ARP, or something malformed). */
    public void raw(byte[] frame) throws IOException {
        out.write(now, frame);
        now += 50_000;
    }

    /** One TCP connection; sequence numbers advance as data is written. */
    public final class Conn {
        final byte[] c;
        final byte[] s;
        final int cport;
        final int sport;
        long cseq = 0x1000_0000L;
        long sseq = 0x7000_0000L;
        /** Segment size used by {@link #send}. */
        public int mss = 1448;
        /**
         * Window scale shift both SYNs offer (RFC 7323), as real stacks do; -1 (the default): none, so
         * every window is the 65,535 bytes the segments carry.
         */
        public int windowShift = -1;

        Conn(byte[] c, int cport, byte[] s, int sport) {
            this.c = c;
            this.cport = cport;
            this.s = s;
            this.sport = sport;
        }

        /** Writes SYN, SYN-ACK, ACK. */
        public Conn handshake() throws IOException {
            write(segment(true, SYN, cseq, 0, new byte[0]));
            cseq++;
            write(segment(false, SYN | ACK, sseq, cseq, new byte[0]));
            sseq++;
            write(segment(true, ACK, cseq, sseq, new byte[0]));
            return this;
        }

        /** Writes data from one side in MSS-sized segments, each followed by the peer's ACK. */
        public Conn send(boolean fromClient, byte[] data) throws IOException {
            for (byte[] seg : segments(fromClient, data)) {
                write(seg);
                write(ack(!fromClient));
            }
            return this;
        }

        /**
         * Builds the segments carrying {@code data} from one side and advances that side's sequence
         * number, without writing them: the caller writes them in any order, or drops some.
         */
        public List<byte[]> segments(boolean fromClient, byte[] data) {
            List<byte[]> list = new ArrayList<>();
            for (int off = 0; off < data.length; off += mss) {
                int n = Math.min(mss, data.length - off);
                byte[] chunk = java.util.Arrays.copyOfRange(data, off, off + n);
                long seq = fromClient ? cseq : sseq;
                list.add(segment(fromClient, ACK | PSH, seq, fromClient ? sseq : cseq, chunk));
                if (fromClient) {
                    cseq += n;
                } else {
                    sseq += n;
                }
            }
            return list;
        }

        /** Builds a pure ACK from one side for everything the other side sent so far. */
        public byte[] ack(boolean fromClient) {
            return segment(fromClient, ACK, fromClient ? cseq : sseq, fromClient ? sseq : cseq, new byte[0]);
        }

        /** Writes FIN from both sides (client first) and the last ACK. */
        public Conn close() throws IOException {
            write(segment(true, FIN | ACK, cseq, sseq, new byte[0]));
            cseq++;
            write(segment(false, FIN | ACK, sseq, cseq, new byte[0]));
            sseq++;
            write(segment(true, ACK, cseq, sseq, new byte[0]));
            return this;
        }

        /** Writes a RST from one side. */
        public Conn reset(boolean fromClient) throws IOException {
            write(segment(fromClient, RST | ACK, fromClient ? cseq : sseq, fromClient ? sseq : cseq, new byte[0]));
            return this;
        }

        /** Writes a frame built by this connection. */
        public void write(byte[] frame) throws IOException {
            emit(frame);
        }

        /** Builds one TCP segment with explicit flags and numbers. */
        public byte[] segment(boolean fromClient, int flags, long seq, long ack, byte[] payload) {
            // NOP, then the window scale both SYNs offer
            byte[] options = (flags & SYN) != 0 && windowShift >= 0 ? new byte[] {1, 3, 3, (byte) windowShift} : new byte[0];
            return tcpFrame(fromClient ? c : s, fromClient ? cport : sport, fromClient ? s : c, fromClient ? sport : cport,
                    flags, seq, ack, 65535, options, payload, nextIpId(c));
        }
    }

    /**
     * Builds the Ethernet frame of one TCP segment over IPv4 (don't-fragment set, identification
     * {@code ipId}) or IPv6, by the length of the addresses, with valid checksums and the options given
     * (a multiple of 4 bytes); the acknowledgment number only with ACK set.
     */
    public static byte[] tcpFrame(byte[] src, int sport, byte[] dst, int dport, int flags, long seq, long ack, int window,
            byte[] options, byte[] payload, int ipId) {
        return tcpFrame(src, sport, dst, dport, flags, seq, ack, window, options, payload, ipId, 0);
    }

    /** Builds a TCP frame as {@link #tcpFrame(byte[], int, byte[], int, int, long, long, int, byte[], byte[], int)} with this urgent pointer field. */
    public static byte[] tcpFrame(byte[] src, int sport, byte[] dst, int dport, int flags, long seq, long ack, int window,
            byte[] options, byte[] payload, int ipId, int urgentPointer) {
        if (options.length % 4 != 0 || options.length > 40) {
            throw new IllegalArgumentException("TCP options of " + options.length + " bytes");
        }
        int hl = 20 + options.length;
        byte[] tcp = new byte[hl + payload.length];
        put16(tcp, 0, sport);
        put16(tcp, 2, dport);
        put32(tcp, 4, seq);
        put32(tcp, 8, (flags & ACK) != 0 ? ack : 0);
        tcp[12] = (byte) (hl / 4 << 4);
        tcp[13] = (byte) flags;
        put16(tcp, 14, window);
        put16(tcp, 18, urgentPointer);
        System.arraycopy(options, 0, tcp, 20, options.length);
        System.arraycopy(payload, 0, tcp, hl, payload.length);
        put16(tcp, 16, transportChecksum(src, dst, 6, tcp));
        return ip(src, dst, 6, tcp, ipId);
    }

    /**
     * Cuts bytes {@code [off, off + len)} of an Ethernet/IPv4 frame's IP payload out as one fragment:
     * the frame's link and IP header with the length, fragment offset ({@code off}, a multiple of 8)
     * and "more fragments" flag set and the header checksum recomputed. Pieces may overlap or leave
     * holes, as an attacker's would.
     */
    public static byte[] fragment4(byte[] frame, int off, int len, boolean more) {
        int hl = (frame[14] & 0x0f) * 4;
        if (off % 8 != 0 || off < 0 || len < 0 || 14 + hl + off + len > frame.length) {
            throw new IllegalArgumentException("fragment " + off + "+" + len + " of a frame of " + frame.length + " bytes");
        }
        byte[] f = new byte[14 + hl + len];
        System.arraycopy(frame, 0, f, 0, 14 + hl);
        System.arraycopy(frame, 14 + hl + off, f, 14 + hl, len);
        put16(f, 16, hl + len);
        put16(f, 20, (off / 8) | (more ? 0x2000 : 0));
        put16(f, 24, 0);
        put16(f, 24, fold(sum(f, 14, hl, 0)));
        return f;
    }

    /** The next IPv4 identification; IPv6 has none and takes none. */
    private int nextIpId(byte[] src) {
        return src.length == 4 ? ipId++ : 0;
    }

    private void emit(byte[] frame) throws IOException {
        out.write(now, frame);
        now += 50_000;
    }

    private static byte[] ip(byte[] src, byte[] dst, int proto, byte[] payload, int ipId) {
        boolean v6 = src.length == 16;
        int hl = v6 ? 40 : 20;
        byte[] f = new byte[14 + hl + payload.length];
        // Locally administered MACs derived from the addresses.
        f[0] = 0x02;
        f[5] = dst[dst.length - 1];
        f[6] = 0x02;
        f[11] = src[src.length - 1];
        put16(f, 12, v6 ? 0x86DD : 0x0800);
        int o = 14;
        if (v6) {
            f[o] = 0x60;
            put16(f, o + 4, payload.length);
            f[o + 6] = (byte) proto;
            f[o + 7] = 64;
            System.arraycopy(src, 0, f, o + 8, 16);
            System.arraycopy(dst, 0, f, o + 24, 16);
        } else {
            f[o] = 0x45;
            put16(f, o + 2, 20 + payload.length);
            put16(f, o + 4, ipId & 0xFFFF);
            f[o + 6] = 0x40; // DF
            f[o + 8] = 64;
            f[o + 9] = (byte) proto;
            System.arraycopy(src, 0, f, o + 12, 4);
            System.arraycopy(dst, 0, f, o + 16, 4);
            put16(f, o + 10, fold(sum(f, o, 20, 0)));
        }
        System.arraycopy(payload, 0, f, 14 + hl, payload.length);
        return f;
    }

    private static int transportChecksum(byte[] src, byte[] dst, int proto, byte[] seg) {
        long s = sum(src, 0, src.length, 0);
        s = sum(dst, 0, dst.length, s);
        s += proto + seg.length;
        s = sum(seg, 0, seg.length, s);
        return fold(s);
    }

    private static long sum(byte[] b, int off, int len, long s) {
        return io.spanwatch.sensor.decode.Checksums.sum(b, off, len, s);
    }

    /** The checksum to write: the complement of the folded sum. */
    private static int fold(long s) {
        return ~io.spanwatch.sensor.decode.Checksums.fold(s) & 0xFFFF;
    }

    private static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    private static void put32(byte[] b, int o, long v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    private static byte[] addr(String text) {
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
    }
}
