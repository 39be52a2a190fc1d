package io.spanwatch.analyzer.correlate;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.AnomalyEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FieldWriter;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.FlowCounters;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import io.spanwatch.sensor.event.TlsEvent;
import io.spanwatch.sensor.event.TlsInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Renders events as Esper map events: the same fields, names and nesting as their EVE JSON (laid
 * out by the one {@link EveRenderer}), so a rule reads {@code http.hostname} or
 * {@code alert.category} as an analyst reads eve.json. Three properties are added: {@code ts}
 * (packet time, epoch milliseconds, for arithmetic on time), {@code internal_ip} (the internal host
 * the event is about, per {@code --home-net}, or null) and {@code eve} (the record itself, for the
 * alert a rule raises).
 *
 * <p>Maps rather than the records as JavaBeans: EVE's snake_case names and nesting are what
 * operators know, the renderer already defines them in one place, and a map costs about a
 * microsecond per event (the README has the measured rate). The event types' schemas are derived
 * the same way, by rendering a fully populated example of each event type.
 *
 * <p>Not thread-safe (one reusable writer); the correlation thread owns it.
 */
final class EsperEvents {
    /**
     * Event types rules may select from: EVE's {@code event_type} capitalised ({@code Alert} is an
     * alert event, whose {@code alert} object is {@code alert.category}). {@code stats} is not among them.
     */
    static final List<String> TYPES = List.of("Flow", "Http", "Tls", "FileInfo", "Verdict", "Anomaly", "Alert", "Incident");

    private final EveRenderer renderer;
    private final Predicate<String> internal;
    private final MapWriter writer = new MapWriter();

    EsperEvents(EveRenderer renderer, Predicate<String> internal) {
        this.renderer = renderer;
        this.internal = internal;
    }

    /** Returns the Esper type name of an event, or null when rules never see it. */
    static String typeOf(EveEvent e) {
        return switch (e.eventType()) {
            case "flow" -> "Flow";
            case "http" -> "Http";
            case "tls" -> "Tls";
            case "fileinfo" -> "FileInfo";
            case "verdict" -> "Verdict";
            case "anomaly" -> "Anomaly";
            case "alert" -> "Alert";
            case "incident" -> "Incident";
            default -> null;
        };
    }

    /** Renders one event as a map. */
    Map<String, Object> render(EveEvent e) {
        try {
            renderer.render(e, writer);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a map writer does no I/O
        }
        Map<String, Object> m = writer.root;
        m.put("ts", e.tsNanos() / 1_000_000);
        m.put("internal_ip", internalIp(e, internal));
        m.put("eve", e);
        return m;
    }

    /** Returns the internal host an event is about: the client if internal, else the server, else null. */
    static String internalIp(EveEvent e, Predicate<String> internal) {
        if (e instanceof IncidentEvent i) {
            return i.host();
        }
        EventHeader h = e.header();
        if (h == null) {
            return null;
        }
        if (internal.test(h.clientIp())) {
            return h.clientIp();
        }
        return internal.test(h.serverIp()) ? h.serverIp() : null;
    }

    /** Returns each type's schema for Esper: property names to classes, or to nested schemas. */
    Map<String, Map<String, Object>> schemas() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (EveEvent e : examples()) {
            Map<String, Object> schema = out.computeIfAbsent(typeOf(e), k -> new LinkedHashMap<>());
            merge(schema, render(e));
        }
        for (Map<String, Object> s : out.values()) {
            s.put("eve", EveEvent.class);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> schema, Map<String, Object> values) {
        for (Map.Entry<String, Object> v : values.entrySet()) {
            Object value = v.getValue();
            if (value instanceof Map<?, ?> nested) {
                Object have = schema.get(v.getKey());
                Map<String, Object> sub = have instanceof Map<?, ?> ? (Map<String, Object>) have : new LinkedHashMap<>();
                merge(sub, (Map<String, Object>) nested);
                schema.put(v.getKey(), sub);
            } else if (value != null) {
                schema.putIfAbsent(v.getKey(), value.getClass());
            } else {
                schema.putIfAbsent(v.getKey(), String.class);
            }
        }
    }

