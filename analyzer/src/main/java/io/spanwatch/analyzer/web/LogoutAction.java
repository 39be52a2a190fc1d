package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;

/** Serves {@code POST /logout}: ends the session and clears its cookie. */
final class LogoutAction extends Route {
    private final Console console;

    LogoutAction(Console console) {
        super(HttpMethod.POST, "/logout", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) {
        if (r.principal().session() != null) {
            console.auth().sessions().remove(r.principal().session().id());
        }
        return Response.redirect("/login").header("Set-Cookie", Replies.cookie("", r.tls(), true));
    }
}
