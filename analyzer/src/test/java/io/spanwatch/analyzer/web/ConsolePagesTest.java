package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.index.EveTimes;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the analyst's pages offer over a real server: times in one zone, links between an incident,
 * its alerts, its host and its files, facet values that can be left out, and the alert queue's
 * selection for acting on many alerts (drawn for the act role only).
 */
class ConsolePagesTest {
    @TempDir
    static Path dir;
    static ConsoleFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = new ConsoleFixture(dir, ConsoleFixture.rate(10_000), true, null, queueAlerts());
    }

    /** Signatures of alerts as hostile as the traffic they name: quotes, markup, a query breaking out of its term, bidi. */
    static final java.util.List<String> HOSTILE_SIGNATURES = java.util.List.of("ET \"quoted\" sig", "<script>window.__pwned=20</script>",
            "x\") OR *:* OR (\"", "back\\slash\\\" end", "bidi \u202egpj.exe\u2066 sig");
    static final String BULK_SIGNATURE = "SpanWatch test: many of one";
    static final String BULK_HOST = "198.18.9.9";

    /**
     * Alerts older than the fixture's own (so its tests find theirs first): 60 of one signature from one
     * host, enough for a second page of the queue, and one of each hostile signature from 198.18.9.1-5.
     */
    static java.util.List<io.spanwatch.sensor.event.EveEvent> queueAlerts() {
        java.util.List<io.spanwatch.sensor.event.EveEvent> out = new java.util.ArrayList<>();
        long t = io.spanwatch.analyzer.index.TestEvents.nanos("2026-03-10T06:00:00Z");
        for (int i = 0; i < 60 + HOSTILE_SIGNATURES.size(); i++) {
            boolean bulk = i < 60;
            String sig = bulk ? BULK_SIGNATURE : HOSTILE_SIGNATURES.get(i - 60);
            out.add(new io.spanwatch.sensor.event.AlertEvent(t + i * 1_000_000_000L, io.spanwatch.analyzer.index.TestEvents.header(5000 + i,
                    bulk ? BULK_HOST : "198.18.9." + (i - 59), 41000 + i, "203.0.113.200", 80), false, null,
                    io.spanwatch.sensor.event.AlertEvent.Signature.of(9000 + i, sig, io.spanwatch.sensor.event.AlertEvent.REPUTATION, 2),
                    null, null, null, null, null, null));
        }
        return out;
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    private static String page(String path, String token) throws Exception {
        var res = f.get(path, token);
        assertEquals(200, res.statusCode(), path + ": " + res.body());
        return res.body();
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static long total(String query) throws Exception {
        JsonNode j = Response.JSON.readTree(f.get("/api/v1/events?size=1&q=" + q(query), f.readToken).body());
        return j.path("total").asLong(-1);
    }

    @Test
    void tablesShowTimesInUtcWithTheEventsOwnTimestampInTheTitle() throws Exception {
        // Another sensor's offset is shown in UTC: one zone in a column, whatever each sensor wrote
        assertEquals("2024-03-12 09:14:31.668", Pages.shownTime(EveTimes.parseMicros("2024-03-12T10:14:31.668000+0100")));
        assertEquals("2024-03-12 09:14:31.668", Pages.shownTime(EveTimes.parseMicros("2024-03-12T09:14:31.668999+0000")));
        assertEquals("0000-01-01 00:00:00.000", Pages.shownTime(EveTimes.MIN_MICROS));
        String body = page("/?q=" + q("event_type:http"), f.readToken);
        assertTrue(body.contains("<th>Time (UTC)</th>"), "the zone is named in the column");
        Matcher m = Pattern.compile("<td class=\"time\"><a href=\"/events/[0-9a-f]{32}\" title=\"([^\"]+)\">([^<]+)</a>").matcher(body);
        assertTrue(m.find(), body);
        assertEquals(Pages.shownTime(EveTimes.parseMicros(m.group(1))), m.group(2), "the label is the title's time, in UTC");
        assertTrue(m.group(2).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}"), m.group(2));
        String incident = f.firstId("event_type:incident");
        assertTrue(page("/events/" + incident, f.readToken).contains(" UTC</span></h1>"), "an event's heading names its zone");
    }

    @Test
    void aFacetValueCanBeLeftOut() throws Exception {
        String body = page("/?q=" + q("event_type:http OR event_type:fileinfo"), f.readToken);
        Matcher m = Pattern.compile("<a class=\"out\"[^>]* href=\"/\\?q=([^\"]+)\">").matcher(body);
        String out = null;
        while (m.find()) {
            String query = URLDecoder.decode(m.group(1).replace("&amp;", "&"), StandardCharsets.UTF_8);
            if (query.endsWith("NOT event_type:\"http\"")) {
                out = query;
            }
        }
        assertNotNull(out, "a link that leaves event_type http out: " + body);
        assertEquals("(event_type:http OR event_type:fileinfo) AND NOT event_type:\"http\"", out);
        assertEquals(total("event_type:fileinfo"), total(out));
        // On a page without a query, leaving a value out is the whole query (Lucene's parser finds every other event)
        String all = page("/", f.readToken);
        assertTrue(all.contains("href=\"/?q=" + q("NOT event_type:\"http\"").replace("\"", "&quot;") + "\""), all);
        assertEquals(total("*:*") - total("event_type:http"), total("NOT event_type:\"http\""));
    }

    @Test
    void anIncidentListsItsAlertsAndItsHostsEventsDuringIt() throws Exception {
        String incident = f.firstId("event_type:incident");
        String body = page("/events/" + incident, f.readToken);
        assertTrue(body.contains("Alerts of this incident"), body);
        String during = "(src_ip:\"" + ConsoleFixture.INCIDENT_HOST + "\" OR dest_ip:\"" + ConsoleFixture.INCIDENT_HOST + "\") AND timestamp:[";
        assertTrue(body.contains(Html.escape(q(during))), "a link to the host's events during the incident: " + body);
        // The parts' hostile values stay quoted terms of one query: it parses, and the page is text only
        JsonNode e = Response.JSON.readTree(f.get("/api/v1/events/" + incident, f.readToken).body()).path("event");
        String query = EventPage.incidentAlertsQuery(e);
        assertNotNull(query);
        f.console.parser().parse(query);
        assertTrue(query.contains("beacon.host:\"" + ConsoleFixture.EVIL_HOST.replace("\"", "\\\"") + "\""), query);
        assertFalse(body.contains("<script>window.__pwned"), "no payload as markup");
    }

    @Test
    void anIncidentsAlertsAreFoundByTimeAndABeaconByTheServerItCalled() throws Exception {
        JsonNode incident = Response.JSON.readTree("""
                {"event_type":"incident","incident":{"host":"198.18.1.17","first_seen":"2024-03-12T09:10:32.061155+0000",
                 "last_seen":"2024-03-12T09:14:31.668000+0000","alerts":[
                  {"signature":"SpanWatch hash X","category":"malware","timestamp":"2024-03-12T09:10:32.061155+0000","flow_id":6832},
                  {"signature":"SpanWatch beacon","category":"beacon","timestamp":"2024-03-12T09:14:31.668000+0000","callback_host":"c2.example"}]}}""");
        assertEquals("event_type:alert AND ((alert.signature:\"SpanWatch hash X\" AND timestamp:\"2024-03-12T09:10:32.061155+0000\")"
                + " OR (alert.category:beacon AND beacon.host:\"c2.example\")) AND (src_ip:\"198.18.1.17\" OR dest_ip:\"198.18.1.17\")",
                EventPage.incidentAlertsQuery(incident));
        f.console.parser().parse(EventPage.incidentAlertsQuery(incident));
        assertNull(EventPage.incidentAlertsQuery(Response.JSON.readTree("{\"event_type\":\"alert\"}")));
        JsonNode beacon = Response.JSON.readTree("""
                {"event_type":"alert","src_ip":"198.18.1.38","dest_ip":"198.19.77.66","alert":{"category":"beacon"},
                 "beacon":{"dest_ip":"198.19.77.66","dest_port":80,"first_seen":"2024-03-14T13:46:28.571000+0000",
                  "last_seen":"2024-03-14T20:34:16.899000+0000"}}""");
        // The last callback's second is included: the window ends before the next second
        assertEquals("src_ip:\"198.18.1.38\" AND dest_ip:\"198.19.77.66\" AND dest_port:80"
                + " AND timestamp:[2024-03-14T13:46:28Z TO 2024-03-14T20:34:17Z}", EventPage.beaconQuery(beacon));
        f.console.parser().parse(EventPage.beaconQuery(beacon));
        assertNull(EventPage.beaconQuery(Response.JSON.readTree("{\"event_type\":\"alert\",\"src_ip\":\"not an address\",\"beacon\":{}}")));
    }

    @Test
    void aHostLinksToItsAlertsAndFilesAndAFileNamesTheAlertsOnIt() throws Exception {
        String host = page("/hosts/198.18.0.66", f.readToken);
        String hostQuery = "(src_ip:\"198.18.0.66\" OR dest_ip:\"198.18.0.66\")";
        assertTrue(host.contains("href=\"/alerts?state=all&amp;q=" + q(hostQuery).replace("\"", "&quot;") + "\""), host);
        assertTrue(host.contains("href=\"/?q=" + q("event_type:fileinfo AND " + hostQuery).replace("\"", "&quot;") + "\""), host);
        String alerts = page("/alerts?state=all&q=" + q(hostQuery), f.readToken);
        assertTrue(alerts.contains("203.0.113.66"), "the host's alert is in its queue: " + alerts);
        String file = page("/files/" + io.spanwatch.analyzer.index.TestEvents.EICAR_SHA256, f.readToken);
        JsonNode alert = Response.JSON.readTree(f.get("/api/v1/events?size=1&q=" + q("event_type:alert AND fileinfo.sha256:"
                + io.spanwatch.analyzer.index.TestEvents.EICAR_SHA256), f.readToken).body()).path("events").path(0).path("event");
        String sig = alert.path("alert").path("signature").asText();
        assertFalse(sig.isEmpty());
        assertTrue(file.contains("<tr><th>alerts</th><td><span class=\"sig\">" + Html.escape(sig) + "</span>"), file);
    }

    @Test
    void theQueueOffersItsIncidentsAndSelectionOnlyToThoseWhoAct() throws Exception {
        String act = page("/alerts?state=all", f.actToken);
        assertTrue(act.contains("href=\"/alerts?state=all&amp;q=" + q(AlertsPage.INCIDENTS) + "\">incidents only (1 in all)</a>"), act);
        assertTrue(act.contains("<div class=\"bulk\" id=\"bulk\" hidden data-action=\"ack\">"), "hidden until the script shows it");
        Matcher boxes = Pattern.compile("<input type=\"checkbox\" class=\"pick\" aria-label=\"select\" data-id=\"[0-9a-f]{32}\">").matcher(act);
        int n = 0;
        while (boxes.find()) {
            n++;
        }
        assertEquals(Pattern.compile("<tr data-href=").matcher(act).results().count(), n, "a box on every row");
        assertTrue(page("/alerts?state=acked", f.actToken).contains("No acked alerts. <a href=\"/alerts?state=all&amp;q=\">"),
                "an empty queue says where to look");
        String read = page("/alerts?state=all", f.readToken);
        assertFalse(read.contains("class=\"pick\"") || read.contains("id=\"bulk\""), "a reader cannot act, so has nothing to select");
        String incidents = page("/alerts?state=all&q=" + q(AlertsPage.INCIDENTS), f.readToken);
        assertEquals(1, Pattern.compile("<tr data-href=").matcher(incidents).results().count(), incidents);
        assertTrue(incidents.contains(">clear the filter</a>"), incidents);
        assertFalse(incidents.contains("incidents only"), "listing the incidents alone, the link narrows nothing");
        String filtered = page("/alerts?state=all&q=" + q("NOT event_type:flow"), f.readToken);
        assertTrue(filtered.contains("href=\"/alerts?state=all&amp;q=" + q("(NOT event_type:flow) AND " + AlertsPage.INCIDENTS)
                + "\">incidents only (1 in all)</a>"), "the filter in force stays: " + filtered);
    }

    /** The group links of a queue page: decoded query of each value's link, by the value as shown, and the counts. */
    private static java.util.Map<String, String[]> groups(String body, String state) {
        java.util.Map<String, String[]> out = new java.util.LinkedHashMap<>();
        Matcher m = Pattern.compile("<li><a class=\"in\" href=\"/alerts\\?state=" + state
                + "&amp;q=([^\"]*)\"><span class=\"v\">([^<]*)</span><span class=\"n\">([0-9,]+)</span>").matcher(body);
        while (m.find()) {
            out.put(m.group(2), new String[] {URLDecoder.decode(m.group(1).replace("&amp;", "&"), StandardCharsets.UTF_8),
                    m.group(3).replace(",", "")});
        }
        return out;
    }

    private static long queueTotal(String query) throws Exception {
        return total(Pages.and(query, AlertsPage.QUEUED));
    }

    @Test
    void theQueueIsGroupedBySignatureAndSourceHostEachGroupAFilter() throws Exception {
        String body = page("/alerts?state=all", f.readToken);
        assertTrue(body.contains("<aside class=\"facets groups\">") && body.contains("<h3>By signature</h3>")
                && body.contains("<h3>By source host</h3>"), body);
        java.util.Map<String, String[]> groups = groups(body, "all");
        String[] bulk = groups.get(BULK_SIGNATURE);
        assertNotNull(bulk, "the signature of 60 alerts is a group: " + groups.keySet());
        assertEquals("alert.signature:\"" + BULK_SIGNATURE + "\"", bulk[0]);
        assertEquals("60", bulk[1]);
        assertEquals("src_ip:\"" + BULK_HOST + "\"", groups.get(BULK_HOST)[0]);
        assertEquals("60", groups.get(BULK_HOST)[1]);
        // Every group's count is what its link lists
        for (var g : groups.entrySet()) {
            assertEquals(Long.parseLong(g.getValue()[1]), queueTotal(g.getValue()[0]), g.getKey());
        }
        // A group's link filters the queue to it, on the same tab
        String only = page("/alerts?state=all&q=" + q(bulk[0]), f.readToken);
        assertEquals(50, Pattern.compile("<tr data-href=").matcher(only).results().count(), "a page of the group");
        assertTrue(only.contains(">clear the filter</a>"), only);
        assertEquals(java.util.Set.of(BULK_SIGNATURE), groups(only, "all").keySet().stream().filter(k -> !k.startsWith("198.")).collect(
                java.util.stream.Collectors.toSet()), "within the group, one signature");
    }

    @Test
    void aHostileSignaturesGroupLinkIsOneQuotedTermAndInertText() throws Exception {
        String body = page("/alerts?state=all", f.readToken);
        java.util.Map<String, String[]> groups = groups(body, "all");
        for (String sig : HOSTILE_SIGNATURES) {
            String shown = Html.escape(sig); // as the page shows text (hidden characters escaped)
            String[] g = groups.get(shown);
            assertNotNull(g, sig + " among " + groups.keySet());
            assertEquals(Pages.term("alert.signature", sig), g[0], "one quoted term, its quotes and backslashes escaped");
            f.console.parser().parse(g[0]);
            assertEquals(1, queueTotal(g[0]), "the link finds exactly its own alert: " + g[0]);
            assertEquals(queueTotal("*:*") - 1, queueTotal("*:* AND NOT " + g[0]), "leaving it out leaves out one alert");
            // Filtered to it, the queue lists it alone and the tabs keep the filter
            String only = page("/alerts?state=all&q=" + q(g[0]), f.readToken);
            assertEquals(1, Pattern.compile("<tr data-href=").matcher(only).results().count(), only);
            assertTrue(only.contains("href=\"/alerts?state=open&amp;q=" + Html.escape(q(g[0])) + "\""), "the open tab keeps the group");
            assertFalse(only.contains("<script>window.__pwned") || body.contains("<script>window.__pwned"), "no payload as markup");
            assertFalse(only.contains("\u202e") || body.contains("\u202e"), "no bidi character as it is");
        }
        assertTrue(body.contains("bidi \\u202egpj.exe\\u2066 sig"), "the bidi characters shown escaped");
    }

    @Test
    void theQueuesTabsFilterItsGroupsAndPages() throws Exception {
        String id = f.firstId(Pages.term("alert.signature", BULK_SIGNATURE));
        f.console.alerts().act(id, "ack", null, "tester");
        try {
            assertEquals("59", groups(page("/alerts?state=open", f.readToken), "open").get(BULK_SIGNATURE)[1], "open: one acknowledged");
            String acked = page("/alerts?state=acked", f.readToken);
            assertEquals("1", groups(acked, "acked").get(BULK_SIGNATURE)[1]);
            assertEquals(1, Pattern.compile("<tr data-href=").matcher(acked).results().count(), acked);
            assertTrue(acked.contains("data-href=\"/events/" + id + "\""), acked);
            assertEquals("60", groups(page("/alerts?state=all", f.readToken), "all").get(BULK_SIGNATURE)[1]);
            String open = page("/alerts?state=open&q=" + q(Pages.term("alert.signature", BULK_SIGNATURE)), f.readToken);
            assertFalse(open.contains("data-href=\"/events/" + id + "\""), "not on the open tab");
        } finally {
            f.console.alerts().act(id, "unack", null, "tester");
        }
    }

    private static java.util.List<String> rowIds(String body) {
        return Pattern.compile("<tr data-href=\"/events/([0-9a-f]{32})\"").matcher(body).results().map(m -> m.group(1)).toList();
    }

    private static String link(String body, String cls) {
        Matcher m = Pattern.compile("<a class=\"" + cls + "\" href=\"([^\"]+)\">").matcher(body);
        return m.find() ? m.group(1).replace("&amp;", "&") : null;
    }

    @Test
    void theQueuePagesOlderAndBackToNewer() throws Exception {
        String first = page("/alerts?state=all", f.readToken);
        assertNull(link(first, "newest"), "the first page has no newer one");
        assertNull(link(first, "newer"));
        String older = link(first, "older");
        assertNotNull(older, first);
        String second = page(older, f.readToken);
        java.util.List<String> firstIds = rowIds(first);
        java.util.List<String> secondIds = rowIds(second);
        assertEquals(50, firstIds.size());
        assertFalse(secondIds.isEmpty());
        assertTrue(java.util.Collections.disjoint(firstIds, secondIds), "pages do not overlap");
        assertEquals("/alerts?state=all&q=", link(second, "newest"));
        String back = page(link(second, "newer"), f.readToken);
        assertEquals(firstIds, rowIds(back), "newer from the second page is the first");
        assertNull(link(back, "newer"), "and it is the first: nothing newer");
    }

    @Test
    void theSearchPagesBackToNewerPagesKeepingTheirEdgesAndSize() throws Exception {
        String base = "/?q=" + q("event_type:http OR event_type:alert") + "&size=7";
        java.util.List<java.util.List<String>> pages = new java.util.ArrayList<>();
        String body = page(base, f.readToken);
        pages.add(rowIds(body));
        for (int i = 0; i < 3; i++) {
            String older = link(body, "older");
            assertNotNull(older);
            assertTrue(older.contains("&size=7&search_after="), older);
            body = page(older, f.readToken);
            pages.add(rowIds(body));
        }
        // Back up: each newer page is the page seen before it
        for (int i = 3; i > 0; i--) {
            String newer = link(body, "newer");
            assertNotNull(newer, body);
            assertTrue(newer.contains("&size=7&search_before="), newer);
            assertEquals(base, link(body, "newest"));
            body = page(newer, f.readToken);
            assertEquals(pages.get(i - 1), rowIds(body), "page " + (i - 1));
        }
        assertNull(link(body, "newer"));
        assertEquals(400, f.get(base + "&search_before=nonsense", f.readToken).statusCode());
        String cursor = link(page(base, f.readToken), "older").replaceAll(".*search_after=", "");
        assertEquals(400, f.get(base + "&search_after=" + cursor + "&search_before=" + cursor, f.readToken).statusCode(), "one direction");
    }

    @Test
    void theSaveSearchFormSitsUnderTheSearchBoxWithoutScript() throws Exception {
        String body = page("/?q=" + q("event_type:http"), f.readToken);
        int box = body.indexOf("<form class=\"search\"");
        int save = body.indexOf("<form class=\"save top\" method=\"post\" action=\"/searches\">");
        int table = body.indexOf("<table class=\"events\">");
        assertTrue(box >= 0 && save > box && table > save, "search box, then the save form, then the results");
        assertTrue(body.substring(save, body.indexOf("</form>", save)).contains("name=\"q\" value=\"event_type:http\""));
        assertEquals(1, Pattern.compile("<script").matcher(body).results().count(), "the one script from the jar, none inline");
        assertFalse(page("/", f.readToken).contains("class=\"save"), "nothing to save without a query");
    }

    @Test
    void theHistogramSaysItsTimesInUtcAsTheTablesDo() throws Exception {
        assertEquals("2024-03-14 21:00:00 UTC", Pages.utcSeconds(EveTimes.parseMicros("2024-03-14T22:00:00.900000+0100")));
        assertEquals("0000-01-01 00:00:00 UTC", Pages.utcSeconds(EveTimes.MIN_MICROS));
        String body = page("/?q=" + q("event_type:http"), f.readToken);
        Matcher cap = Pattern.compile("<figcaption><span>([^<]+)</span><span>[^<]+</span><span>([^<]+)</span></figcaption>").matcher(body);
        assertTrue(cap.find(), body);
        for (String edge : new String[] {cap.group(1), cap.group(2)}) {
            assertTrue(edge.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC"), edge);
        }
        Matcher bar = Pattern.compile("<title>([^<]+)</title></rect>").matcher(body);
        assertTrue(bar.find());
        assertTrue(bar.group(1).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: [0-9,]+ events?"), bar.group(1));
        String host = page("/hosts/198.18.0.1", f.readToken);
        assertFalse(Pattern.compile("\\d\\dT\\d\\d:\\d\\d:\\d\\dZ<").matcher(host + body).find(), "no ...Z time shown as text");
    }

    @Test
    void hashesAddressesAndUrlsAreMarkedForTheCopyControl() throws Exception {
        String file = page("/files/" + ConsoleFixture.EVIL_SHA, f.readToken);
        assertTrue(file.contains("<h1>File <span class=\"hash copyable\">" + ConsoleFixture.EVIL_SHA + "</span></h1>"), file);
        assertTrue(file.contains("<span class=\"copyable\">" + Html.escape(ConsoleFixture.EVIL_URL) + "</span>"), "the URL, as text");
        String http = f.firstId("event_type:http AND " + Pages.term("http.hostname", ConsoleFixture.EVIL_HOST));
        String event = page("/events/" + http, f.readToken);
        assertTrue(event.contains("<span class=\"v copyable\">" + Html.escape(ConsoleFixture.EVIL_URL) + "</span>"), event);
        assertTrue(event.contains("<a class=\"copyable\" href=\"/hosts/198.18.0.66\">198.18.0.66</a>"), "an address");
        assertFalse(event.contains("<span class=\"v copyable\">http</span>"), "not every value");
        assertFalse(event.contains("<script>window.__pwned") || file.contains("<script>window.__pwned"));
        assertFalse(event.contains("<button class=\"copy"), "the control is the script's: without it, nothing that does nothing");
    }
}
