package io.spanwatch.sensor.pipeline;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.pipeline.TunnelPipelineTest.Result;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Carries an HTTP download through the encapsulations particular vendors' equipment sends (as
 * {@link TunnelPipelineTest} does for the common ones): the file must come out whole, in the inner
 * flow, with no decode anomaly, and the encapsulation counted.
 */
class VendorTunnelPipelineTest {
    private static final String CLIENT = "10.45.0.7";
    private static final String SERVER = "93.184.216.34";
    private static final byte[] MACS = cat(bytes(0x4c, 0x5e, 0x0c, 1, 2, 3), bytes(0xd4, 0xca, 0x6d, 4, 5, 6));

    /** Gives an Ethernet/IPv4 frame its own IP identification. */
    static byte[] withId(byte[] frame, int id) {
        frame[18] = (byte) (id >> 8);
        frame[19] = (byte) id;
        return frame;
    }

    /**
     * Two MikroTik routers bridging a site over EoIP ({@code /interface eoip}): each packet of the
     * download in an Ethernet frame in GRE version 1, keep-alives (empty frames) between them.
     */
    @Test
    void mikrotikEoipBridge(@TempDir Path tmp) throws Exception {
        Result r = TunnelPipelineTest.run(tmp, "eoip", CLIENT, SERVER, (ip, fromClient, i) -> {
            byte[] frame = cat(MACS, u16(ETH_IPV4), ip);
            byte[] tunnel = fromClient ? withId(eth(ETH_IPV4, ipv4(47, "198.51.100.1", "198.51.100.2", eoip(100, frame))), i)
                    : withId(eth(ETH_IPV4, ipv4(47, "198.51.100.2", "198.51.100.1", eoip(100, frame))), i);
            return i % 10 == 0 ? List.of(eth(ETH_IPV4, ipv4(47, "198.51.100.1", "198.51.100.2", eoip(100, new byte[0]))), tunnel)
                    : List.of(tunnel);
        });
        assertTrue(r.stats().get("decoder.eoip") > 10);
        assertEquals(r.stats().get("decoder.eoip"), r.stats().get("decoder.gre"), "every GRE header but the keep-alives' was EoIP");
    }

    /** EtherIP (IP protocol 97): a FreeBSD {@code gif} bridge one way, MikroTik's EoIPv6 the other. */
    @Test
    void etheripBridge(@TempDir Path tmp) throws Exception {
        Result r = TunnelPipelineTest.run(tmp, "etherip", CLIENT, SERVER, (ip, fromClient, i) -> {
            byte[] frame = cat(MACS, u16(ETH_IPV4), ip);
            return List.of(fromClient ? withId(eth(ETH_IPV4, ipv4(97, "198.51.100.1", "198.51.100.2", cat(bytes(0x30, 0), frame))), i)
                    : eth(ETH_IPV6, ipv6(97, "2001:db8::2", "2001:db8::1", cat(bytes(0x03, 0x64), frame))));
        });
        assertTrue(r.stats().get("decoder.etherip") > 10);
    }

    /**
     * Windows' domain isolation with ESP integrity only: every packet between the two hosts in ESP
     * with NULL encryption, transport mode, HMAC-SHA1-96's 12-byte ICV; the server's packets padded
     * beyond the minimum.
     */
    @Test
    void windowsDomainIsolationWithEspIntegrityOnly(@TempDir Path tmp) throws Exception {
        Result r = TunnelPipelineTest.run(tmp, "esp-null", CLIENT, SERVER, (ip, fromClient, i) -> {
            int hl = (ip[0] & 0x0f) * 4;
            byte[] esp = espNull(0x7a000000L + (fromClient ? 1 : 2), java.util.Arrays.copyOfRange(ip, hl, ip.length), ip[9] & 0xff,
                    fromClient ? 0 : i % 3, 12);
            return List.of(withId(eth(ETH_IPV4, fromClient ? ipv4(50, CLIENT, SERVER, esp) : ipv4(50, SERVER, CLIENT, esp)), i));
        });
        assertTrue(r.stats().get("decoder.esp_null") > 10);
        assertEquals(0, r.stats().get("decoder.tunneled"), "transport mode is not a tunnel");
    }

