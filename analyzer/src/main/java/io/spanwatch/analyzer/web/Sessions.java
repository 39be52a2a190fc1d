package io.spanwatch.analyzer.web;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keeps the console's logins in memory: a session id (the HttpOnly, SameSite=Strict cookie) names
 * who logged in with which token (its SHA-256), and the CSRF token its forms carry. A session ends after
 * {@link ConsoleConfig#session} without use, at logout, or when its token is revoked; at most
 * {@link ConsoleConfig#MAX_SESSIONS} are kept: past that, the oldest session whose cookie never came
 * back goes first (a script without cookies makes one per request), else the least recently used.
 * Before 2026-12-05 the least recently used always went, and 10,000 cookie-less calls against a
 * console without authentication logged the analyst's browser out (an adversarial review). A
 * restart ends them all.
 *
 * <p>Thread-safe.
 */
public final class Sessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One login. */
    public static final class Session {
        final String id;
        final String user;
        final Role role;
        final String csrf;
        final String tokenSha256;
        volatile Instant lastUsed;

        Session(String id, String user, Role role, String tokenSha256, String csrf, Instant now) {
            this.id = id;
            this.user = user;
            this.role = role;
            this.tokenSha256 = tokenSha256;
            this.csrf = csrf;
            this.lastUsed = now;
        }

        public String id() {
            return id;
        }

        public String user() {
            return user;
        }

        public Role role() {
            return role;
        }

        public String csrf() {
            return csrf;
        }

        /** The SHA-256 of the token that logged in, as the tokens file holds it; null without authentication. */
        public String tokenSha256() {
            return tokenSha256;
        }
    }

    private final Duration idle;
    private final int max;
    private final Clock clock;
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(64, 0.75f, true);
    /** Sessions whose cookie has not come back yet, oldest first. */
    private final LinkedHashMap<String, Session> unreturned = new LinkedHashMap<>();

    public Sessions(Duration idle, int max, Clock clock) {
        this.idle = idle;
        this.max = max;
        this.clock = clock;
    }

    /** Starts a session for {@code user}, bound to the token whose SHA-256 is {@code tokenSha256} (null without authentication). */
    public synchronized Session create(String user, Role role, String tokenSha256) {
        Session s = new Session(random(), user, role, tokenSha256, random(), clock.instant());
        sessions.put(s.id, s);
        unreturned.put(s.id, s);
        if (sessions.size() > max) {
            Iterator<Map.Entry<String, Session>> it = (unreturned.size() > 1 ? unreturned : sessions).entrySet().iterator();
            String gone = it.next().getKey();
            sessions.remove(gone);
            unreturned.remove(gone);
        }
        return s;
    }

    /** Returns the live session {@code id} names, marking it used; null when there is none. */
    public synchronized Session get(String id) {
        if (id == null) {
            return null;
        }
        Session s = sessions.get(id);
        if (s == null) {
            return null;
        }
        Instant now = clock.instant();
        if (s.lastUsed.plus(idle).isBefore(now)) {
            sessions.remove(id);
            unreturned.remove(id);
            return null;
        }
        s.lastUsed = now;
        unreturned.remove(id);
        return s;
    }

    public synchronized void remove(String id) {
        if (id != null) {
            sessions.remove(id);
            unreturned.remove(id);
        }
    }

    public synchronized int size() {
        return sessions.size();
    }

    /** Returns 32 random bytes as base64url text. */
    static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
