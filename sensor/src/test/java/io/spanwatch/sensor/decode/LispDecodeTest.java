package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Decodes LISP's data plane (RFC 9300) on UDP 4341 and keeps what the RFC forbids, or cannot be read, as UDP. */
class LispDecodeTest {
    private final PacketDecoder decoder = new PacketDecoder();

    /** The 8-byte header: flags, 3 bytes of nonce or map versions, 4 of instance id or locator-status bits. */
    static byte[] lisp(int flags, byte[] packet) {
        return cat(bytes(flags, 0x12, 0x34, 0x56, 0, 0, 0x01, 0x01), packet);
    }

    private DecodedPacket decode(byte[] frame) {
        return TunnelDecodeTest.decode(decoder, frame);
    }

    @Test
    void anIpPacketBetweenTunnelRoutersIsDecoded() {
        // N and L (a nonce and locator-status bits), as an ITR sends them; I (an instance id); V alone.
        assertInner(decode(udp4(61_234, 4341, lisp(0xc0, TCP4))), 4, TunnelKind.LISP);
        assertInner(decode(udp4(61_234, 4341, lisp(0x88, TCP6))), 6, TunnelKind.LISP);
        assertInner(decode(udp4(61_234, 4341, lisp(0x10, TCP4))), 4, TunnelKind.LISP);
        assertInner(decode(udp4(61_234, 4341, lisp(0xa0, TCP4))), 4, TunnelKind.LISP); // E with N (the bit RFC 9300 reserved is LISP-GPE's P)
        assertInner(decode(udp4(61_234, 4341, lisp(0x00, TCP6))), 6, TunnelKind.LISP);
    }

    @Test
    void whatTheRfcForbidsOrCannotBeReadStaysUdp() {
        assertPlainUdp(decode(udp4(61_234, 4341, lisp(0x90, TCP4)))); // N and V
        assertPlainUdp(decode(udp4(61_234, 4341, lisp(0x20, TCP4)))); // E without N
        assertPlainUdp(decode(udp4(61_234, 4341, lisp(0x81, TCP4)))); // a key id: LISP-Crypto, encrypted
        assertPlainUdp(decode(udp4(61_234, 4341, lisp(0x80, eth(ETH_IPV4, TCP4))))); // no IP version nibble
        byte[] shortIhl = TCP4.clone();
        shortIhl[0] = 0x44;
        assertPlainUdp(decode(udp4(61_234, 4341, lisp(0x80, shortIhl))));
        assertPlainUdp(decode(udp4(61_234, 4341, lisp(0x80, new byte[0])))); // a header and nothing
        assertPlainUdp(decode(udp4(4341, 61_234, lisp(0xc0, TCP4)))); // the destination port only
        assertPlainUdp(decode(udp4(61_234, 4342, lisp(0xc0, TCP4)))); // the control plane's port
    }

    /** LISP-GPE's header (RFC 9305): flags with P, a 16-bit nonce, the next protocol, then the instance id. */
    static byte[] lispGpe(int flags, int next, byte[] payload) {
        return cat(bytes(flags | 0x04, 0x12, 0x34, next, 0, 0, 0x01, 0x01), payload);
    }

    @Test
    void lispGpeHonoursItsNextProtocol() {
        assertTcp(decode(udp4(61_234, 4341, lispGpe(0x88, 1, TCP4))), SRC4, DST4, TunnelKind.LISP, TunnelKind.LISP_GPE);
        assertTcp(decode(udp4(61_234, 4341, lispGpe(0xc0, 2, TCP6))), SRC6, DST6, TunnelKind.LISP, TunnelKind.LISP_GPE);
        assertTcp(decode(udp4(61_234, 4341, lispGpe(0x08, 3, eth(ETH_IPV4, TCP4)))), SRC4, DST4, TunnelKind.LISP, TunnelKind.LISP_GPE);
        assertTcp(decode(udp4(61_234, 4341, lispGpe(0x08, 4, cat(LinkLayerDecodeTest.nsh(2, 2, 1), TCP4)))), SRC4, DST4,
                TunnelKind.LISP, TunnelKind.LISP_GPE);
        // the next protocol decides, not the version nibble: an Ethernet frame is no longer left as UDP
        assertEquals(DecodeAnomaly.IPV4_WRONG_VERSION, decode(udp4(61_234, 4341, lispGpe(0x08, 1, TCP6))).anomaly);
        for (int next : new int[] {0, 5, 0x7e, 0x80, 0xff}) {
            DecodedPacket p = decode(udp4(61_234, 4341, lispGpe(0x08, next, TCP4)));
            assertEquals(DecodeAnomaly.LISP_UNKNOWN_PAYLOAD, p.anomaly, "next protocol " + next);
            assertEquals(0, p.tunnelDepth);
        }
        assertEquals("decoder.lisp.unknown_payload_type", DecodeAnomaly.LISP_UNKNOWN_PAYLOAD.eventName());
        // what RFC 9300 forbids, and a key id, still keep it UDP
        assertPlainUdp(decode(udp4(61_234, 4341, lispGpe(0x90, 1, TCP4))));
        assertPlainUdp(decode(udp4(61_234, 4341, lispGpe(0x01, 1, TCP4))));
        assertEquals(DecodeAnomaly.LISP_TRUNCATED, decode(udp4(61_234, 4341, bytes(0x0c, 0, 0, 1, 0, 0))).anomaly);
    }

    @Test
    void aDatagramShorterThanTheHeaderIsAnAnomaly() {
        assertEquals(DecodeAnomaly.LISP_TRUNCATED, decode(udp4(61_234, 4341, bytes(0xc0, 0, 0, 1))).anomaly);
        assertEquals("decoder.lisp.pkt_too_small", DecodeAnomaly.LISP_TRUNCATED.eventName());
    }

    @Test
    void itsPortsAreASetting() {
        PacketDecoder moved = new PacketDecoder(TunnelConfig.DEFAULTS.withLispPorts(List.of(14_341)));
        assertInner(TunnelDecodeTest.decode(moved, udp4(61_234, 14_341, lisp(0xc0, TCP4))), 4, TunnelKind.LISP);
        assertPlainUdp(TunnelDecodeTest.decode(moved, udp4(61_234, 4341, lisp(0xc0, TCP4))));
        assertEquals(List.of(4341), TunnelConfig.DEFAULTS.lispPorts());
    }
}
