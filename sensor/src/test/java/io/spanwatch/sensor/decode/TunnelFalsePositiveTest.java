package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Feeds the decoder UDP datagrams that are not tunnels, on ports that are not tunnel ports: random
 * bytes (also shaped to look half like IPv6 or GTP-U) and the common UDP protocols a mirror port
 * carries (DNS, NTP, QUIC, STUN, TFTP, DHCP, RTP, SSDP, syslog, WireGuard, SNMP). None may be taken
 * for Teredo or GTP-U, which are recognised on any port by content, nor for a kind recognised by its
 * port (VXLAN-GPE, L2TPv3) even when it carries that kind's header. And random bytes after an L2TPv3
 * session id (IP protocol 115) are never taken for a pseudowire's Ethernet frame. The seed is printed;
 * replay with {@code -Dtests.seed=N}.
 */
class TunnelFalsePositiveTest {
    private static final int ROUNDS = 20_000;
    private static final long seed = Long.getLong("tests.seed", System.nanoTime());
    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket out = new DecodedPacket();

    @BeforeAll
    static void printSeed() {
        System.out.println("TunnelFalsePositiveTest seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
    }

    private void assertNotTunnel(String what, byte[] payload, Random r) {
        int sport = port(r);
        int dport = port(r);
        byte[] frame = eth(ETH_IPV4, ipv4(17, "10.0.0.1", "10.0.0.2", udp(sport, dport, payload)));
        out.reset(frame, 1, frame.length);
        decoder.decode(io.spanwatch.sensor.capture.LinkType.ETHERNET, frame, 0, frame.length, out);
        if (out.tunnelDepth != 0 || out.anomaly != null || !out.isUdp()) {
            fail(what + " on ports " + sport + ">" + dport + " was taken for a tunnel (depth " + out.tunnelDepth + ", anomaly "
                    + out.anomaly + ", seed " + seed + "): " + java.util.HexFormat.of().formatHex(payload));
        }
    }

    /** A port that no tunnel uses by default, ephemeral or well known. */
    private static int port(Random r) {
        int[] known = {53, 123, 443, 69, 67, 68, 161, 514, 1900, 5353, 3478, 51820, 5060, 500}; // 4500: ESP in UDP's
        while (true) {
            int p = r.nextBoolean() ? known[r.nextInt(known.length)] : 1024 + r.nextInt(64_512);
            if (p != 3544 && p != 2152 && p != 4789 && p != 8472 && p != 6081 && p != 4754 && p != 5072 && p != 6635 && p != 5247
                    && p != 1701 && p != 4790 && p != 4341 && p != 4500) {
                return p;
            }
        }
    }

    private void many(String what, Function<Random, byte[]> make) {
        Random r = new Random(seed ^ what.hashCode());
        for (int i = 0; i < ROUNDS; i++) {
            assertNotTunnel(what, make.apply(r), r);
        }
    }

    @Test
    void randomBytes() {
        many("random bytes", r -> random(r, r.nextInt(1500)));
        // The first bytes of an IPv6 header, or of the indicators, with the rest random.
        many("random IPv6-like", r -> {
            byte[] b = random(r, 40 + r.nextInt(1400));
            b[0] = (byte) (0x60 | r.nextInt(16));
            return b;
        });
        many("random with Teredo indicators", r -> {
            byte[] b = random(r, 40 + r.nextInt(600));
            b[0] = 0;
            b[1] = (byte) r.nextInt(2);
            return b;
        });
        many("random GTP-U-like", r -> {
            byte[] b = random(r, 28 + r.nextInt(1400));
            b[0] = (byte) (0x30 | r.nextInt(8));
            b[1] = (byte) 0xff;
            return b;
        });
    }

    @Test
    void ipv6ThatFillsTheDatagramWithoutATeredoAddressIsNotTeredoOffItsPort() {
        // The hardest case short of Teredo itself: a well-formed IPv6 header of the right length.
        many("exact-length IPv6 without a Teredo address", r -> {
            byte[] b = random(r, 40 + r.nextInt(600));
            b[0] = 0x60;
            b[4] = (byte) ((b.length - 40) >> 8);
            b[5] = (byte) (b.length - 40);
            b[6] = 6;
            b[7] = 64;
            b[8] = (byte) 0x24; // 2400::/12, a native prefix
            b[24] = (byte) 0x2a;
            return b;
        });
        many("exact-length G-PDU with junk inside", r -> {
            byte[] b = random(r, 28 + r.nextInt(1400));
            b[0] = 0x30;
            b[1] = (byte) 0xff;
            b[2] = (byte) ((b.length - 8) >> 8);
            b[3] = (byte) (b.length - 8);
            b[8] = (byte) (0x35 + 0x10 * r.nextInt(3)); // 0x35, 0x45, 0x55; an IPv4 length that does not fit
            int wrong = b.length - 8 + (r.nextBoolean() ? 1 + r.nextInt(100) : -1 - r.nextInt(8));
            b[10] = (byte) (wrong >> 8);
            b[11] = (byte) wrong;
            return b;
        });
    }

    /**
     * LISP is recognised by its destination port only: its header with a packet inside elsewhere is
     * UDP, and on 4341 what the RFC forbids (N with V, E without N) and encrypted packets are too.
     */
    @Test
    void lispHeadersOffItsPortAndForbiddenFlagsOnIt() {
        byte[] tcp4 = ipv4(6, "10.0.0.7", "10.0.0.8", tcp(40_000, 80, ascii("GET /")));
        many("LISP off its port", r -> cat(bytes(r.nextInt(256), r.nextInt(256), r.nextInt(256), r.nextInt(256)), random(r, 4),
                r.nextBoolean() ? tcp4 : random(r, 20 + r.nextInt(600))));
        Random r = new Random(seed ^ 4341);
        for (int i = 0; i < ROUNDS; i++) {
            int flags = switch (i % 3) {
                case 0 -> 0x90 | r.nextInt(16) & 0x6c; // N and V
                case 1 -> 0x20 | r.nextInt(256) & 0x5f; // E without N
                default -> r.nextInt(256) & 0xcc | 1 + r.nextInt(3); // a key id
            };
            byte[] frame = eth(ETH_IPV4, ipv4(17, "10.0.0.1", "10.0.0.2", udp(port(r), 4341, cat(bytes(flags), random(r, 7), tcp4))));
            out.reset(frame, 1, frame.length);
            decoder.decode(io.spanwatch.sensor.capture.LinkType.ETHERNET, frame, 0, frame.length, out);
            if (out.tunnelDepth != 0) {
                fail("flags " + Integer.toHexString(flags) + " taken for LISP (seed " + seed + ")");
            }
        }
    }

    /** VXLAN-GPE and L2TPv3 are recognised by port only: their headers, with a packet inside, elsewhere are UDP. */
    @Test
    void vxlanGpeAndL2tpv3HeadersOffTheirPorts() {
        byte[] tcp4 = ipv4(6, "10.0.0.7", "10.0.0.8", tcp(40_000, 80, ascii("GET /")));
        many("VXLAN-GPE off its port", r -> switch (r.nextInt(4)) {
            case 0 -> vxlanGpe(r.nextInt(1 << 24), 1, tcp4);
            case 1 -> vxlanGpe(r.nextInt(1 << 24), 3, eth(ETH_IPV4, tcp4));
            case 2 -> vxlanGpe(r.nextInt(1 << 24), -1, eth(ETH_IPV4, tcp4));
            default -> cat(bytes(0x0c, 0, 0, 1 + r.nextInt(5)), random(r, 4 + r.nextInt(600)));
        });
        many("L2TPv3 off its port", r -> {
            byte[] cookie = random(r, 4 * r.nextInt(3));
            return l2tpv3Udp(l2tpv3(1 + r.nextInt(Integer.MAX_VALUE), cookie, r.nextBoolean() ? r.nextInt(1 << 24) : -1,
                    r.nextBoolean() ? eth(ETH_IPV4, tcp4) : random(r, 14 + r.nextInt(600))));
        });
    }

    /**
     * Random bytes after an L2TPv3 session id never make an Ethernet frame: every cookie and sublayer
     * length is tried, and each needs an IP EtherType, version and header length and a length field
     * equal to what is left (about 40 bits). Frames of 64 bytes and less, where padding weakens the
     * length check, are left out: about 2^-30 each, they would fail one run in thousands.
     */
    @Test
    void randomBytesAfterAnL2tpv3SessionIdAreNoPseudowire() {
        Random r = new Random(seed ^ 115);
        for (int i = 0; i < ROUNDS; i++) {
            byte[] message = cat(u32(1 + r.nextInt(Integer.MAX_VALUE)), random(r, 80 + r.nextInt(1400)));
            if (r.nextBoolean()) { // half of them with an IPv4 header where the first guess reads it, its length not the rest
                int wrong = message.length - 4 - 14 + (r.nextBoolean() ? 1 + r.nextInt(100) : -1 - r.nextInt(40));
                message[4 + 12] = 0x08;
                message[4 + 13] = 0x00;
                message[4 + 14] = 0x45;
                message[4 + 16] = (byte) (wrong >> 8);
                message[4 + 17] = (byte) wrong;
            }
            byte[] frame = eth(ETH_IPV4, ipv4(115, "10.0.0.1", "10.0.0.2", message));
            out.reset(frame, 1, frame.length);
            decoder.decode(io.spanwatch.sensor.capture.LinkType.ETHERNET, frame, 0, frame.length, out);
            if (out.tunnelDepth != 0) {
                fail("random L2TPv3 message taken for a pseudowire (seed " + seed + "): " + java.util.HexFormat.of().formatHex(message));
            }
        }
    }

    /**
     * HP's remote mirroring has no header to check (Wireshark reads 8 unpublished bytes and a tag):
     * whatever else reaches the port an operator named for it, random bytes or a common protocol
     * sharing it, is not taken for a mirrored frame, since that must be an Ethernet frame from an
     * individual address carrying IPv4 or IPv6 whose length fills it.
     */
    @Test
    void otherTrafficOnAnHpRemoteMirroringPortIsNoMirroredFrame() {
        int erm = 8010;
        PacketDecoder d = new PacketDecoder(TunnelConfig.DEFAULTS.withHpErmPorts(java.util.List.of(erm)));
        Random r = new Random(seed ^ erm);
        for (int i = 0; i < ROUNDS; i++) {
            byte[] payload = switch (i % 6) {
                case 0 -> random(r, 26 + r.nextInt(1500));
                case 1 -> dns(r);
                case 2 -> { // an IPv4 EtherType and header where the frame would have them, its length not the rest
                    // (frames longer than Ethernet's padded 60 bytes, where a shorter packet is one)
                    byte[] b = random(r, 12 + 61 + r.nextInt(1400));
                    b[12 + 6] &= (byte) 0xfe;
                    b[12 + 12] = 0x08;
                    b[12 + 13] = 0x00;
                    b[12 + 14] = 0x45;
                    int wrong = b.length - 26 + (r.nextBoolean() ? 1 + r.nextInt(100) : -1 - r.nextInt(40));
                    b[12 + 16] = (byte) (wrong >> 8);
                    b[12 + 17] = (byte) wrong;
                    yield b;
                }
                case 3 -> cat(bytes(1 + r.nextInt(4), 0, 0, 0), random(r, 28 + r.nextInt(120))); // WireGuard
                case 4 -> ascii("<" + r.nextInt(192) + ">1 2026-01-01T00:00:00Z host app " + r.nextInt(99_999) + " - - message " + r.nextLong());
                default -> {
                    byte[] b = random(r, 1200 + r.nextInt(100)); // QUIC long header
                    b[0] = (byte) (0xc0 | r.nextInt(64));
                    yield b;
                }
            };
            boolean toPort = r.nextBoolean();
            byte[] frame = eth(ETH_IPV4, ipv4(17, "10.0.0.1", "10.0.0.2", udp(toPort ? port(r) : erm, toPort ? erm : port(r), payload)));
            out.reset(frame, 1, frame.length);
            d.decode(io.spanwatch.sensor.capture.LinkType.ETHERNET, frame, 0, frame.length, out);
            if (out.tunnelDepth != 0 || !out.isUdp()) {
                fail("taken for an HP remote mirroring frame (seed " + seed + "): " + java.util.HexFormat.of().formatHex(payload));
            }
        }
    }

    @Test
    void commonUdpProtocols() {
        many("DNS", TunnelFalsePositiveTest::dns);
        many("NTP", r -> {
            byte[] b = random(r, 48);
            b[0] = (byte) new int[] {0x1b, 0x1c, 0x23, 0x24, 0xe3, 0x24}[r.nextInt(6)];
            return b;
        });
        many("QUIC long header", r -> {
            byte[] b = random(r, 1200 + r.nextInt(100));
            b[0] = (byte) (0xc0 | r.nextInt(64));
            b[1] = 0;
            b[2] = 0;
            b[3] = 0;
            b[4] = 1;
            b[5] = 8;
            return b;
        });
        many("QUIC short header", r -> {
            byte[] b = random(r, 20 + r.nextInt(1330));
            b[0] = (byte) (0x40 | r.nextInt(64)); // a quarter of these start 0x6X, like IPv6
            return b;
        });
        many("STUN", r -> { // binding request/response start 00 01 / 01 01, like a Teredo authentication indicator
            int attrs = 4 * r.nextInt(20);
            byte[] b = cat(u16(r.nextBoolean() ? 0x0001 : 0x0101), u16(attrs), u32(0x2112a442L), random(r, 12), random(r, attrs));
            return b;
        });
        many("TFTP", r -> switch (r.nextInt(4)) { // opcodes 1-5 start 00 0X
            case 0 -> cat(u16(1), ascii("file" + r.nextInt(1000) + ".bin"), bytes(0), ascii("octet"), bytes(0));
            case 1 -> cat(u16(3), u16(r.nextInt(65_536)), random(r, 512));
            case 2 -> cat(u16(4), u16(r.nextInt(65_536)));
            default -> cat(u16(0), random(r, 60 + r.nextInt(600))); // opcode 0: not TFTP, but as hostile as it gets
        });
        many("DHCP", r -> {
            byte[] b = random(r, 300);
            b[0] = (byte) (1 + r.nextInt(2));
            b[1] = 1;
            b[2] = 6;
            return b;
        });
        many("RTP", r -> {
            byte[] b = random(r, 172);
            b[0] = (byte) 0x80;
            return b;
        });
        many("SSDP and syslog", r -> r.nextBoolean()
                ? ascii("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: " + r.nextInt(5) + "\r\n\r\n")
                : ascii("<" + r.nextInt(192) + ">1 2026-01-01T00:00:00Z host app " + r.nextInt(99_999) + " - - message " + r.nextLong()));
        many("WireGuard", r -> cat(bytes(1 + r.nextInt(4), 0, 0, 0), random(r, 28 + r.nextInt(120))));
        many("SNMP", r -> cat(bytes(0x30, 0x81, 0x90, 0x02, 0x01, r.nextInt(4)), random(r, 140)));
    }

    private static byte[] dns(Random r) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int id = switch (r.nextInt(4)) {
            case 0 -> 0; // some resolvers use 0, like an origin indication
            case 1 -> 1; // like an authentication indicator
            default -> r.nextInt(65_536);
        };
        boolean answer = r.nextBoolean();
        b.writeBytes(cat(u16(id), u16(answer ? 0x8180 : 0x0100), u16(1), u16(answer ? 1 + r.nextInt(4) : 0), u16(0), u16(r.nextInt(2))));
        String[] labels = {"www", "example", "com", "cdn", "api", "mail", "o" + r.nextInt(100)};
        for (int i = 0; i < 2 + r.nextInt(3); i++) {
            byte[] l = labels[r.nextInt(labels.length)].getBytes(StandardCharsets.US_ASCII);
            b.write(l.length);
            b.writeBytes(l);
        }
        b.write(0);
        b.writeBytes(cat(u16(r.nextBoolean() ? 1 : 28), u16(1)));
        if (answer) {
            b.writeBytes(cat(u16(0xc00c), u16(28), u16(1), u32(300), u16(16), addr("2001:db8::" + Integer.toHexString(r.nextInt(65_536)))));
        }
        return b.toByteArray();
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
