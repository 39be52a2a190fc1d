package io.spanwatch.analyzer.feed;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses a {@code --feed} URI into what a feed needs: its transport, where the receiver is, its
 * parameters and its name (the folder of its outbox and the {@code feed} label of its metrics).
 *
 * <pre>
 * syslog+udp://HOST[:514]            syslog+tcp://HOST[:514]       syslog+tls://HOST[:6514]?ca=FILE[&amp;cert=FILE&amp;key=FILE]
 * webhook+http://HOST[:PORT]/PATH    webhook+https://HOST/PATH?format=ecs&amp;secret-file=FILE[&amp;ca=FILE]
 * kafka://HOST:PORT[,HOST:PORT...]/TOPIC
 * smtp://HOST[:25]?to=ADDR[,ADDR...][&amp;from=ADDR&amp;starttls=no|yes|required&amp;user=U&amp;password-file=FILE]
 * </pre>
 *
 * Every feed also takes {@code name=} (default: scheme, host, port and path, e.g.
 * {@code syslog-tcp-10-0-0-5-514}) and {@code events=alert,incident} (default both; e-mail: incident).
 * A webhook passes parameters it does not know on to the receiver's URL. A bad URI is an
 * {@link IllegalArgumentException} whose message names the URI and the problem.
 *
 * @param hosts {@code host:port} of each receiver (several only for Kafka)
 * @param path the path after the authority: a webhook's path, Kafka's topic (without the slash)
 * @param params parameters in the order given; a name given twice keeps every value
 * @param passThrough the query the receiver gets (webhook only), or empty
 */
