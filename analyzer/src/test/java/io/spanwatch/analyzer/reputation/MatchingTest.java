package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Domains on label boundaries, URL normalisation, hashes, and what a hit names. */
class MatchingTest {
    @TempDir
    Path dir;

    @Test
    void domainsMatchOnLabelBoundaries() throws Exception {
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "d.txt", """
                cloud.example
                Evil.Example.
                *.wild.example
                xn--bcher-kva.example
                bücher2.example
                """));
        assertEquals(1, s.matchHost("cloud.example", "h").size());
        assertEquals(1, s.matchHost("a.b.cloud.example", "h").size());
        assertTrue(s.matchHost("notes-cloud.example", "h").isEmpty());
        assertTrue(s.matchHost("sync.notes-cloud.example", "h").isEmpty());
        assertTrue(s.matchHost("cloud.example.org", "h").isEmpty());
        assertTrue(s.matchHost("example", "h").isEmpty());
        assertTrue(s.matchHost("loud.example", "h").isEmpty());
        assertEquals(1, s.matchHost("CLOUD.EXAMPLE.", "h").size(), "case and trailing dot");
        assertEquals("Evil.Example.", s.matchHost("www.evil.example", "h").get(0).indicator());
        assertEquals(1, s.matchHost("wild.example", "h").size());
        assertEquals(1, s.matchHost("a.wild.example", "h").size());
        assertEquals(1, s.matchHost("xn--bcher-kva.example", "h").size(), "punycode as given");
        assertEquals(1, s.matchHost("bücher.example", "h").size(), "a Unicode host matches its punycode");
        assertEquals(1, s.matchHost("xn--bcher2-3ya.example", "h").size(), "a Unicode indicator matches the punycode on the wire");
        assertEquals(1, s.matchHost("cloud.example:8080", "h").size(), "a port is not part of the name");
        IntelHit h = s.matchHost("x.cloud.example", "http.hostname").get(0);
        assertEquals(IndicatorType.DOMAIN, h.type());
        assertEquals("http.hostname", h.field());
        assertEquals("d.txt", h.feed());
    }

    @Test
    void hostIpLiteralsAreMatchedAsAddresses() throws Exception {
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "ip.txt", "198.19.77.14\n2001:db8::5\n"));
        assertEquals(1, s.matchHost("198.19.77.14", "http.hostname").size());
        assertEquals(1, s.matchHost("[2001:db8::5]", "http.hostname").size());
        assertTrue(s.matchHost("198.19.77.15", "http.hostname").isEmpty());
    }

    @Test
    void urlNormalisation() throws IndicatorException {
        String[][] same = {
            {"HTTP://Evil.Example/a", "http://evil.example/a"},
            {"http://evil.example:80/a", "http://evil.example/a"},
            {"https://evil.example:443/a", "https://evil.example/a"},
            {"http://evil.example:0080/a", "http://evil.example/a"},
            {"http://evil.example", "http://evil.example/"},
            {"http://evil.example?x=1", "http://evil.example/?x=1"},
            {"http://evil.example/%7Euser/%41%62c", "http://evil.example/~user/Abc"},
            {"http://evil.example/a%2fb", "http://evil.example/a%2Fb"},
            {"http://evil.example/a/./b/../c", "http://evil.example/a/c"},
            {"http://evil.example/../../x", "http://evil.example/x"},
            {"http://evil.example/a/%2E%2E/b", "http://evil.example/b"},
            {"http://evil.example/a?", "http://evil.example/a"},
            {"http://evil.example/a#frag", "http://evil.example/a"},
            {"http://user:pw@evil.example/a", "http://evil.example/a"},
            {"http://evil.example./a", "http://evil.example/a"},
            {"http://evil.example/a b", "http://evil.example/a%20b"},
            {"http://evil.example/ü", "http://evil.example/%C3%BC"},
            {"http://[2001:DB8:0::1]:8080/x", "http://[2001:db8::1]:8080/x"},
            {"http://bücher.example/", "http://xn--bcher-kva.example/"},
        };
        for (String[] c : same) {
            assertEquals(UrlKey.normalize(c[1]), UrlKey.normalize(c[0]), c[0]);
        }
        String[][] different = {
            {"http://evil.example/A", "http://evil.example/a"},
            {"http://evil.example/a?x=1&y=2", "http://evil.example/a?y=2&x=1"},
            {"http://evil.example:8080/a", "http://evil.example/a"},
            {"https://evil.example/a", "http://evil.example/a"},
            {"http://evil.example/a/", "http://evil.example/a"},
        };
        for (String[] c : different) {
            assertTrue(!UrlKey.normalize(c[0]).equals(UrlKey.normalize(c[1])), c[0] + " vs " + c[1]);
        }
        assertEquals("http://evil.example/a%2Fb?q=%2a", UrlKey.normalize("http://evil.example/a%2fb?q=%2a").replace("%2A", "%2a"));
        assertThrows(IndicatorException.class, () -> UrlKey.normalize("http:///x"));
        assertThrows(IndicatorException.class, () -> UrlKey.normalize("http://evil.example:99999/"));
        assertThrows(IndicatorException.class, () -> UrlKey.normalize("1http://x.example/"));
        assertEquals("evil.example/a", UrlKey.withoutScheme(UrlKey.normalize("http://evil.example/a")));
        assertEquals("evil.example:443/a", UrlKey.withoutScheme(UrlKey.normalize("https://evil.example/a")));
        assertNull(UrlKey.observed("x.example", -1, "*"));
        assertEquals("http://x.example:8080/p", UrlKey.observed("X.example", 8080, "/p"));
        assertEquals("http://y.example/p", UrlKey.observed("x.example", -1, "http://y.example/p"), "absolute form names its own host");
    }

    @Test
    void urlIndicatorsMatchObservedRequests() throws Exception {
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "u.txt", """
                http://static.jquery-cdn.example/jquery-3.3.1.min.js
                http://198.19.77.200:8080/updates.rss
                https://secure.example/login
                evil.example/gate.php?id=7
                """));
        assertEquals(1, s.matchUrl("static.jquery-cdn.example", -1, "/jquery-3.3.1.min.js", "http.url").size());
        assertEquals(1, s.matchUrl("STATIC.jquery-cdn.example", 80, "/./jquery-3.3.1.min.js#x", "http.url").size());
        assertTrue(s.matchUrl("static.jquery-cdn.example", -1, "/jquery-3.3.2.min.js", "http.url").isEmpty());
        assertTrue(s.matchUrl("static.jquery-cdn.example", -1, "/jquery-3.3.1.min.js?v=2", "http.url").isEmpty());
        assertEquals(1, s.matchUrl("198.19.77.200", 8080, "/updates.rss", "http.url").size());
        assertTrue(s.matchUrl("198.19.77.200", -1, "/updates.rss", "http.url").isEmpty());
        assertTrue(s.matchUrl("secure.example", -1, "/login", "http.url").isEmpty(), "http is not https");
        assertEquals(1, s.matchUrl("evil.example", -1, "/gate.php?id=7", "http.url").size());
        assertEquals(1, s.matchUrl("http://evil.example/gate.php?id=7", "http.url").size());
        IntelHit h = s.matchUrl("static.jquery-cdn.example", -1, "/jquery-3.3.1.min.js", "http.url").get(0);
        assertEquals("http://static.jquery-cdn.example/jquery-3.3.1.min.js", h.indicator());
        assertEquals(IndicatorType.URL, h.type());
    }

    @Test
    void hashesOfEveryLength() throws Exception {
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "h.txt", """
                44d88612fea8a8f36de82e1278abb02f
                3395856CE81F2B7382DEE72602F798B642F14140
                275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
                """));
        assertEquals(IndicatorType.MD5, s.matchHash("44d88612fea8a8f36de82e1278abb02f", "fileinfo.md5").get(0).type());
        IntelHit sha1 = s.matchHash("3395856ce81f2b7382dee72602f798b642f14140", "fileinfo.sha1").get(0);
        assertEquals(IndicatorType.SHA1, sha1.type());
        assertEquals("3395856CE81F2B7382DEE72602F798B642F14140", sha1.indicator(), "as written");
        assertEquals(IndicatorType.SHA256, s.matchHash("275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "f").get(0).type());
        assertTrue(s.matchHash("be25c66ce0209d0daa54f07ea34b7298f657592ce99f6d7e89f3b09c8938b389", "f").isEmpty());
        assertTrue(s.matchHash("not hex", "f").isEmpty());
        assertTrue(s.matchHash(null, "f").isEmpty());
    }

    @Test
    void oneIndicatorInTwoFeedsIsTwoHitsWithStableIdentities() throws Exception {
        Path a = Feeds.write(dir, "a.txt", "198.51.100.7\nevil.example\n");
        Path b = Feeds.write(dir, "b.txt", "198.51.100.7\n");
        IntelSnapshot s1 = Feeds.load(a, b);
        List<IntelHit> hits = s1.matchIp("198.51.100.7", "dest_ip");
        assertEquals(2, hits.size());
        assertTrue(hits.get(0).identity() != hits.get(1).identity());
        IntelSnapshot s2 = Feeds.load(b, a);
        long id1 = s1.matchHost("evil.example", "h").get(0).identity();
        assertEquals(id1, s2.matchHost("evil.example", "h").get(0).identity(), "identity survives a reload");
        assertEquals(id1, s2.matchHost("www.evil.example", "h").get(0).identity(), "and does not depend on the observed name");
    }
}
