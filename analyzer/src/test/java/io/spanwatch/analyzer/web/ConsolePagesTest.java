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
        f = new ConsoleFixture(dir, ConsoleFixture.rate(10_000), true, null);
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
    }
}
