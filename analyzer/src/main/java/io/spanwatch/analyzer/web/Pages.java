package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spanwatch.analyzer.index.Aggregations;
import io.spanwatch.analyzer.index.EveTimes;
import io.spanwatch.analyzer.index.EventSearcher;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders what the console's pages share: the layout (header, navigation, the search box), the
 * result table, the time histogram, facet lists and the paging link. Every value from an event is
 * written with {@link Html#text}; links are built only from the console's own paths and
 * URL-encoded values.
 */
public final class Pages {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The facets the search page shows beside the results. */
    static final List<String> FACETS = List.of("event_type", "app_proto", "src_ip", "dest_ip", "dest_port", "http.hostname",
            "alert.signature", "fileinfo.mimetype", "fileinfo.verdict.result");

    private final Console console;

    Pages(Console console) {
        this.console = console;
    }

    /** Starts a page: head, header with navigation and the search box (holding {@code query}). */
    Html start(Request r, String title, String query) {
        Html h = new Html();
        h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
                .raw("<title>").text(title).raw(" · SpanWatch</title><link rel=\"stylesheet\" href=\"/static/console.css\">")
                .raw("<script src=\"/static/console.js\" defer></script></head><body><header><a class=\"brand\" href=\"/\">SpanWatch</a>")
                .raw("<nav><a href=\"/\">Search</a><a href=\"/alerts\">Alerts</a><a href=\"/searches\">Saved searches</a></nav>")
                .raw("<form class=\"search\" method=\"get\" action=\"/\"><input type=\"search\" name=\"q\" id=\"q\" placeholder=\"")
                .raw("event_type:alert AND src_ip:&quot;10.0.0.0/8&quot;\" value=\"").attr(query == null ? "" : query)
                .raw("\" autocomplete=\"off\" spellcheck=\"false\"><button>Search</button></form>");
        Principal p = r.principal();
        if (p != null) {
            h.raw("<span class=\"who\">").text(p.name()).raw(" (").text(p.role().label()).raw(")</span>");
            if (console.auth().required() && p.session() != null) {
                h.raw("<form method=\"post\" action=\"/logout\">").raw(csrf(r)).raw("<button class=\"link\">Log out</button></form>");
            }
        }
        h.raw("</header>");
        long dropped = console.index().droppedEvents();
        if (dropped > 0) {
            h.raw("<p class=\"warn\">The index misses ").text(String.format(Locale.ROOT, "%,d", dropped))
                    .raw(" events that a live run could not index in time (its queue was full); eve.json has them all.</p>");
        }
        h.raw("<main>");
        return h;
    }

    /** Ends a page. */
    static Response finish(Html h) {
        return Response.html(h.raw("</main></body></html>").toString());
    }

    /** Returns the hidden CSRF field of the request's session (empty without one). */
    static String csrf(Request r) {
        Principal p = r.principal();
        if (p == null || p.session() == null) {
            return "";
        }
        return "<input type=\"hidden\" name=\"" + Router.CSRF_FIELD + "\" value=\"" + Html.escape(p.session().csrf()) + "\">";
    }

    /** Returns a whole page with one heading and one sentence. */
    String plain(String title, String sentence) {
        Html h = new Html();
        h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").text(title)
                .raw("</title><link rel=\"stylesheet\" href=\"/static/console.css\"></head><body><main><h1>").text(title)
                .raw("</h1><p>").text(sentence).raw("</p><p><a href=\"/\">Search</a></p></main></body></html>");
        return h.toString();
    }

    /** Returns an error page with the search box (the query kept, so a typo is fixed where it was made). */
    Response error(Request r, HttpResponseStatus status, String message) {
        Html h = start(r, "Error", r.param("q", ""));
        h.raw("<p class=\"error\">").text(message).raw("</p>");
        Response res = finish(h);
        return Response.html(status, new String(res.body, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes the table of events with one row each. */
    void results(Html h, List<EventSearcher.Hit> hits) throws IOException {
        if (hits.isEmpty()) {
            h.raw("<p class=\"none\">No events.</p>");
            return;
        }
        h.raw("<table class=\"events\"><thead><tr><th>Time (UTC)</th><th>Type</th><th>Source</th><th>Destination</th><th>Summary</th></tr>")
                .raw("</thead><tbody>");
        for (EventSearcher.Hit hit : hits) {
            JsonNode e = JSON.readTree(hit.json());
            String type = e.path("event_type").asText("?");
            h.raw("<tr class=\"t-").attr(cssWord(type)).raw("\" data-href=\"/events/").attr(hit.id()).raw("\"><td class=\"time\">");
            timeLink(h, hit, e);
            h.raw("</td><td><span class=\"type\">").text(type).raw("</span></td><td>");
            endpoint(h, e.path("src_ip"), e.path("src_port"));
            h.raw("</td><td>");
            endpoint(h, e.path("dest_ip"), e.path("dest_port"));
            h.raw("</td><td class=\"summary\">");
            summary(h, e);
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table>");
    }

    private static final java.time.format.DateTimeFormatter SHOWN =
            java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    /**
     * Returns a time as the console's tables show it: UTC, to the millisecond, a space for the T
     * ({@code 2024-03-14 21:00:00.123}). Events keep the offset their sensor wrote (an imported
     * Suricata file may say {@code +0100}), so showing their own text mixed zones in one column.
     */
    static String shownTime(long micros) {
        return SHOWN.format(java.time.Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS));
    }

    private static final java.time.format.DateTimeFormatter SECONDS =
            java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    /**
     * Returns a time to the second as the tables show theirs, the zone named ({@code 2024-03-14 21:00:00 UTC}):
     * the histogram's edges and bars, which said {@code 2024-03-14T21:00:00Z} beside tables in another form.
     */
    static String utcSeconds(long micros) {
        return SECONDS.format(java.time.Instant.EPOCH.plus(Math.floorDiv(micros, 1_000_000L), java.time.temporal.ChronoUnit.SECONDS));
    }

    /** Writes the link to an event labelled with its time in UTC ({@link #shownTime}); the title holds the event's own timestamp. */
    static void timeLink(Html h, EventSearcher.Hit hit, JsonNode e) {
        h.raw("<a href=\"/events/").attr(hit.id()).raw("\" title=\"").attr(e.path("timestamp").asText(EveTimes.format(hit.timestamp())))
                .raw("\">").text(shownTime(hit.timestamp())).raw("</a>");
    }

    /** Letters of an event type usable in a class name (the type comes from the event). */
    private static String cssWord(String s) {
        return s.replaceAll("[^a-z0-9_]", "");
    }

    void endpoint(Html h, JsonNode ip, JsonNode port) {
        if (!ip.isTextual()) {
            return;
        }
        h.link("/hosts/" + Html.path(ip.asText()), ip.asText());
        if (port.isNumber()) {
            h.raw("<span class=\"port\">:").text(port.asText()).raw("</span>");
        }
    }

    /** Writes the line that says what an event is about, by type. */
    static void summary(Html h, JsonNode e) {
        JsonNode http = e.path("http");
        switch (e.path("event_type").asText()) {
            case "alert" -> {
                JsonNode a = e.path("alert");
                h.raw("<span class=\"sev sev").text(Integer.toString(Math.max(1, Math.min(3, a.path("severity").asInt(3)))))
                        .raw("\">").text(a.path("severity").asText("?")).raw("</span> ").text(a.path("signature").asText())
                        .raw(" <span class=\"dim\">").text(a.path("category").asText()).raw("</span>");
            }
            case "http" -> {
                h.text(http.path("http_method").asText("")).raw(" <b>").text(http.path("hostname").asText("")).raw("</b>")
                        .text(http.path("url").asText(""));
                if (http.has("status")) {
                    h.raw(" <span class=\"dim\">→ ").text(http.path("status").asText()).raw("</span>");
                }
            }
            case "fileinfo", "verdict" -> {
                JsonNode f = e.path("fileinfo");
                h.text(f.path("filename").asText("")).raw(" <span class=\"dim\">").text(f.path("size").asText("?"))
                        .raw(" bytes ").text(f.path("mimetype").asText("")).raw("</span>");
                String verdict = f.path("verdict").path("result").asText("");
                if (!verdict.isEmpty()) {
                    h.raw(" <span class=\"verdict v-").text(cssWord(verdict)).raw("\">").text(verdict).raw("</span>");
                }
            }
            case "flow" -> {
                JsonNode f = e.path("flow");
                h.text(e.path("proto").asText("")).raw(" ").text(e.path("app_proto").asText("")).raw(" <span class=\"dim\">")
                        .text(f.path("pkts_toserver").asLong() + f.path("pkts_toclient").asLong() + " pkts, ")
                        .text(f.path("bytes_toserver").asLong() + f.path("bytes_toclient").asLong() + " bytes, ")
                        .text(f.path("state").asText("")).raw("</span>");
            }
            case "tls" -> {
                JsonNode t = e.path("tls");
                h.text(t.path("version").asText("")).raw(" <b>").text(t.path("sni").asText("")).raw("</b>");
                if (t.has("subject")) {
                    h.raw(" <span class=\"dim\">").text(t.path("subject").asText()).raw("</span>");
                }
                h.raw(" <span class=\"dim\">JA3 ").text(t.path("ja3").path("hash").asText("")).raw("</span>");
                if (t.has("ja4")) {
                    h.raw(" <span class=\"dim\">JA4 ").text(t.path("ja4").asText("")).raw("</span>");
                }
            }
            case "anomaly" -> h.text(e.path("anomaly").path("type").asText("")).raw(" ").text(e.path("anomaly").path("event").asText(""));
            case "incident" -> h.text(e.path("incident").path("summary").asText(""));
            case "stats" -> h.text("uptime " + e.path("stats").path("uptime").asText("?") + " s");
            default -> {
                if (http.isObject()) {
                    h.text(http.path("hostname").asText("")).text(http.path("url").asText(""));
                }
            }
        }
    }

    /**
     * Writes a bar chart of events over time; each bar links to the query narrowed to its time. A
     * histogram whose search hit its time limit says so.
     */
    void histogram(Html h, String base, String query, Aggregations.Histogram hist, boolean timedOut) {
        if (timedOut) {
            h.raw("<p class=\"warn\">The histogram hit its time limit: its counts may be incomplete.</p>");
        }
        long[] c = hist.counts();
        if (c.length == 0) {
            return;
        }
        long max = 1;
        for (long v : c) {
            max = Math.max(max, v);
        }
        int w = 10;
        h.raw("<figure class=\"histogram\"><svg viewBox=\"0 0 ").text(Integer.toString(c.length * w)).raw(" 60\" preserveAspectRatio=\"none\" role=\"img\">");
        for (int i = 0; i < c.length; i++) {
            if (c[i] == 0) {
                continue;
            }
            long start = hist.start() + i * hist.interval();
            String range = barQuery(start, hist.interval());
            double bh = Math.max(1.5, 58.0 * c[i] / max);
            h.raw("<a href=\"").attr(base + "?q=" + Html.query(and(query, range))).raw("\"><rect x=\"").text(Integer.toString(i * w))
                    .raw("\" y=\"").text(String.format(Locale.ROOT, "%.1f", 60 - bh)).raw("\" width=\"").text(Integer.toString(w - 1))
                    .raw("\" height=\"").text(String.format(Locale.ROOT, "%.1f", bh)).raw("\"><title>")
                    .text(utcSeconds(start) + ": " + String.format(Locale.ROOT, "%,d", c[i]) + (c[i] == 1 ? " event" : " events"))
                    .raw("</title></rect></a>");
        }
        long end = Math.min(hist.start() + c.length * hist.interval(), EveTimes.MAX_MICROS);
        h.raw("</svg><figcaption><span>").text(utcSeconds(hist.start())).raw("</span><span>")
                .text(describe(hist.interval()) + " per bar").raw("</span><span>").text(utcSeconds(end)).raw("</span></figcaption></figure>");
    }

    /**
     * Returns the query for the events of one bar, {@code [start TO start + interval}}; a bar that ends
     * past year 9999 (where times end: the parser reads no later one) is open-ended.
     */
    static String barQuery(long start, long interval) {
        long end = start + interval; // both within years 0000 to 9999 plus at most 10,000 years: no overflow
        return "timestamp:[" + EveTimes.formatIso(start) + " TO " + (end > EveTimes.MAX_MICROS ? "*]" : EveTimes.formatIso(end) + "}");
    }

    private static String describe(long intervalMicros) {
        long s = intervalMicros / 1_000_000L;
        if (s % 86400 == 0) {
            return s / 86400 + " d";
        } else if (s % 3600 == 0) {
            return s / 3600 + " h";
        } else if (s % 60 == 0) {
            return s / 60 + " min";
        }
        return s + " s";
    }

    /** Writes facet lists; each value links to the query narrowed to it. Facets whose search hit its time limit say so. */
    void facets(Html h, String base, String query, Map<String, List<Aggregations.Bucket>> facets, boolean timedOut) {
        facets(h, narrowed -> base + "?q=" + Html.query(narrowed), query, facets, timedOut, Map.of(), "facets");
    }

    /**
     * Writes facet lists as {@link #facets(Html, String, String, Map, boolean)} does, each value's link made by
     * {@code href} from the narrowed query, each list headed by its title in {@code titles} (else the
     * field's name), the aside of class {@code css}.
     */
    static void facets(Html h, java.util.function.Function<String, String> href, String query, Map<String, List<Aggregations.Bucket>> facets,
            boolean timedOut, Map<String, String> titles, String css) {
        h.raw("<aside class=\"").raw(css).raw("\">");
        if (timedOut) {
            h.raw("<p class=\"warn\">The facets hit their time limit: their counts may be incomplete.</p>");
        }
        facets.forEach((field, buckets) -> {
            if (buckets.isEmpty()) {
                return;
            }
            h.raw("<section><h3>").text(titles.getOrDefault(field, field)).raw("</h3><ol>");
            for (Aggregations.Bucket b : buckets) {
                // The value narrows the query to it; the minus beside it leaves it out (Kibana's filter out)
                h.raw("<li><a class=\"in\" href=\"").attr(href.apply(and(query, term(field, b.value())))).raw("\"><span class=\"v\">")
                        .text(b.value()).raw("</span><span class=\"n\">").text(String.format(Locale.ROOT, "%,d", b.count()))
                        .raw("</span></a><a class=\"out\" title=\"leave this value out\" aria-label=\"leave out\" href=\"")
                        .attr(href.apply(and(query, "NOT " + term(field, b.value())))).raw("\">−</a></li>");
            }
            h.raw("</ol></section>");
        });
        h.raw("</aside>");
    }

    /** Returns {@code field:"value"} with the value quoted for Lucene's syntax. */
    static String term(String field, String value) {
        return field + ":\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Returns the two queries joined by AND (the first in parentheses); a blank first gives the second. */
    static String and(String query, String more) {
        return query == null || query.isBlank() || query.strip().equals("*:*") ? more : "(" + query + ") AND " + more;
    }

    /**
     * Writes the paging links of a page whose address without a cursor is {@code href} (it has a query
     * string): on any page but the first, the newest page and the page just newer than this one
     * ({@code search_before} its first event); the older page ({@code search_after}) when there is one.
     */
    static void pager(Html h, String href, EventSearcher.Page page, boolean first, String older) {
        if (first && page.next() == null) {
            return;
        }
        h.raw("<p class=\"more\">");
        if (!first) {
            h.raw("<a class=\"newest\" href=\"").attr(href).raw("\">« Newest</a> ");
            if (!page.hits().isEmpty()) {
                h.raw("<a class=\"newer\" href=\"").attr(href + "&search_before=" + Html.query(cursor(page.hits().getFirst()).toString()))
                        .raw("\">← Newer</a> ");
            }
        }
        if (page.next() != null) {
            h.raw("<a class=\"older\" href=\"").attr(href + "&search_after=" + Html.query(page.next().toString())).raw("\">").text(older)
                    .raw(" →</a>");
        }
        h.raw("</p>");
    }

    /** Returns the cursor that is a hit's place in the order. */
    static EventSearcher.Cursor cursor(EventSearcher.Hit hit) {
        return new EventSearcher.Cursor(hit.timestamp(), io.spanwatch.analyzer.index.EventIds.parse(hit.id()));
    }

    /**
     * Returns the page of a search: after {@code search_after}, before {@code search_before} (newer,
     * the first page when fewer than a page are newer), or the first; {@code first[0]} tells which.
     */
    static EventSearcher.Page page(Request r, EventSearcher s, org.apache.lucene.search.Query query, int size, boolean[] first)
            throws IOException {
        EventSearcher.Cursor after = ApiEvents.cursor(r);
        EventSearcher.Cursor before = ApiEvents.cursor(r, "search_before");
        if (after != null && before != null) {
            throw new Request.BadRequest("search_after or search_before, not both");
        }
        EventSearcher.Page page = before == null ? null : s.searchBefore(query, size, before);
        first[0] = after == null && page == null;
        return page != null ? page : s.search(query, size, after);
    }

    /** Writes the count line above results. */
    static void total(Html h, EventSearcher.Page page, java.util.Set<String> unknown) {
        h.raw("<p class=\"total\">").text(String.format(Locale.ROOT, "%,d", page.total())).raw(page.total() == 1 ? " event" : " events");
        if (page.timedOut()) {
            h.raw(" <span class=\"warn\">(the search hit its time limit: results may be incomplete)</span>");
        }
        h.raw("</p>");
        if (!unknown.isEmpty()) {
            h.raw("<p class=\"warn\">No event has the field").raw(unknown.size() > 1 ? "s " : " ").text(String.join(", ", unknown))
                    .raw(".</p>");
        }
    }
}
