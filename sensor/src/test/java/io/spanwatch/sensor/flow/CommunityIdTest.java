package io.spanwatch.sensor.flow;

import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.decode.Frames;
import io.spanwatch.sensor.decode.PacketDecoder;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Checks Community ID v1 against the spec's published vectors (corelight/community-id-spec baseline). */
class CommunityIdTest {

    private static String id(int seed, String src, String dst, int proto, int sport, int dport) throws Exception {
        return CommunityId.of(seed, InetAddress.getByName(src), InetAddress.getByName(dst), proto, sport, dport);
    }

    @Test
    void tcpBothDirections() throws Exception {
        assertEquals("1:wCb3OG7yAFWelaUydu0D+125CLM=", id(0, "1.2.3.4", "5.6.7.8", 6, 1122, 3344));
        assertEquals("1:wCb3OG7yAFWelaUydu0D+125CLM=", id(0, "5.6.7.8", "1.2.3.4", 6, 3344, 1122));
    }

    @Test
    void udp() throws Exception {
        assertEquals("1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", id(0, "1.2.3.4", "5.6.7.8", 17, 1122, 3344));
        assertEquals("1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", id(0, "5.6.7.8", "1.2.3.4", 17, 3344, 1122));
    }

    @Test
    void icmpEchoAndReplyShareAnId() throws Exception {
        assertEquals("1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", id(0, "1.2.3.4", "5.6.7.8", 1, 8, 0));
        assertEquals("1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", id(0, "5.6.7.8", "1.2.3.4", 1, 0, 0));
    }

    @Test
    void icmpOneWayType() throws Exception {
        assertEquals("1:f/YiSyWqczrTgfUCZlBUnvHRcPk=", id(0, "1.2.3.4", "5.6.7.8", 1, 11, 0));
    }

    @Test
    void icmpv6Echo() throws Exception {
        assertEquals("1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", id(0, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D",
                "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 58, 128, 0));
        assertEquals("1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", id(0, "fe80:1011:1213:1415:1617:1819:1A1B:1C1D",
                "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 58, 129, 0));
    }

    @Test
    void protocolWithoutPorts() throws Exception {
        assertEquals("1:ikv3kmf89luf73WPz1jOs49S768=", id(0, "1.2.3.4", "5.6.7.8", 46, 0, 0));
        assertEquals("1:ikv3kmf89luf73WPz1jOs49S768=", id(0, "5.6.7.8", "1.2.3.4", 46, 99, 7));
    }

    @Test
    void seed() throws Exception {
        assertEquals("1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", id(1, "1.2.3.4", "5.6.7.8", 6, 1122, 3344));
    }

    @Test
    void realWorldTcp() throws Exception {
        assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", id(0, "128.232.110.120", "66.35.250.204", 6, 34855, 80));
        assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", id(0, "66.35.250.204", "128.232.110.120", 6, 80, 34855));
        assertEquals("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", id(0, "2001:470:e5bf:dead:4957:2174:e82c:4887",
                "2607:f8b0:400c:c03::1a", 6, 63943, 25));
    }

    @Test
    void hexForm() throws Exception {
        byte[] a = InetAddress.getByName("1.2.3.4").getAddress();
        byte[] b = InetAddress.getByName("5.6.7.8").getAddress();
        assertEquals("1:c026f7386ef200559e95a53276ed03fb5db908b3",
                new CommunityId(0).computeHex(6, a, 0, b, 0, 4, 1122, 3344));
    }

    @Test
    void fromADecodedPacketReadsAddressesInPlace() {
        byte[] frame = Frames.eth(Frames.ETH_IPV4, Frames.ipv4(6, "128.232.110.120", "66.35.250.204",
                Frames.tcp(34855, 80, new byte[0])));
        DecodedPacket p = new DecodedPacket();
        p.reset(frame, 0, frame.length);
        assertTrue(new PacketDecoder().decode(LinkType.ETHERNET, frame, 0, frame.length, p));
        CommunityId cid = new CommunityId(0);
        assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", cid.compute(p));
        assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", cid.compute(p), "reused instance gives the same id");
        DecodedPacket none = new DecodedPacket();
        none.reset(new byte[0], 0, 0);
        assertNull(cid.compute(none));
    }

    @Test
    void rejectsBadSeed() {
        assertThrows(IllegalArgumentException.class, () -> new CommunityId(65536));
        assertThrows(IllegalArgumentException.class, () -> new CommunityId(-1));
    }
}
