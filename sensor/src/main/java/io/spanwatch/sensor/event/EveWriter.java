package io.spanwatch.sensor.event;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.http.HttpTransaction;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes events as Suricata-style EVE JSON, one object per line. Every event starts with the same
 * header ({@link #header}); the {@code http} object is written by one method and reused inside
 * {@code fileinfo} events, as Suricata does.
 *
 * <p>Thread-safe: workers write concurrently; each event is written whole under the writer's lock.
 * Takes ownership of the output stream and closes it.
 */
public final class EveWriter implements Closeable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EveWriter.class);
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Writes one event's fields into the generator. */
    @FunctionalInterface
    private interface Body {
        void write() throws IOException;
    }

    private final OutputStream out;
    /** Receives one event's text before it goes out whole. */
    private final java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream(4096);
    private JsonGenerator gen;
    private long writeErrors;
    private final String sensorName;
    private final StringBuilder ts = new StringBuilder(32);
    private final boolean live;
    /** The capture file or interface of the frames the calling worker is processing. */
    private final ThreadLocal<String> source = new ThreadLocal<>();
    private long events;

    /**
     * Writes to {@code out}; {@code live} says whether sources are interfaces ({@code in_iface}) or
     * capture files ({@code pcap_filename}).
     */
    public EveWriter(OutputStream out, String sensorName, boolean live) throws IOException {
        this.out = new BufferedOutputStream(out, 1 << 20);
        this.gen = newGenerator();
        this.sensorName = sensorName;
        this.live = live;
    }

    /**
     * Opens {@code file} for appending (as Suricata's {@code append: yes}: a second run on the same
     * folder adds to what the first wrote, nothing collected is lost) and returns a writer on it.
     */
    public static EveWriter open(Path file, String sensorName, boolean live) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new EveWriter(Files.newOutputStream(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.WRITE), sensorName, live);
    }

    /** Names the capture file or interface of what the calling thread writes next (null: none). */
    public void source(String name) {
        source.set(name);
    }

    /** Returns what {@link #source(String)} set on the calling thread. */
    public String source() {
        return source.get();
    }

    private JsonGenerator newGenerator() throws IOException {
        JsonGenerator g = FACTORY.createGenerator(buffer, JsonEncoding.UTF8);
        g.setRootValueSeparator(null);
        return g;
    }

    /**
     * Builds one event in memory and writes it out whole with its line end. An event that cannot be
     * written (disk full, a bug while building it) is counted and dropped; the next one starts clean.
     */
    private void emit(Body body) {
        try {
            body.write();
            gen.flush();
            buffer.write('\n');
            buffer.writeTo(out);
            events++;
        } catch (IOException | RuntimeException e) {
            writeErrors++;
            if (writeErrors <= 5) {
                LOG.warn("event not written ({} so far)", writeErrors, e);
            }
            try {
                gen = newGenerator();
            } catch (IOException e2) {
                throw new UncheckedIOException(e2);
            }
        } finally {
            buffer.reset();
        }
    }

    /** Returns the number of events that could not be written. */
    public synchronized long writeErrors() {
        return writeErrors;
    }

    /** Returns the number of events written. */
    public synchronized long events() {
        return events;
    }

    /**
     * Writes a {@code flow} event.
     *
     * @param reason {@code timeout}, {@code forced} or {@code shutdown}
     * @param missedToServer bytes the client sent that were never captured (reassembly gaps), -1 when not TCP
     */
    public synchronized void flow(Flow f, String reason, long missedToServer, long missedToClient, boolean reassemblyLimit) {
        emit(() -> {
            header(f.lastTsNanos, "flow", f);
            gen.writeObjectFieldStart("flow");
            boolean c = f.clientIsOrig;
            gen.writeNumberField("pkts_toserver", c ? f.pktsOrig : f.pktsResp);
            gen.writeNumberField("pkts_toclient", c ? f.pktsResp : f.pktsOrig);
            gen.writeNumberField("bytes_toserver", c ? f.bytesOrig : f.bytesResp);
            gen.writeNumberField("bytes_toclient", c ? f.bytesResp : f.bytesOrig);
            gen.writeStringField("start", time(f.firstTsNanos));
            gen.writeStringField("end", time(f.lastTsNanos));
            gen.writeNumberField("age", (f.lastTsNanos - f.firstTsNanos) / 1_000_000_000L);
            gen.writeStringField("state", f.state.name().toLowerCase(java.util.Locale.ROOT));
            gen.writeStringField("reason", reason);
            gen.writeBooleanField("alerted", false);
            if (f.evicted) {
                gen.writeBooleanField("evicted", true);
            }
            gen.writeEndObject();
            if (f.proto == 6) {
                int all = f.tcpFlagsOrig | f.tcpFlagsResp;
                gen.writeObjectFieldStart("tcp");
                gen.writeStringField("tcp_flags", hex2(all));
                gen.writeStringField("tcp_flags_ts", hex2(c ? f.tcpFlagsOrig : f.tcpFlagsResp));
                gen.writeStringField("tcp_flags_tc", hex2(c ? f.tcpFlagsResp : f.tcpFlagsOrig));
                flag("syn", all, 0x02);
                flag("fin", all, 0x01);
                flag("rst", all, 0x04);
                flag("psh", all, 0x08);
                flag("ack", all, 0x10);
                gen.writeStringField("state", tcpState(f));
                if (missedToServer > 0 || missedToClient > 0) {
                    gen.writeNumberField("missed_bytes_toserver", Math.max(0, missedToServer));
                    gen.writeNumberField("missed_bytes_toclient", Math.max(0, missedToClient));
                }
                if (reassemblyLimit) {
                    gen.writeBooleanField("reassembly_limit", true);
                }
                gen.writeEndObject();
            }
            end();
        });
    }

    /** Writes an {@code http} event for a finished transaction. */
    public synchronized void http(Flow f, HttpTransaction tx) {
        emit(() -> {
            long t = tx.requestTsNanos != 0 ? tx.requestTsNanos : tx.responseTsNanos != 0 ? tx.responseTsNanos : f.lastTsNanos;
            header(t, "http", f);
            gen.writeNumberField("tx_id", tx.txId);
            httpObject(HttpInfo.of(tx));
            end();
        });
    }

    /**
     * Writes a {@code fileinfo} event, with the scan verdict when there is one. As Suricata logs
     * files (LOG_DIR_FLOW_TOCLIENT / _TOSERVER), the sender of the file is src: a download's src is
     * the server.
     */
    public synchronized void fileinfo(FileEvent e, FileVerdict verdict) {
        fileEvent("fileinfo", e, verdict);
    }

    /**
     * Writes a {@code verdict} event: the final verdict of a file whose {@code fileinfo} event went out
     * earlier with an interim one (clamd was unreachable then). Same header and {@code fileinfo}
     * object as the {@code fileinfo} event; a SpanWatch addition to EVE.
     */
    public synchronized void fileVerdict(FileEvent e, FileVerdict verdict) {
        fileEvent("verdict", e, verdict);
    }

    private void fileEvent(String type, FileEvent e, FileVerdict verdict) {
        emit(() -> {
            header(e.tsNanos(), type, e.header(), !e.toServer());
            gen.writeStringField("direction", e.toServer() ? "to_server" : "to_client");
            if (e.http() != null) {
                gen.writeNumberField("tx_id", e.http().txId());
                httpObject(e.http());
            }
            fileinfoObject(e, verdict);
            end();
        });
    }

    /**
     * Writes an {@code alert} event for a file: the {@code alert} object (action {@code allowed}, as a
     * passive sensor never blocks), the same {@code http} and {@code fileinfo} objects as the file's
     * {@code fileinfo} event, and the flow's community_id. Oriented like the {@code fileinfo} event.
     *
     * @param severity 1 (highest) to 4, as Suricata's
     */
    public synchronized void fileAlert(FileEvent e, String signature, long signatureId, String category, int severity,
            FileVerdict verdict) {
        fileAlert(e, signature, signatureId, category, severity, verdict, null);
    }

    /**
     * As {@link #fileAlert(FileEvent, String, long, String, int, FileVerdict)}, with Suricata's
     * {@code alert.metadata}: names mapped to lists of values (e.g. what marks a retro-scan's alert).
     */
    public synchronized void fileAlert(FileEvent e, String signature, long signatureId, String category, int severity,
            FileVerdict verdict, java.util.Map<String, java.util.List<String>> metadata) {
        emit(() -> {
            header(e.tsNanos(), "alert", e.header(), !e.toServer());
            gen.writeStringField("direction", e.toServer() ? "to_server" : "to_client");
            if (e.http() != null) {
                gen.writeNumberField("tx_id", e.http().txId());
            }
            gen.writeObjectFieldStart("alert");
            gen.writeStringField("action", "allowed");
            gen.writeNumberField("gid", 1);
            gen.writeNumberField("signature_id", signatureId);
            gen.writeNumberField("rev", 1);
            gen.writeStringField("signature", signature);
            gen.writeStringField("category", category);
            gen.writeNumberField("severity", severity);
            if (metadata != null && !metadata.isEmpty()) {
                gen.writeObjectFieldStart("metadata");
                for (java.util.Map.Entry<String, java.util.List<String>> m : metadata.entrySet()) {
                    gen.writeArrayFieldStart(m.getKey());
                    for (String v : m.getValue()) {
                        gen.writeString(v);
                    }
                    gen.writeEndArray();
                }
                gen.writeEndObject();
            }
            gen.writeEndObject();
            if (e.http() != null) {
                httpObject(e.http());
            }
            fileinfoObject(e, verdict);
            end();
        });
    }

    private void fileinfoObject(FileEvent e, FileVerdict verdict) throws IOException {
        FileInfo fi = e.info();
        gen.writeObjectFieldStart("fileinfo");
        gen.writeStringField("filename", fi.filename() == null ? "" : fi.filename());
        gen.writeBooleanField("gaps", fi.gaps());
        gen.writeStringField("state", fi.state());
        gen.writeBooleanField("stored", fi.stored());
        gen.writeNumberField("size", fi.size());
        if (e.http() != null) {
            gen.writeNumberField("tx_id", e.http().txId());
        }
        str("md5", fi.md5());
        str("sha1", fi.sha1());
        str("sha256", fi.sha256());
        str("mimetype", fi.mimetype());
        if (fi.stored() && fi.sha256() == null) {
            str("stored_sha256", fi.storedSha256());
        }
        if (fi.missingBytes() > 0) {
            gen.writeNumberField("missing_bytes", fi.missingBytes());
        }
        if (fi.storeCutoff()) {
            gen.writeBooleanField("stored_cutoff", true);
        }
        if (fi.spoolLimit()) {
            gen.writeBooleanField("spool_limit", true);
        }
        str("truncated_reason", fi.truncatedReason());
        if (fi.contentEncodings() != null && !fi.contentEncodings().isEmpty()) {
            gen.writeStringField("content_encoding", String.join(", ", fi.contentEncodings()));
        }
        if (fi.rangeStart() >= 0) {
            gen.writeObjectFieldStart("range");
            gen.writeNumberField("start", fi.rangeStart());
            gen.writeNumberField("end", fi.rangeEnd());
            if (fi.rangeTotal() >= 0) {
                gen.writeNumberField("total", fi.rangeTotal());
            }
            gen.writeEndObject();
        }
        if (fi.assembled()) {
            gen.writeBooleanField("assembled_from_ranges", true);
        }
        str("form_field", fi.formField());
        if (verdict != null) {
            gen.writeObjectFieldStart("verdict");
            gen.writeStringField("engine", verdict.engine());
            str("engine_version", verdict.engineVersion());
            str("database_version", verdict.databaseVersion());
            gen.writeStringField("result", verdict.result());
            if (!verdict.signatures().isEmpty()) {
                gen.writeArrayFieldStart("signatures");
                for (String sig : verdict.signatures()) {
                    gen.writeString(sig);
                }
                gen.writeEndArray();
            }
            gen.writeNumberField("scan_time_ms", verdict.scanTimeMillis());
            str("reason", verdict.reason());
            if (verdict.interim()) {
                gen.writeBooleanField("interim", true);
            }
            gen.writeEndObject();
        }
        gen.writeEndObject();
    }

    /**
     * Writes an {@code anomaly} event.
     *
     * @param f the flow, or null for a packet no flow was made for
     * @param type {@code decode}, {@code stream} or {@code applayer}
     */
    public synchronized void anomaly(Flow f, long tsNanos, String type, String event) {
        emit(() -> {
            header(tsNanos, "anomaly", f);
            gen.writeObjectFieldStart("anomaly");
            gen.writeStringField("type", type);
            gen.writeStringField("event", event);
            if ("applayer".equals(type)) {
                gen.writeStringField("layer", "proto_parser");
            }
            gen.writeEndObject();
            end();
        });
    }

    /**
     * Writes a {@code decode} anomaly for a packet no flow was made for, with what of its addresses,
     * ports and protocol the decoder could read.
     */
    public void decodeAnomaly(long tsNanos, String event, io.spanwatch.sensor.decode.DecodedPacket p) {
        String src = null;
        String dst = null;
        int n = p.addrLen();
        if (p.ipVersion != 0 && p.srcAddrOff >= 0 && p.dstAddrOff >= 0 && p.srcAddrOff + n <= p.buf.length
                && p.dstAddrOff + n <= p.buf.length) {
            src = Flow.ipText(java.util.Arrays.copyOfRange(p.buf, p.srcAddrOff, p.srcAddrOff + n));
            dst = Flow.ipText(java.util.Arrays.copyOfRange(p.buf, p.dstAddrOff, p.dstAddrOff + n));
        }
        boolean ports = !p.fragment && (p.proto == 6 || p.proto == 17 || p.proto == 132);
        decodeAnomaly(tsNanos, event, src, ports ? p.srcPort : 0, dst, ports ? p.dstPort : 0, p.ipVersion != 0 ? p.proto : -1);
    }

    private synchronized void decodeAnomaly(long tsNanos, String event, String srcIp, int srcPort, String destIp, int destPort,
            int proto) {
        emit(() -> {
            header(tsNanos, "anomaly", null);
            if (srcIp != null) {
                gen.writeStringField("src_ip", srcIp);
                if (srcPort > 0) {
                    gen.writeNumberField("src_port", srcPort);
                }
                gen.writeStringField("dest_ip", destIp);
                if (destPort > 0) {
                    gen.writeNumberField("dest_port", destPort);
                }
                if (proto >= 0) {
                    gen.writeStringField("proto", Flow.protoName(proto));
                }
            }
            gen.writeObjectFieldStart("anomaly");
            gen.writeStringField("type", "decode");
            gen.writeStringField("event", event);
            gen.writeEndObject();
            end();
        });
    }

    /** Writes a {@code stats} event; dotted counter names ({@code capture.kernel_drops}) nest into objects. */
    public synchronized void stats(long tsNanos, long uptimeSeconds, Map<String, Long> counters) {
        emit(() -> {
            header(tsNanos, "stats", null);
            gen.writeObjectFieldStart("stats");
            gen.writeNumberField("uptime", uptimeSeconds);
            writeNested(new TreeMap<>(counters));
            gen.writeEndObject();
            end();
        });
    }

    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            writeErrors++;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        gen.close();
        out.close();
    }

    private void header(long tsNanos, String type, Flow f) throws IOException {
        header(tsNanos, type, f == null ? null : EventHeader.of(f, source.get()), false);
    }

    /** Writes the shared header; {@code serverFirst} puts the server in {@code src_*}. */
    private void header(long tsNanos, String type, EventHeader h, boolean serverFirst) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("timestamp", time(tsNanos));
        if (h != null) {
            gen.writeNumberField("flow_id", h.flowId());
        }
        gen.writeStringField("event_type", type);
        if (h != null) {
            if (h.vlans().length > 0) {
                gen.writeArrayFieldStart("vlan");
                for (int v : h.vlans()) {
                    gen.writeNumber(v);
                }
                gen.writeEndArray();
            }
            gen.writeStringField("src_ip", serverFirst ? h.serverIp() : h.clientIp());
            if (h.hasPorts()) {
                gen.writeNumberField("src_port", serverFirst ? h.serverPort() : h.clientPort());
            }
            gen.writeStringField("dest_ip", serverFirst ? h.clientIp() : h.serverIp());
            if (h.hasPorts()) {
                gen.writeNumberField("dest_port", serverFirst ? h.clientPort() : h.serverPort());
            }
            gen.writeStringField("proto", h.proto());
            gen.writeNumberField("ip_v", h.ipVersion());
            gen.writeStringField("community_id", h.communityId());
            if (h.appProto() != null) {
                gen.writeStringField("app_proto", h.appProto());
            }
        }
        gen.writeStringField("sensor", sensorName);
        if (h != null && h.source() != null) {
            gen.writeStringField(live ? "in_iface" : "pcap_filename", h.source());
        }
    }

    /** Names the TCP state as Suricata's {@code tcp.state} does, from what was seen. */
    private static String tcpState(Flow f) {
        int all = f.tcpFlagsOrig | f.tcpFlagsResp;
        return switch (f.state) {
            case CLOSED -> "closed";
            case ESTABLISHED -> "established";
            case NEW -> (all & 0x02) == 0 ? "none" : ((f.tcpFlagsOrig & f.tcpFlagsResp & 0x02) != 0 ? "syn_recv" : "syn_sent");
        };
    }

    private void httpObject(HttpInfo h) throws IOException {
        gen.writeObjectFieldStart("http");
        str("hostname", h.hostname());
        if (h.port() >= 0) {
            gen.writeNumberField("http_port", h.port());
        }
        str("url", h.url());
        str("http_user_agent", h.userAgent());
        str("http_content_type", h.contentType());
        str("http_method", h.method());
        str("http_refer", h.referer());
        str("protocol", h.protocol());
        if (h.status() > 0) {
            gen.writeNumberField("status", h.status());
        }
        gen.writeNumberField("length", h.length());
        if (h.requestBodyLength() > 0) {
            gen.writeNumberField("request_body_length", h.requestBodyLength());
        }
        str("http_request_content_type", h.requestContentType());
        str("limit_hit", h.limitHit());
        gen.writeEndObject();
    }

    private void writeNested(TreeMap<String, Long> counters) throws IOException {
        String[] open = new String[0];
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            int common = 0;
            while (common < open.length && common < parts.length - 1 && open[common].equals(parts[common])) {
                common++;
            }
            for (int i = open.length; i > common; i--) {
                gen.writeEndObject();
            }
            for (int i = common; i < parts.length - 1; i++) {
                gen.writeObjectFieldStart(parts[i]);
            }
            gen.writeNumberField(parts[parts.length - 1], e.getValue());
            open = java.util.Arrays.copyOf(parts, parts.length - 1);
        }
        for (int i = open.length; i > 0; i--) {
            gen.writeEndObject();
        }
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

    private void flag(String name, int flags, int bit) throws IOException {
        if ((flags & bit) != 0) {
            gen.writeBooleanField(name, true);
        }
    }

    private void str(String name, String value) throws IOException {
        if (value != null) {
            gen.writeStringField(name, value);
        }
    }

    private void end() throws IOException {
        gen.writeEndObject();
    }

    private String time(long nanos) {
        ts.setLength(0);
        EveTime.append(ts, nanos);
        return ts.toString();
    }
}
