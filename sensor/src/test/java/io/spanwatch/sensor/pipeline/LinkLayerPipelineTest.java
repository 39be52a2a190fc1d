package io.spanwatch.sensor.pipeline;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Carries an HTTP download through the whole pipeline in captures of the other link layers a sensor
 * is handed (monitor-mode Wi-Fi behind radiotap, with A-MSDUs; PPP and Cisco HDLC serial links;
 * Linux's NFLOG) and inside Ethernet headers of data-centre and carrier switches (VN-Tag, 802.1ah,
 * FabricPath, a Network Service Header): the file must come out with its sha256, with no decode anomaly.
 */
class LinkLayerPipelineTest {
    private static final String CLIENT = "192.168.7.23";
    private static final String SERVER = "203.0.113.80";
    private static final byte[] MACS = cat(bytes(0, 0x1a, 0x1e, 1, 2, 3), bytes(0xa4, 0x5e, 0x60, 4, 5, 6));
    /** Radiotap with TSFT and flags (FCS at the end of every frame). */
    private static final byte[] RADIOTAP = cat(bytes(0, 0, 24, 0, 0x03, 0, 0, 0), new byte[8], bytes(0x10), new byte[7]);

    /** Writes the download of {@code name} in {@code linkType} frames, each inner IP packet (and whether the client sent it) framed by {@code frame}. */
    private static Pipeline.Summary run(Path tmp, String name, int linkType, BiFunction<byte[], Boolean, List<byte[]>> frame) throws Exception {
        byte[] body = TunnelPipelineTest.body(name);
        byte[] c = addr(CLIENT);
        Path pcap = tmp.resolve(name + ".pcap");
        try (PcapWriter w = PcapWriter.create(pcap, linkType, false)) {
            for (PipelineRobustnessTest.Frame f : TunnelPipelineTest.download(tmp, name, CLIENT, SERVER, body)) {
                byte[] ip = Arrays.copyOfRange(f.data(), 14, f.data().length);
                for (byte[] outer : frame.apply(ip, Arrays.equals(ip, 12, 16, c, 0, 4))) {
                    w.write(f.ts(), outer);
                }
            }
        }
        Path out = tmp.resolve(name);
        Pipeline p = Pipeline.start(PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null));
        try (CaptureFile f = CaptureFile.open(pcap)) {
            f.run((ts, link, buf, off, cap, wire) -> p.frame(ts, link, buf, off, cap, wire)); // the file's link type
        }
        Pipeline.Summary s = p.finish();
        String eve = Files.readString(out.resolve("eve.json"));
        assertTrue(eve.contains("\"sha256\":\"" + DemoCapture.sha256(body) + "\""), name + ": the file was not extracted whole\n" + eve);
        assertTrue(eve.contains("\"src_ip\":\"" + CLIENT + "\""), name + ": no flow from the client");
        assertEquals(0, s.get("decoder.invalid"), name + ": decode anomalies");
        assertEquals(0, s.get("internal.errors"), name);
        return s;
    }

    @Test
    void monitorModeWifiWithAmsdus(@TempDir Path tmp) throws Exception {
        List<byte[]> pending = new ArrayList<>();
        Pipeline.Summary s = run(tmp, "radiotap", LinkType.IEEE802_11_RADIOTAP, (ip, fromClient) -> {
            if (fromClient) {
                return List.of(cat(RADIOTAP, wlanData(true, false, false, false, snap(ETH_IPV4, ip)), bytes(1, 2, 3, 4)));
            }
            // the access point aggregates the server's packets three to an A-MSDU
            pending.add(ip);
            if (pending.size() < 3 && ip.length > 100) {
                return List.of();
            }
            byte[] subframes = new byte[0];
            for (int k = 0; k < pending.size(); k++) {
                subframes = cat(subframes, amsduSubframe(ETH_IPV4, pending.get(k), k == pending.size() - 1));
            }
            pending.clear();
            return List.of(cat(RADIOTAP, wlanData(true, false, false, true, subframes), bytes(1, 2, 3, 4)));
        });
        assertTrue(s.get("decoder.amsdu_subframes") > 10, "subframes after the first, each made a frame");
        run(tmp, "dot11", LinkType.IEEE802_11, (ip, fromClient) -> List.of(wlanData(false, false, false, false, snap(ETH_IPV4, ip))));
    }

    @Test
    void serialLinksAndNflog(@TempDir Path tmp) throws Exception {
        run(tmp, "ppp", LinkType.PPP_HDLC, (ip, fromClient) -> List.of(cat(bytes(0xff, 0x03, 0, 0x21), ip)));
        run(tmp, "chdlc", LinkType.C_HDLC, (ip, fromClient) -> List.of(cat(bytes(0x0f, 0), u16(ETH_IPV4), ip)));
        run(tmp, "ppp-dir", LinkType.PPP_WITH_DIR, (ip, fromClient) -> List.of(cat(bytes(fromClient ? 1 : 0, 0xff, 0x03, 0, 0x21), ip)));
        run(tmp, "chdlc-dir", LinkType.C_HDLC_WITH_DIR, (ip, fromClient) -> List.of(cat(bytes(fromClient ? 1 : 0, 0x0f, 0), u16(ETH_IPV4), ip)));
        run(tmp, "ppp-ether", LinkType.PPP_ETHER, (ip, fromClient) -> List.of(cat(bytes(0x11, 0), u16(0x2a01), u16(ip.length + 2), u16(0x21), ip)));
        // NFLOG as an x86 host writes it: little-endian TLVs, a hardware header TLV, then the packet
        run(tmp, "nflog", LinkType.NFLOG, (ip, fromClient) -> {
            int len = 4 + ip.length;
            return List.of(cat(bytes(2, 0, 0, 5), bytes(8, 0, 1, 0, 0x08, 0, 3, 0), bytes(len & 0xff, len >> 8, 9, 0), ip,
                    new byte[(4 - len % 4) % 4]));
        });
    }

    /**
     * A capture of a real Linux host's NFLOG (made with an nftables rule {@code log group 5} on TCP
     * port 8099 in a network namespace and {@code tcpdump -i nflog:5}): curl fetched a 20,000-byte
     * file, bytes {@code (i * 7 + 3) % 251}, from Python's http.server and saved it whole.
     */
    @Test
    void aRealNflogCapture(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("linux-nflog.pcap");
        try (var in = LinkLayerPipelineTest.class.getResourceAsStream("linux-nflog.pcap")) {
            Files.copy(in, pcap);
        }
        byte[] sent = new byte[20_000];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = (byte) ((i * 7 + 3) % 251);
        }
        Path out = tmp.resolve("out");
        Pipeline p = Pipeline.start(PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null));
        try (CaptureFile f = CaptureFile.open(pcap)) {
            f.run((ts, link, buf, off, cap, wire) -> {
                assertEquals(LinkType.NFLOG, link);
                p.frame(ts, link, buf, off, cap, wire);
            });
        }
        Pipeline.Summary s = p.finish();
        String eve = Files.readString(out.resolve("eve.json"));
        assertTrue(eve.contains("\"sha256\":\"" + DemoCapture.sha256(sent) + "\""), eve);
        assertEquals(0, s.get("decoder.invalid"));
        assertEquals(0, s.get("tcp.reassembly_gap_bytes"));
    }

    @Test
    void dataCentreAndCarrierSwitchHeaders(@TempDir Path tmp) throws Exception {
        run(tmp, "vntag", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0x8926), bytes(0x80, 0x01, 0, 0x02), u16(ETH_IPV4), ip)));
        run(tmp, "cmd", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0x8909), bytes(1, 1, 0, 1), u16(fromClient ? 17 : 4),
                u16(ETH_IPV4), ip)));
        run(tmp, "etag", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0x893f), bytes(0x20, 0x05, 0, 0, 0, 0), u16(ETH_IPV4), ip)));
        run(tmp, "pbb", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0x88a8), u16(100), u16(0x88e7),
                bytes(0, 0x01, 0x23, 0x45), MACS, u16(ETH_IPV4), ip)));
        run(tmp, "nsh", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0x894f), bytes(0, 2, 2, 1), bytes(0, 0, 7, 0xfe), ip)));
        run(tmp, "fabricpath", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0x8903), bytes(0x40, 0x3f), MACS,
                u16(ETH_IPV4), ip)));
    }

    /**
     * A TAP aggregator's output: Arista's timestamp header in every frame (64-bit one way, 48-bit the
     * other) and the mirrored link protected by MACsec for integrity alone, with its SCI, a packet
     * number and the 16-byte ICV after the packet.
     */
    @Test
    void tapTimestampsAndIntegrityOnlyMacsec(@TempDir Path tmp) throws Exception {
        long[] pn = {1};
        run(tmp, "arista-ts", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0xd28b), u16(1),
                fromClient ? cat(u16(0x0010), u32(1_700_000_000L), u32(pn[0]++)) : cat(u16(0x0120), u16(0x6553), u32(pn[0]++)),
                u16(ETH_IPV4), ip)));
        run(tmp, "macsec", LinkType.ETHERNET, (ip, fromClient) -> List.of(cat(MACS, u16(0x88e5), bytes(0x20, 0), u32(pn[0]++),
                Arrays.copyOfRange(MACS, fromClient ? 6 : 0, fromClient ? 12 : 6), bytes(0, 1), u16(ETH_IPV4), ip, new byte[16])));
    }

    private static byte[] le32(long v) {
        return bytes((int) (v & 0xff), (int) (v >> 8 & 0xff), (int) (v >> 16 & 0xff), (int) (v >> 24 & 0xff));
    }

    private static byte[] ethernet(byte[] ip) {
        return cat(MACS, u16(ETH_IPV4), ip);
    }

    /**
     * The link types of firewalls' logs and other systems' capture interfaces: pflog (FreeBSD's
     * 61-byte header padded to 64, OpenBSD's 100-byte one), OpenBSD's enc, Solaris' ipnet, macOS's
     * PKTAP, and the TAP and ATM framings.
     */
    @Test
    void firewallLogsAndOtherSystemsCaptureInterfaces(@TempDir Path tmp) throws Exception {
        byte[] freebsdPflog = cat(bytes(61, 2, 0, 0), ascii("em0"), new byte[13], new byte[16], new byte[25], new byte[3]);
        run(tmp, "pflog-freebsd", LinkType.PFLOG, (ip, fromClient) -> List.of(cat(freebsdPflog, ip)));
        byte[] openbsdPflog = cat(bytes(100, 2, 0, 0), ascii("em0"), new byte[13], new byte[16], new byte[64]);
        run(tmp, "pflog-openbsd", LinkType.PFLOG, (ip, fromClient) -> List.of(cat(openbsdPflog, ip)));
        run(tmp, "enc", LinkType.ENC, (ip, fromClient) -> List.of(cat(le32(2), u32(0x1234abcdL), le32(0x0400), ip)));
        run(tmp, "ipnet", LinkType.IPNET, (ip, fromClient) -> List.of(cat(bytes(2, 2, 0, 0), u32(ip.length), u32(2), new byte[12], ip)));
        byte[] pktap = cat(le32(108), le32(1), le32(LinkType.ETHERNET), ascii("en0"), new byte[21], new byte[72]);
        run(tmp, "pktap", LinkType.PKTAP, (ip, fromClient) -> List.of(cat(pktap, ethernet(ip))));
        run(tmp, "netanalyzer", LinkType.NETANALYZER, (ip, fromClient) -> List.of(cat(bytes(0x01, 0x00, 0x40, 0x05), ethernet(ip),
                bytes(0xde, 0xad, 0xbe, 0xef))));
        run(tmp, "netanalyzer-transparent", LinkType.NETANALYZER_TRANSPARENT, (ip, fromClient) -> List.of(cat(bytes(0x01, 0, 0x40, 0x05),
                bytes(0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5), ethernet(ip), bytes(0xde, 0xad, 0xbe, 0xef))));
        run(tmp, "mpls", LinkType.MPLS, (ip, fromClient) -> List.of(cat(mplsLabels(1000, 2000), ip)));
        run(tmp, "atm-routed", LinkType.ATM_RFC1483, (ip, fromClient) -> List.of(cat(bytes(0xaa, 0xaa, 3, 0, 0, 0), u16(ETH_IPV4), ip)));
        run(tmp, "atm-bridged", LinkType.ATM_RFC1483, (ip, fromClient) -> List.of(cat(bytes(0xaa, 0xaa, 3, 0, 0x80, 0xc2, 0, 7, 0, 0),
                ethernet(ip))));
    }

    /**
     * An EndaceProbe's export: ERF records of Ethernet frames with their FCS (the client's side with a
     * flow hash extension header), and a DAG card on a Packet over SONET link carrying PPP.
     */
    @Test
    void endaceErfRecords(@TempDir Path tmp) throws Exception {
        run(tmp, "erf-ethernet", LinkType.ERF, (ip, fromClient) -> {
            byte[] frame = cat(bytes(0, 0), ethernet(ip), bytes(0xde, 0xad, 0xbe, 0xef));
            return List.of(fromClient ? cat(erfHeader(0x80 | 20, frame.length + 8), bytes(0x05, 0, 0, 0, 0, 0, 0x12, 0x34), frame)
                    : cat(erfHeader(2, frame.length), frame));
        });
        run(tmp, "erf-pos", LinkType.ERF, (ip, fromClient) -> List.of(cat(erfHeader(1, ip.length + 4), bytes(0xff, 0x03, 0, 0x21), ip)));
    }

    private static byte[] erfHeader(int type, int frameLen) {
        return cat(le32(0x40000000L), le32(0x655e2f10L), bytes(type, 0x04), u16(16 + frameLen), u16(0), u16(frameLen));
    }

    /** Monitor-mode Wi-Fi behind the headers older drivers and Kismet wrote: PPI, Prism and AVS. */
    @Test
    void olderMonitorModeHeaders(@TempDir Path tmp) throws Exception {
        // PPI: its 8-byte header and one 802.11-Common field (type 2, 20 bytes), then the 802.11 frame
        byte[] ppi = cat(bytes(0, 0, 32, 0), le32(LinkType.IEEE802_11), bytes(2, 0, 20, 0), new byte[20]);
        run(tmp, "ppi", LinkType.PPI, (ip, fromClient) -> List.of(cat(ppi, wlanData(true, false, false, false, snap(ETH_IPV4, ip)))));
        byte[] ppiRadiotap = cat(bytes(0, 0, 8, 0), le32(LinkType.IEEE802_11_RADIOTAP));
        run(tmp, "ppi-radiotap", LinkType.PPI, (ip, fromClient) -> List.of(cat(ppiRadiotap, RADIOTAP,
                wlanData(false, false, false, false, snap(ETH_IPV4, ip)), bytes(1, 2, 3, 4))));
        // Prism as a little-endian host wrote it: message code, length 144, then the DIDs
        byte[] prism = cat(le32(0x44), le32(144), ascii("wlan0"), new byte[11], new byte[120]);
        run(tmp, "prism", LinkType.IEEE802_11_PRISM, (ip, fromClient) -> List.of(cat(prism, wlanData(false, false, false, false,
                snap(ETH_IPV4, ip)))));
        byte[] avs = cat(u32(0x80211001L), u32(64), new byte[56]);
        run(tmp, "avs", LinkType.IEEE802_11_AVS, (ip, fromClient) -> List.of(cat(avs, wlanData(false, false, false, false,
                snap(ETH_IPV4, ip)))));
        run(tmp, "avs-as-prism", LinkType.IEEE802_11_PRISM, (ip, fromClient) -> List.of(cat(avs, wlanData(false, false, false, false,
                snap(ETH_IPV4, ip)))));
    }

    /**
     * Captures a Juniper router writes ({@code monitor traffic interface ... write-file}): the "MGC"
     * header before each frame, with JUNOS' extension TLVs and the direction flag set on the client's
     * frames; on the Ethernet capture every fifth frame without its layer 2 header (JUNOS' protocol
     * number, then the IP packet); then each of the other Juniper link types whose frame is Ethernet or IP.
     */
    @Test
    void juniperRouterCaptures(@TempDir Path tmp) throws Exception {
        byte[] ext = cat(bytes(1, 4), le32(151), bytes(2, 8), ascii("ge-0/0/1"), bytes(3, 1, 1), bytes(6, 1, 14));
        int[] n = {0};
        Pipeline.Summary s = run(tmp, "juniper-ether", LinkType.JUNIPER_ETHER, (ip, fromClient) -> List.of(n[0]++ % 5 == 4
                ? cat(juniper(fromClient ? 0x83 : 0x82, ext), le32(2), ip) : cat(juniper(fromClient ? 0x81 : 0x80, ext), ethernet(ip))));
        assertEquals(n[0], s.get("decoder.ipv4"), "every frame an IPv4 packet");
        run(tmp, "juniper-pppoe", LinkType.JUNIPER_PPPOE, (ip, fromClient) -> List.of(cat(juniper(0x80, ext), MACS, u16(0x8864),
                bytes(0x11, 0, 0x12, 0x34), u16(ip.length + 2), u16(0x21), ip)));
        run(tmp, "juniper-ppp", LinkType.JUNIPER_PPP, (ip, fromClient) -> List.of(cat(juniper(fromClient ? 1 : 0, null), bytes(0xff, 3, 0, 0x21), ip)));
        run(tmp, "juniper-chdlc", LinkType.JUNIPER_CHDLC, (ip, fromClient) -> List.of(cat(juniper(0x81, ext), bytes(0x0f, 0), u16(ETH_IPV4), ip)));
        run(tmp, "juniper-ggsn", LinkType.JUNIPER_GGSN, (ip, fromClient) -> List.of(cat(juniper(0x01, null), bytes(2, 0, 7, 0), ip)));
        run(tmp, "juniper-vp", LinkType.JUNIPER_VP, (ip, fromClient) -> List.of(cat(juniper(0x01, null), new byte[18], ip)));
        run(tmp, "juniper-services", LinkType.JUNIPER_SERVICES, (ip, fromClient) -> List.of(cat(juniper(fromClient ? 1 : 0, null),
                new byte[fromClient ? 16 : 12], ip)));
        run(tmp, "juniper-vn", LinkType.JUNIPER_VN, (ip, fromClient) -> List.of(cat(bytes(1, 4, 10, 0, 0, 1), bytes(3, 4), ascii("red1"),
                bytes(255, 0), ethernet(ip))));
    }
}
