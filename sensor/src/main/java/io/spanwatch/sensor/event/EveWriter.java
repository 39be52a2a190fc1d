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

    /** Opens {@code file} for writing (replacing it) and returns a writer on it. */
    public static EveWriter open(Path file, String sensorName, boolean live) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new EveWriter(Files.newOutputStream(file), sensorName, live);
    }

    /** Names the capture file or interface of what the calling thread writes next (null: none). */
    public void source(String name) {
        source.set(name);
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
                gen.writeStringField("tcp_flags", String.format("%02x", all));
                gen.writeStringField("tcp_flags_ts", String.format("%02x", c ? f.tcpFlagsOrig : f.tcpFlagsResp));
                gen.writeStringField("tcp_flags_tc", String.format("%02x", c ? f.tcpFlagsResp : f.tcpFlagsOrig));
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
            httpObject(f, tx);
            end();
        });
    }

    /** Writes a {@code fileinfo} event for a file carried by {@code tx}. */
    public synchronized void fileinfo(Flow f, long tsNanos, HttpTransaction tx, boolean toServer, FileInfo fi) {
        emit(() -> {
            // As Suricata logs files (LOG_DIR_FLOW_TOCLIENT / _TOSERVER): the sender of the file is
            // src, so a download's src is the server.
            header(tsNanos, "fileinfo", f, !toServer);
            gen.writeStringField("direction", toServer ? "to_server" : "to_client");
            if (tx != null) {
                gen.writeNumberField("tx_id", tx.txId);
                httpObject(f, tx);
            }
            gen.writeObjectFieldStart("fileinfo");
            gen.writeStringField("filename", fi.filename() == null ? "" : fi.filename());
            gen.writeBooleanField("gaps", fi.gaps());
            gen.writeStringField("state", fi.state());
            gen.writeBooleanField("stored", fi.stored());
            gen.writeNumberField("size", fi.size());
            if (tx != null) {
                gen.writeNumberField("tx_id", tx.txId);
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
            gen.writeEndObject();
            end();
        });
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
     * Writes a {@code decode} anomaly for a packet no flow was made for, with what of its addresses
     * could be read ({@code srcIp} null when the IP header itself was unreadable).
     */
    public synchronized void decodeAnomaly(long tsNanos, String event, String srcIp, int srcPort, String destIp, int destPort,
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
        header(tsNanos, type, f, false);
    }

    /** Writes the shared header; {@code serverFirst} puts the server in {@code src_*}. */
    private void header(long tsNanos, String type, Flow f, boolean serverFirst) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("timestamp", time(tsNanos));
        if (f != null) {
            gen.writeNumberField("flow_id", f.flowId);
        }
        gen.writeStringField("event_type", type);
        if (f != null) {
            if (f.vlans.length > 0) {
                gen.writeArrayFieldStart("vlan");
                for (int v : f.vlans) {
                    gen.writeNumber(v);
                }
                gen.writeEndArray();
            }
            gen.writeStringField("src_ip", serverFirst ? f.serverIp() : f.clientIp());
            if (f.hasPorts()) {
                gen.writeNumberField("src_port", serverFirst ? f.serverPort() : f.clientPort());
            }
            gen.writeStringField("dest_ip", serverFirst ? f.clientIp() : f.serverIp());
            if (f.hasPorts()) {
                gen.writeNumberField("dest_port", serverFirst ? f.clientPort() : f.serverPort());
            }
            gen.writeStringField("proto", f.protoName());
            gen.writeNumberField("ip_v", f.ipVersion);
            gen.writeStringField("community_id", f.communityId());
            if (f.appProto != null) {
                gen.writeStringField("app_proto", f.appProto);
            }
        }
        gen.writeStringField("sensor", sensorName);
        String src = source.get();
        if (src != null && f != null) {
            gen.writeStringField(live ? "in_iface" : "pcap_filename", src);
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

    private void httpObject(Flow f, HttpTransaction tx) throws IOException {
        gen.writeObjectFieldStart("http");
        String host = tx.host;
        String hostname = host;
        int port = -1;
        if (host != null) {
            int colon = host.lastIndexOf(':');
            int bracket = host.lastIndexOf(']');
            if (colon > bracket && colon > 0) {
                hostname = host.substring(0, colon);
                try {
                    port = Integer.parseInt(host.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
        }
        str("hostname", hostname);
        if (port >= 0) {
            gen.writeNumberField("http_port", port);
        }
        str("url", tx.uri);
        str("http_user_agent", tx.userAgent);
        str("http_content_type", tx.responseContentType);
        str("http_method", tx.method);
        str("http_refer", tx.referer);
        str("protocol", tx.protocol != null ? tx.protocol : tx.responseProtocol);
        if (tx.status > 0) {
            gen.writeNumberField("status", tx.status);
        }
        gen.writeNumberField("length", tx.responseBodyLength);
        if (tx.requestBodyLength > 0) {
            gen.writeNumberField("request_body_length", tx.requestBodyLength);
        }
        str("http_request_content_type", tx.requestContentType);
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
