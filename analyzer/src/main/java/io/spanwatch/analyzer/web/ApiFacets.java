package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serves {@code GET /api/v1/facets?q=QUERY&field=FIELD&size=N}: {@code {"buckets": [{"value",
 * "count"}]}}, the most frequent values of the field among the matching events (size 1 to 1000,
 * default 10). A field no event has is a 400. {@code "timed_out": true} is added when the search hit
 * its time limit (then the counts may be short).
 */
final class ApiFacets extends Route {
    private final Console console;

    ApiFacets(Console console) {
        super(HttpMethod.GET, "/api/v1/facets", Role.READ);
        this.console = console;
    }

    @Override
    public java.util.Set<String> params() {
        return java.util.Set.of("q", "field", "size");
    }

    @Override
    public Response handle(Request r) throws Exception {
        String field = r.param("field", null);
        if (field == null || field.isBlank()) {
            throw new Request.BadRequest("field is needed");
        }
        int size = r.intParam("size", 10, 1, 1000);
        var query = console.parser().parse(r.param("q", ""));
        Map<String, Object> out = new LinkedHashMap<>();
        try (EventSearcher s = console.index().acquire()) {
            out.put("buckets", s.aggregations().facet(query, field, size));
            if (s.timedOut()) {
                out.put("timed_out", true);
            }
        } catch (IllegalArgumentException e) {
            throw new Request.BadRequest(e.getMessage());
        }
        return Response.json(out);
    }
}