    /** TrustSec over DMVPN with inline tagging: Cisco MetaData (security group tag 17 one way, 4 the other) in GRE. */
    @Test
    void ciscoMetaDataInGre(@TempDir Path tmp) throws Exception {
        Result r = TunnelPipelineTest.run(tmp, "cmd-gre", CLIENT, SERVER, (ip, fromClient, i) -> {
            byte[] g = gre(false, true, false, 0x8909, cat(u16(ETH_IPV4), bytes(0x01, 0x01, 0x00, 0x01), u16(fromClient ? 17 : 4), ip));
            return List.of(withId(eth(ETH_IPV4, fromClient ? ipv4(47, "198.51.100.1", "198.51.100.2", g)
                    : ipv4(47, "198.51.100.2", "198.51.100.1", g)), i));
        });
        assertTrue(r.stats().get("decoder.gre") > 10);
    }

    /**
     * An ArubaOS-Switch (or ProCurve) mirroring a port to a remote collector ({@code mirror 1 remote ip
     * 192.0.2.2 8010 192.0.2.30}): each frame of the download, its VLAN tag (20) moved into HP's header,
     * in UDP from port 8010 to 8010, the port the sensor is told ({@code decoder.hp-erm.ports}).
     * Without that setting the file stays unseen.
     */
    @Test
    void hpRemoteMirroring(@TempDir Path tmp) throws Exception {
        TunnelPipelineTest.Encap erm = (ip, fromClient, i) -> {
            byte[] frame = cat(fromClient ? MACS : cat(java.util.Arrays.copyOfRange(MACS, 6, 12), java.util.Arrays.copyOfRange(MACS, 0, 6)),
                    u16(ETH_IPV4), ip);
            byte[] header = cat(bytes(0, 0, 0, 0, 0, 0, 0, 0), u32(2L << 21 | 20L << 8 | 0x80));
            return List.of(withId(eth(ETH_IPV4, ipv4(17, "192.0.2.2", "192.0.2.30", udp(8010, 8010, cat(header, frame)))), i));
        };
        Result r = TunnelPipelineTest.run(tmp, "hp-erm", CLIENT, SERVER,
                io.spanwatch.sensor.decode.TunnelConfig.DEFAULTS.withHpErmPorts(List.of(8010)), erm);
        assertTrue(r.stats().get("decoder.hp_erm") > 10);
        assertTrue(r.eve().contains("\"vlan\":[20]"), "the mirrored frame's VLAN");
        byte[] body = TunnelPipelineTest.body("hp-erm-off");
        Path pcap = TunnelPipelineTest.capture(tmp, "hp-erm-off", CLIENT, SERVER, body, erm);
        Path out = tmp.resolve("hp-erm-off");
        PipelineRegressionTest.run(out, PipelineRegressionTest.config(out, io.spanwatch.sensor.reassembly.ReassemblyConfig.DEFAULTS, null), pcap);
        assertTrue(!java.nio.file.Files.readString(out.resolve("eve.json")).contains(io.spanwatch.sensor.capture.DemoCapture.sha256(body)),
                "no port is HP's by default");
    }

