package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Serves {@code GET /searches}: the saved searches, each a link that runs it, with a delete button on
 * those the viewer may delete (their own; all with the act role).
 */
final class SavedSearchesPage extends Route {
    private final Console console;

    SavedSearchesPage(Console console) {
        super(HttpMethod.GET, "/searches", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) {
        Html h = console.pages().start(r, "Saved searches", "");
        h.raw("<h1>Saved searches</h1>");
        var list = console.searches().list();
        if (list.isEmpty()) {
            h.raw("<p class=\"none\">None yet: run a search and save it under the results.</p>");
        } else {
            h.raw("<table class=\"events\"><thead><tr><th>Name</th><th>Query</th><th>By</th><th>Saved</th><th></th></tr></thead><tbody>");
            boolean act = r.principal().allows(Role.ACT);
            for (SavedSearches.Saved s : list) {
                h.raw("<tr><td>").link("/?q=" + Html.query(s.query()), s.name()).raw("</td><td><code>").text(s.query())
                        .raw("</code></td><td>").text(s.by()).raw("</td><td class=\"time\">").text(s.created()).raw("</td><td>");
                if (act || java.util.Objects.equals(s.by(), r.principal().name())) {
                    h.raw("<form class=\"inline\" method=\"post\" action=\"/searches\">").raw(Pages.csrf(r))
                            .raw("<input type=\"hidden\" name=\"action\" value=\"delete\"><input type=\"hidden\" name=\"name\" value=\"")
                            .attr(s.name()).raw("\"><button>Delete</button></form>");
                }
                h.raw("</td></tr>");
            }
            h.raw("</tbody></table>");
        }
        return Pages.finish(h);
    }
}
