package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Serves {@code GET /alerts?state=open|acked|all&q=QUERY}: the alert queue, newest first, with who
 * it is assigned to, whether it was acknowledged, its comments, and (for the act role) buttons to
 * acknowledge. Filtering by state reads at most {@value #MAX_SCANNED} alerts per page.
 *
 * <p>The queue holds incidents beside alerts ({@value #QUEUED}): an incident (an internal host that
 * downloaded malware and then called a command server) is what an analyst must act on first, and is
 * acknowledged, assigned and commented as an alert is; its row names the host and the incident's kind
 * and summary.
 */
final class AlertsPage extends Route {
    static final int PAGE = 50;
    static final int MAX_SCANNED = 5000;
    /** What the queue holds. */
    static final String QUEUED = "event_type:(alert OR incident)";
    /** The incidents among them, which the queue offers on their own. */
    static final String INCIDENTS = "event_type:incident";
    private final Console console;

    AlertsPage(Console console) {
        super(HttpMethod.GET, "/alerts", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) throws Exception {
        String state = r.param("state", "open");
        if (!List.of("open", "acked", "all").contains(state)) {
            throw new Request.BadRequest("state must be open, acked or all");
        }
        String extra = r.param("q", "");
        String q = Pages.and(extra, QUEUED); // what the search box shows
        // Both parsed on their own and required together: joined as text, a query such as
        // "x) OR (event_type:flow" closed the parenthesis Pages.and opened and listed other events.
        org.apache.lucene.search.Query query = new org.apache.lucene.search.BooleanQuery.Builder()
                .add(console.parser().parse(extra), org.apache.lucene.search.BooleanClause.Occur.MUST)
                .add(console.parser().parse(QUEUED), org.apache.lucene.search.BooleanClause.Occur.FILTER).build();
        List<EventSearcher.Hit> shown = new ArrayList<>();
        EventSearcher.Cursor after = ApiEvents.cursor(r);
        EventSearcher.Cursor resume = null;
        long total;
        long incidents;
        int scanned = 0;
        try (EventSearcher s = console.index().acquire()) {
            EventSearcher.Page page;
            do {
                page = s.search(query, 200, after);
                for (EventSearcher.Hit hit : page.hits()) {
                    scanned++;
                    boolean acked = console.alerts().get(hit.id()).acknowledged();
                    if (state.equals("all") || acked == state.equals("acked")) {
                        shown.add(hit);
                        if (shown.size() == PAGE) {
                            resume = new EventSearcher.Cursor(hit.timestamp(), io.spanwatch.analyzer.index.EventIds.parse(hit.id()));
                            break;
                        }
                    }
                }
                after = page.next();
            } while (resume == null && after != null && scanned < MAX_SCANNED);
            total = page.total();
            if (resume == null && after != null) {
                resume = after;
            }
            incidents = s.count(new org.apache.lucene.search.BooleanQuery.Builder()
                    .add(query, org.apache.lucene.search.BooleanClause.Occur.MUST)
                    .add(console.parser().parse(INCIDENTS), org.apache.lucene.search.BooleanClause.Occur.FILTER).build());
        }
        Html h = console.pages().start(r, "Alerts", q);
        h.raw("<h1>Alerts <span class=\"dim\">").text(String.format(Locale.ROOT, "%,d", total)).raw(" in all</span></h1><p class=\"tabs\">");
        for (String s : List.of("open", "acked", "all")) {
            h.raw(s.equals(state) ? "<b>" : "").link("/alerts?state=" + s + "&q=" + Html.query(extra), s).raw(s.equals(state) ? "</b> " : " ");
        }
        // Incidents sort by time among hundreds of alerts: one link lists them alone, whatever page they are on
        if (incidents > 0 && !extra.strip().equals(INCIDENTS)) {
            h.raw("<span class=\"sep\">|</span>").link("/alerts?state=" + state + "&q=" + Html.query(INCIDENTS),
                    "incidents only (" + String.format(Locale.ROOT, "%,d", incidents) + " in all)");
        }
        if (!extra.isBlank()) {
            h.raw("<span class=\"sep\">|</span>").link("/alerts?state=" + state, "clear the filter");
        }
        h.raw("</p>");
        boolean act = r.principal().allows(Role.ACT);
        if (shown.isEmpty()) {
            h.raw("<p class=\"none\">No ").text(state.equals("all") ? "" : state + " ").raw("alerts")
                    .raw(extra.isBlank() ? "" : " match this filter").raw(state.equals("open") ? ": the queue is clear. " : ". ")
                    .link("/alerts?state=all&q=" + Html.query(extra), "Show all, acknowledged too").raw("</p>");
        } else {
            // Acting on many at once: the script shows this bar, posts each selected alert to the API with
            // the session's CSRF token, and reloads; without the script each row's own button still works.
            if (act) {
                String bulk = state.equals("acked") ? "unack" : "ack";
                h.raw("<div class=\"bulk\" id=\"bulk\" hidden data-action=\"").raw(bulk).raw("\"><label><input type=\"checkbox\" id=\"pick-all\"> all on this page</label>")
                        .raw("<button type=\"button\" id=\"bulk-go\" disabled>").raw(bulk.equals("ack") ? "Acknowledge selected" : "Reopen selected")
                        .raw("</button><span id=\"bulk-status\" class=\"dim\" role=\"status\"></span></div>");
            }
            h.raw("<table class=\"events alerts").raw(act ? " picks" : "").raw("\"><thead><tr>").raw(act ? "<th class=\"pick\"></th>" : "")
                    .raw("<th>Time (UTC)</th><th>Sev</th><th>Signature</th><th>Source</th><th>Destination</th>")
                    .raw("<th>Assignee</th><th></th></tr></thead><tbody>");
            for (EventSearcher.Hit hit : shown) {
                JsonNode e = Pages.JSON.readTree(hit.json());
                AlertStore.State st = console.alerts().get(hit.id());
                boolean incident = queuedIncident(e);
                JsonNode a = e.path(incident ? "incident" : "alert");
                h.raw("<tr data-href=\"/events/").attr(hit.id()).raw(incident ? "\" class=\"incident" : "").raw("\">");
                if (act) {
                    h.raw("<td class=\"pick\"><input type=\"checkbox\" class=\"pick\" aria-label=\"select\" data-id=\"").attr(hit.id()).raw("\"></td>");
                }
                h.raw("<td class=\"time\">");
                Pages.timeLink(h, hit, e);
                h.raw("</td><td><span class=\"sev sev").text(Integer.toString(Math.max(1, Math.min(3, a.path("severity").asInt(3)))))
                        .raw("\">").text(a.path("severity").asText("?")).raw("</span></td><td>");
                if (incident) {
                    h.raw("<b>Incident: ").text(a.path("kind").asText()).raw("</b> <span class=\"dim\">").text(a.path("summary").asText())
                            .raw("</span></td><td>");
                    console.pages().endpoint(h, a.path("host"), com.fasterxml.jackson.databind.node.MissingNode.getInstance());
                    h.raw("</td><td>");
                    for (JsonNode part : a.path("alerts")) { // the command server it called
                        if (part.path("callback_host").isTextual()) {
                            h.text(part.path("callback_host").asText());
                            break;
                        }
                    }
                } else {
                    h.text(a.path("signature").asText())
                            .raw(" <span class=\"dim\">").text(a.path("category").asText()).raw("</span></td><td>");
                    console.pages().endpoint(h, e.path("src_ip"), e.path("src_port"));
                    h.raw("</td><td>");
                    console.pages().endpoint(h, e.path("dest_ip"), e.path("dest_port"));
                }
                // Who has it and how many comments, in one column: two left the signature no room at 1024 px
                h.raw("</td><td>").text(st.assignee() == null ? "" : st.assignee());
                if (!st.comments().isEmpty()) {
                    h.raw(" <span class=\"dim nowrap\">").text(st.comments().size() == 1 ? "1 comment" : st.comments().size() + " comments").raw("</span>");
                }
                h.raw("</td><td>");
                if (act) {
                    ackForm(h, r, hit.id(), st.acknowledged(), "/alerts?state=" + state + "&q=" + Html.query(extra));
                } else if (st.acknowledged()) {
                    h.raw("acknowledged");
                }
                h.raw("</td></tr>");
            }
            h.raw("</tbody></table>");
            h.raw("<p class=\"keys dim\">Keys: <kbd>j</kbd> <kbd>k</kbd> next and previous row, <kbd>o</kbd> or <kbd>Enter</kbd> open it")
                    .raw(act ? ", <kbd>x</kbd> select it, <kbd>A</kbd> act on the selected (or this row)" : "")
                    .raw(", <kbd>/</kbd> search.</p>");
        }
        if (resume != null) {
            h.raw("<p class=\"more\"><a href=\"").attr("/alerts?state=" + state + "&q=" + Html.query(extra) + "&search_after="
                    + Html.query(resume.toString())).raw("\">Older alerts →</a></p>");
        }
        return Pages.finish(h);
    }

    /** Tells whether a queued event is an incident (else an alert). */
    static boolean queuedIncident(JsonNode e) {
        return "incident".equals(e.path("event_type").asText());
    }

    /** Writes the acknowledge (or reopen) button of one alert. */
    static void ackForm(Html h, Request r, String id, boolean acked, String back) {
        h.raw("<form class=\"inline\" method=\"post\" action=\"/alerts/").attr(id).raw("\">").raw(Pages.csrf(r))
                .raw("<input type=\"hidden\" name=\"back\" value=\"").attr(back).raw("\"><input type=\"hidden\" name=\"action\" value=\"")
                .raw(acked ? "unack" : "ack").raw("\"><button class=\"ack\">").raw(acked ? "Reopen" : "Acknowledge").raw("</button></form>");
    }

    /** Writes what was done with an alert, with the forms to act on it (act role). */
    static void state(Html h, Request r, String id, AlertStore.State st, boolean forms) {
        h.raw("<section class=\"alert-state\"><p>");
        if (st.acknowledged()) {
            h.raw("Acknowledged by ").text(st.acknowledgedBy()).raw(" at ").text(secondsUtc(st.acknowledgedAt())).raw(". ");
        } else {
            h.raw("Open. ");
        }
        h.raw(st.assignee() == null ? "Not assigned." : "Assigned to ").text(st.assignee() == null ? "" : st.assignee() + ".").raw("</p>");
        if (!st.comments().isEmpty()) {
            h.raw("<ol class=\"comments\">");
            for (AlertStore.Comment c : st.comments()) {
                h.raw("<li><span class=\"dim\">").text(c.by() + ", " + secondsUtc(c.at())).raw("</span><p>").text(c.text()).raw("</p></li>");
            }
            h.raw("</ol>");
        }
        if (forms && r.principal().allows(Role.ACT)) {
            String back = "/events/" + id;
            ackForm(h, r, id, st.acknowledged(), back);
            h.raw("<form class=\"inline\" method=\"post\" action=\"/alerts/").attr(id).raw("\">").raw(Pages.csrf(r))
                    .raw("<input type=\"hidden\" name=\"action\" value=\"assign\"><input type=\"hidden\" name=\"back\" value=\"").attr(back)
                    .raw("\"><input name=\"text\" placeholder=\"assign to\" maxlength=\"100\" value=\"").attr(st.assignee() == null ? "" : st.assignee())
                    .raw("\"><button>Assign</button></form>");
            h.raw("<form class=\"comment\" method=\"post\" action=\"/alerts/").attr(id).raw("\">").raw(Pages.csrf(r))
                    .raw("<input type=\"hidden\" name=\"action\" value=\"comment\"><input type=\"hidden\" name=\"back\" value=\"").attr(back)
                    .raw("\"><textarea name=\"text\" maxlength=\"2000\" required placeholder=\"comment\"></textarea><button>Comment</button></form>");
        }
        h.raw("</section>");
    }

    /** An analyst's action time as people read it: to the second, UTC (the API keeps full precision). */
    static String secondsUtc(java.time.Instant at) {
        return at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace('T', ' ').replace("Z", " UTC");
    }
}
