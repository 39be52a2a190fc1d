package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds and requests from the adversarial round: inputs that crashed a load, hung it, hid the rest of
 * a feed, or let a listed address, URL or host go unmatched. Each case names what it broke before.
 */
class HostileFeedsTest {
    @TempDir
    Path dir;

    private static String latin1(String utf8Text) {
        return new String(utf8Text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private static String stixIndicator(String pattern) {
        return "{\"type\": \"indicator\", \"spec_version\": \"2.1\", \"pattern_type\": \"stix\", \"pattern\": \"" + pattern + "\"}";
    }

    @Test
    void aDeeplyNestedStixPatternIsMalformedNotAStackOverflow() throws Exception {
        // Was: StackOverflowError out of the load, so analyze died with a stack trace at start.
        String deep = "(".repeat(100_000) + "[domain-name:value = 'deep.example']" + ")".repeat(100_000);
        Path f = Feeds.write(dir, "deep.json", "{\"type\": \"bundle\", \"objects\": [" + stixIndicator(deep) + ", "
                + stixIndicator("(".repeat(100_000)) + ", " + stixIndicator("[domain-name:value = 'kept.example']") + "]}");
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals(1, r.indicators());
        assertEquals(2, r.malformed(), r.problems().toString());
        assertTrue(r.problems().get(0).contains("nested deeper than " + StixPattern.MAX_DEPTH), r.problems().toString());
        assertEquals(1, s.matchHost("kept.example", "h").size());
        String nested = "(".repeat(StixPattern.MAX_DEPTH - 1) + "[domain-name:value = 'ok.example']" + ")".repeat(StixPattern.MAX_DEPTH - 1);
        assertEquals("ok.example", StixPattern.parse(nested).get(0).value(), "nesting up to the bound is read");
    }

    @Test
    void aMinifiedStixBundleLongerThanALineIsStillJson() throws Exception {
        // Was: its one line was past intel.max-line-bytes, so the sniffer saw a blank first line, took a plain
        // list, and skipped the whole bundle as one over-long line: 0 indicators from any minified bundle over 64 KiB.
        StringBuilder b = new StringBuilder("{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[");
        for (int i = 0; i < 2000; i++) {
            b.append(i == 0 ? "" : ",").append(stixIndicator("[domain-name:value = 'n" + i + ".example']"));
        }
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "minified.json", b.append("]}").toString()));
        assertTrue(b.length() > IntelConfig.DEFAULT_MAX_LINE_BYTES);
        assertEquals("stix2", Feeds.only(s).format());
        assertEquals(2000, s.size());
        assertEquals(1, s.matchHost("n1999.example", "h").size());
        IntelSnapshot p = Feeds.load(Feeds.write(dir, "long-first.txt", "x".repeat(200_000) + "\nafter.example\n"));
        assertEquals("plain", Feeds.only(p).format(), "an over-long first line does not use up the sniff");
        assertEquals(1, p.matchHost("after.example", "h").size());
    }

