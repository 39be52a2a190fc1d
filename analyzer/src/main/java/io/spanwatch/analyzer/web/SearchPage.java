package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.spanwatch.analyzer.index.Aggregations;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.List;
import java.util.Map;
import org.apache.lucene.search.Query;

/** Serves {@code GET /?q=QUERY}: the time histogram and the results, newest first, with facets beside them. */
final class SearchPage extends Route {
    static final int DEFAULT_SIZE = 50;
    private final Console console;

    SearchPage(Console console) {
        super(HttpMethod.GET, "/", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) throws Exception {
        String q = r.param("q", "");
        int size = r.intParam("size", DEFAULT_SIZE, 1, 500);
        Query query = console.parser().parse(q);
        EventSearcher.Page page;
        Aggregations.Histogram hist;
        Map<String, List<Aggregations.Bucket>> facets;
        boolean histTimedOut;
        boolean facetsTimedOut;
        boolean[] first = new boolean[1];
        try (EventSearcher s = console.index().acquire()) {
            page = Pages.page(r, s, query, size, first);
            hist = s.aggregations().histogram(query, 80);
            histTimedOut = s.timedOut();
            facets = s.aggregations().facets(query, Pages.FACETS, 8);
            facetsTimedOut = s.timedOut();
        }
        Pages pages = console.pages();
        Html h = pages.start(r, q.isBlank() ? "Search" : q, q);
        h.raw("<div class=\"cols\"><div class=\"results\">");
        if (!q.isBlank()) {
            // Under the search box, where the query was just typed: below 50 rows it was out of sight
            h.raw("<form class=\"save top\" method=\"post\" action=\"/searches\">").raw(Pages.csrf(r))
                    .raw("<input type=\"hidden\" name=\"action\" value=\"save\"><input type=\"hidden\" name=\"q\" value=\"").attr(q)
                    .raw("\"><input name=\"name\" placeholder=\"name this search\" maxlength=\"100\" required aria-label=\"name this search\">")
                    .raw("<button>Save search</button></form>");
        }
        pages.histogram(h, "/", q, hist, histTimedOut);
        Pages.total(h, page, console.parser().unknownFields(query));
        pages.results(h, page.hits());
        Pages.pager(h, "/?q=" + Html.query(q) + (size == DEFAULT_SIZE ? "" : "&size=" + size), page, first[0], "Older events");
        h.raw("</div>");
        pages.facets(h, "/", q, facets, facetsTimedOut);
        h.raw("</div>");
        return Pages.finish(h);
    }
}
