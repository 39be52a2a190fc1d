package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.spanwatch.analyzer.index.Aggregations;
import io.spanwatch.analyzer.index.EventFields;
import io.spanwatch.analyzer.index.EventIds;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Serves {@code GET /alerts?state=open|acked|all&q=QUERY}: the alert queue, newest first, with who
 * it is assigned to, whether it was acknowledged, its comments, and (for the act role) buttons to
 * acknowledge; beside it the tab's alerts grouped by signature and by source host (counts from doc
 * values, each a link that filters the queue to its group, a minus that leaves it out). Paged by
 * {@code search_after} (older) and {@code search_before} (newer).
 *
 * <p>The queue holds incidents beside alerts ({@value #QUEUED}): an incident (an internal host that
 * downloaded malware and then called a command server) is what an analyst must act on first, and is
 * acknowledged, assigned and commented as an alert is; its row names the host and the incident's kind
 * and summary.
 */
final class AlertsPage extends Route {
    static final int PAGE = 50;
    /** The groups beside the queue, by field, with their titles. */
    static final Map<String, String> GROUPS = groups();
    /** Values listed per group at most. */
    static final int GROUP_SIZE = 10;
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
        org.apache.lucene.search.Query all = new BooleanQuery.Builder()
                .add(console.parser().parse(extra), BooleanClause.Occur.MUST)
                .add(console.parser().parse(QUEUED), BooleanClause.Occur.FILTER).build();
        // The tab is a filter of the query itself (the acknowledged ids), so a page, its paging and its
        // groups count the same alerts: read from the store page by page, a group's count was of all states.
        org.apache.lucene.search.Query query = inState(all, state, console.alerts().acknowledged());
        EventSearcher.Page page;
        boolean[] first = new boolean[1];
        long total;
        long incidents;
        Map<String, List<Aggregations.Bucket>> groups;
        boolean groupsTimedOut;
        try (EventSearcher s = console.index().acquire()) {
            page = Pages.page(r, s, query, PAGE, first);
            total = s.count(all);
            incidents = s.count(new BooleanQuery.Builder().add(all, BooleanClause.Occur.MUST)
                    .add(console.parser().parse(INCIDENTS), BooleanClause.Occur.FILTER).build());
            groups = s.aggregations().facets(query, List.copyOf(GROUPS.keySet()), GROUP_SIZE);
            groupsTimedOut = s.timedOut();
        }
        List<EventSearcher.Hit> shown = page.hits();
        Html h = console.pages().start(r, "Alerts", q);
        h.raw("<h1>Alerts <span class=\"dim\">").text(String.format(Locale.ROOT, "%,d", total)).raw(" in all</span></h1><p class=\"tabs\">");
        for (String s : List.of("open", "acked", "all")) {
            h.raw(s.equals(state) ? "<b>" : "").link("/alerts?state=" + s + "&q=" + Html.query(extra), s).raw(s.equals(state) ? "</b> " : " ");
        }
        // Incidents sort by time among hundreds of alerts: one link lists them alone, whatever page they are on,
        // within the filter in force (a host's or a signature's group stays chosen)
        if (incidents > 0 && incidents < total) {
            h.raw("<span class=\"sep\">|</span>").link("/alerts?state=" + state + "&q=" + Html.query(Pages.and(extra, INCIDENTS)),
                    "incidents only (" + String.format(Locale.ROOT, "%,d", incidents) + " in all)");
        }
        if (!extra.isBlank()) {
            h.raw("<span class=\"sep\">|</span>").link("/alerts?state=" + state, "clear the filter");
        }
        h.raw("</p>");
        h.raw("<div class=\"cols\"><div class=\"results\">");
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
        Pages.pager(h, "/alerts?state=" + state + "&q=" + Html.query(extra), page, first[0], "Older alerts");
        h.raw("</div>");
        // Grouped as EveBox's aggregate inbox: the signatures and sources of this tab's alerts, each a filter of the queue
        String tab = state;
        Pages.facets(h, narrowed -> "/alerts?state=" + tab + "&q=" + Html.query(narrowed), extra, groups, groupsTimedOut, GROUPS,
                "facets groups");
        h.raw("</div>");
        return Pages.finish(h);
    }

    private static Map<String, String> groups() {
        Map<String, String> g = new LinkedHashMap<>();
        g.put("alert.signature", "By signature");
        g.put("src_ip", "By source host");
        return java.util.Collections.unmodifiableMap(g);
    }

    /** Returns {@code all} narrowed to the alerts of a tab: open (not acknowledged), acked, or all. */
    static org.apache.lucene.search.Query inState(org.apache.lucene.search.Query all, String state, java.util.Set<String> acked) {
        if (state.equals("all")) {
            return all;
        }
        List<BytesRef> ids = new ArrayList<>();
        for (String id : acked) {
            byte[] b = EventIds.parse(id);
            if (b != null) {
                ids.add(new BytesRef(b));
            }
        }
        if (ids.isEmpty()) {
            return state.equals("open") ? all : new MatchNoDocsQuery("nothing acknowledged");
        }
        return new BooleanQuery.Builder().add(all, BooleanClause.Occur.MUST)
                .add(new TermInSetQuery(EventFields.ID, ids), state.equals("open") ? BooleanClause.Occur.MUST_NOT : BooleanClause.Occur.FILTER)
                .build();
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
