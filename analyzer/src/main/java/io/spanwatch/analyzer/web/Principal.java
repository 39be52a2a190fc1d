package io.spanwatch.analyzer.web;

/**
 * Says who sent a request: the token's name and role, and the session it came with (null for a
 * bearer token: no cookie, so no CSRF token needed). {@code newSession} asks the response to set
 * the session cookie (a console without authentication makes one on the first visit, for CSRF).
 */
public record Principal(String name, Role role, Sessions.Session session, boolean bearer, boolean newSession) {
    public boolean allows(Role needed) {
        return role.allows(needed);
    }
}
