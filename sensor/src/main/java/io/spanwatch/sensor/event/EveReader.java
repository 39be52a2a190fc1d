package io.spanwatch.sensor.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads EVE JSON lines back into the typed records {@link EveRenderer} lays out: the inverse of the
 * renderer, so that a stage that reads {@code eve.json} (a report, an import) sees the same
 * {@link EveEvent} the live stages saw. Rendering what was read gives the line it was read from
 * (tested event type by event type); what EVE does not carry comes back empty (the stored file's
 * path) or at its default (a flow's counters in a header, a port that was not written).
 *
 * <p>Lines of event types SpanWatch does not write (Suricata's {@code dns}, {@code smb}, ...) are
 * read as {@code null}; a line that is no JSON object, has no {@code event_type} or {@code timestamp},
 * or has a field of the wrong kind is an {@link EveFormatException}. A whole number written as a
 * string of digits (Suricata 6's {@code "status": "200"}) is read as the number, as the index reads it. Nesting and string length are
 * bounded by Jackson's read constraints.
 *
 * <p>Stateless and thread-safe.
 */
public final class EveReader {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(4 << 20).build())
            .build();
    private static final java.util.regex.Pattern WHOLE_NUMBER = java.util.regex.Pattern.compile("-?[0-9]{1,18}");
    private static final Set<String> BEACON_FIELDS = Set.of("host", "dest_ip", "dest_port", "score", "connections",
            "interval_s", "first_seen", "last_seen");

    private EveReader() {
    }

    /**
     * One event read back.
     *
     * @param event the typed record
     * @param sensor the sensor name the line carries ({@code sensor}, else {@code host}), or null
     * @param live whether its source is an interface ({@code in_iface}) rather than a capture file
     */
    public record Read(EveEvent event, String sensor, boolean live) {
    }

    /** Tells that a line is not an EVE event that can be read. */
    public static final class EveFormatException extends Exception {
        private static final long serialVersionUID = 1L;

        EveFormatException(String message) {
            super(message);
        }
    }

    /**
     * Reads one EVE JSON line.
     *
     * @return the event, or null for an event type SpanWatch does not write
     * @throws EveFormatException when the line is not an EVE event
     */
    public static Read read(String line) throws EveFormatException {
        Map<String, Object> o;
        try (JsonParser p = FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new EveFormatException("not a JSON object");
            }
            o = object(p);
            if (p.nextToken() != null) {
                throw new EveFormatException("text after the JSON object");
            }
        } catch (IOException e) {
            throw new EveFormatException("not JSON: " + firstLine(e.getMessage()));
        }
        try {
            return event(new Obj(o));
        } catch (ClassCastException | IllegalArgumentException e) {
            throw new EveFormatException("bad field: " + e.getMessage());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static Read event(Obj o) throws EveFormatException {
        String type = o.str("event_type");
        String ts = o.str("timestamp");
        if (type == null || ts == null) {
            throw new EveFormatException(type == null ? "no event_type" : "no timestamp");
        }
        long t = EveTime.parse(ts);
        boolean live = o.has("in_iface");
        String sensor = o.str("sensor") != null ? o.str("sensor") : o.str("host");
        EveEvent e = switch (type) {
            case "flow" -> flow(o);
            case "http" -> {
                o.need("http");
                yield new HttpEvent(t, header(o, false, null), http(o));
            }
            case "tls" -> new TlsEvent(t, header(o, false, null), tls(o.need("tls")));
            case "fileinfo", "verdict" -> fileinfo(o, t, "verdict".equals(type));
            case "anomaly" -> new AnomalyEvent(t, header(o, false, null), o.need("anomaly").str("type"), o.need("anomaly").str("event"));
            case "stats" -> stats(o, t);
            case "alert" -> alert(o, t);
            case "incident" -> incident(o, t);
            default -> null;
        };
        return e == null ? null : new Read(e, sensor, live);
    }

    /** Reads the shared header; {@code serverFirst} when {@code src_*} is the server; null when the line names no flow or address. */
    private static EventHeader header(Obj o, boolean serverFirst, FlowCounters counters) {
        String source = o.str("pcap_filename") != null ? o.str("pcap_filename") : o.str("in_iface");
        if (!o.has("flow_id") && source == null && !o.has("src_ip") && !o.has("dest_ip") && !o.has("src_port") && !o.has("dest_port")
                && !o.has("proto") && !o.has("community_id") && !o.has("app_proto")) {
            return null;
        }
        List<Object> vl = o.list("vlan");
        int[] vlans = new int[vl == null ? 0 : vl.size()];
        for (int i = 0; i < vlans.length; i++) {
            vlans[i] = (int) (long) (Long) vl.get(i);
        }
        String srcIp = o.str("src_ip");
        String destIp = o.str("dest_ip");
        int srcPort = (int) o.num("src_port", 0);
        int destPort = (int) o.num("dest_port", 0);
        boolean ports = o.has("src_port") || o.has("dest_port");
        return new EventHeader(o.num("flow_id", 0), vlans, serverFirst ? destIp : srcIp, serverFirst ? destPort : srcPort,
                serverFirst ? srcIp : destIp, serverFirst ? srcPort : destPort, o.str("proto"), ports, (int) o.num("ip_v", 0),
                o.str("community_id"), o.str("app_proto"), source, counters);
    }

    private static FlowEvent flow(Obj o) {
        Obj f = o.need("flow");
        FlowEvent.Tcp tcp = null;
        Obj t = o.obj("tcp");
        if (t != null) {
            tcp = new FlowEvent.Tcp(Integer.parseInt(t.str("tcp_flags_ts"), 16), Integer.parseInt(t.str("tcp_flags_tc"), 16),
                    t.str("state"), t.num("missed_bytes_toserver", 0), t.num("missed_bytes_toclient", 0),
                    t.bool("reassembly_limit"));
        }
        FlowEvent.Icmp icmp = null;
        if (o.has("icmp_type")) {
            icmp = new FlowEvent.Icmp((int) o.num("icmp_type", 0), (int) o.num("icmp_code", 0),
                    (int) o.num("response_icmp_type", -1), (int) o.num("response_icmp_code", -1));
        }
        return new FlowEvent(header(o, false, null), f.time("start"), f.time("end"),
                f.num("pkts_toserver", 0), f.num("pkts_toclient", 0), f.num("bytes_toserver", 0), f.num("bytes_toclient", 0),
                f.str("state"), f.str("reason"), f.bool("evicted"), f.bool("alerted"), tcp, icmp);
    }

    private static HttpInfo http(Obj o) {
        Obj h = o.obj("http");
        if (h == null) {
            return null;
        }
        // EVE shows header bytes as text (EveText#display); the typed event holds the bytes again
        return new HttpInfo((int) o.num("tx_id", 0), EveText.raw(h.str("hostname")), (int) h.num("http_port", -1),
                EveText.raw(h.str("url")), EveText.raw(h.str("http_user_agent")), EveText.raw(h.str("http_content_type")),
                EveText.raw(h.str("http_method")), EveText.raw(h.str("http_refer")), EveText.raw(h.str("protocol")),
                (int) h.num("status", 0), h.num("length", 0), h.num("request_body_length", 0),
                EveText.raw(h.str("http_request_content_type")), h.str("limit_hit"),
                h.obj("http2") == null ? -1 : (int) h.obj("http2").num("stream_id", -1));
    }

    private static TlsInfo tls(Obj t) {
        Obj ja3 = t.obj("ja3");
        Obj ja3s = t.obj("ja3s");
        List<String> client = t.strings("client_alpns");
        List<String> server = t.strings("server_alpns");
        return new TlsInfo(EveText.raw(t.str("sni")), t.str("version") == null ? "UNDETERMINED" : t.str("version"),
                ja3 == null ? null : new TlsInfo.Fingerprint(ja3.str("hash"), ja3.str("string")),
                ja3s == null ? null : new TlsInfo.Fingerprint(ja3s.str("hash"), ja3s.str("string")), t.str("ja4"),
                client.stream().map(EveText::raw).toList(),
                server.stream().map(EveText::raw).toList(),
                t.has("fingerprint") || t.has("subject") ? new TlsInfo.Certificate(t.str("subject"), t.str("issuerdn"), t.str("serial"),
                        t.str("fingerprint"), t.str("notbefore"), t.str("notafter")) : null);
    }

    private static FileInfoEvent fileinfo(Obj o, long t, boolean late) {
        boolean toServer = "to_server".equals(o.str("direction"));
        Obj fi = o.need("fileinfo");
        FileEvent file = new FileEvent(t, header(o, !toServer, null), http(o), toServer, fileInfo(fi), null);
        return new FileInfoEvent(file, verdict(fi.obj("verdict")), late);
    }

    private static FileInfo fileInfo(Obj fi) {
        String enc = fi.str("content_encoding");
        Obj range = fi.obj("range");
        String sha256 = fi.str("sha256");
        boolean stored = fi.bool("stored");
        String storedSha = fi.str("stored_sha256") != null ? fi.str("stored_sha256") : stored ? sha256 : null;
        return new FileInfo(fi.str("filename"), fi.num("size", 0), fi.str("md5"), fi.str("sha1"), sha256, fi.str("mimetype"),
                fi.str("state"), fi.bool("gaps"), fi.num("missing_bytes", 0), stored, storedSha, fi.bool("stored_cutoff"),
                fi.str("truncated_reason"), enc == null ? List.of() : List.of(enc.split(", ")),
                range == null ? -1 : range.num("start", -1), range == null ? -1 : range.num("end", -1),
                range == null ? -1 : range.num("total", -1), fi.bool("assembled_from_ranges"), fi.str("form_field"),
                fi.bool("spool_limit"), fi.num("file_id", 0), fi.str("reading"));
    }

    private static FileVerdict verdict(Obj v) {
        if (v == null) {
            return null;
        }
        return new FileVerdict(v.str("engine"), v.str("engine_version"), v.str("database_version"), v.str("result"),
                v.strings("signatures"), v.num("scan_time_ms", 0), v.str("reason"), v.bool("interim"));
    }

    private static StatsEvent stats(Obj o, long t) {
        Obj s = o.need("stats");
        Map<String, Long> counters = new TreeMap<>();
        for (Map.Entry<String, Object> e : s.map.entrySet()) {
            if (!"uptime".equals(e.getKey())) {
                flatten(e.getKey(), e.getValue(), counters);
            }
        }
        return new StatsEvent(t, s.num("uptime", 0), counters);
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String name, Object v, Map<String, Long> out) {
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                flatten(name + "." + e.getKey(), e.getValue(), out);
            }
        } else if (v instanceof Long n) {
            out.put(name, n);
        } else if (v instanceof Double d) {
            out.put(name, d.longValue());
        }
    }

    private static AlertEvent alert(Obj o, long t) {
        String direction = o.str("direction");
        boolean serverIsSource = "to_client".equals(direction);
        Obj flow = o.obj("flow");
        FlowCounters counters = flow == null ? null : new FlowCounters(flow.num("pkts_toserver", 0), flow.num("pkts_toclient", 0),
                flow.num("bytes_toserver", 0), flow.num("bytes_toclient", 0), flow.time("start"));
        EventHeader h = header(o, serverIsSource, counters);
        Obj a = o.need("alert");
        Map<String, List<String>> meta = new LinkedHashMap<>();
        Obj m = a.obj("metadata");
        if (m != null) {
            for (String k : m.map.keySet()) {
                meta.put(k, m.strings(k));
            }
        }
        AlertEvent.Signature sig = new AlertEvent.Signature(a.str("action"), (int) a.num("gid", 0), a.num("signature_id", 0),
                (int) a.num("rev", 0), a.str("signature"), a.str("category"), (int) a.num("severity", 0), meta);
        HttpInfo http = http(o);
        Obj fi = o.obj("fileinfo");
        FileEvent file = fi == null ? null : new FileEvent(t, h, http, "to_server".equals(direction), fileInfo(fi), null);
        AlertEvent.Reputation rep = null;
        Obj r = o.obj("reputation");
        if (r != null) {
            rep = new AlertEvent.Reputation(r.str("indicator"), r.str("type"), r.str("feed"), r.str("field"), r.str("threat"));
        }
        AlertEvent.Beacon beacon = null;
        Obj b = o.obj("beacon");
        if (b != null) {
            Map<String, Double> parts = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : b.map.entrySet()) {
                if (!BEACON_FIELDS.contains(e.getKey()) && e.getValue() instanceof Number n) {
                    parts.put(e.getKey(), n.doubleValue());
                }
            }
            beacon = new AlertEvent.Beacon(b.str("host"), b.str("dest_ip"), (int) b.num("dest_port", 0), b.dec("score"),
                    b.num("connections", 0), b.dec("interval_s"), b.time("first_seen"), b.time("last_seen"), parts);
        }
        AlertEvent.Retro retro = null;
        Obj rt = o.obj("retro");
        if (rt != null) {
            retro = new AlertEvent.Retro(rt.time("detected"), rt.str("reason"));
        }
        return new AlertEvent(t, h, serverIsSource, direction, sig, http, file, fi == null ? null : verdict(fi.obj("verdict")), rep,
                beacon, retro);
    }

    private static IncidentEvent incident(Obj o, long t) {
        Obj i = o.need("incident");
        List<IncidentEvent.Part> parts = new ArrayList<>();
        List<Object> alerts = i.list("alerts");
        if (alerts != null) {
            for (Object x : alerts) {
                Obj p = new Obj(asMap(x));
                parts.add(new IncidentEvent.Part(p.str("signature"), p.str("category"), p.time("timestamp"),
                        p.num("flow_id", 0), p.str("sha256"), p.str("url"), p.str("callback_host")));
            }
        }
        return new IncidentEvent(t, i.str("host"), i.str("kind"), i.time("first_seen"), i.time("last_seen"), (int) i.num("severity", 0), i.str("summary"), parts);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object x) {
        if (x instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException("expected an object");
    }

    /** Parses the object whose start the parser is on into maps, lists, strings, longs, doubles and booleans. */
    private static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            m.put(name, value(p));
        }
        return m;
    }

    private static Object value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> object(p);
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                yield l;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> {
                // a whole number past a long is kept as a double: no field of SpanWatch's holds one
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    yield (Object) p.getDoubleValue();
                }
                yield (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Reads typed fields of one parsed object; a field of the wrong kind is an {@link IllegalArgumentException}. */
    private record Obj(Map<String, Object> map) {
        boolean has(String k) {
            return map.get(k) != null;
        }

        String str(String k) {
            Object v = map.get(k);
            if (v == null || v instanceof String) {
                return (String) v;
            }
            throw new IllegalArgumentException(k + " is not a string");
        }

        long num(String k, long def) {
            Object v = map.get(k);
            if (v == null) {
                return def;
            }
            if (v instanceof Long n) {
                return n;
            }
            if (v instanceof String s && WHOLE_NUMBER.matcher(s).matches()) {
                return Long.parseLong(s); // as older writers quote some numbers (Suricata 6's "status": "200"), and the index takes them
            }
            throw new IllegalArgumentException(k + " is not a whole number");
        }

        double dec(String k) {
            Object v = map.get(k);
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            throw new IllegalArgumentException(k + " is not a number");
        }

        boolean bool(String k) {
            Object v = map.get(k);
            if (v == null || v instanceof Boolean) {
                return v != null && (Boolean) v;
            }
            throw new IllegalArgumentException(k + " is not true or false");
        }

        Obj need(String k) {
            Obj o = obj(k);
            if (o == null) {
                throw new IllegalArgumentException("no " + k + " object");
            }
            return o;
        }

        long time(String k) {
            String t = str(k);
            if (t == null) {
                throw new IllegalArgumentException("no " + k);
            }
            return EveTime.parse(t);
        }

        Obj obj(String k) {
            Object v = map.get(k);
            return v == null ? null : new Obj(asMap(v));
        }

        @SuppressWarnings("unchecked")
        List<Object> list(String k) {
            Object v = map.get(k);
            if (v == null || v instanceof List) {
                return (List<Object>) v;
            }
            throw new IllegalArgumentException(k + " is not a list");
        }

        List<String> strings(String k) {
            List<Object> l = list(k);
            List<String> out = new ArrayList<>();
            if (l != null) {
                for (Object x : l) {
                    if (!(x instanceof String s)) {
                        throw new IllegalArgumentException(k + " holds a value that is not a string");
                    }
                    out.add(s);
                }
            }
            return out;
        }
    }
}
