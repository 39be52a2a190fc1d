package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Address literals: strict IPv4, every IPv6 spelling, RFC 5952 output, against the JDK on random addresses. */
class IpAddrTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    @Test
    void ipv4IsStrict() {
        assertEquals(0xC6134D0EL, IpAddr.parseV4("198.19.77.14"));
        assertEquals(0L, IpAddr.parseV4("0.0.0.0"));
        assertEquals(0xFFFFFFFFL, IpAddr.parseV4("255.255.255.255"));
        for (String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4", "1.2.3.",
            "a.b.c.d", "1.2.3.4/24", "1234.1.1.1", "-1.2.3.4"}) {
            assertEquals(-1, IpAddr.parseV4(bad), bad);
        }
    }

    @Test
    void ipv6Spellings() {
        long[] a = new long[2];
        assertTrue(IpAddr.parseV6("2001:db8::1", 0, 11, a));
        assertEquals(0x20010db800000000L, a[0]);
        assertEquals(1L, a[1]);
        assertTrue(IpAddr.parseV6("::", 0, 2, a));
        assertEquals(0, a[0] | a[1]);
        assertTrue(IpAddr.parseV6("::ffff:198.51.100.7", 0, 19, a));
        assertTrue(IpAddr.isV4Mapped(a[0], a[1]));
        assertEquals(0xC6336407L, a[1] & 0xffffffffL);
        String full = "2001:0DB8:0000:0000:0000:ff00:0042:8329";
        assertTrue(IpAddr.parseV6(full, 0, full.length(), a));
        assertEquals("2001:db8::ff00:42:8329", IpAddr.format(IpAddr.V6, a[0], a[1]));
        for (String bad : new String[] {":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2:3:4:5:6:7", "fe80::1%eth0", "::g",
            "1:", ":1", "1:2:3:4:5:6:7:8::", "::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7:1.2.3.4"}) {
            assertFalse(IpAddr.parseV6(bad, 0, bad.length(), a), bad);
        }
        assertTrue(IpAddr.parseV6("1:2:3:4:5:6:1.2.3.4", 0, 19, a));
        assertTrue(IpAddr.parseV6("1::", 0, 3, a));
        assertTrue(IpAddr.parseV6("1:2:3:4:5:6:7::", 0, 15, a));
    }

    @Test
    void rfc5952Output() {
        long[] a = new long[2];
        String[][] cases = {{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"}, {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
            {"0:0:0:0:0:0:0:1", "::1"}, {"1:0:0:0:0:0:0:0", "1::"}, {"::ffff:1.2.3.4", "::ffff:1.2.3.4"}, {"2001:DB8::", "2001:db8::"}};
        for (String[] c : cases) {
            assertTrue(IpAddr.parseV6(c[0], 0, c[0].length(), a), c[0]);
            assertEquals(c[1], IpAddr.format(IpAddr.V6, a[0], a[1]), c[0]);
        }
    }

    @Test
    void agreesWithTheJdkOnRandomAddresses() throws Exception {
        System.out.println("IpAddrTest seed " + SEED + " (replay with -Dtests.seed=" + SEED + ")");
        Random r = new Random(SEED);
        long[] a = new long[2];
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextBoolean() ? 4 : 16];
            r.nextBytes(b);
            if (b.length == 16 && r.nextInt(3) == 0) {
                for (int k = 2 + r.nextInt(6); k < 2 + r.nextInt(14); k++) {
                    b[k] = 0;
                }
            }
            InetAddress jdk = InetAddress.getByAddress(b);
            String text = jdk.getHostAddress();
            int family = IpAddr.parse(text, 0, text.length(), a);
            assertEquals(b.length == 4 ? IpAddr.V4 : IpAddr.V6, family, text);
            assertArrayEquals(b, IpAddr.toBytes(family, a[0], a[1]), text);
            String mine = IpAddr.format(family, a[0], a[1]);
            if (!(family == IpAddr.V6 && IpAddr.isV4Mapped(a[0], a[1]))) {
                // (the JDK turns a mapped literal into an IPv4 address)
                assertArrayEquals(b, InetAddress.ofLiteral(mine).getAddress(), mine);
            }
            int again = IpAddr.parse(mine, 0, mine.length(), a);
            assertArrayEquals(b, IpAddr.toBytes(again, a[0], a[1]), mine);
        }
    }
}