    @Test
    void anUnterminatedQuoteCostsOneLineAndTheReadStaysLinear() throws Exception {
        // Was: every following line re-split the whole growing record (minutes for 200,000 lines), and
        // the next 1 MiB of the feed was swallowed into the broken record.
        StringBuilder b = new StringBuilder("# id,dateadded,url,url_status,threat,tags\n");
        b.append("\"1\",\"2024-03-10\",\"http://uh.example/one.exe\",\"online\",\"malware_download\",\"a,b\"\n");
        b.append("\"2\",\"2024-03-10\",\"http://uh.example/broken.exe\n");
        b.append("x\n".repeat(200_000));
        b.append("\"3\",\"2024-03-10\",\"http://uh.example/three.exe\",\"online\",\"malware_download\",\"\"\n");
        b.append("\"4\",\"2024-03-10\",\"http://uh.example/four.exe\",\"online\",\"malware_download\",\"x\"\n");
        Path f = Feeds.write(dir, "urlhaus.csv", b.toString());
        IntelSnapshot s = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Feeds.load(f));
        FeedReport r = Feeds.only(s);
        assertEquals(3, r.indicators(), r.problems().toString());
        assertTrue(r.problems().get(0).startsWith("line 3: unterminated quoted field"), r.problems().toString());
        assertTrue(r.problems().get(1).startsWith("line 4: no url"), "the lines after it are read again: " + r.problems());
        for (String p : new String[] {"/one.exe", "/three.exe", "/four.exe"}) {
            assertEquals(1, s.matchUrl("uh.example", -1, p, "http.url").size(), p);
        }
    }

    @Test
    void aQuotedFieldMaySpanLinesUpToTheBound() throws Exception {
        String comment = "\"" + "line\n".repeat(Csv.MAX_RECORD_LINES - 1) + "end\"";
        Path f = Feeds.write(dir, "misp.csv", "uuid,event_id,category,type,value,comment,to_ids\n"
                + "u1,1,Network activity,domain,misp.example," + comment + ",1\n"
                + "u2,1,Network activity,domain,next.example,,1\n");
        IntelSnapshot s = Feeds.load(f);
        assertEquals(2, Feeds.only(s).indicators(), Feeds.only(s).problems().toString());
        assertEquals(1, s.matchHost("misp.example", "h").size());
        assertEquals(1, s.matchHost("next.example", "h").size());
    }

    @Test
    void aPlainListMayStartWithABracketedIpv6Address() throws Exception {
        // Was: a first line starting with '[' made the whole list JSON (STIX): 0 indicators, 2 malformed.
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "v6.txt", "[2001:db8::1]\nevil.example\n"));
        assertEquals("plain", Feeds.only(s).format());
        assertEquals(2, s.size());
        assertEquals(1, s.matchIp("2001:db8::1", "dest_ip").size());
        assertEquals("stix2", FeedFormat.recognise(List.of("[", " {\"type\": \"indicator\"}", "]")).id());
        assertEquals("stix2", FeedFormat.recognise(List.of("[{\"type\": \"indicator\"}]")).id());
    }

    @Test
    void utf16WithAByteOrderMarkIsReadAsText() throws Exception {
        // Was: "not a feed: binary data" (PowerShell 5's > and Notepad's "Unicode" write UTF-16).
        Path le = dir.resolve("le.txt");
        String emoji = "\uD83D\uDE00".repeat(10_000); // pairs straddle every buffer the re-encoding reads
        Files.write(le, ("\uFEFFevil.example\r\n198.51.100.7\r\nb\u00fccher.example\r\nhttp://e.example/" + emoji + "\r\n")
                .getBytes(StandardCharsets.UTF_16LE));
        Path be = dir.resolve("be.txt");
        Files.write(be, "\uFEFFother.example\n".getBytes(StandardCharsets.UTF_16BE));
        IntelSnapshot s = Feeds.load(le, be);
        assertEquals(4, s.feeds().get(0).indicators(), s.feeds().get(0).toString());
        assertEquals(1, s.feeds().get(1).indicators(), s.feeds().get(1).toString());
        assertEquals(1, s.matchHost("evil.example", "h").size());
        assertEquals(1, s.matchHost("xn--bcher-kva.example", "h").size());
        assertEquals(1, s.matchHost("other.example", "h").size());
        assertEquals(1, s.matchIp("198.51.100.7", "h").size());
        assertEquals(1, s.matchUrl("e.example", -1, "/" + "%F0%9F%98%80".repeat(10_000), "http.url").size());
    }

    @Test
    void aLoneCrEndsALineWhereverTheReadsSplitTheFile() throws Exception {
        // Was: a list saved with CR line ends was one line: its first word the only indicator, the rest dropped uncounted.
        byte[] text = "\uFEFFa.example\r\nb.example\rc.example\n\r\nd.example\r".getBytes(StandardCharsets.UTF_8);
        for (int step = 1; step <= text.length; step++) {
            int s = step;
            java.io.InputStream oneByOne = new java.io.ByteArrayInputStream(text) {
                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    return super.read(b, off, Math.min(len, s));
                }
            };
            List<String> lines = new java.util.ArrayList<>();
            try (FeedLines in = FeedLines.of(oneByOne, Long.MAX_VALUE, 256)) {
                String l;
                while ((l = in.next()) != null) {
                    lines.add(in.lineNumber() + ":" + l);
                }
            }
            assertEquals(List.of("1:a.example", "2:b.example", "3:c.example", "4:", "5:d.example"), lines, "reads of " + step + " bytes");
        }
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "mac.txt", "a.example\rb.example\r198.51.100.7\r"));
        assertEquals(3, s.size());
    }

    @Test
    void problemsNameHostileLinesWithoutTheirEscapes() throws Exception {
        // Was: C1 controls (CSI), bidi overrides and line separators of a feed line went raw into the log.
        FeedReport r = Feeds.only(Feeds.load(Feeds.write(dir, "logs.txt",
                "evil\u202Egpj.example\nbad\u009B31m\u001B[2J\u2028x.example\nevil.example\n")));
        assertEquals(1, r.indicators());
        assertEquals(2, r.malformed());
        for (String p : r.problems()) {
            assertTrue(p.chars().noneMatch(c -> c < 0x20 || c >= 0x7f && c <= 0x9f || c >= 0x202a && c <= 0x202e || c == 0x2028), p);
        }
        assertTrue(r.problems().get(1).endsWith(": bad\\u009B31m\\x1b[2J"), r.problems().toString());
    }

    @Test
    void ipv4MappedIndicatorsMatchIpv4Traffic() throws Exception {
        // Was: ::ffff:a.b.c.d went into the IPv6 table, where no IPv4 flow ever looks.
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "m.txt", "::ffff:203.0.113.5\n::FFFF:203.0.114.0/120\n::ffff:0.0.0.0/96\n"),
                Feeds.write(dir, "m.dat", "#fields\tindicator\tindicator_type\n::ffff:203.0.115.9\tIntel::ADDR\n"));
        assertEquals("::ffff:203.0.113.5", s.matchIp("203.0.113.5", "dest_ip").get(0).indicator(), "as written");
        assertEquals(IndicatorType.IP, s.matchIp("203.0.113.5", "dest_ip").get(0).type());
        assertEquals(1, s.matchIp("203.0.114.77", "dest_ip").size());
        assertEquals(1, s.matchIp("203.0.115.9", "dest_ip").size());
        assertEquals(1, s.matchIp("::ffff:203.0.113.5", "dest_ip").size(), "and mapped traffic still matches");
        assertTrue(s.matchIp("203.0.113.6", "dest_ip").isEmpty());
        assertEquals(1, s.feeds().get(0).unsupported(), "a mapped /96 is IPv4 /0: too broad");
    }

    @Test
    void aMappedObservedAddressMatchesAnIpv4Indicator() throws Exception {
        // Was: UnsupportedOperationException (a hit added to the immutable empty list of the IPv6 miss).
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "v4.txt", "198.51.100.7\n"));
        assertEquals(1, s.matchIp("::ffff:198.51.100.7", "dest_ip").size());
        assertEquals(1, s.matchIp("0000:0000:0000:0000:0000:ffff:c633:6407", "dest_ip").size(), "EVE's IPv6 spelling");
    }

    @Test
    void aRequestWithoutHostIsMatchedOnTheServerAddress() throws Exception {
        // Was: no Host header, no URL to match: bots speaking HTTP/1.0 to a listed http://IP/path went unseen.
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "u.txt", "http://198.51.100.50/bot.sh\nhttp://198.51.100.51:8080/x86\n"
                + "http://[2001:db8::5]/v6\n"), Feeds.write(dir, "z.dat", "#fields\tindicator\tindicator_type\n198.51.100.50/bot.sh\tIntel::URL\n"));
        List<IntelHit> h = ReputationStage.match(s, Observation.http(1, 1, null, "10.0.0.1", 40000, "198.51.100.50", 80, null, -1, "/bot.sh"));
        assertEquals(2, h.size(), h.toString());
        assertEquals("http.url", h.get(0).field());
        assertEquals(1, ReputationStage.match(s, Observation.http(1, 2, null, "10.0.0.1", 40000, "198.51.100.51", 8080, "", -1, "/x86")).size());
        assertEquals(1, ReputationStage.match(s, Observation.http(1, 3, null, "2001:0db8:0001:0000:0000:0000:0000:0001", 40000,
                "2001:0db8:0000:0000:0000:0000:0000:0005", 80, null, -1, "/v6")).size());
        assertTrue(ReputationStage.match(s, Observation.http(1, 4, null, "10.0.0.1", 40000, "198.51.100.51", 80, null, -1, "/x86")).isEmpty(),
                "the server's port is part of the URL");
        assertTrue(ReputationStage.match(s, Observation.http(1, 5, null, "10.0.0.1", 40000, "198.51.100.50", 80, "decoy.example", -1,
                "/bot.sh")).isEmpty(), "with a Host header, the Host is the URL's host");
    }

    @Test
    void anAbsoluteFormTargetNamesTheHostItReaches() throws Exception {
        // Was: only the Host header was looked up as a domain; "GET http://evil.example/ HTTP/1.1" with "Host: decoy" went unseen.
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "d.txt", "abs-evil.example\n198.51.100.9\n"));
        List<IntelHit> h = ReputationStage.match(s, Observation.http(1, 1, null, "10.0.0.1", 40000, "192.0.2.1", 3128, "decoy.example", -1,
                "http://user@WWW.abs-evil.example:8080/x"));
        assertEquals(1, h.size(), h.toString());
        assertEquals("http.url", h.get(0).field());
        assertEquals(1, ReputationStage.match(s, Observation.http(1, 2, null, "10.0.0.1", 40000, "192.0.2.1", 3128, "192.0.2.1", -1,
                "http://198.51.100.9/")).size(), "an IP literal target is an address");
        assertEquals(1, ReputationStage.match(s, Observation.http(1, 3, null, "10.0.0.1", 40000, "192.0.2.1", 3128, "abs-evil.example", -1,
                "http://abs-evil.example/")).size(), "once when the Host header says the same");
        assertTrue(ReputationStage.match(s, Observation.http(1, 4, null, "10.0.0.1", 40000, "192.0.2.1", 80, "decoy.example", -1,
                "/redirect?to=http://abs-evil.example/")).isEmpty(), "a URL in the query is not the target");
    }

    @Test
    void rawUtf8OnTheWireMatchesTheUtf8Indicator() throws Exception {
        // Was: the sensor hands header bytes over one char a byte; raw UTF-8 was encoded a second time and never matched.
        IntelSnapshot s = Feeds.load(Feeds.write(dir, "u.txt", "http://url.example/\u20acraw\nb\u00fccher2.example\n"));
        assertEquals(1, s.matchUrl("url.example", -1, latin1("/\u20acraw"), "http.url").size());
        assertEquals(1, s.matchUrl("url.example", -1, "/%E2%82%ACraw", "http.url").size());
        assertEquals(1, s.matchUrl(latin1("http://url.example/\u20acraw"), "http.url").size());
        assertTrue(s.matchUrl("url.example", -1, "/\u00e2raw", "http.url").isEmpty(), "other bytes, other URL");
        assertEquals(1, s.matchHost(latin1("www.b\u00fccher2.example"), "http.hostname").size());
        assertEquals(1, s.matchHost("b\u00fccher2.example", "http.hostname").size(), "ISO-8859-1 on the wire is still the same name");
    }
}