    /**
     * Two LISP tunnel routers (a Cisco IOS XE xTR, Open Overlay Router): the client's packets to UDP
     * 4341 over IPv4 with a nonce and locator-status bits, the server's over IPv6 with an instance id;
     * the source port a hash of the inner flow, as the RFC asks.
     */
    @Test
    void lispTunnelRouters(@TempDir Path tmp) throws Exception {
        Result r = TunnelPipelineTest.run(tmp, "lisp", CLIENT, SERVER, (ip, fromClient, i) -> List.of(fromClient
                ? withId(eth(ETH_IPV4, ipv4(17, "198.51.100.1", "198.51.100.2", udp(52_000 + i % 7, 4341,
                        cat(bytes(0xc0, 0, i >> 8, i), u32(1), ip)))), i)
                : eth(ETH_IPV6, ipv6(17, "2001:db8::2", "2001:db8::1", udp(61_000, 4341, cat(bytes(0x08, 0, 0, 0), u32(0x00000a00L), ip))))));
        assertTrue(r.stats().get("decoder.lisp") > 10);
    }

    /**
     * A remote-access client behind a NAT (IKE moved to UDP 4500 on finding it, RFC 3948): tunnel-mode
     * ESP with NULL encryption in UDP between the NAT's port 61002 and the gateway's 4500, HMAC-SHA-256's
     * 16-byte ICV; the client's NAT keep-alives and IKE's informational exchanges (after the non-ESP
     * marker) on the same ports are passed over.
     */
    @Test
    void espNullThroughANat(@TempDir Path tmp) throws Exception {
        byte[] ike = cat(u32(0), u32(0x11223344L), u32(0x55667788L), u32(0x99aabbccL), u32(0xddeeff00L), bytes(0x2e, 0x20, 0x25, 0x08),
                u32(7), u32(80), new byte[52]);
        Result r = TunnelPipelineTest.run(tmp, "esp-udp", CLIENT, SERVER, (ip, fromClient, i) -> {
            byte[] esp = espNull(0x7a000000L + (fromClient ? 1 : 2), ip, 4, i % 3, 16);
            byte[] tunnel = withId(eth(ETH_IPV4, fromClient ? ipv4(17, "203.0.113.9", "198.51.100.2", udp(61_002, 4500, esp))
                    : ipv4(17, "198.51.100.2", "203.0.113.9", udp(4500, 61_002, esp))), i);
            return i % 10 == 0 ? List.of(eth(ETH_IPV4, ipv4(17, "203.0.113.9", "198.51.100.2", udp(61_002, 4500, bytes(0xff)))),
                    eth(ETH_IPV4, ipv4(17, "198.51.100.2", "203.0.113.9", udp(4500, 61_002, ike))), tunnel) : List.of(tunnel);
        });
        assertTrue(r.stats().get("decoder.esp_in_udp") > 10);
        assertEquals(r.stats().get("decoder.esp_in_udp"), r.stats().get("decoder.esp_null"));
        assertEquals(r.stats().get("decoder.esp_in_udp"), r.stats().get("decoder.tunneled"), "tunnel mode");
    }

    /**
     * LISP-GPE (RFC 9305) between two tunnel routers of a fabric that carries layer 2: the client's
     * frames whole (next protocol Ethernet) over IPv4, the server's packets as IPv4 (next protocol 1)
     * over IPv6, each header with the P bit, a 16-bit nonce and an instance id.
     */
    @Test
    void lispGpeBetweenFabricEdges(@TempDir Path tmp) throws Exception {
        Result r = TunnelPipelineTest.run(tmp, "lisp-gpe", CLIENT, SERVER, (ip, fromClient, i) -> List.of(fromClient
                ? withId(eth(ETH_IPV4, ipv4(17, "198.51.100.1", "198.51.100.2", udp(52_000 + i % 7, 4341,
                        cat(bytes(0x8c, i >> 8, i, 3), u32(0x00001000L), MACS, u16(ETH_IPV4), ip)))), i)
                : eth(ETH_IPV6, ipv6(17, "2001:db8::2", "2001:db8::1", udp(61_000, 4341, cat(bytes(0x0c, 0, 0, 1), u32(0x00001000L), ip))))));
        assertTrue(r.stats().get("decoder.lisp_gpe") > 10);
        assertEquals(r.stats().get("decoder.lisp_gpe"), r.stats().get("decoder.lisp"), "every LISP header was LISP-GPE's");
    }
}
