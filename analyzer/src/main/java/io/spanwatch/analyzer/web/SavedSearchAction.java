package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Serves {@code POST /searches} (form: {@code action} save with {@code name} and {@code q}, or
 * delete with {@code name}), then shows the list. A query is saved only if it parses.
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
        switch (r.param("action", "")) {
            case "save" -> {
                String q = r.param("q", "");
                console.parser().parse(q);
                try {
                    console.searches().save(name, q, r.principal().name());
                } catch (IllegalArgumentException e) {
                    throw new Request.BadRequest(e.getMessage());
                }
            }
            case "delete" -> console.searches().delete(name);
            default -> throw new Request.BadRequest("action must be save or delete");
        }
        return Response.redirect("/searches");
    }
}
