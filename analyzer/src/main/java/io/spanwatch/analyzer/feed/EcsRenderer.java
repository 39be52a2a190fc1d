package io.spanwatch.analyzer.feed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveTime;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Renders an alert or incident as one JSON document with Elastic Common Schema (ECS 9) field names,
 * nested as ECS documents are, from the typed record: {@code @timestamp}, {@code event.*}
 * ({@code kind: alert}, {@code id} the event id), {@code observer.*} (the sensor), {@code source.*},
 * {@code destination.*}, {@code network.*}, {@code rule.*} (Suricata's signature as Security Onion
 * maps it), {@code http.*}, {@code url.*}, {@code user_agent.original}, {@code file.*},
 * {@code threat.*} for a reputation hit, {@code related.*}, and what ECS has no field for under
 * {@code spanwatch.*} (beacon score, incident story). Immutable and thread-safe.
 */
final class EcsRenderer {
    static final String ECS_VERSION = "9.0.0";
    private static final JsonFactory JSON = io.spanwatch.sensor.event.JsonEscapes.factory();

    private final String sensorName;

    EcsRenderer(String sensorName) {
        this.sensorName = sensorName;
    }

    /** Returns the ECS document of an alert or incident, or null for another event. */
    byte[] render(EveEvent e, String eventId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            switch (e) {
                case AlertEvent a -> alert(a, eventId, g);
                case IncidentEvent i -> incident(i, eventId, g);
                default -> {
                    return null;
                }
            }
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return out.toByteArray();
    }

    private static String time(long nanos) {
        return Instant.ofEpochSecond(0, nanos / 1000 * 1000).toString();
    }

    /** Writes the fields every document has; {@code startNanos}/{@code endNanos} 0 leave event.start/end out. */
    private void common(JsonGenerator g, long ts, String id, int severity, List<String> categories, List<String> types,
            String dataset, long startNanos, long endNanos) throws IOException {
        g.writeStringField("@timestamp", time(ts));
        g.writeObjectFieldStart("ecs");
        g.writeStringField("version", ECS_VERSION);
        g.writeEndObject();
        g.writeObjectFieldStart("event");
        g.writeStringField("kind", "alert");
        array(g, "category", categories);
        array(g, "type", types);
        g.writeStringField("id", id);
        g.writeNumberField("severity", severity);
        g.writeStringField("dataset", dataset);
        g.writeStringField("module", "spanwatch");
        g.writeStringField("provider", "spanwatch");
        if (startNanos != 0) {
            g.writeStringField("start", time(startNanos));
            g.writeStringField("end", time(endNanos));
        }
        g.writeEndObject();
        g.writeObjectFieldStart("observer");
        g.writeStringField("hostname", sensorName);
        g.writeStringField("name", sensorName);
        g.writeStringField("type", "ids");
        g.writeStringField("vendor", FeedFields.VENDOR);
        g.writeStringField("product", FeedFields.PRODUCT);
        g.writeStringField("version", FeedFields.VERSION);
        g.writeEndObject();
    }

