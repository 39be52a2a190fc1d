package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.Set;

/**
 * Says who a request comes from: an {@code Authorization: Bearer} token, else the session cookie.
 * With {@code --auth none} (loopback only) everyone is the local analyst with every right, and
 * still gets a session, whose CSRF token protects the forms from other sites' pages.
 *
 * <p>Thread-safe.
 */
public final class Authenticator {
    /** The session cookie's name. */
    public static final String COOKIE = "sw_session";
    /** The name requests have without authentication. */
    public static final String LOCAL_USER = "local";

    private final Tokens tokens;
    private final Sessions sessions;

    /**
     * @param tokens the tokens file, or null for {@code --auth none}
     */
    public Authenticator(Tokens tokens, Sessions sessions) {
        this.tokens = tokens;
        this.sessions = sessions;
    }

    public boolean required() {
        return tokens != null;
    }

    public Sessions sessions() {
        return sessions;
    }

    public Tokens tokens() {
        return tokens;
    }

    /** What authentication found. {@code principal} is null when there is none; {@code badToken} when a bearer token was wrong. */
    public record Result(Principal principal, boolean badToken) {
    }

    public Result authenticate(HttpHeaders headers) {
        if (tokens != null) {
            tokens.reloadIfChanged();
        }
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            if (tokens == null) {
                return new Result(new Principal(LOCAL_USER, Role.ACT, null, true, false), false);
            }
            Tokens.Entry e = tokens.verify(auth.substring(7).trim());
            return e == null ? new Result(null, true) : new Result(new Principal(e.name(), e.role(), null, true, false), false);
        }
        Sessions.Session s = sessions.get(cookie(headers));
        if (s != null && tokens == null && LOCAL_USER.equals(s.user())) {
            return new Result(new Principal(s.user(), s.role(), s, false, false), false);
        }
        Tokens.Entry current = s == null || tokens == null ? null : tokens.current(s.user(), s.tokenSha256());
        if (current != null) {
            return new Result(new Principal(current.name(), current.role(), s, false, false), false);
        }
        if (s != null) {
            sessions.remove(s.id()); // its token was revoked or replaced
        }
        if (tokens == null) {
            Sessions.Session fresh = sessions.create(LOCAL_USER, Role.ACT, null);
            return new Result(new Principal(LOCAL_USER, Role.ACT, fresh, false, true), false);
        }
        return new Result(null, false);
    }

    /** Logs in with a token typed into the login page; null when it is not a valid token. */
    public Principal login(String token) {
        if (tokens == null) {
            return null;
        }
        tokens.reloadIfChanged();
        Tokens.Entry e = tokens.verify(token == null ? null : token.trim());
        if (e == null) {
            return null;
        }
        return new Principal(e.name(), e.role(), sessions.create(e.name(), e.role(), e.sha256()), false, true);
    }

    /** Returns the session id the request's cookie carries, or null. */
    public static String cookie(HttpHeaders headers) {
        String h = headers.get(HttpHeaderNames.COOKIE);
        if (h == null || h.length() > 8192) {
            return null;
        }
        Set<Cookie> cookies = ServerCookieDecoder.STRICT.decode(h);
        for (Cookie c : cookies) {
            if (COOKIE.equals(c.name())) {
                return c.value();
            }
        }
        return null;
    }
}
