package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.spanwatch.analyzer.index.Aggregations;
import io.spanwatch.analyzer.index.EveTimes;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves {@code GET /api/v1/histogram?q=QUERY&buckets=N}: {@code {"interval_s": S, "buckets":
 * [{"start", "count"}]}}, matching events per time bucket of the narrowest round width that makes
 * at most N buckets (1 to 1000, default 60), oldest first. {@code "timed_out": true} is added when
 * the search hit its time limit (then the counts may be short).
 */
final class ApiHistogram extends Route {
    private final Console console;

    ApiHistogram(Console console) {
        super(HttpMethod.GET, "/api/v1/histogram", Role.READ);
        this.console = console;
    }

    @Override
    public java.util.Set<String> params() {
        return java.util.Set.of("q", "buckets");
    }

    @Override
    public Response handle(Request r) throws Exception {
        int n = r.intParam("buckets", 60, 1, 1000);
        var query = console.parser().parse(r.param("q", ""));
        Aggregations.Histogram h;
        boolean timedOut;
        try (EventSearcher s = console.index().acquire()) {
            h = s.aggregations().histogram(query, n);
            timedOut = s.timedOut();
        }
        List<Map<String, Object>> buckets = new ArrayList<>();
        for (int i = 0; i < h.counts().length; i++) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("start", EveTimes.format(h.start() + i * h.interval()));
            b.put("count", h.counts()[i]);
            buckets.add(b);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("interval_s", h.interval() / 1_000_000L);
        out.put("buckets", buckets);
        if (timedOut) {
            out.put("timed_out", true);
        }
        return Response.json(out);
    }
}
