package io.spanwatch.sensor.event;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lays out an event's EVE fields, once for every rendering: the EVE JSON line, the Lucene document
 * and any other view of an event walk the same fields in the same order through a {@link FieldWriter}.
 * This is SpanWatch's counterpart of Suricata's shared EVE header builder and per-type loggers.
 *
 * <p>Fields follow Suricata 7's EVE (its schema, {@code etc/schema.json}); SpanWatch's own fields
 * (listed in the README) are added beside Suricata's, never instead of them. Every event has the
 * header: {@code timestamp}, {@code flow_id}, {@code pcap_filename} or {@code in_iface},
 * {@code event_type}, {@code vlan}, the 5-tuple, {@code ip_v}, {@code community_id}, {@code app_proto},
 * {@code host} (Suricata's sensor name field) and {@code sensor} (the same name, SpanWatch's contract).
 *
 * <p>Immutable and thread-safe.
 */
public final class EveRenderer {
    private final String sensorName;
    private final boolean live;

    /**
     * @param sensorName written as {@code host} and {@code sensor}
     * @param live whether sources are interfaces ({@code in_iface}) or capture files ({@code pcap_filename})
     */
    public EveRenderer(String sensorName, boolean live) {
        this.sensorName = sensorName;
        this.live = live;
    }

    /** Returns the sensor name events carry. */
    public String sensorName() {
        return sensorName;
    }

    /** Writes {@code e} as one root object. */
    public void render(EveEvent e, FieldWriter w) throws IOException {
        w.startObject(null);
        switch (e) {
            case FlowEvent f -> flow(f, w);
            case HttpEvent h -> {
                header(h.tsNanos(), "http", h.header(), false, w);
                w.number("tx_id", h.http().txId());
                http(h.http(), w);
            }
            case TlsEvent t -> {
                header(t.tsNanos(), "tls", t.header(), false, w);
                tls(t.tls(), w);
            }
            case FileInfoEvent f -> fileinfo(f, w);
            case AnomalyEvent a -> anomaly(a, w);
            case StatsEvent s -> stats(s, w);
            case AlertEvent a -> alert(a, w);
            case IncidentEvent i -> incident(i, w);
        }
        w.endObject();
    }

    /**
     * Writes the {@code tls} object as Suricata does: the certificate's {@code subject}, {@code issuerdn},
     * {@code serial} and {@code fingerprint} when it was sent in clear, {@code sni}, {@code version},
     * its {@code notbefore} and {@code notafter}, {@code ja3} and
     * {@code ja3s} (each a {@code hash} and its {@code string}), {@code ja4}, {@code client_alpns} and
     * {@code server_alpns}. Names and protocols are shown as header bytes are ({@link EveText#display}).
     */
    private static void tls(TlsInfo t, FieldWriter w) throws IOException {
        w.startObject("tls");
        TlsInfo.Certificate c = t.certificate();
        if (c != null) {
            str(w, "subject", c.subject());
            str(w, "issuerdn", c.issuerdn());
            str(w, "serial", c.serial());
            str(w, "fingerprint", c.fingerprint());
        }
        str(w, "sni", t.sniText());
        w.string("version", t.version());
        if (c != null) {
            str(w, "notbefore", c.notbefore());
            str(w, "notafter", c.notafter());
        }
        fingerprint("ja3", t.ja3(), w);
        fingerprint("ja3s", t.ja3s(), w);
        str(w, "ja4", t.ja4());
        alpns("client_alpns", t.clientAlpns(), w);
        alpns("server_alpns", t.serverAlpns(), w);
        w.endObject();
    }

    private static void fingerprint(String name, TlsInfo.Fingerprint f, FieldWriter w) throws IOException {
        if (f != null) {
            w.startObject(name);
            str(w, "hash", f.hash());
            str(w, "string", f.string());
            w.endObject();
        }
    }

    private static void alpns(String name, java.util.List<String> protocols, FieldWriter w) throws IOException {
        if (!protocols.isEmpty()) {
            w.startArray(name);
            for (String p : protocols) {
                w.string(null, EveText.display(p));
            }
            w.endArray();
        }
    }

