package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Serves {@code POST /login} (form: {@code token}, {@code next}): starts a session for a valid token
 * (HttpOnly, SameSite=Strict cookie) and goes to {@code next}, a path of the console. A session the
 * browser had already ends there (a new id at every login), so logging in again, as someone else or
 * after the token changed, works. Needs no CSRF token (see {@link Route#csrf}). Attempts are
 * rate-limited per client address like every unauthenticated request.
 */
final class LoginAction extends Route {
    private final Console console;

    LoginAction(Console console) {
        super(HttpMethod.POST, "/login", null);
        this.console = console;
    }

    @Override
    public Response handle(Request r) {
        String next = AlertAction.localPath(r.param("next", "/"), "/");
        Principal p = console.auth().login(r.param("token", null));
        if (p == null) {
            return Response.html(HttpResponseStatus.UNAUTHORIZED, LoginPage.form(next, "Unknown or revoked token."));
        }
        if (r.principal() != null && r.principal().session() != null) {
            console.auth().sessions().remove(r.principal().session().id());
        }
        return Response.redirect(next).header("Set-Cookie", Replies.cookie(p.session().id(), r.tls(), false));
    }

    @Override
    public boolean csrf() {
        return false;
    }
}
