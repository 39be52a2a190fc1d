package io.spanwatch.sensor.flow;

import io.spanwatch.sensor.decode.DecodedPacket;

/**
 * Identifies a flow by its two endpoints, transport protocol and VLAN tags, the same for both
 * directions: endpoints are stored in a canonical order (lower address and port first).
 *
 * <p>IPv4 addresses are stored as IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) in two longs. A table
 * looks flows up with one reused mutable key ({@link #set}) and stores an {@link #copy} of it, so
 * stored keys never change.
 */
public final class FlowKey {
    long aHi;
    long aLo;
    long bHi;
    long bLo;
    int aPort;
    int bPort;
    int proto;
    /** Up to two VLAN ids packed (outer << 12 | inner), -1 bits when absent. */
    int vlanKey;
    int hash;

    /**
     * Fills this key from a decoded packet and tells whether the packet's source is the canonical
     * endpoint A.
     */
    public boolean set(DecodedPacket p) {
        return set(p, true);
    }

    /**
     * Fills this key from a decoded packet, with or without its VLAN ids, and tells whether the
     * packet's source is the canonical endpoint A.
     */
    public boolean set(DecodedPacket p, boolean withVlans) {
        long sHi;
        long sLo;
        long dHi;
        long dLo;
        byte[] b = p.buf;
        if (p.ipVersion == 6) {
            sHi = readLong(b, p.srcAddrOff);
            sLo = readLong(b, p.srcAddrOff + 8);
            dHi = readLong(b, p.dstAddrOff);
            dLo = readLong(b, p.dstAddrOff + 8);
        } else {
            sHi = 0;
            sLo = 0xFFFF_0000_0000L | (readInt(b, p.srcAddrOff) & 0xFFFF_FFFFL);
            dHi = 0;
            dLo = 0xFFFF_0000_0000L | (readInt(b, p.dstAddrOff) & 0xFFFF_FFFFL);
        }
        // ICMP "ports" are type and code: an echo request and its reply must find one flow.
        boolean icmp = p.proto == 1 || p.proto == 58;
        int sPort = icmp ? 0 : p.srcPort;
        int dPort = icmp ? 0 : p.dstPort;
        boolean srcIsA = compare(sHi, sLo, sPort, dHi, dLo, dPort) <= 0;
        if (srcIsA) {
            aHi = sHi; aLo = sLo; aPort = sPort;
            bHi = dHi; bLo = dLo; bPort = dPort;
        } else {
            aHi = dHi; aLo = dLo; aPort = dPort;
            bHi = sHi; bLo = sLo; bPort = sPort;
        }
        proto = p.proto;
        int v0 = withVlans && p.vlanCount > 0 ? p.vlans[0] & 0xFFF : 0xFFF;
        int v1 = withVlans && p.vlanCount > 1 ? p.vlans[1] & 0xFFF : 0xFFF;
        vlanKey = (v0 << 12) | v1;
        hash = computeHash();
        return srcIsA;
    }

    /** Returns an immutable copy for storing in a table. */
    public FlowKey copy() {
        FlowKey k = new FlowKey();
        k.aHi = aHi; k.aLo = aLo; k.bHi = bHi; k.bLo = bLo;
        k.aPort = aPort; k.bPort = bPort; k.proto = proto; k.vlanKey = vlanKey; k.hash = hash;
        return k;
    }

    /**
     * Returns a hash of the endpoints and protocol that is the same for both directions and
     * ignores VLANs, for spreading flows over workers.
     */
    public static int symmetricHash(DecodedPacket p) {
        byte[] b = p.buf;
        int n = p.ipVersion == 6 ? 16 : 4;
        int hs = 0;
        int hd = 0;
        for (int i = 0; i < n; i += 4) {
            hs = hs * 31 + readInt(b, p.srcAddrOff + i);
            hd = hd * 31 + readInt(b, p.dstAddrOff + i);
        }
        int ports = p.proto == 1 || p.proto == 58 ? 0 : p.srcPort ^ p.dstPort;
        int x = (hs ^ hd) * 0x9E3779B1 + (ports * 0x85EBCA6B) + p.proto;
        x ^= x >>> 16;
        x *= 0x7FEB352D;
        x ^= x >>> 15;
        return x;
    }

    private static int compare(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort) {
        int c = Long.compareUnsigned(aHi, bHi);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(aLo, bLo);
        if (c != 0) {
            return c;
        }
        return Integer.compare(aPort, bPort);
    }

    private int computeHash() {
        long h = aHi * 0x9E3779B97F4A7C15L;
        h = (h ^ aLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ bHi) * 0x9E3779B97F4A7C15L;
        h = (h ^ bLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ ((long) aPort << 32 | bPort)) * 0x9E3779B97F4A7C15L;
        h = (h ^ ((long) proto << 32 | vlanKey)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowKey k && k.hash == hash && k.aLo == aLo && k.bLo == bLo && k.aPort == aPort
                && k.bPort == bPort && k.aHi == aHi && k.bHi == bHi && k.proto == proto && k.vlanKey == vlanKey;
    }

    static long readLong(byte[] b, int off) {
        return ((long) readInt(b, off) << 32) | (readInt(b, off + 4) & 0xFFFF_FFFFL);
    }

    static int readInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }
}