    private void alert(AlertEvent a, String id, JsonGenerator g) throws IOException {
        AlertEvent.Signature s = a.alert();
        List<String> cats = new ArrayList<>(List.of("network", "intrusion_detection"));
        List<String> types = new ArrayList<>(List.of("info"));
        switch (s.category()) {
            case AlertEvent.MALWARE -> cats.addAll(List.of("malware", "file"));
            case AlertEvent.REPUTATION -> {
                cats.add("threat");
                types.add("indicator");
            }
            default -> {
                // beacon, correlation: network and intrusion detection say it
            }
        }
        g.writeStartObject();
        common(g, a.tsNanos(), id, s.severity(), cats, types, "spanwatch.alert", 0, 0);
        g.writeStringField("message", s.signature());
        Set<String> ips = new LinkedHashSet<>();
        Set<String> hosts = new LinkedHashSet<>();
        Set<String> hashes = new LinkedHashSet<>();
        FeedFields.Ends ends = FeedFields.ends(a);
        endpoint(g, "source", ends.srcIp(), ends.srcPort(), null, ips);
        HttpInfo h = a.http();
        endpoint(g, "destination", ends.destIp(), ends.destPort(), a.serverIsSource() || h == null ? null : h.hostnameText(), ips);
        network(g, a.header());
        g.writeObjectFieldStart("rule");
        g.writeStringField("id", Long.toString(s.signatureId()));
        g.writeStringField("uuid", Long.toString(s.signatureId()));
        g.writeStringField("name", s.signature());
        g.writeStringField("category", s.category());
        g.writeStringField("version", Integer.toString(s.rev()));
        g.writeStringField("ruleset", "spanwatch");
        g.writeEndObject();
        if (h != null) {
            http(g, h, a.header(), hosts);
        }
        if (a.file() != null && a.file().info() != null) {
            file(g, a.file().info(), hashes);
        }
        if (a.reputation() != null) {
            threat(g, a.reputation());
        }
        if (a.beacon() != null) {
            hosts.add(a.beacon().host());
        }
        related(g, ips, hosts, hashes);
        if (a.beacon() != null) {
            AlertEvent.Beacon b = a.beacon();
            g.writeObjectFieldStart("spanwatch");
            g.writeObjectFieldStart("beacon");
            g.writeStringField("host", b.host());
            g.writeNumberField("score", Math.round(b.score() * 10_000d) / 10_000d);
            g.writeNumberField("connections", b.connections());
            g.writeNumberField("interval_s", Math.round(b.intervalSeconds() * 10_000d) / 10_000d);
            g.writeStringField("first_seen", time(b.firstSeenNanos()));
            g.writeStringField("last_seen", time(b.lastSeenNanos()));
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void endpoint(JsonGenerator g, String name, String ip, int port, String domain, Set<String> ips)
            throws IOException {
        if (ip == null) {
            return;
        }
        g.writeObjectFieldStart(name);
        g.writeStringField("ip", ip);
        g.writeStringField("address", ip);
        if (port > 0) {
            g.writeNumberField("port", port);
        }
        if (domain != null && !domain.isEmpty()) {
            g.writeStringField("domain", domain);
        }
        g.writeEndObject();
        ips.add(ip);
    }

    private static void network(JsonGenerator g, EventHeader h) throws IOException {
        if (h == null) {
            return;
        }
        g.writeObjectFieldStart("network");
        if (h.communityId() != null) {
            g.writeStringField("community_id", h.communityId());
        }
        if (h.proto() != null) {
            String p = h.proto().toLowerCase(Locale.ROOT);
            g.writeStringField("transport", p);
            String iana = switch (p) {
                case "tcp" -> "6";
                case "udp" -> "17";
                case "icmp" -> "1";
                case "ipv6-icmp" -> "58";
                case "sctp" -> "132";
                default -> null;
            };
            if (iana != null) {
                g.writeStringField("iana_number", iana);
            }
        }
        if (h.ipVersion() == 4 || h.ipVersion() == 6) {
            g.writeStringField("type", "ipv" + h.ipVersion());
        }
        if (h.appProto() != null) {
            g.writeStringField("protocol", h.appProto().toLowerCase(Locale.ROOT));
        }
        g.writeEndObject();
    }

    private static void http(JsonGenerator g, HttpInfo h, EventHeader header, Set<String> hosts) throws IOException {
        g.writeObjectFieldStart("http");
        g.writeObjectFieldStart("request");
        str(g, "method", io.spanwatch.sensor.event.EveText.display(h.method()));
        str(g, "referrer", h.refererText());
        str(g, "mime_type", h.requestContentTypeText());
        if (h.requestBodyLength() > 0) {
            g.writeObjectFieldStart("body");
            g.writeNumberField("bytes", h.requestBodyLength());
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeObjectFieldStart("response");
        if (h.status() > 0) {
            g.writeNumberField("status_code", h.status());
        }
        str(g, "mime_type", h.contentTypeText());
        g.writeObjectFieldStart("body");
        g.writeNumberField("bytes", h.length());
        g.writeEndObject();
        g.writeEndObject();
        if (h.protocol() != null && h.protocol().startsWith("HTTP/")) {
            g.writeStringField("version", h.protocol().substring(5));
        }
        g.writeEndObject();
        String full = FeedFields.fullUrl(h, header);
        if (full != null) {
            g.writeObjectFieldStart("url");
            g.writeStringField("original", h.urlText());
            g.writeStringField("full", full);
            try {
                URI u = new URI(full);
                str(g, "scheme", u.getScheme());
                // the Host the client sent, not a host parsed back out of the URL (see FeedFields.authority)
                str(g, "domain", h.hostnameText() != null && !h.hostnameText().isEmpty() ? h.hostnameText() : u.getHost());
                if (u.getPort() > 0) {
                    g.writeNumberField("port", u.getPort());
                }
                str(g, "path", u.getRawPath());
                str(g, "query", u.getRawQuery());
            } catch (java.net.URISyntaxException e) {
                str(g, "domain", h.hostnameText()); // a URL a browser would not send: its parts stay in original
            }
            g.writeEndObject();
        }
        if (h.hostname() != null) {
            hosts.add(h.hostnameText());
        }
        if (h.userAgent() != null) {
            g.writeObjectFieldStart("user_agent");
            g.writeStringField("original", h.userAgentText());
            g.writeEndObject();
        }
    }

    private static void file(JsonGenerator g, FileInfo f, Set<String> hashes) throws IOException {
        g.writeObjectFieldStart("file");
        str(g, "name", f.filename());
        g.writeNumberField("size", f.size());
        str(g, "mime_type", f.mimetype());
        if (f.md5() != null || f.sha1() != null || f.sha256() != null) {
            g.writeObjectFieldStart("hash");
            str(g, "md5", f.md5());
            str(g, "sha1", f.sha1());
            str(g, "sha256", f.sha256());
            g.writeEndObject();
        }
        g.writeEndObject();
        for (String x : new String[] {f.md5(), f.sha1(), f.sha256()}) {
            if (x != null) {
                hashes.add(x);
            }
        }
    }

    private static void threat(JsonGenerator g, AlertEvent.Reputation r) throws IOException {
        g.writeObjectFieldStart("threat");
        g.writeObjectFieldStart("indicator");
        String type = switch (r.type()) {
            case "ip", "cidr" -> r.indicator().indexOf(':') >= 0 ? "ipv6-addr" : "ipv4-addr";
            case "domain" -> "domain-name";
            case "url" -> "url";
            default -> "file";
        };
        g.writeStringField("type", type);
        switch (r.type()) {
            case "ip" -> g.writeStringField("ip", r.indicator());
            case "domain" -> {
                g.writeObjectFieldStart("url");
                g.writeStringField("domain", r.indicator());
                g.writeEndObject();
            }
            case "url" -> {
                g.writeObjectFieldStart("url");
                g.writeStringField("full", r.indicator());
                g.writeEndObject();
            }
            case "md5", "sha1", "sha256" -> {
                g.writeObjectFieldStart("file");
                g.writeObjectFieldStart("hash");
                g.writeStringField(r.type(), r.indicator());
                g.writeEndObject();
                g.writeEndObject();
            }
            default -> g.writeStringField("description", r.indicator());
        }
        g.writeStringField("provider", r.feed());
        str(g, "description", r.threat());
        g.writeEndObject();
        g.writeObjectFieldStart("feed");
        g.writeStringField("name", r.feed());
        g.writeEndObject();
        g.writeArrayFieldStart("enrichments");
        g.writeStartObject();
        g.writeObjectFieldStart("matched");
        g.writeStringField("atomic", r.indicator());
        g.writeStringField("field", r.field());
        g.writeStringField("type", "indicator_match_rule");
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void related(JsonGenerator g, Set<String> ips, Set<String> hosts, Set<String> hashes) throws IOException {
        if (ips.isEmpty() && hosts.isEmpty() && hashes.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("related");
        if (!ips.isEmpty()) {
            array(g, "ip", List.copyOf(ips));
        }
        if (!hosts.isEmpty()) {
            array(g, "hosts", List.copyOf(hosts));
        }
        if (!hashes.isEmpty()) {
            array(g, "hash", List.copyOf(hashes));
        }
        g.writeEndObject();
    }

    private void incident(IncidentEvent i, String id, JsonGenerator g) throws IOException {
        g.writeStartObject();
        common(g, i.tsNanos(), id, i.severity(), List.of("intrusion_detection", "threat"), List.of("info"), "spanwatch.incident",
                i.firstSeenNanos(), i.lastSeenNanos());
        g.writeStringField("message", i.summary());
        g.writeObjectFieldStart("rule");
        g.writeStringField("name", i.kind());
        g.writeStringField("category", "incident");
        g.writeStringField("ruleset", "spanwatch");
        g.writeEndObject();
        Set<String> hashes = new LinkedHashSet<>();
        Set<String> hosts = new LinkedHashSet<>();
        for (IncidentEvent.Part p : i.alerts()) {
            if (p.sha256() != null) {
                hashes.add(p.sha256());
            }
            if (p.callbackHost() != null) {
                hosts.add(p.callbackHost());
            }
        }
        related(g, Set.of(i.host()), hosts, hashes);
        g.writeObjectFieldStart("spanwatch");
        g.writeObjectFieldStart("incident");
        g.writeStringField("host", i.host());
        g.writeStringField("kind", i.kind());
        g.writeStringField("first_seen", time(i.firstSeenNanos()));
        g.writeStringField("last_seen", time(i.lastSeenNanos()));
        g.writeNumberField("severity", i.severity());
        g.writeArrayFieldStart("alerts");
        for (IncidentEvent.Part p : i.alerts()) {
            g.writeStartObject();
            g.writeStringField("signature", p.signature());
            str(g, "category", p.category());
            g.writeStringField("timestamp", EveTime.format(p.tsNanos()));
            if (p.flowId() != 0) {
                g.writeNumberField("flow_id", p.flowId());
            }
            str(g, "sha256", p.sha256());
            str(g, "url", p.url());
            str(g, "callback_host", p.callbackHost());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void array(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void str(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }
}
