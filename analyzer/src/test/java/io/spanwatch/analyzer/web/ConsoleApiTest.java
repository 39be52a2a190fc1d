package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.index.EveTimes;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON API of DESIGN.md over a real server: shapes, paging, facets, errors as 400s. */
class ConsoleApiTest {
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

    private static JsonNode json(String path) throws Exception {
        var res = f.get(path, f.readToken);
        assertEquals(200, res.statusCode(), res.body());
        assertEquals("application/json", res.headers().firstValue("content-type").orElse(""));
        return Response.JSON.readTree(res.body());
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void aFilePageCountsTheFilesTransfersNotTheAlertsThatNameThem() throws Exception {
        // The EICAR file is downloaded three times in the fixture, each download with its alert
        var res = f.get("/files/" + io.spanwatch.analyzer.index.TestEvents.EICAR_SHA256, f.readToken);
        assertEquals(200, res.statusCode());
        assertTrue(res.body().contains("<h2>Seen <span class=\"dim\">3 times</span></h2>"), res.body());
        assertTrue(res.body().contains("6 events name it"), res.body());
        assertTrue(f.get("/files/" + ConsoleFixture.EVIL_SHA, f.readToken).body().contains("1 time</span>"));
    }

    @Test
    void theSearchPagesLinkToOlderEventsKeepsThePageSize() throws Exception {
        String page = f.get("/?q=" + q("event_type:http") + "&size=7", f.readToken).body();
        assertTrue(page.contains("href=\"/?q=event_type%3Ahttp&amp;size=7&amp;search_after="), page);
        assertTrue(f.get("/?q=" + q("event_type:http"), f.readToken).body().contains("href=\"/?q=event_type%3Ahttp&amp;search_after="),
                "the default size is left out");
    }

    @Test
    void eventsArePagedNewestFirstWithExactTotals() throws Exception {
        Set<String> ids = new HashSet<>();
        String after = "";
        String lastTime = "9999";
        int pages = 0;
        long total = -1;
        do {
            JsonNode page = json("/api/v1/events?size=17&q=" + q("event_type:http OR event_type:alert") + after);
            total = page.path("total").asLong();
            for (JsonNode e : page.path("events")) {
                assertTrue(ids.add(e.path("id").asText()));
                String t = e.path("event").path("timestamp").asText();
                assertTrue(t.compareTo(lastTime) <= 0, "newest first");
                lastTime = t;
            }
            after = page.path("search_after").isNull() ? null : "&search_after=" + q(page.path("search_after").asText());
            pages++;
        } while (after != null);
        assertEquals(61 + 4, total, "61 http events and 4 alerts");
        assertEquals(total, ids.size());
        assertEquals(4, pages);
    }

    @Test
    void facetsAndHistogramThatHitTheTimeLimitSaySo() throws Exception {
        assertTrue(json("/api/v1/facets?field=dest_ip&q=" + q("event_type:flow")).path("timed_out").isMissingNode());
        assertTrue(json("/api/v1/histogram?q=" + q("event_type:flow")).path("timed_out").isMissingNode());
        try {
            f.console.index().queryTimeouts(() -> () -> true); // every search stops at once
            JsonNode facets = json("/api/v1/facets?field=dest_ip&q=" + q("event_type:flow"));
            assertTrue(facets.path("timed_out").asBoolean(), facets.toString());
            JsonNode hist = json("/api/v1/histogram?q=" + q("event_type:flow"));
            assertTrue(hist.path("timed_out").asBoolean(), hist.toString());
            String page = f.get("/?q=" + q("event_type:flow"), f.readToken).body();
            assertTrue(page.contains("The histogram hit its time limit"), page);
            assertTrue(page.contains("The facets hit their time limit"), page);
        } finally {
            f.console.index().queryTimeoutMillis(ConsoleConfig.DEFAULTS.queryTimeout().toMillis());
        }
    }

    @Test
    void negativeNumbersInAnEventsLinksAreValuesNotNegations() throws Exception {
        JsonNode e = Response.JSON.readTree("{\"flow_id\":-42,\"src_port\":-5,\"dest_port\":80}");
        String flow = EventPage.flowQuery(e);
        var parser = f.console.parser();
        assertEquals(parser.parse("flow_id:[-42 TO -42]"), parser.parse(flow), flow);
        // Keys no event the index holds can have (crafted EVE, imported): no lookup, and the event page still opens.
        assertEquals(null, EventPage.flowQuery(Response.JSON.readTree("{\"flow_id\":\"99999999999999999999\",\"community_id\":\""
                + "x".repeat(9000) + "\"}")));
        assertEquals(parser.parse("src_port:[-5 TO -5]"), parser.parse(EventPage.findQuery("src_port", "-5")));
        assertEquals(parser.parse("dest_port:[80 TO 80]"), parser.parse(EventPage.findQuery("dest_port", "80")));
        assertEquals(parser.parse("timestamp:[\"2026-03-11T06:00:00.000000+0000\" TO \"2026-03-11T06:00:00.000000+0000\"]"),
                parser.parse(EventPage.findQuery("timestamp", "2026-03-11T06:00:00.000000+0000")));
        String id = f.firstId("event_type:flow");
        assertEquals(200, f.get("/events/" + id, f.readToken).statusCode());
        assertEquals(200, f.get("/?q=" + q(EventPage.findQuery("flow_id", "-42")), f.readToken).statusCode());
    }

    @Test
    void oneEventByIdAndFacetsAndHistogram() throws Exception {
        String id = f.firstId("event_type:alert");
        JsonNode one = json("/api/v1/events/" + id);
        assertEquals(id, one.path("id").asText());
        assertEquals("alert", one.path("event").path("event_type").asText());
        assertEquals(404, f.get("/api/v1/events/" + "0".repeat(32), f.readToken).statusCode());
        JsonNode facets = json("/api/v1/facets?field=dest_ip&q=" + q("event_type:flow"));
        assertEquals(4, facets.path("buckets").size());
        assertEquals(20, facets.path("buckets").path(0).path("count").asLong());
        assertNotNull(facets.path("buckets").path(0).path("value").asText(null));
        JsonNode hist = json("/api/v1/histogram?q=" + q("event_type:flow") + "&buckets=30");
        long sum = 0;
        for (JsonNode b : hist.path("buckets")) {
            sum += b.path("count").asLong();
        }
        assertEquals(61, sum);
        assertTrue(hist.path("interval_s").asLong() > 0);
    }

    @Test
    void badQueriesAre400WithTheParsersMessage() throws Exception {
        for (String bad : new String[] {"(event_type:http", "src_ip:\"999.1.1.1\"", "dest_port:[x TO 9]", "\"open", "AND OR",
            "timestamp:[2026-13-01 TO now]", "src_ip:*.1.*", "http.url:/a{2147483647}/", "http.url:/.{0,1000}{0,1000}/"}) {
            var res = f.get("/api/v1/events?q=" + q(bad), f.readToken);
            assertEquals(400, res.statusCode(), bad + ": " + res.body());
            String msg = Response.JSON.readTree(res.body()).path("error").asText();
            assertTrue(!msg.isBlank(), bad);
        }
        assertEquals(400, f.get("/api/v1/facets?field=no.such.field", f.readToken).statusCode());
        assertEquals(400, f.get("/api/v1/events?size=100000", f.readToken).statusCode());
        assertEquals(400, f.get("/api/v1/events?search_after=garbage", f.readToken).statusCode());
        var page = f.get("/?q=" + q("(event_type:http"), f.readToken);
        assertEquals(400, page.statusCode());
        assertTrue(page.body().contains("Syntax Error"), "the page shows the parser's message");
    }

    @Test
    void relativeTimesPastTheRangeAre400NotWrappedAround() throws Exception {
        for (String bad : new String[] {"timestamp>now+9223372036854s", "timestamp:[now-9223372036854s TO now]",
            "timestamp<now+3000000d", "timestamp:[* TO now-800000d]"}) {
            var res = f.get("/api/v1/events?q=" + q(bad), f.readToken);
            assertEquals(400, res.statusCode(), bad);
            String msg = Response.JSON.readTree(res.body()).path("error").asText();
            assertTrue(msg.contains("time out of range"), bad + ": " + msg);
        }
        assertEquals(0, json("/api/v1/events?q=" + q("timestamp>now+36500d")).path("total").asLong());
        assertTrue(json("/api/v1/events?q=" + q("timestamp>now-36500d")).path("total").asLong() > 0);
    }

    @Test
    void aHistogramBarEndingPastYear9999LinksToAQueryThatParses() throws Exception {
        var parser = f.console.parser();
        long year = 31_536_000_000_000L;
        long start = Math.floorDiv(EveTimes.MAX_MICROS, year) * year;
        String bar = Pages.barQuery(start, 74 * year);
        assertEquals(parser.parse("timestamp:[" + EveTimes.formatIso(start) + " TO *]"), parser.parse(bar), bar);
        assertEquals(parser.parse("timestamp:[2026-03-11T06:00:00Z TO 2026-03-11T06:01:00Z}"),
                parser.parse(Pages.barQuery(EveTimes.parseMicros("2026-03-11T06:00:00Z"), 60_000_000L)));
    }

    @Test
    void emptyAddressRangesAndEveryIdAreQueriesThatCanBeSaved() throws Exception {
        assertEquals(0, json("/api/v1/events?q=" + q("src_ip:{* TO ::}")).path("total").asLong());
        assertEquals(0, json("/api/v1/facets?field=dest_ip&q=" + q("src_ip:{ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff TO *]"))
                .path("buckets").size());
        assertEquals(json("/api/v1/events?q=").path("total").asLong(), json("/api/v1/events?q=" + q("_id:*")).path("total").asLong());
        for (String query : new String[] {"src_ip:[:: TO ::}", "_id:*"}) {
            var saved = f.send(f.request("/searches").header("Authorization", "Bearer " + f.readToken)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=save&name=" + q(query) + "&q=" + q(query))).build());
            assertEquals(303, saved.statusCode(), query + ": " + saved.body());
        }
    }

    private int searchAction(String token, String form) throws Exception {
        return f.send(f.request("/searches").header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build())
                .statusCode();
    }

    @Test
    void aReaderKeepsTheirOwnSavedSearchesButNotOthers() throws Exception {
        assertEquals(303, searchAction(f.actToken, "action=save&name=team+view&q=" + q("event_type:alert")));
        assertEquals(403, searchAction(f.readToken, "action=save&name=team+view&q=" + q("event_type:http")), "a reader replaces another's");
        assertEquals(403, searchAction(f.readToken, "action=delete&name=team+view"), "a reader deletes another's");
        assertEquals(303, searchAction(f.readToken, "action=save&name=mine&q=" + q("event_type:http")));
        assertEquals(303, searchAction(f.readToken, "action=save&name=mine&q=" + q("event_type:flow")), "a reader replaces their own");
        var page = f.get("/searches", f.readToken).body();
        assertEquals(1, page.split("value=\"delete\"", -1).length - 1, "one delete button for the reader: their own");
        assertEquals(303, searchAction(f.readToken, "action=delete&name=mine"));
        assertTrue(f.get("/searches", f.actToken).body().contains("value=\"delete\""), "the act role may delete any");
        assertEquals(303, searchAction(f.actToken, "action=delete&name=team+view"));
        assertFalse(f.get("/searches", f.actToken).body().contains("team view"));
    }

    @Test
    void aMethodThePathDoesNotTakeIs405WithTheMethodsItTakes() throws Exception {
        var events = f.send(f.request("/api/v1/events").header("Authorization", "Bearer " + f.readToken).DELETE().build());
        assertEquals(405, events.statusCode());
        assertEquals("GET, HEAD", events.headers().firstValue("allow").orElse(""));
        var login = f.send(f.request("/login").PUT(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(405, login.statusCode());
        assertEquals("GET, HEAD, POST", login.headers().firstValue("allow").orElse(""));
        // a page answers as a page, the API as JSON
        assertTrue(login.headers().firstValue("content-type").orElse("").startsWith("text/html"), login.headers().toString());
        assertTrue(events.headers().firstValue("content-type").orElse("").startsWith("application/json"), events.headers().toString());
    }

    @Test
    void unknownFieldsAreReported() throws Exception {
        JsonNode r = json("/api/v1/events?q=" + q("http.host:x"));
        assertEquals(0, r.path("total").asLong());
        assertEquals("http.host", r.path("unknown_fields").path(0).asText());
    }

    @Test
    void theAlertQueueListsAlertsAndIncidentsWhateverTheQuery() throws Exception {
        java.util.regex.Pattern row = java.util.regex.Pattern.compile("<tr data-href=\"/events/([^\"]+)\"");
        for (String query : java.util.List.of("", "x) OR (event_type:flow", "event_type:flow) OR (x", "event_type:flow) OR (event_type:flow", "event_type:flow OR event_type:http OR *:*", "*:*) OR (*:*")) {
            java.net.http.HttpResponse<String> page = f.get("/alerts?state=all&q=" + q(query), f.readToken);
            java.util.regex.Matcher m = row.matcher(page.body());
            int rows = 0;
            while (m.find()) {
                String type = json("/api/v1/events/" + m.group(1)).path("event").path("event_type").asText();
                assertTrue(type.equals("alert") || type.equals("incident"), "query " + query + " listed a " + type + " event");
                rows++;
            }
            if (query.isEmpty() || query.startsWith("event_type:flow OR")) {
                assertEquals(5, rows, "4 alerts and an incident for " + query);
            }
        }
    }

    @Test
    void alertsCanBeAcknowledgedAssignedAndCommentedThroughTheApi() throws Exception {
        String id = f.firstId("event_type:alert");
        HttpRequest ack = f.request("/api/v1/alerts/" + id).header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"ack\"}")).build();
        JsonNode st = Response.JSON.readTree(f.send(ack).body());
        assertTrue(st.path("acknowledged").asBoolean());
        assertEquals("analyst", st.path("acknowledged_by").asText());
        HttpRequest comment = f.request("/api/v1/alerts/" + id).header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=comment&text=" + q("looked at it <b>ok</b>"))).build();
        st = Response.JSON.readTree(f.send(comment).body());
        assertEquals("looked at it <b>ok</b>", st.path("comments").path(0).path("text").asText());
        String flow = f.firstId("event_type:flow");
        HttpRequest notAlert = f.request("/api/v1/alerts/" + flow).header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"ack\"}")).build();
        assertEquals(404, f.send(notAlert).statusCode());
        // An incident is in the alert queue and is acted on the same way.
        String incident = f.firstId("event_type:incident");
        HttpRequest ackIncident = f.request("/api/v1/alerts/" + incident).header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"assign\",\"text\":\"ana\"}")).build();
        assertEquals("ana", Response.JSON.readTree(f.send(ackIncident).body()).path("assignee").asText());
        HttpRequest badAction = f.request("/api/v1/alerts/" + id).header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"delete\"}")).build();
        assertEquals(400, f.send(badAction).statusCode());
        // kept across restarts: a new store replays the file
        try (AlertStore again = AlertStore.open(dir.resolve("console").resolve("alerts.jsonl"), java.time.Clock.systemUTC())) {
            assertTrue(again.get(id).acknowledged());
            assertEquals(1, again.get(id).comments().size());
        }
    }
}
