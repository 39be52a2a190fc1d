package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.spanwatch.analyzer.index.Aggregations;
import io.spanwatch.analyzer.index.EventSearcher;
import io.spanwatch.analyzer.index.IpText;
import java.util.List;
import java.util.Map;

/**
 * Serves {@code GET /hosts/IP}: one host's timeline, every event it is the source or destination
 * of, newest first, with its histogram and what it talked to. {@code q} narrows it further.
 */
final class HostPage extends Route {
    static final List<String> FACETS = List.of("event_type", "src_ip", "dest_ip", "dest_port", "http.hostname", "http.http_user_agent",
            "alert.signature", "fileinfo.sha256");
    private final Console console;

    HostPage(Console console) {
        super(HttpMethod.GET, "/hosts/{ip}", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) throws Exception {
        String ip = r.var("ip");
        if (IpText.parse(ip) == null) {
            throw new Request.BadRequest("not an IP address: " + ip);
        }
        String extra = r.param("q", "");
        String hostQuery = "(" + Pages.term("src_ip", ip) + " OR " + Pages.term("dest_ip", ip) + ")";
        String q = extra.isBlank() ? hostQuery : hostQuery + " AND (" + extra + ")";
        var query = console.parser().parse(q);
        EventSearcher.Page page;
        Aggregations.Histogram hist;
        Map<String, List<Aggregations.Bucket>> facets;
        boolean histTimedOut;
        boolean facetsTimedOut;
        try (EventSearcher s = console.index().acquire()) {
            page = s.search(query, 100, ApiEvents.cursor(r));
            hist = s.aggregations().histogram(query, 80);
            histTimedOut = s.timedOut();
            facets = s.aggregations().facets(query, FACETS, 8);
            facetsTimedOut = s.timedOut();
        }
        Pages pages = console.pages();
        Html h = pages.start(r, "Host " + ip, q);
        h.raw("<h1>Host ").text(ip).raw("</h1><p class=\"related\">").link("/?q=" + Html.query(q), "Search these events")
                .link("/alerts?state=all&q=" + Html.query(hostQuery), "Its alerts and incidents")
                .link("/?q=" + Html.query("event_type:fileinfo AND " + hostQuery), "Its file transfers").raw("</p>");
        h.raw("<div class=\"cols\"><div class=\"results\">");
        pages.histogram(h, "/", q, hist, histTimedOut);
        Pages.total(h, page, java.util.Set.of());
        pages.results(h, page.hits());
        if (page.next() != null) {
            h.raw("<p class=\"more\"><a href=\"/hosts/").attr(Html.path(ip) + "?q=" + Html.query(extra) + "&search_after="
                    + Html.query(page.next().toString())).raw("\">Older events →</a></p>");
        }
        h.raw("</div>");
        pages.facets(h, "/", q, facets, facetsTimedOut);
        h.raw("</div>");
        return Pages.finish(h);
    }
}
