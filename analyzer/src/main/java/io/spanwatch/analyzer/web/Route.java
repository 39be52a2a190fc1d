package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import java.util.HashMap;
import java.util.Map;

/**
 * Is one route of the console: a method, a path pattern ({@code /events/{id}}: a variable is one
 * whole path segment), the role it needs, and its handler. Every request is fully checked (who,
 * role, CSRF, sizes, parameters) before a handler changes anything.
 */
public abstract class Route {
    private final HttpMethod method;
    private final String[] segments;
    private final Role role;

    protected Route(HttpMethod method, String pattern, Role role) {
        this.method = method;
        this.segments = pattern.substring(1).split("/", -1);
        this.role = role;
    }

    public HttpMethod method() {
        return method;
    }

    /** Returns the role the route needs; null when it is open to anyone (the login page, static files). */
    public Role role() {
        return role;
    }

    /** Tells whether the route takes uploads (the larger body limit). */
    public boolean upload() {
        return false;
    }

    /**
     * Tells whether a POST from a browser session must carry the session's CSRF token. Only the login
     * says no: it starts a new session whatever the old one was, so the form has no token to carry; the
     * Origin and Sec-Fetch-Site checks still apply.
     */
    public boolean csrf() {
        return true;
    }

    /**
     * Returns the query parameters the route takes, or null when it does not say (pages, whose links
     * and forms carry what they need). A request to a route that says, naming another parameter or
     * one twice, is a 400 before the handler runs.
     */
    public java.util.Set<String> params() {
        return null;
    }

    /** Tells whether the route is part of the JSON API (401 instead of a redirect to the login page). */
    public boolean api() {
        return segments[0].equals("api");
    }

    /** Returns the path variables when {@code path} matches, else null. */
    Map<String, String> match(String path) {
        String[] p = path.substring(1).split("/", -1);
        if (p.length != segments.length) {
            return null;
        }
        Map<String, String> vars = null;
        for (int i = 0; i < p.length; i++) {
            String s = segments[i];
            if (s.startsWith("{")) {
                if (p[i].isEmpty()) {
                    return null;
                }
                if (vars == null) {
                    vars = new HashMap<>();
                }
                vars.put(s.substring(1, s.length() - 1), p[i]);
            } else if (!s.equals(p[i])) {
                return null;
            }
        }
        return vars == null ? Map.of() : vars;
    }

    /** Answers the request. Throws {@link Request.BadRequest} for bad parameters. */
    public abstract Response handle(Request r) throws Exception;
}
