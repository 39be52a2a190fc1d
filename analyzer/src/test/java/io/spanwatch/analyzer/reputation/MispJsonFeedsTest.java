package io.spanwatch.analyzer.reputation;

import static io.spanwatch.analyzer.reputation.FeedFormatsTest.hasProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MISP JSON: a feed's event files, a single exported event, the REST search export and a feed folder
 * with its manifest and hashes, each recognised from content under a misleading name. The samples
 * are written here after the shapes MISP and PyMISP produce (keys sorted, capitals first, as PyMISP
 * writes them; {@code to_ids} as booleans and as "1"/"0").
 */
class MispJsonFeedsTest {
    private static final String SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
    private static final String EVENT_UUID = "5f3a1b2c-0000-4000-8000-00000000e001";

    @TempDir
    Path dir;

    /** An event as a feed serves it: attributes and objects before the event's info and tags. */
    private static String event(String uuid, String info, String attributes) {
        return "{\"Event\": {\n\"Attribute\": [\n" + attributes + "\n],\n"
                + "\"Object\": [],\n"
                + "\"Orgc\": {\"name\": \"CIRCL\", \"uuid\": \"55f6ea5e-2c60-40e5-964f-47a8950d210f\"},\n"
                + "\"Tag\": [{\"colour\": \"#ffffff\", \"name\": \"tlp:white\"}, {\"colour\": \"#0088cc\", \"name\": \"misp-galaxy:malpedia=\\\"Emotet\\\"\"}],\n"
                + "\"analysis\": \"2\", \"date\": \"2024-03-10\", \"info\": \"" + info + "\", \"threat_level_id\": \"1\",\n"
                + "\"timestamp\": \"1710000000\", \"uuid\": \"" + uuid + "\"}}\n";
    }

    private static String attr(String type, String value, String toIds) {
        return "{\"category\": \"Network activity\", \"comment\": \"\", \"timestamp\": \"1710000000\", \"to_ids\": " + toIds
                + ", \"type\": \"" + type + "\", \"uuid\": \"5f3a1b2c-0000-4000-8000-000000000a01\", \"value\": \"" + value + "\"}";
    }

