package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spanwatch.analyzer.index.EventSearcher;
import io.spanwatch.analyzer.index.FieldKind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Serves {@code GET /events/ID}: every field of one event (addresses link to their host's page,
 * hashes to their file's page, any value to a search for it), the raw EVE JSON, what analysts did
 * with it when it is an alert, and the other events of its flow (same {@code flow_id} or
 * {@code community_id}).
 */
final class EventPage extends Route {
    /** Events of the same flow shown at most. */
    static final int FLOW_EVENTS = 200;
    private final Console console;

    EventPage(Console console) {
        super(HttpMethod.GET, "/events/{id}", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) throws Exception {
        String id = r.var("id");
        Optional<EventSearcher.Hit> hit;
        EventSearcher.Page flow = null;
        EventSearcher.Page parts = null;
        String partsQuery = null;
        String callbacks = null;
        long callbackCount = 0;
        JsonNode e = null;
        try (EventSearcher s = console.index().acquire()) {
            hit = s.get(id);
            if (hit.isPresent()) {
                e = Pages.JSON.readTree(hit.get().json());
                String fq = flowQuery(e);
                if (fq != null) {
                    try {
                        flow = s.search(console.parser().parse(fq), FLOW_EVENTS, null);
                    } catch (io.spanwatch.analyzer.index.QueryException ignored) {
                        // an imported event's flow keys the parser refuses: the event is still shown
                    }
                }
                partsQuery = incidentAlertsQuery(e);
                if (partsQuery != null) {
                    try {
                        parts = s.search(console.parser().parse(partsQuery), FLOW_EVENTS, null);
                    } catch (io.spanwatch.analyzer.index.QueryException ignored) {
                        partsQuery = null; // an imported incident whose parts the parser refuses: shown without them
                    }
                }
                callbacks = beaconQuery(e);
                if (callbacks != null) {
                    try {
                        callbackCount = s.count(console.parser().parse(callbacks));
                    } catch (io.spanwatch.analyzer.index.QueryException ignored) {
                        callbacks = null;
                    }
                }
            }
        }
        if (hit.isEmpty()) {
            return Response.html(HttpResponseStatus.NOT_FOUND, console.pages().plain("No such event", "The index has no event " + id + "."));
        }
        String type = e.path("event_type").asText();
        Html h = console.pages().start(r, type + " event", "");
        h.raw("<h1>").text(type).raw(" <span class=\"dim\" title=\"").attr(e.path("timestamp").asText()).raw("\">")
                .text(Pages.shownTime(hit.get().timestamp()) + " UTC").raw("</span></h1>");
        h.raw("<p class=\"summary\">");
        Pages.summary(h, e);
        h.raw("</p>");
        if (AlertAction.queued(e)) {
            AlertsPage.state(h, r, id, console.alerts().get(id), true);
        }
        if (parts != null) {
            // An incident joins alerts of other flows: list them, so the analyst goes on from each
            // to its flow, its file and its host without copying times into a search.
            h.raw("<h2>Alerts of this incident <span class=\"dim\">").text(String.format(Locale.ROOT, "%,d", parts.total()))
                    .raw("</span></h2>");
            console.pages().results(h, parts.hits());
            JsonNode inc = e.path("incident");
            String window = window(inc.path("first_seen").asText(""), inc.path("last_seen").asText(""));
            if (inc.path("host").isTextual() && io.spanwatch.analyzer.index.IpText.parse(inc.path("host").asText()) != null && window != null) {
                String host = inc.path("host").asText();
                h.raw("<p class=\"related\">").link("/?q=" + Html.query("(" + Pages.term("src_ip", host) + " OR " + Pages.term("dest_ip", host)
                        + ") AND " + window), "Every event of " + host + " during the incident").raw("</p>");
            }
        }
        if (callbacks != null) {
            h.raw("<p class=\"related\">").link("/?q=" + Html.query(callbacks), "The callbacks this beacon alert is about ("
                    + String.format(Locale.ROOT, "%,d", callbackCount) + (callbackCount == 1 ? " event)" : " events)")).raw("</p>");
        }
        h.raw("<div class=\"cols\"><div class=\"results\"><table class=\"fields\"><tbody>");
        List<String[]> rows = new ArrayList<>();
        flatten("", e, rows);
        for (String[] row : rows) {
            h.raw("<tr><th>").text(row[0]).raw("</th><td>");
            value(h, row[0], row[1]);
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table><details><summary>EVE JSON</summary><pre class=\"json\">").text(e.toPrettyString()).raw("</pre></details>");
        if (flow != null) {
            h.raw("<h2>Events of this flow <span class=\"dim\">").text(String.format(Locale.ROOT, "%,d", flow.total())).raw("</span></h2>");
            console.pages().results(h, flow.hits());
        }
        h.raw("</div></div>");
        return Pages.finish(h);
    }

    /** Longest Community ID looked up (version 1's are 30 characters); longer ones come from crafted EVE. */
    static final int MAX_COMMUNITY_ID = 256;

    /**
     * Returns the query for the other events of the event's flow, or null when it names none. Only keys
     * the index can hold are used (an imported event may carry anything): a flow id that fits a long,
     * a Community ID of at most {@link #MAX_COMMUNITY_ID} characters.
     */
    static String flowQuery(JsonNode e) {
        List<String> parts = new ArrayList<>();
        if (e.path("flow_id").isNumber() || e.path("flow_id").isTextual()) {
            String f = e.path("flow_id").asText();
            if (f.matches("-?[0-9]{1,20}") && fitsLong(f)) {
                parts.add(Pages.term("flow_id", f)); // quoted: a bare -42 would be NOT 42
            }
        }
        if (e.path("community_id").isTextual() && e.path("community_id").asText().length() <= MAX_COMMUNITY_ID) {
            parts.add(Pages.term("community_id", e.path("community_id").asText()));
        }
        return parts.isEmpty() ? null : String.join(" OR ", parts);
    }

    /**
     * Returns the query for the alerts an incident joins, from the incident's host, or null when the
     * event is no incident or names none: each by its signature and its time, and a beacon (whose
     * part holds the time of the first callback after the download, not of the alert, which comes
     * later) by the server it called, so its alerts are listed, the later ones too.
     */
    static String incidentAlertsQuery(JsonNode e) {
        if (!"incident".equals(e.path("event_type").asText())) {
            return null;
        }
        JsonNode inc = e.path("incident");
        List<String> each = new ArrayList<>();
        for (JsonNode part : inc.path("alerts")) {
            String sig = part.path("signature").asText("");
            String ts = part.path("timestamp").asText("");
            String called = part.path("callback_host").asText("");
            if ("beacon".equals(part.path("category").asText()) && !called.isEmpty() && called.length() <= 1000 && each.size() < 20) {
                each.add("(alert.category:beacon AND " + Pages.term("beacon.host", called) + ")");
            } else if (!sig.isEmpty() && sig.length() <= 1000 && io.spanwatch.analyzer.index.EveTimes.parseMicros(ts)
                    != io.spanwatch.analyzer.index.EveTimes.INVALID && each.size() < 20) {
                each.add("(" + Pages.term("alert.signature", sig) + " AND " + Pages.term("timestamp", ts) + ")");
            }
        }
        if (each.isEmpty()) {
            return null;
        }
        String q = "event_type:alert AND (" + String.join(" OR ", each) + ")";
        String host = inc.path("host").asText("");
        if (io.spanwatch.analyzer.index.IpText.parse(host) != null) {
            q += " AND (" + Pages.term("src_ip", host) + " OR " + Pages.term("dest_ip", host) + ")";
        }
        return q;
    }

    /**
     * Returns the query for the connections a beacon alert is about (its source to the server it
     * called, from its first callback to its last), or null when the event is no beacon alert.
     */
    static String beaconQuery(JsonNode e) {
        JsonNode b = e.path("beacon");
        if (!"alert".equals(e.path("event_type").asText()) || !b.isObject()) {
            return null;
        }
        String src = e.path("src_ip").asText("");
        String dest = b.path("dest_ip").asText(e.path("dest_ip").asText(""));
        String window = window(b.path("first_seen").asText(""), b.path("last_seen").asText(""));
        if (io.spanwatch.analyzer.index.IpText.parse(src) == null || io.spanwatch.analyzer.index.IpText.parse(dest) == null || window == null) {
            return null;
        }
        String q = Pages.term("src_ip", src) + " AND " + Pages.term("dest_ip", dest);
        if (b.path("dest_port").canConvertToInt() && b.path("dest_port").asInt() > 0 && b.path("dest_port").asInt() < 65536) {
            q += " AND dest_port:" + b.path("dest_port").asInt();
        }
        return q + " AND " + window;
    }

    /** Returns {@code timestamp:[FIRST TO LAST]} to whole seconds (the last one included), or null when either time does not parse. */
    static String window(String first, String last) {
        long from = io.spanwatch.analyzer.index.EveTimes.parseMicros(first);
        long to = io.spanwatch.analyzer.index.EveTimes.parseMicros(last);
        if (from == io.spanwatch.analyzer.index.EveTimes.INVALID || to == io.spanwatch.analyzer.index.EveTimes.INVALID || to < from
                || to > io.spanwatch.analyzer.index.EveTimes.MAX_MICROS - 1_000_000L) {
            return null;
        }
        return "timestamp:[" + io.spanwatch.analyzer.index.EveTimes.formatIso(from) + " TO "
                + io.spanwatch.analyzer.index.EveTimes.formatIso(to + 1_000_000L) + "}";
    }

    /** Whether the index can hold {@code digits}: a signed or an unsigned 64-bit number (as it indexes flow ids). */
    private static boolean fitsLong(String digits) {
        try {
            Long.parseLong(digits);
            return true;
        } catch (NumberFormatException e) {
            try {
                Long.parseUnsignedLong(digits);
                return true;
            } catch (NumberFormatException e2) {
                return false;
            }
        }
    }

    /** Lists leaf values by dotted path; array items of objects are numbered, arrays of values joined. */
    static void flatten(String prefix, JsonNode n, List<String[]> out) {
        if (n.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), out);
            }
        } else if (n.isArray()) {
            boolean scalars = true;
            for (JsonNode item : n) {
                scalars &= item.isValueNode();
            }
            if (scalars) {
                List<String> v = new ArrayList<>();
                n.forEach(item -> v.add(item.asText()));
                out.add(new String[] {prefix, String.join(", ", v)});
            } else {
                int i = 0;
                for (JsonNode item : n) {
                    flatten(prefix + "[" + i++ + "]", item, out);
                }
            }
        } else {
            out.add(new String[] {prefix, n.asText()});
        }
    }

    /**
     * Returns the query for one value of a field: quoted, numbers and times too (a bare {@code -5} would
     * be NOT 5, a bare time's colons would end the field).
     */
    static String findQuery(String field, String value) {
        return Pages.term(field, value);
    }

    /**
     * Fields (by their last name) whose values an analyst pastes elsewhere (a sandbox, a ticket, another
     * tool's search): hashes, fingerprints, URLs and names of hosts (by
     * last name, or whole for a name as general as host). The script adds a copy control
     * beside each (and beside every address); it copies the text as shown, hidden characters escaped.
     */
    static final java.util.Set<String> COPYABLE = java.util.Set.of("sha256", "stored_sha256", "sha1", "md5", "hash", "ja4", "url",
            "hostname", "sni", "callback_host", "community_id", "redirect", "beacon.host", "incident.host");

    /** Writes a field's value: a link to its host or file page where there is one, and a link to search for it. */
    private void value(Html h, String path, String v) {
        String field = path.replaceAll("\\[[0-9]+]", "");
        FieldKind kind = console.index().schema().kind(field);
        String leaf = field.substring(field.lastIndexOf('.') + 1);
        if (kind == FieldKind.IP) {
            h.raw("<a class=\"copyable\" href=\"").attr("/hosts/" + Html.path(v)).raw("\">").text(v).raw("</a>");
        } else if ((leaf.equals("sha256") || leaf.equals("stored_sha256")) && v.matches("[0-9a-f]{64}")) {
            h.raw("<a class=\"copyable\" href=\"").attr("/files/" + v).raw("\">").text(v).raw("</a>");
        } else {
            h.raw((COPYABLE.contains(leaf) || COPYABLE.contains(field)) && !v.isEmpty() ? "<span class=\"v copyable\">" : "<span class=\"v\">").text(v).raw("</span>");
        }
        if (kind != null && !v.isEmpty() && v.length() < 2000) {
            h.raw(" <a class=\"find\" title=\"search for this value\" href=\"/?q=").attr(Html.query(findQuery(field, v))).raw("\">⌕</a>");
        }
    }
}