    /** Writes the shared header; {@code serverFirst} puts the server in {@code src_*}. */
    private void header(long tsNanos, String type, EventHeader h, boolean serverFirst, FieldWriter w) throws IOException {
        w.string("timestamp", EveTime.format(tsNanos));
        if (h != null && h.hasFlow()) {
            w.number("flow_id", h.flowId());
        }
        if (h != null && h.source() != null) {
            w.string(live ? "in_iface" : "pcap_filename", h.source());
        }
        w.string("event_type", type);
        if (h != null) {
            if (h.vlans() != null && h.vlans().length > 0) {
                w.startArray("vlan");
                for (int v : h.vlans()) {
                    w.number(null, v);
                }
                w.endArray();
            }
            if (h.clientIp() != null) {
                String srcIp = serverFirst ? h.serverIp() : h.clientIp();
                int srcPort = serverFirst ? h.serverPort() : h.clientPort();
                String destIp = serverFirst ? h.clientIp() : h.serverIp();
                int destPort = serverFirst ? h.clientPort() : h.serverPort();
                str(w, "src_ip", srcIp);
                if (h.hasPorts() && srcPort > 0) {
                    w.number("src_port", srcPort);
                }
                str(w, "dest_ip", destIp); // null for an alert about one host (a correlation of its incident)
                if (h.hasPorts() && destPort > 0) {
                    w.number("dest_port", destPort);
                }
            }
            if (h.proto() != null) {
                w.string("proto", h.proto());
            }
            if (h.ipVersion() != 0) {
                w.number("ip_v", h.ipVersion());
            }
            if (h.communityId() != null) {
                w.string("community_id", h.communityId());
            }
            if (h.appProto() != null) {
                w.string("app_proto", h.appProto());
            }
        }
        w.string("host", sensorName);
        w.string("sensor", sensorName);
        if (h != null && h.tunnel() != null) {
            appTunnel(h.tunnel(), w);
        }
    }

    /**
     * Writes the SpanWatch extension object of an application-layer tunnel the flow went through
     * ({@code socks}): version, command, status, and the {@code request} and {@code bound} endpoints
     * ({@code host} an address, {@code name} a host name, {@code port}), as Zeek's socks.log names them.
     */
    private static void appTunnel(io.spanwatch.sensor.flow.AppTunnel t, FieldWriter w) throws IOException {
        w.startObject(t.protocol());
        if (t.version() > 0) {
            w.number("version", t.version());
        }
        str(w, "command", t.command());
        str(w, "status", t.status());
        if (t.requestHost() != null || t.requestName() != null) {
            w.startObject("request");
            str(w, "host", t.requestHost());
            str(w, "name", t.requestName());
            if (t.requestPort() >= 0) {
                w.number("port", t.requestPort());
            }
            w.endObject();
        }
        if (t.boundHost() != null) {
            w.startObject("bound");
            w.string("host", t.boundHost());
            w.number("port", t.boundPort());
            w.endObject();
        }
        w.endObject();
    }

    private void flow(FlowEvent f, FieldWriter w) throws IOException {
        header(f.tsNanos(), "flow", f.header(), false, w);
        if (f.icmp() != null) {
            FlowEvent.Icmp i = f.icmp();
            w.number("icmp_type", i.type());
            w.number("icmp_code", i.code());
            if (i.responseType() >= 0) {
                w.number("response_icmp_type", i.responseType());
                w.number("response_icmp_code", i.responseCode());
            }
        }
        w.startObject("flow");
        counts(w, f.pktsToServer(), f.pktsToClient(), f.bytesToServer(), f.bytesToClient(), f.startNanos());
        w.string("end", EveTime.format(f.endNanos()));
        w.number("age", (f.endNanos() - f.startNanos()) / 1_000_000_000L);
        w.string("state", f.state());
        w.string("reason", f.reason());
        w.bool("alerted", f.alerted());
        if (f.evicted()) {
            w.bool("evicted", true);
        }
        w.endObject();
        FlowEvent.Tcp t = f.tcp();
        if (t != null) {
            int all = t.flags();
            w.startObject("tcp");
            w.string("tcp_flags", hex2(all));
            w.string("tcp_flags_ts", hex2(t.flagsToServer()));
            w.string("tcp_flags_tc", hex2(t.flagsToClient()));
            for (int i = 0; i < TCP_FLAG_NAMES.length; i++) {
                if ((all & TCP_FLAG_BITS[i]) != 0) {
                    w.bool(TCP_FLAG_NAMES[i], true);
                }
            }
            w.string("state", t.state());
            if (t.missedToServer() > 0 || t.missedToClient() > 0) {
                w.number("missed_bytes_toserver", Math.max(0, t.missedToServer()));
                w.number("missed_bytes_toclient", Math.max(0, t.missedToClient()));
            }
            if (t.reassemblyLimit()) {
                w.bool("reassembly_limit", true);
            }
            w.endObject();
        }
    }

