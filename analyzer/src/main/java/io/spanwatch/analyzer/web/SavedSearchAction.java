package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Serves {@code POST /searches} (form: {@code action} save with {@code name} and {@code q}, or
 * delete with {@code name}), then shows the list. A query is saved only if it parses. Replacing or
 * deleting another analyst's search is a 403 without the act role ({@link SavedSearches}).
 */
final class SavedSearchAction extends Route {
    private final Console console;

    SavedSearchAction(Console console) {
        super(HttpMethod.POST, "/searches", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) throws Exception {
        String name = r.param("name", "");
        String by = r.principal().name();
        boolean act = r.principal().allows(Role.ACT);
        try {
            switch (r.param("action", "")) {
                case "save" -> {
                    String q = r.param("q", "");
                    console.parser().parse(q);
                    try {
                        console.searches().save(name, q, by, act);
                    } catch (IllegalArgumentException e) {
                        throw new Request.BadRequest(e.getMessage());
                    }
                }
                case "delete" -> console.searches().delete(name, by, act);
                default -> throw new Request.BadRequest("action must be save or delete");
            }
        } catch (SavedSearches.NotYours e) {
            return Response.error(HttpResponseStatus.FORBIDDEN, e.getMessage());
        }
        return Response.redirect("/searches");
    }
}
