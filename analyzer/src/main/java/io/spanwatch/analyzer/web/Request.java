package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Holds one request as a route handler sees it: the path's variables, query and form parameters
 * (a form body is read for POSTs of {@code application/x-www-form-urlencoded}), who sent it, and
 * the whole Netty request for bodies the handler reads itself (multipart uploads). Valid while the
 * handler runs; the router releases the Netty request afterwards.
 *
 * <p>Made on the event loop: a form body that cannot be decoded (a bad {@code %} escape), or a query
 * string or form body of more than {@link #MAX_PARAMS} parameters, is a {@link BadRequest}, thrown by
 * the constructor. Netty's decoder keeps the first parameters and drops the rest without a word, so a
 * {@code q} after 256 others was lost and its search ran over every event (adversarial review).
 */
public final class Request {
    /** Most parameters of a query string, and of a form body; the decoders are asked for one more, to see it passed. */
    static final int MAX_PARAMS = 256;

    private final FullHttpRequest http;
    private final String path;
    private final Map<String, List<String>> params = new HashMap<>();
    /** The form body's parameters alone (no query string): where a CSRF token may come from. */
    private Map<String, List<String>> form = Map.of();
    private final Map<String, String> vars;
    private final Principal principal;
    private final boolean tls;

    Request(FullHttpRequest http, QueryStringDecoder uri, Map<String, String> vars, Principal principal, boolean tls) {
        this.http = http;
        this.path = uri.path();
        this.vars = vars;
        this.principal = principal;
        this.tls = tls;
        params.putAll(uri.parameters());
        requireAtMostMaxParams(params, "the request target");
        String type = http.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (http.method() == HttpMethod.POST && type.regionMatches(true, 0, HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED.toString(), 0,
                HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED.length())) {
            String body = http.content().toString(StandardCharsets.UTF_8);
            Map<String, List<String>> form;
            try {
                form = new QueryStringDecoder(body, StandardCharsets.UTF_8, false, MAX_PARAMS + 1).parameters();
            } catch (IllegalArgumentException e) {
                throw new BadRequest("malformed form body (a bad % escape)");
            }
            requireAtMostMaxParams(form, "the form body");
            this.form = form;
            form.forEach((k, v) -> params.merge(k, v, (a, b) -> {
                List<String> all = new java.util.ArrayList<>(a);
                all.addAll(b);
                return all;
            }));
        }
    }

    public FullHttpRequest http() {
        return http;
    }

    public String path() {
        return path;
    }

    public Principal principal() {
        return principal;
    }

    public boolean tls() {
        return tls;
    }

    /** Returns the path variable {@code name} ({@code {id}} of the route's pattern). */
    public String var(String name) {
        return vars.get(name);
    }

    private static void requireAtMostMaxParams(Map<String, List<String>> decoded, String where) {
        if (decoded.values().stream().mapToInt(List::size).sum() > MAX_PARAMS) {
            throw new BadRequest("more than " + MAX_PARAMS + " parameters in " + where);
        }
    }

    /**
     * Throws a {@link BadRequest} naming a parameter that is not one of {@code taken}, or one given more
     * than once: a typo ({@code sise=10}), a parameter this API does not have ({@code sort=}, {@code from=})
     * or a second {@code q} would otherwise be ignored, and the answer would look like what was asked.
     */
    void requireOnly(java.util.Set<String> taken) {
        for (Map.Entry<String, List<String>> e : new java.util.TreeMap<>(params).entrySet()) {
            if (!taken.contains(e.getKey())) {
                String name = e.getKey().length() > 100 ? e.getKey().substring(0, 100) + "..." : e.getKey();
                throw new BadRequest("unknown parameter " + name + ": this takes " + (taken.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(taken))));
            }
            if (e.getValue().size() > 1) {
                throw new BadRequest("parameter " + e.getKey() + " given " + e.getValue().size() + " times: give it once");
            }
        }
    }

    /** Returns the first value of parameter {@code name}, or {@code def}. */
    public String param(String name, String def) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? def : v.getFirst();
    }

    /** Returns the first value of the form body's parameter {@code name} (never the query string's), or null. */
    public String formParam(String name) {
        List<String> v = form.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    /** Returns parameter {@code name} as an int within [min, max], or {@code def} when absent. */
    public int intParam(String name, int def, int min, int max) {
        String v = param(name, null);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) {
                throw new BadRequest(name + " must be " + min + " to " + max + ": " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a whole number: " + v);
        }
    }

    /** Signals a request whose parameters are wrong; the router answers 400 with the message. */
    public static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BadRequest(String message) {
            super(message);
        }
    }
}
