package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.Optional;

/** Serves {@code GET /api/v1/events/ID}: {@code {"id", "event"}}, or 404. */
final class ApiEvent extends Route {
    private final Console console;

    ApiEvent(Console console) {
        super(HttpMethod.GET, "/api/v1/events/{id}", Role.READ);
        this.console = console;
    }

    @Override
    public java.util.Set<String> params() {
        return java.util.Set.of();
    }

    @Override
    public Response handle(Request r) throws Exception {
        Optional<EventSearcher.Hit> hit;
        try (EventSearcher s = console.index().acquire()) {
            hit = s.get(r.var("id"));
        }
        return hit.map(h -> Response.json(ApiEvents.item(h))).orElseGet(() -> Response.error(HttpResponseStatus.NOT_FOUND, "no such event"));
    }
}