public record FeedSpec(String uri, Kind kind, String name, List<String> hosts, String path, Map<String, List<String>> params,
        String passThrough) {

    /** The transports, by URI scheme. */
    public enum Kind {
        SYSLOG_UDP("syslog+udp", 514), SYSLOG_TCP("syslog+tcp", 514), SYSLOG_TLS("syslog+tls", 6514),
        WEBHOOK_HTTP("webhook+http", 80), WEBHOOK_HTTPS("webhook+https", 443), KAFKA("kafka", 9092), SMTP("smtp", 25);

        final String scheme;
        final int defaultPort;

        Kind(String scheme, int defaultPort) {
            this.scheme = scheme;
            this.defaultPort = defaultPort;
        }

        static Kind of(String scheme) {
            for (Kind k : values()) {
                if (k.scheme.equals(scheme)) {
                    return k;
                }
            }
            return null;
        }

        boolean webhook() {
            return this == WEBHOOK_HTTP || this == WEBHOOK_HTTPS;
        }

        boolean syslog() {
            return this == SYSLOG_UDP || this == SYSLOG_TCP || this == SYSLOG_TLS;
        }
    }

    private static final Set<String> COMMON = Set.of("name", "events");

    private static Set<String> known(Kind k) {
        return switch (k) {
            case SYSLOG_UDP, SYSLOG_TCP -> Set.of("facility");
            case SYSLOG_TLS -> Set.of("facility", "ca", "cert", "key");
            case WEBHOOK_HTTP, WEBHOOK_HTTPS -> Set.of("format", "secret-file", "ca");
            case KAFKA -> Set.of();
            case SMTP -> Set.of("to", "from", "starttls", "user", "password-file", "digest-min", "window-s");
        };
    }

    /** Parses {@code uri}; throws {@link IllegalArgumentException} naming it and the problem. */
    public static FeedSpec parse(String uri) {
        String u = uri.strip();
        int sep = u.indexOf("://");
        if (sep <= 0) {
            throw bad(uri, "expected SCHEME://HOST... (schemes: syslog+udp, syslog+tcp, syslog+tls, webhook+http, "
                    + "webhook+https, kafka, smtp)");
        }
        String scheme = u.substring(0, sep).toLowerCase(Locale.ROOT);
        Kind kind = Kind.of(scheme);
        if (kind == null) {
            throw bad(uri, "unknown scheme " + scheme + " (syslog+udp, syslog+tcp, syslog+tls, webhook+http, webhook+https, "
                    + "kafka, smtp)");
        }
        String rest = u.substring(sep + 3);
        int q = rest.indexOf('?');
        String query = q >= 0 ? rest.substring(q + 1) : "";
        rest = q >= 0 ? rest.substring(0, q) : rest;
        int slash = rest.indexOf('/');
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        String path = slash >= 0 ? rest.substring(slash) : "";
        if (authority.isEmpty()) {
            throw bad(uri, "no host");
        }
        List<String> hosts = new ArrayList<>();
        for (String a : authority.split(",")) {
            if (a.contains("@")) {
                throw bad(uri, "user names and passwords do not go in the address (use user= and password-file=)");
            }
            hosts.add(hostPort(uri, a, kind.defaultPort));
        }
        if (hosts.size() > 1 && kind != Kind.KAFKA) {
            throw bad(uri, "one host only (several bootstrap servers are for kafka://)");
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        StringBuilder pass = new StringBuilder();
        Set<String> known = known(kind);
        for (String kv : query.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k = decode(uri, eq >= 0 ? kv.substring(0, eq) : kv);
            String v = decode(uri, eq >= 0 ? kv.substring(eq + 1) : "");
            if (COMMON.contains(k) || known.contains(k)) {
                params.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            } else if (kind.webhook()) {
                pass.append(pass.isEmpty() ? "" : "&").append(kv);
            } else {
                throw bad(uri, "unknown parameter " + k + " (known: " + String.join(", ", new java.util.TreeSet<>(union(known))) + ")");
            }
        }
        if (kind == Kind.KAFKA) {
            path = path.startsWith("/") ? path.substring(1) : path;
            if (!path.matches("[A-Za-z0-9._-]{1,249}")) {
                throw bad(uri, "expected kafka://HOST:PORT/TOPIC with a topic name of letters, digits, '.', '_' and '-'");
            }
        }
        if (kind.webhook() && path.isEmpty()) {
            path = "/";
        }
        if (kind == Kind.SMTP && !params.containsKey("to")) {
            throw bad(uri, "smtp:// needs to=ADDRESS");
        }
        String name = first(params, "name");
        if (name == null) {
            name = kind.scheme + "-" + String.join("-", hosts) + (kind == Kind.KAFKA || kind.webhook() ? "-" + path : "");
        }
        name = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "-").replaceAll("^-+|-+$", "");
        if (name.length() > 64) {
            name = name.substring(0, 55) + "-" + Integer.toHexString(name.hashCode() & 0xfffffff);
        }
        if (name.isEmpty()) {
            throw bad(uri, "name= needs letters or digits");
        }
        FeedSpec spec = new FeedSpec(uri, kind, name, List.copyOf(hosts), path, params, pass.toString());
        spec.events(); // validates events=
        return spec;
    }

    private static Set<String> union(Set<String> known) {
        Set<String> s = new LinkedHashSet<>(COMMON);
        s.addAll(known);
        return s;
    }

    private static String hostPort(String uri, String a, int defaultPort) {
        String host;
        String port = null;
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0) {
                throw bad(uri, "unclosed [ in " + a);
            }
            host = a.substring(0, close + 1);
            if (close + 1 < a.length()) {
                if (a.charAt(close + 1) != ':') {
                    throw bad(uri, "expected :PORT after " + host);
                }
                port = a.substring(close + 2);
            }
        } else {
            int c = a.lastIndexOf(':');
            host = c >= 0 ? a.substring(0, c) : a;
            port = c >= 0 ? a.substring(c + 1) : null;
        }
        if (host.isEmpty() || host.equals("[]")) {
            throw bad(uri, "no host");
        }
        int p = defaultPort;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw bad(uri, "bad port " + port);
            }
        }
        return host + ":" + p;
    }

    private static String decode(String uri, String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw bad(uri, "bad %-escape in " + s);
        }
    }

    private static IllegalArgumentException bad(String uri, String why) {
        return new IllegalArgumentException("--feed " + uri + ": " + why);
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(v.size() - 1);
    }

    /** Returns a parameter's last value, or {@code def}. */
    public String param(String name, String def) {
        String v = first(params, name);
        return v == null ? def : v;
    }

    /** Returns every value of a parameter, comma-separated lists split. */
    public List<String> list(String name) {
        List<String> out = new ArrayList<>();
        for (String v : params.getOrDefault(name, List.of())) {
            for (String s : v.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        }
        return out;
    }

    /** Returns a whole-number parameter within bounds, or {@code def}; a bad value names the URI. */
    public long number(String name, long def, long min, long max) {
        String v = param(name, null);
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(uri, name + "=" + v + ": expected a whole number from " + min + " to " + max);
    }

    /** Returns a parameter that must be one of {@code allowed}, or {@code def}. */
    public String choice(String name, String def, String... allowed) {
        String v = param(name, def).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw bad(uri, name + "=" + v + ": expected one of " + String.join(", ", allowed));
    }

    /** Returns which event types the feed carries: {@code alert}, {@code incident} or both. */
    public Set<String> events() {
        List<String> e = list("events");
        if (e.isEmpty()) {
            return kind == Kind.SMTP ? Set.of("incident") : Set.of("alert", "incident");
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : e) {
            String t = s.toLowerCase(Locale.ROOT).replaceAll("s$", "");
            if (!t.equals("alert") && !t.equals("incident")) {
                throw bad(uri, "events=" + s + ": expected alert, incident or both");
            }
            out.add(t);
        }
        return out;
    }

    /** Returns the one receiver's host (brackets removed from IPv6). */
    public String host() {
        String hp = hosts.get(0);
        String h = hp.substring(0, hp.lastIndexOf(':'));
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    /** Returns the one receiver's port. */
    public int port() {
        String hp = hosts.get(0);
        return Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1));
    }

    /** Returns the URI as given. */
    @Override
    public String toString() {
        return uri;
    }
}
