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
            }
        }
        if (hit.isEmpty()) {
            return Response.html(HttpResponseStatus.NOT_FOUND, console.pages().plain("No such event", "The index has no event " + id + "."));
        }
        String type = e.path("event_type").asText();
        Html h = console.pages().start(r, type + " event", "");
        h.raw("<h1>").text(type).raw(" <span class=\"dim\">").text(e.path("timestamp").asText()).raw("</span></h1>");
        h.raw("<p class=\"summary\">");
        Pages.summary(h, e);
        h.raw("</p>");
        if (AlertAction.queued(e)) {
            AlertsPage.state(h, r, id, console.alerts().get(id), true);
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

    /** Writes a field's value: a link to its host or file page where there is one, and a link to search for it. */
    private void value(Html h, String path, String v) {
        String field = path.replaceAll("\\[[0-9]+]", "");
        FieldKind kind = console.index().schema().kind(field);
        String leaf = field.substring(field.lastIndexOf('.') + 1);
        if (kind == FieldKind.IP) {
            h.link("/hosts/" + Html.path(v), v);
        } else if ((leaf.equals("sha256") || leaf.equals("stored_sha256")) && v.matches("[0-9a-f]{64}")) {
            h.link("/files/" + v, v);
        } else {
            h.raw("<span class=\"v\">").text(v).raw("</span>");
        }
        if (kind != null && !v.isEmpty() && v.length() < 2000) {
            h.raw(" <a class=\"find\" title=\"search for this value\" href=\"/?q=").attr(Html.query(findQuery(field, v))).raw("\">⌕</a>");
        }
    }
}
