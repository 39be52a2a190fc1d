package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.util.RawValue;
import io.netty.handler.codec.http.HttpMethod;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves {@code GET /api/v1/events?q=QUERY&size=N&search_after=CURSOR}: {@code {"total": N,
 * "events": [{"id", "event"}], "search_after": CURSOR or null}}, newest first; {@code total} is
 * exact. {@code size} is 1 to 1000 (default 100). {@code timed_out} is added when the search hit
 * its time limit.
 */
final class ApiEvents extends Route {
    private final Console console;

    ApiEvents(Console console) {
        super(HttpMethod.GET, "/api/v1/events", Role.READ);
        this.console = console;
    }

    /** Reads the {@code search_after} parameter; a malformed one is a 400. */
    static EventSearcher.Cursor cursor(Request r) {
        return cursor(r, "search_after");
    }

    /** Returns the cursor in parameter {@code name}, or null without one (a bad one is a 400). */
    static EventSearcher.Cursor cursor(Request r, String name) {
        String after = r.param(name, null);
        if (after == null || after.isBlank()) {
            return null;
        }
        try {
            return EventSearcher.Cursor.parse(after);
        } catch (IllegalArgumentException e) {
            throw new Request.BadRequest(e.getMessage().replace("search_after", name));
        }
    }

    /** Returns {@code {"id", "event"}} for a hit, the event as its stored JSON. */
    static Map<String, Object> item(EventSearcher.Hit h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", h.id());
        m.put("event", new RawValue(h.json()));
        return m;
    }

    @Override
    public java.util.Set<String> params() {
        return java.util.Set.of("q", "size", "search_after");
    }

    @Override
    public Response handle(Request r) throws Exception {
        int size = r.intParam("size", 100, 1, 1000);
        EventSearcher.Cursor after = cursor(r);
        var query = console.parser().parse(r.param("q", ""));
        EventSearcher.Page page;
        try (EventSearcher s = console.index().acquire()) {
            page = s.search(query, size, after);
        }
        List<Map<String, Object>> events = new ArrayList<>();
        page.hits().forEach(h -> events.add(item(h)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", page.total());
        out.put("events", events);
        out.put("search_after", page.next() == null ? null : page.next().toString());
        if (page.timedOut()) {
            out.put("timed_out", true);
        }
        var unknown = console.parser().unknownFields(query);
        if (!unknown.isEmpty()) {
            out.put("unknown_fields", unknown);
        }
        return Response.json(out);
    }
}
