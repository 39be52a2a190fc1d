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
        EventSearcher.Cursor after = ApiEvents.cursor(r);
        Query query = console.parser().parse(q);
        EventSearcher.Page page;
        Aggregations.Histogram hist;
        Map<String, List<Aggregations.Bucket>> facets;
        boolean histTimedOut;
        boolean facetsTimedOut;
        try (EventSearcher s = console.index().acquire()) {
            page = s.search(query, size, after);
            hist = s.aggregations().histogram(query, 80);
            histTimedOut = s.timedOut();
            facets = s.aggregations().facets(query, Pages.FACETS, 8);
            facetsTimedOut = s.timedOut();
        }
        Pages pages = console.pages();
        Html h = pages.start(r, q.isBlank() ? "Search" : q, q);
        h.raw("<div class=\"cols\"><div class=\"results\">");
        pages.histogram(h, "/", q, hist, histTimedOut);
        Pages.total(h, page, console.parser().unknownFields(query));
        pages.results(h, page.hits());
        Pages.next(h, "/", q, page, size == DEFAULT_SIZE ? 0 : size);
        h.raw("<form class=\"save\" method=\"post\" action=\"/searches\">").raw(Pages.csrf(r))
                .raw("<input type=\"hidden\" name=\"action\" value=\"save\"><input type=\"hidden\" name=\"q\" value=\"").attr(q)
                .raw("\"><input name=\"name\" placeholder=\"name this search\" maxlength=\"100\" required><button>Save search</button></form>");
        h.raw("</div>");
        pages.facets(h, "/", q, facets, facetsTimedOut);
        h.raw("</div>");
        return Pages.finish(h);
    }
}
