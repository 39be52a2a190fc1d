package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CIDR edges, nesting, IPv6, and the trie against a brute-force scan on random prefixes. */
class PrefixTrieTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    @TempDir
    Path dir;

    @Test
    void cidrEdges() throws Exception {
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "nets.txt", """
                198.19.77.144/28
                198.19.78.0/24
                10.0.0.0/8
                10.1.0.0/16
                10.1.2.3
                0.0.0.0/0
                198.0.0.0/8
                198.19.77.150/27
                2001:DB8:0:0::ff
                2001:db8:abcd::/48
                2001:db8:abcd:12::/64
                ::ffff:192.0.2.0/120
                """));
        FeedReport r = Feeds.only(s);
        assertEquals(1, r.unsupported(), "a /0 is refused: " + r.problems());
        assertTrue(r.problems().get(0).contains("too broad"), r.problems().toString());
        assertEquals(List.of("198.0.0.0/8", "198.19.77.150/27", "198.19.77.144/28"), indicators(s, "198.19.77.144"),
                "first address of the /28, and a CIDR written with host bits, as written, shortest first");
        assertEquals(List.of("198.0.0.0/8", "198.19.77.150/27", "198.19.77.144/28"), indicators(s, "198.19.77.159"), "last address of the /28");
        assertEquals(List.of("198.0.0.0/8", "198.19.77.150/27"), indicators(s, "198.19.77.143"));
        assertEquals(List.of("198.0.0.0/8"), indicators(s, "198.19.77.160"));
        assertEquals(List.of("10.0.0.0/8", "10.1.0.0/16", "10.1.2.3"), indicators(s, "10.1.2.3"), "every containing prefix, shortest first");
        assertEquals(List.of("10.0.0.0/8", "10.1.0.0/16"), indicators(s, "10.1.2.4"));
        assertEquals(List.of("2001:DB8:0:0::ff"), indicators(s, "2001:0db8:0000:0000:0000:0000:0000:00ff"), "EVE's IPv6 spelling");
        assertEquals(List.of("2001:db8:abcd::/48", "2001:db8:abcd:12::/64"), indicators(s, "2001:db8:abcd:12:ffff::1"));
        assertEquals(List.of("2001:db8:abcd::/48"), indicators(s, "2001:db8:abcd:13::"));
        assertTrue(s.matchIp("2001:db8:abce::", "d").isEmpty());
        assertEquals(List.of("::ffff:192.0.2.0/120"), indicators(s, "::ffff:192.0.2.1"), "a mapped address is also IPv4");
        assertTrue(s.matchIp("11.0.0.1", "d").isEmpty());
        assertTrue(s.matchIp("not-an-ip", "d").isEmpty());
    }

    private static List<String> indicators(IntelSnapshot s, String ip) {
        List<String> out = new ArrayList<>();
        for (IntelHit h : s.matchIp(ip, "dest_ip")) {
            out.add(h.indicator());
        }
        return out;
    }

    @Test
    void randomPrefixesAgreeWithBruteForce() {
        System.out.println("PrefixTrieTest seed " + SEED + " (replay with -Dtests.seed=" + SEED + ")");
        Random r = new Random(SEED);
        for (int bits : new int[] {32, 128}) {
            PrefixTrie t = new PrefixTrie(bits, 4);
            List<long[]> prefixes = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 3000; i++) {
                long[] a = {r.nextLong(), bits == 32 ? 0 : r.nextLong()};
                // Cluster the addresses so prefixes nest and share paths.
                a[0] = (a[0] & 0x000fffffffffffffL) | 0x2000000000000000L;
                if (bits == 32) {
                    a[0] &= 0xffffffff00000000L;
                }
                int plen = r.nextInt(4) == 0 ? bits : r.nextInt(bits + 1);
                IpAddr.mask(a, plen);
                if (seen.add(a[0] + "/" + a[1] + "/" + plen)) {
                    int node = t.insert(a[0], a[1], plen);
                    t.setHead(node, prefixes.size());
                    prefixes.add(new long[] {a[0], a[1], plen});
                }
            }
            int[] out = new int[130];
            for (int q = 0; q < 20_000; q++) {
                long[] addr;
                if (r.nextBoolean()) {
                    long[] p = prefixes.get(r.nextInt(prefixes.size()));
                    addr = new long[] {p[0] | (r.nextLong() & ~IpAddr.maskOf((int) p[2])), bits == 32 ? 0 : p[1] | (r.nextLong() & ~IpAddr.maskOf((int) p[2] - 64))};
                    if (bits == 32) {
                        addr[0] &= 0xffffffff00000000L;
                    }
                } else {
                    addr = new long[] {(r.nextLong() & 0x001fffffffffffffL) | 0x2000000000000000L, bits == 32 ? 0 : r.nextLong()};
                    if (bits == 32) {
                        addr[0] &= 0xffffffff00000000L;
                    }
                }
                Set<Integer> want = new HashSet<>();
                for (int i = 0; i < prefixes.size(); i++) {
                    long[] p = prefixes.get(i);
                    int plen = (int) p[2];
                    if (((addr[0] ^ p[0]) & IpAddr.maskOf(plen)) == 0 && ((addr[1] ^ p[1]) & IpAddr.maskOf(plen - 64)) == 0) {
                        want.add(i);
                    }
                }
                int n = t.collect(addr[0], addr[1], out);
                Set<Integer> got = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    got.add(t.head(out[i]));
                }
                assertEquals(want, got, "bits " + bits + " query " + Long.toHexString(addr[0]) + ":" + Long.toHexString(addr[1]));
                assertEquals(want.isEmpty(), t.first(addr[0], addr[1]) < 0);
            }
            for (int i = 0; i < prefixes.size(); i++) {
                long[] p = prefixes.get(i);
                assertEquals(i, t.head(t.find(p[0], p[1], (int) p[2])));
            }
            assertTrue(t.size() <= 2 * prefixes.size(), "at most 2n-1 nodes: " + t.size() + " for " + prefixes.size());
        }
    }
}
