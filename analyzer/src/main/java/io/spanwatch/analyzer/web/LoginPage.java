package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;

/** Serves {@code GET /login}: a form for a token, which logs in for a session. Without authentication it goes to the search. */
final class LoginPage extends Route {
    private final Console console;

    LoginPage(Console console) {
        super(HttpMethod.GET, "/login", null);
        this.console = console;
    }

    static String form(String next, String message) {
        Html h = new Html();
        h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Log in · SpanWatch</title>")
                .raw("<link rel=\"stylesheet\" href=\"/static/console.css\"><script src=\"/static/console.js\" defer></script></head>")
                .raw("<body class=\"login\"><main><h1>SpanWatch</h1>");
        if (message != null) {
            h.raw("<p class=\"error\">").text(message).raw("</p>");
        }
        h.raw("<form method=\"post\" action=\"/login\"><label>Token <input type=\"password\" name=\"token\" id=\"token\" ")
                .raw("autocomplete=\"current-password\" required></label><input type=\"hidden\" name=\"next\" value=\"")
                .attr(AlertAction.localPath(next, "/")).raw("\"><button>Log in</button></form>")
                .raw("<p class=\"dim\">Tokens are made with <code>spanwatch token create</code>.</p></main></body></html>");
        return h.toString();
    }

    @Override
    public Response handle(Request r) {
        if (!console.auth().required()) {
            return Response.redirect("/");
        }
        return Response.html(form(r.param("next", "/"), null));
    }
}