    @Test
    void aFeedEventWithCompositeValuesObjectsAndToIds() throws Exception {
        Path f = Feeds.write(dir, "iocs.csv", "{\"Event\": {\n"
                + "\"Attribute\": [\n"
                // line 3: composite address and port, to_ids a boolean
                + "{\"category\": \"Network activity\", \"comment\": \"C2 server\", \"to_ids\": true, \"type\": \"ip-dst|port\", \"value\": \"203.0.113.50|8443\","
                + " \"Tag\": [{\"name\": \"kill-chain:c2\"}, {\"name\": \"tlp:white\"}]},\n"
                // line 4: domain and its address, to_ids the string "1"
                + "{\"category\": \"Network activity\", \"to_ids\": \"1\", \"type\": \"domain|ip\", \"value\": \"c2.evil.example|203.0.113.51\"},\n"
                // line 5: a file name and its digest
                + "{\"category\": \"Payload delivery\", \"to_ids\": true, \"type\": \"filename|sha256\", \"value\": \"drop.exe|" + SHA256 + "\"},\n"
                // lines 6-7: context, not detection (false, "0")
                + "{\"category\": \"Network activity\", \"to_ids\": false, \"type\": \"ip-dst\", \"value\": \"203.0.113.52\"},\n"
                + "{\"category\": \"Network activity\", \"to_ids\": \"0\", \"type\": \"domain\", \"value\": \"context.example\"},\n"
                // line 8: a type not matched; line 9: a value that is no address; line 10: no value; line 11: deleted
                + "{\"category\": \"Payload delivery\", \"to_ids\": true, \"type\": \"email-src\", \"value\": \"bob@evil.example\"},\n"
                + "{\"category\": \"Network activity\", \"to_ids\": true, \"type\": \"ip-src\", \"value\": \"203.0.113.999\"},\n"
                + "{\"category\": \"Network activity\", \"to_ids\": true, \"type\": \"url\"},\n"
                + "{\"category\": \"Network activity\", \"deleted\": true, \"to_ids\": true, \"type\": \"domain\", \"value\": \"deleted.example\"},\n"
                // line 12: a large value never read (a malware sample's data) beside one that is
                + "{\"category\": \"Payload delivery\", \"data\": \"" + "UEsDBBQ".repeat(20_000) + "\", \"to_ids\": true,"
                + " \"type\": \"malware-sample\", \"value\": \"sample.zip|44d88612fea8a8f36de82e1278abb02f\"}\n"
                + "],\n"
                + "\"Object\": [\n"
                + "{\"meta-category\": \"network\", \"name\": \"url\", \"uuid\": \"5f3a1b2c-0000-4000-8000-0000000000b1\", \"Attribute\": [\n"
                + "{\"category\": \"Network activity\", \"object_relation\": \"url\", \"to_ids\": true, \"type\": \"url\", \"value\": \"hxxp://evil[.]example/gate.php\"},\n"
                + "{\"category\": \"Network activity\", \"object_relation\": \"host\", \"to_ids\": false, \"type\": \"hostname\", \"value\": \"evil.example\"}\n"
                + "]},\n"
                + "{\"meta-category\": \"network\", \"name\": \"domain-ip\", \"Attribute\": [\n"
                + "{\"category\": \"Network activity\", \"object_relation\": \"domain\", \"to_ids\": \"1\", \"type\": \"hostname|port\", \"value\": \"relay.evil.example|443\"}\n"
                + "]}\n"
                + "],\n"
                + "\"Tag\": [{\"colour\": \"#ffffff\", \"name\": \"tlp:white\"}, {\"colour\": \"#0088cc\", \"name\": \"misp-galaxy:malpedia=\\\"Emotet\\\"\"}],\n"
                + "\"date\": \"2024-03-10\", \"info\": \"Emotet epoch 5 C2\", \"threat_level_id\": \"1\", \"uuid\": \"" + EVENT_UUID + "\"}}\n");
        IntelSnapshot s = Feeds.load(f);
        FeedReport r = Feeds.only(s);
        assertEquals("misp-json", r.format());
        assertEquals(7, r.indicators(), r.problems().toString());
        assertEquals(5, r.unsupported(), r.problems().toString());
        assertEquals(2, r.malformed(), r.problems().toString());
        hasProblem(r, "line 6:", "to_ids is off");
        hasProblem(r, "line 7:", "to_ids is off");
        hasProblem(r, "line 8:", "MISP type email-src");
        hasProblem(r, "line 9:", "not an IP address");
        hasProblem(r, "line 10:", "without type or value");
        hasProblem(r, "line 11:", "deleted attribute");

        IntelHit ip = s.matchIp("203.0.113.50", "dest_ip").get(0);
        assertEquals("203.0.113.50", ip.indicator(), "the address of address|port, any port");
        assertEquals("Network activity", ip.meta().threat());
        assertEquals("C2 server", ip.meta().description());
        assertEquals("Emotet epoch 5 C2", ip.meta().source(), "the event's info, though it came after the attributes");
        assertEquals("kill-chain:c2,tlp:white,misp-galaxy:malpedia=\"Emotet\"", ip.meta().tags(), "the attribute's tags, then the event's");
        assertEquals(1, s.matchHost("a.c2.evil.example", "http.hostname").size());
        assertEquals(1, s.matchIp("203.0.113.51", "dest_ip").size());
        IntelHit file = s.matchHash(SHA256, "fileinfo.sha256").get(0);
        assertEquals("Payload delivery", file.meta().threat());
        assertEquals(1, s.matchHash("44d88612fea8a8f36de82e1278abb02f", "fileinfo.md5").size(), "malware-sample: its md5");
        assertTrue(s.matchIp("203.0.113.52", "dest_ip").isEmpty(), "to_ids false is context");
        assertTrue(s.matchHost("context.example", "http.hostname").isEmpty(), "to_ids \"0\" is context");
        assertTrue(s.matchHost("deleted.example", "http.hostname").isEmpty());
        assertEquals("hxxp://evil[.]example/gate.php", s.matchUrl("evil.example", -1, "/gate.php", "http.url").get(0).indicator(),
                "an object's attribute, as the feed wrote it");
        assertTrue(s.matchHost("evil.example", "http.hostname").isEmpty(), "an object's attribute with to_ids off");
        assertEquals(1, s.matchHost("relay.evil.example", "tls.sni").size(), "hostname|port in an object");
    }