    /** Writes the packet and byte counts and the start of a {@code flow} object. */
    private static void counts(FieldWriter w, long pktsTs, long pktsTc, long bytesTs, long bytesTc, long startNanos)
            throws IOException {
        w.number("pkts_toserver", pktsTs);
        w.number("pkts_toclient", pktsTc);
        w.number("bytes_toserver", bytesTs);
        w.number("bytes_toclient", bytesTc);
        w.string("start", EveTime.format(startNanos));
    }

    /** TCP flag names as Suricata writes them, in its order, and their bits. */
    private static final String[] TCP_FLAG_NAMES = {"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"};
    private static final int[] TCP_FLAG_BITS = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};

    private void fileinfo(FileInfoEvent e, FieldWriter w) throws IOException {
        FileEvent f = e.file();
        header(f.tsNanos(), e.eventType(), f.header(), !f.toServer(), w);
        w.string("direction", direction(f));
        if (f.http() != null) {
            w.number("tx_id", f.http().txId());
            http(f.http(), w);
        }
        fileinfoObject(f, e.verdict(), w);
    }

    private static String direction(FileEvent f) {
        return f.toServer() ? "to_server" : "to_client";
    }

    private void fileinfoObject(FileEvent e, FileVerdict verdict, FieldWriter w) throws IOException {
        FileInfo fi = e.info();
        w.startObject("fileinfo");
        suricataFileFields(e, w);
        str(w, "mimetype", fi.mimetype());
        if (fi.stored() && fi.sha256() == null) {
            str(w, "stored_sha256", fi.storedSha256());
        }
        if (fi.missingBytes() > 0) {
            w.number("missing_bytes", fi.missingBytes());
        }
        if (fi.storeCutoff()) {
            w.bool("stored_cutoff", true);
        }
        if (fi.spoolLimit()) {
            w.bool("spool_limit", true);
        }
        str(w, "truncated_reason", fi.truncatedReason());
        if (fi.contentEncodings() != null && !fi.contentEncodings().isEmpty()) {
            w.string("content_encoding", String.join(", ", fi.contentEncodings()));
        }
        if (fi.rangeStart() >= 0) {
            w.startObject("range");
            w.number("start", fi.rangeStart());
            w.number("end", fi.rangeEnd());
            if (fi.rangeTotal() >= 0) {
                w.number("total", fi.rangeTotal());
            }
            w.endObject();
        }
        if (fi.assembled()) {
            w.bool("assembled_from_ranges", true);
        }
        str(w, "form_field", fi.formField());
        str(w, "reading", fi.reading());
        if (verdict != null) {
            verdict(verdict, w);
        }
        w.endObject();
    }

    /** Writes the fields Suricata's {@code fileinfo} object and an alert's {@code files} items share. */
    private static void suricataFileFields(FileEvent e, FieldWriter w) throws IOException {
        FileInfo fi = e.info();
        w.string("filename", fi.filename() == null ? "" : fi.filename());
        w.bool("gaps", fi.gaps());
        w.string("state", fi.state());
        w.bool("stored", fi.stored());
        w.number("size", fi.size());
        if (e.http() != null) {
            w.number("tx_id", e.http().txId());
        }
        str(w, "md5", fi.md5());
        str(w, "sha1", fi.sha1());
        str(w, "sha256", fi.sha256());
        str(w, "magic", Magic.describe(fi.mimetype()));
        if (fi.fileId() > 0) {
            w.number("file_id", fi.fileId());
        }
    }

    private static void verdict(FileVerdict v, FieldWriter w) throws IOException {
        w.startObject("verdict");
        w.string("engine", v.engine());
        str(w, "engine_version", v.engineVersion());
        str(w, "database_version", v.databaseVersion());
        w.string("result", v.result());
        if (v.signatures() != null && !v.signatures().isEmpty()) {
            w.startArray("signatures");
            for (String sig : v.signatures()) {
                w.string(null, sig);
            }
            w.endArray();
        }
        w.number("scan_time_ms", v.scanTimeMillis());
        str(w, "reason", v.reason());
        if (v.interim()) {
            w.bool("interim", true);
        }
        w.endObject();
    }

    private void anomaly(AnomalyEvent a, FieldWriter w) throws IOException {
        header(a.tsNanos(), "anomaly", a.header(), false, w);
        w.startObject("anomaly");
        w.string("type", a.type());
        w.string("event", a.event());
        if ("applayer".equals(a.type())) {
            if (a.header() != null && a.header().appProto() != null) {
                w.string("app_proto", a.header().appProto());
            }
            w.string("layer", "proto_parser");
        }
        w.endObject();
    }

    private void stats(StatsEvent s, FieldWriter w) throws IOException {
        header(s.tsNanos(), "stats", null, false, w);
        w.startObject("stats");
        w.number("uptime", s.uptimeSeconds());
        nested(new TreeMap<>(s.counters()), w);
        w.endObject();
    }

    /** Writes dotted names as nested objects; a name that is also a prefix of others keeps its value under {@code <name>.total}. */
    private static void nested(TreeMap<String, Long> counters, FieldWriter w) throws IOException {
        String[] open = new String[0];
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            String next = counters.higherKey(e.getKey());
            if (next != null && next.startsWith(e.getKey() + ".")) {
                // "decoder.teredo" and "decoder.teredo.x": JSON cannot hold both; keep the count inside.
                parts = java.util.Arrays.copyOf(parts, parts.length + 1);
                parts[parts.length - 1] = "total";
            }
            int common = 0;
            while (common < open.length && common < parts.length - 1 && open[common].equals(parts[common])) {
                common++;
            }
            for (int i = open.length; i > common; i--) {
                w.endObject();
            }
            for (int i = common; i < parts.length - 1; i++) {
                w.startObject(parts[i]);
            }
            w.number(parts[parts.length - 1], e.getValue());
            open = java.util.Arrays.copyOf(parts, parts.length - 1);
        }
        for (int i = open.length; i > 0; i--) {
            w.endObject();
        }
    }

    private void alert(AlertEvent a, FieldWriter w) throws IOException {
        EventHeader h = a.header();
        header(a.tsNanos(), "alert", h, a.serverIsSource(), w);
        str(w, "direction", a.direction());
        if (a.http() != null) {
            w.number("tx_id", a.http().txId());
        }
        AlertEvent.Signature s = a.alert();
        w.startObject("alert");
        w.string("action", s.action());
        w.number("gid", s.gid());
        w.number("signature_id", s.signatureId());
        w.number("rev", s.rev());
        w.string("signature", s.signature());
        w.string("category", s.category());
        w.number("severity", s.severity());
        if (s.metadata() != null && !s.metadata().isEmpty()) {
            w.startObject("metadata");
            for (Map.Entry<String, List<String>> m : new TreeMap<>(s.metadata()).entrySet()) {
                w.startArray(m.getKey());
                for (String v : m.getValue()) {
                    w.string(null, v);
                }
                w.endArray();
            }
            w.endObject();
        }
        w.endObject();
        if (a.http() != null) {
            http(a.http(), w);
        }
        if (a.file() != null) {
            w.startArray("files");
            w.startObject(null);
            suricataFileFields(a.file(), w);
            w.endObject();
            w.endArray();
            fileinfoObject(a.file(), a.verdict(), w);
        }
        if (h != null && h.hasFlow() && h.counters() != null) {
            FlowCounters c = h.counters();
            w.startObject("flow");
            counts(w, c.pktsToServer(), c.pktsToClient(), c.bytesToServer(), c.bytesToClient(), c.startNanos());
            w.string("src_ip", h.clientIp());
            w.string("dest_ip", h.serverIp());
            if (h.hasPorts()) {
                w.number("src_port", h.clientPort());
                w.number("dest_port", h.serverPort());
            }
            w.endObject();
        }
        if (a.reputation() != null) {
            AlertEvent.Reputation r = a.reputation();
            w.startObject("reputation");
            w.string("indicator", r.indicator());
            w.string("type", r.type());
            w.string("feed", r.feed());
            w.string("field", r.field());
            str(w, "threat", r.threat());
            w.endObject();
        }
        if (a.beacon() != null) {
            beacon(a.beacon(), w);
        }
        if (a.retro() != null) {
            w.startObject("retro");
            w.string("detected", EveTime.format(a.retro().detectedNanos()));
            str(w, "reason", a.retro().reason());
            w.endObject();
        }
    }

    private static void beacon(AlertEvent.Beacon b, FieldWriter w) throws IOException {
        w.startObject("beacon");
        w.string("host", b.host());
        str(w, "dest_ip", b.destIp());
        if (b.destPort() > 0) {
            w.number("dest_port", b.destPort());
        }
        w.decimal("score", round(b.score()));
        w.number("connections", b.connections());
        w.decimal("interval_s", round(b.intervalSeconds()));
        w.string("first_seen", EveTime.format(b.firstSeenNanos()));
        w.string("last_seen", EveTime.format(b.lastSeenNanos()));
        if (b.parts() != null) {
            for (Map.Entry<String, Double> p : b.parts().entrySet()) {
                w.decimal(p.getKey(), round(p.getValue()));
            }
        }
        w.endObject();
    }

    /** Rounds a score to 4 decimals: more is noise to a reader and makes diffs of identical runs fragile. */
    private static double round(double v) {
        return Math.round(v * 10_000d) / 10_000d;
    }

    private void incident(IncidentEvent i, FieldWriter w) throws IOException {
        header(i.tsNanos(), "incident", null, false, w);
        w.string("src_ip", i.host());
        w.startObject("incident");
        w.string("host", i.host());
        w.string("kind", i.kind());
        w.string("first_seen", EveTime.format(i.firstSeenNanos()));
        w.string("last_seen", EveTime.format(i.lastSeenNanos()));
        w.number("severity", i.severity());
        w.string("summary", i.summary());
        w.startArray("alerts");
        for (IncidentEvent.Part p : i.alerts()) {
            w.startObject(null);
            w.string("signature", p.signature());
            str(w, "category", p.category());
            w.string("timestamp", EveTime.format(p.tsNanos()));
            if (p.flowId() != 0) {
                w.number("flow_id", p.flowId());
            }
            str(w, "sha256", p.sha256());
            str(w, "url", p.url());
            str(w, "callback_host", p.callbackHost());
            w.endObject();
        }
        w.endArray();
        w.endObject();
    }

    private static void http(HttpInfo h, FieldWriter w) throws IOException {
        w.startObject("http");
        str(w, "hostname", h.hostnameText());
        if (h.port() >= 0) {
            w.number("http_port", h.port());
        }
        str(w, "url", h.urlText());
        str(w, "http_user_agent", h.userAgentText());
        str(w, "http_content_type", h.contentTypeText());
        str(w, "http_method", EveText.display(h.method()));
        str(w, "http_refer", h.refererText());
        str(w, "protocol", EveText.display(h.protocol()));
        if (h.status() > 0) {
            w.number("status", h.status());
        }
        w.number("length", h.length());
        if (h.requestBodyLength() > 0) {
            w.number("request_body_length", h.requestBodyLength());
        }
        str(w, "http_request_content_type", h.requestContentTypeText());
        str(w, "limit_hit", h.limitHit());
        if (h.http2StreamId() >= 0) { // Suricata's http.http2 object, as its HTTP/2 logger writes it
            w.startObject("http2");
            w.number("stream_id", h.http2StreamId());
            w.endObject();
        }
        w.endObject();
    }

    /** Hex text of each TCP flags byte, as {@code String.format("%02x")} gives it (flow events are written by the million in a flood). */
    private static final String[] HEX2 = new String[256];

    static {
        for (int i = 0; i < 256; i++) {
            HEX2[i] = String.format("%02x", i);
        }
    }

    private static String hex2(int flags) {
        return HEX2[flags & 0xFF];
    }

    private static void str(FieldWriter w, String name, String value) throws IOException {
        if (value != null) {
            w.string(name, value);
        }
    }
}