    /** Fully populated examples of every event type rules see, to derive the schemas from. */
    private static List<EveEvent> examples() {
        EventHeader h = new EventHeader(1, new int[] {10}, "10.0.0.1", 40000, "192.0.2.1", 80, "TCP", true, 4, "1:x", "http",
                "x.pcap", new FlowCounters(1, 1, 1, 1, 1));
        HttpInfo http = new HttpInfo(0, "h", 8080, "/", "ua", "text/html", "GET", "r", "HTTP/1.1", 200, 1, 1, "text/plain", "limit");
        FileInfo fi = new FileInfo("f", 1, "m", "s1", "s256", "application/x-dosexec", "CLOSED", false, 1, true, "s", true, "r",
                List.of("gzip"), 0, 1, 2, true, "field", true, 1, io.spanwatch.sensor.http.BodySink.FIRST_GZIP_MEMBER);
        FileEvent file = new FileEvent(1, h, http, false, fi, Path.of("x"));
        FileVerdict v = new FileVerdict("clamd", "1", "2", "infected", List.of("sig"), 1, "r", true);
        Map<String, Double> parts = new LinkedHashMap<>();
        for (String p : BeaconScorer.PARTS) {
            parts.put(p, 0.5);
        }
        List<EveEvent> out = new ArrayList<>();
        out.add(new FlowEvent(h, 1, 2, 1, 1, 1, 1, "closed", "timeout", true, true, new FlowEvent.Tcp(0x1b, 0x1b, "closed", 1, 1,
                true), new FlowEvent.Icmp(8, 0, 0, 0)));
        out.add(new HttpEvent(1, h, http));
        out.add(new TlsEvent(1, h, new TlsInfo("n", "TLS 1.3", TlsInfo.Fingerprint.of("771,1,0,29,0"),
                TlsInfo.Fingerprint.of("771,1,43"), "t13d0101h2_000000000000_000000000000", List.of("h2"), List.of("h2"))));
        out.add(new FileInfoEvent(file, v, false));
        out.add(new FileInfoEvent(file, v, true));
        out.add(new AnomalyEvent(1, h, "applayer", "http.x"));
        out.add(new AlertEvent(1, h, true, "to_client", new AlertEvent.Signature("allowed", 1, 1, 1, "s", "malware", 1,
                Map.of("k", List.of("v"))), http, file, v, new AlertEvent.Reputation("i", "domain", "f", "http.hostname", "t"),
                new AlertEvent.Beacon("h", "192.0.2.1", 80, 0.5, 1, 1, 1, 1, parts), new AlertEvent.Retro(1, "r")));
        out.add(new IncidentEvent(1, "10.0.0.1", "k", 1, 1, 1, "s", List.of(new IncidentEvent.Part("s", "c", 1, 1, "h", "u",
                "c"))));
        return out;
    }

    /**
     * Builds nested maps from the renderer's fields: objects become maps, arrays become
     * {@code Object[]}. Reused for every event; {@link #root} is a new map each time.
     */
    private static final class MapWriter implements FieldWriter {
        private record Frame(String name, Object container) {
        }

        private final ArrayList<Frame> stack = new ArrayList<>();
        Map<String, Object> root;

        @Override
        public void startObject(String name) {
            Map<String, Object> m = new HashMap<>(32);
            if (stack.isEmpty()) {
                root = m;
            }
            stack.add(new Frame(name, m));
        }

        @Override
        public void endObject() {
            Frame f = stack.removeLast();
            if (!stack.isEmpty()) {
                put(f.name, f.container);
            }
        }

        @Override
        public void startArray(String name) {
            stack.add(new Frame(name, new ArrayList<>()));
        }

        @Override
        public void endArray() {
            Frame f = stack.removeLast();
            put(f.name, ((List<?>) f.container).toArray());
        }

        @Override
        public void string(String name, String value) {
            put(name, value);
        }

        @Override
        public void number(String name, long value) {
            put(name, value);
        }

        @Override
        public void decimal(String name, double value) {
            put(name, value);
        }

        @Override
        public void bool(String name, boolean value) {
            put(name, value);
        }

        @SuppressWarnings("unchecked")
        private void put(String name, Object value) {
            Object c = stack.getLast().container;
            if (c instanceof List<?> l) {
                ((List<Object>) l).add(value);
            } else {
                ((Map<String, Object>) c).put(name, value);
            }
        }
    }
}