    @Test
    void aSingleEventOnOneLongLineAndTheRestSearchExport() throws Exception {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            many.append(i == 0 ? "" : ",").append(attr("domain", "host" + i + ".bulk.example", i % 2 == 0 ? "true" : "\"1\""));
        }
        String oneLine = event(EVENT_UUID, "Bulk domains", many.toString()).replace("\n", "");
        assertTrue(oneLine.length() > IntelConfig.DEFAULT_MAX_LINE_BYTES, "longer than a feed line may be");
        Path single = Feeds.write(dir, "export.txt", oneLine);
        Path search = Feeds.write(dir, "search.dat", "{\"response\": [\n"
                + event("5f3a1b2c-0000-4000-8000-00000000e002", "First", attr("ip-dst", "198.51.100.20", "true")).strip() + ",\n"
                + event("5f3a1b2c-0000-4000-8000-00000000e003", "Second", attr("url", "http://dl.example/a.exe", "true")).strip() + "\n"
                + "]}\n");
        Path attributes = Feeds.write(dir, "attributes.json", """
                {"response": {"Attribute": [
                 {"category": "Network activity", "to_ids": true, "type": "domain", "value": "searched.example",
                  "Event": {"id": "12", "info": "From the attribute search", "uuid": "5f3a1b2c-0000-4000-8000-00000000e004"}}
                ]}}
                """);
        Path array = Feeds.write(dir, "events.list", "[" + event("5f3a1b2c-0000-4000-8000-00000000e005", "In a list",
                attr("sha256", SHA256, "true")) + "]");
        IntelSnapshot s = Feeds.load(single, search, attributes, array);
        for (FeedReport r : s.feeds()) {
            assertEquals("misp-json", r.format(), r.toString());
            assertNull(r.error());
            assertEquals(0, r.malformed() + r.unsupported(), r.toString());
        }
        assertEquals(2000, s.feeds().get(0).indicators());
        assertEquals("Bulk domains", s.matchHost("host1999.bulk.example", "http.hostname").get(0).meta().source());
        assertEquals(2, s.feeds().get(1).indicators());
        assertEquals("First", s.matchIp("198.51.100.20", "dest_ip").get(0).meta().source());
        assertEquals("Second", s.matchUrl("dl.example", -1, "/a.exe", "http.url").get(0).meta().source());
        assertEquals("From the attribute search", s.matchHost("searched.example", "http.hostname").get(0).meta().source());
        assertEquals(1, s.matchHash(SHA256, "fileinfo.sha256").size());
    }

    @Test
    void malformedJsonIsNamedAndWhatCameBeforeAnErrorIsKept() throws Exception {
        Path broken = Feeds.write(dir, "broken.json", "{\"Event\": {\"info\": \"cut\", \"Attribute\": [\n"
                + attr("domain", "one.example", "true") + ",\n"
                + attr("domain", "two.example", "true") + "\n"
                + attr("domain", "three.example", "true") + "\n]}}\n");
        Path notJson = Feeds.write(dir, "event.json", "{\"Event\": {\"info\": \"unquoted\", \"Attribute\": [ {type: domain} ]}}\n");
        Path truncated = Feeds.write(dir, "short.json", "{\"Event\": {\"Attribute\": [" + attr("domain", "kept.example", "true") + ", {\"type\": \"dom");
        IntelSnapshot s = Feeds.load(broken, notJson, truncated);
        FeedReport b = s.feeds().get(0);
        assertEquals(2, b.indicators(), "the attributes read whole before the error");
        assertEquals(1, b.malformed());
        hasProblem(b, "line 4:", "JSON syntax error, rest of the file skipped");
        assertEquals(1, s.matchHost("two.example", "h").size());
        assertTrue(s.matchHost("three.example", "h").isEmpty());
        FeedReport n = s.feeds().get(1);
        assertEquals(0, n.indicators());
        assertEquals(1, n.malformed(), "an error inside an event is counted and named");
        hasProblem(n, "line 1:", "JSON syntax error");
        FeedReport t = s.feeds().get(2);
        assertEquals(1, t.indicators());
        assertEquals(1, t.malformed());
        assertEquals(1, s.matchHost("kept.example", "h").size());

        Path garbage = Feeds.write(dir, "garbage.json", "{\"Event\" \"no colon\"}\n");
        FeedReport g = Feeds.only(Feeds.load(garbage));
        assertTrue(g.error() != null && g.error().contains("not a feed"), g.toString());
        assertTrue(g.path().endsWith("garbage.json"));
    }

    @Test
    void aFeedFolderWithItsManifestAndHashes() throws Exception {
        Path feed = Files.createDirectory(dir.resolve("circl-osint"));
        String second = "5f3a1b2c-0000-4000-8000-00000000e002";
        Feeds.write(feed, "manifest.json", "{\"" + EVENT_UUID + "\": {\"Orgc\": {\"name\": \"CIRCL\", \"uuid\": \"55f6ea5e-2c60-40e5-964f-47a8950d210f\"},"
                + " \"Tag\": [{\"colour\": \"#ffffff\", \"name\": \"tlp:white\"}], \"analysis\": \"2\", \"date\": \"2024-03-10\","
                + " \"info\": \"One\", \"threat_level_id\": \"1\", \"timestamp\": \"1710000000\"},\n \"" + second
                + "\": {\"Orgc\": {\"name\": \"CIRCL\", \"uuid\": \"55f6ea5e-2c60-40e5-964f-47a8950d210f\"}, \"info\": \"Two\", \"date\": \"2024-03-11\"}}\n");
        Feeds.write(feed, EVENT_UUID + ".json", event(EVENT_UUID, "One", attr("domain", "one.feed.example", "true")));
        Feeds.write(feed, second + ".json", event(second, "Two", attr("ip-dst", "198.51.100.30", "true")));
        // hashes.csv: digests of attribute values (md5 or sha512) for MISP's correlation, never file digests
        Feeds.write(feed, "hashes.csv", "1a79a4d60de6718e8e5b326e338ae533," + EVENT_UUID + "\n"
                + "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e,"
                + second + "\n");
        IntelSnapshot s = Feeds.load(feed);
        assertEquals(4, s.feeds().size(), s.feeds().toString());
        for (FeedReport r : s.feeds()) {
            assertNull(r.error(), r.toString());
            assertEquals(0, r.malformed() + r.unsupported(), r.toString());
        }
        FeedReport hashes = s.feeds().stream().filter(r -> r.name().equals("hashes.csv")).findFirst().orElseThrow();
        assertEquals("misp-feed-hashes", hashes.format());
        assertEquals(0, hashes.indicators());
        FeedReport manifest = s.feeds().stream().filter(r -> r.name().equals("manifest.json")).findFirst().orElseThrow();
        assertEquals("misp-feed-manifest", manifest.format());
        assertEquals(0, manifest.indicators());
        assertEquals(2, s.size());
        assertEquals(EVENT_UUID + ".json", s.matchHost("one.feed.example", "http.hostname").get(0).feed());
        assertEquals("Two", s.matchIp("198.51.100.30", "dest_ip").get(0).meta().source());
        assertTrue(s.matchHash("1a79a4d60de6718e8e5b326e338ae533", "fileinfo.md5").isEmpty(), "hashes.csv is no hash list");
    }

    @Test
    void aWatchedMispFeedFolderReloadsWhenAnEventArrives() throws Exception {
        Path feed = Files.createDirectory(dir.resolve("watched"));
        Feeds.write(feed, "manifest.json", "{\"" + EVENT_UUID + "\": {\"info\": \"One\", \"date\": \"2024-03-10\"}}\n");
        Feeds.write(feed, EVENT_UUID + ".json", event(EVENT_UUID, "One", attr("domain", "first.feed.example", "true")));
        IntelConfig c = IntelConfig.of(List.of(), null, feed).withDebounce(Duration.ofMillis(200));
        try (IntelStore store = IntelStore.open(c, List.of())) {
            store.startWatching();
            assertEquals(1, store.snapshot().size());
            String next = "5f3a1b2c-0000-4000-8000-00000000e009";
            Feeds.write(feed, next + ".json", event(next, "Later", attr("url", "http://later.example/x", "\"1\"")));
            Feeds.write(feed, "manifest.json", "{\"" + EVENT_UUID + "\": {\"info\": \"One\"}, \"" + next + "\": {\"info\": \"Later\"}}\n");
            IntelStoreTest.waitFor(() -> store.snapshot().matchUrl("later.example", -1, "/x", "http.url").size() == 1);
            assertEquals(1, store.snapshot().matchHost("first.feed.example", "h").size());
            assertEquals(3, store.snapshot().feeds().size());
        }
    }
}
