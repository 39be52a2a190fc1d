package io.spanwatch.analyzer.scan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.FlowCounters;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.flow.AppTunnel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes and reads the scan stage's JSON lines (the journal's, the verdict log's and the event a
 * quarantined file is kept with) with Jackson's streaming generator and parser, field by field.
 *
 * <p>The layout is the one Jackson databind gave these records before (record component names, in
 * declaration order, nulls written as {@code null}), byte for byte, so files written by earlier
 * versions are read as they are and new lines look the same. Databind is not used: its reflection,
 * serializer construction and the method handles it spins cost more JIT and class-generation time
 * per run than the few thousand lines it wrote. Reading ignores fields it does not know and takes a
 * missing field as null, 0 or false; a value of the wrong type makes the line unreadable.
 */
final class ScanJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    /** One parsed journal line: {@code op} {@code add}, {@code reported} or {@code done}; entry only for add. */
    record Line(String op, long seq, ScanJournal.Entry entry) {
    }

    private ScanJson() {
    }

    /** Returns the journal line (without LF) that adds {@code e}. */
    static byte[] addLine(ScanJournal.Entry e) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = FACTORY.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("op", "add");
            g.writeNumberField("seq", e.seq());
            g.writeFieldName("entry");
            g.writeStartObject();
            g.writeNumberField("seq", e.seq());
            writeEvent(g, e.tsNanos(), e.header(), e.http(), e.toServer(), e.info(), e.stored());
            g.writeBooleanField("reported", e.reported());
            ScanJournal.Retro r = e.retro();
            g.writeFieldName("retro");
            if (r == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                string(g, "previousDatabase", r.previousDatabase());
                string(g, "database", r.database());
                strings(g, "previousSignatures", r.previousSignatures());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        return buf.toByteArray();
    }

    /** Returns the journal line (without LF) that marks entry {@code seq} {@code reported} or {@code done}. */
    static byte[] markLine(String op, long seq) {
        return ("{\"op\":\"" + op + "\",\"seq\":" + seq + ",\"entry\":null}").getBytes(StandardCharsets.US_ASCII);
    }

    /** Parses a journal line; null when it is not one (cut by a crash, or not ours). */
    static Line parseLine(byte[] line) {
        try (JsonParser p = FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String op = null;
            long seq = 0;
            ScanJournal.Entry entry = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "op" -> op = text(p, t);
                    case "seq" -> seq = number(p, t);
                    case "entry" -> entry = t == JsonToken.VALUE_NULL ? null : entry(p, t);
                    default -> p.skipChildren();
                }
            }
            return end(p) ? new Line(op, seq, entry) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Returns the verdict log line (without LF) of a remembered verdict. */
    static byte[] rememberedLine(VerdictCache.Remembered r) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = FACTORY.createGenerator(buf)) {
            g.writeStartObject();
            string(g, "sha256", r.sha256());
            g.writeFieldName("verdict");
            verdict(g, r.verdict());
            g.writeNumberField("at", r.at());
            g.writeFieldName("event");
            VerdictCache.Sighting s = r.event();
            if (s == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                writeEvent(g, s.tsNanos(), s.header(), s.http(), s.toServer(), s.info(), s.stored());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return buf.toByteArray();
    }

    /** Parses a verdict log line; null when it is not one or lacks the sha256 or the verdict's result. */
    static VerdictCache.Remembered parseRemembered(String line) {
        try (JsonParser p = FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String sha = null;
            FileVerdict v = null;
            long at = 0;
            VerdictCache.Sighting s = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "sha256" -> sha = text(p, t);
                    case "verdict" -> v = t == JsonToken.VALUE_NULL ? null : verdict(p, t);
                    case "at" -> at = number(p, t);
                    case "event" -> s = t == JsonToken.VALUE_NULL ? null : sighting(p, t);
                    default -> p.skipChildren();
                }
            }
            if (!end(p) || sha == null || v == null || v.result() == null) {
                return null;
            }
            return new VerdictCache.Remembered(sha, v, at, s);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Returns the event a quarantined file is kept with: {@code header}, {@code http},
     * {@code direction}, {@code fileinfo} and {@code verdict}, one JSON object.
     */
    static String keptEvent(EventHeader header, HttpInfo http, boolean toServer, FileInfo info, FileVerdict v) throws IOException {
        StringWriter w = new StringWriter(2048);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeFieldName("header");
            header(g, header);
            g.writeFieldName("http");
            http(g, http);
            g.writeStringField("direction", toServer ? "to_server" : "to_client");
            g.writeFieldName("fileinfo");
            info(g, info);
            g.writeFieldName("verdict");
            verdict(g, v);
            g.writeEndObject();
        }
        return w.toString();
    }

    // ---- writing

    private static void writeEvent(JsonGenerator g, long tsNanos, EventHeader header, HttpInfo http, boolean toServer, FileInfo info,
            String stored) throws IOException {
        g.writeNumberField("tsNanos", tsNanos);
        g.writeFieldName("header");
        header(g, header);
        g.writeFieldName("http");
        http(g, http);
        g.writeBooleanField("toServer", toServer);
        g.writeFieldName("info");
        info(g, info);
        string(g, "stored", stored);
    }

    private static void header(JsonGenerator g, EventHeader h) throws IOException {
        if (h == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeNumberField("flowId", h.flowId());
        g.writeFieldName("vlans");
        if (h.vlans() == null) {
            g.writeNull();
        } else {
            g.writeStartArray();
            for (int v : h.vlans()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        }
        string(g, "clientIp", h.clientIp());
        g.writeNumberField("clientPort", h.clientPort());
        string(g, "serverIp", h.serverIp());
        g.writeNumberField("serverPort", h.serverPort());
        string(g, "proto", h.proto());
        g.writeBooleanField("hasPorts", h.hasPorts());
        g.writeNumberField("ipVersion", h.ipVersion());
        string(g, "communityId", h.communityId());
        string(g, "appProto", h.appProto());
        string(g, "source", h.source());
        g.writeFieldName("counters");
        FlowCounters c = h.counters();
        if (c == null) {
            g.writeNull();
        } else {
            g.writeStartObject();
            g.writeNumberField("pktsToServer", c.pktsToServer());
            g.writeNumberField("pktsToClient", c.pktsToClient());
            g.writeNumberField("bytesToServer", c.bytesToServer());
            g.writeNumberField("bytesToClient", c.bytesToClient());
            g.writeNumberField("startNanos", c.startNanos());
            g.writeEndObject();
        }
        g.writeFieldName("tunnel");
        AppTunnel t = h.tunnel();
        if (t == null) {
            g.writeNull();
        } else {
            g.writeStartObject();
            string(g, "protocol", t.protocol());
            g.writeNumberField("version", t.version());
            string(g, "command", t.command());
            string(g, "status", t.status());
            string(g, "requestHost", t.requestHost());
            string(g, "requestName", t.requestName());
            g.writeNumberField("requestPort", t.requestPort());
            string(g, "boundHost", t.boundHost());
            g.writeNumberField("boundPort", t.boundPort());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void http(JsonGenerator g, HttpInfo h) throws IOException {
        if (h == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeNumberField("txId", h.txId());
        string(g, "hostname", h.hostname());
        g.writeNumberField("port", h.port());
        string(g, "url", h.url());
        string(g, "userAgent", h.userAgent());
        string(g, "contentType", h.contentType());
        string(g, "method", h.method());
        string(g, "referer", h.referer());
        string(g, "protocol", h.protocol());
        g.writeNumberField("status", h.status());
        g.writeNumberField("length", h.length());
        g.writeNumberField("requestBodyLength", h.requestBodyLength());
        string(g, "requestContentType", h.requestContentType());
        string(g, "limitHit", h.limitHit());
        if (h.http2StreamId() >= 0) {
            g.writeNumberField("http2StreamId", h.http2StreamId());
        }
        g.writeEndObject();
    }

    private static void info(JsonGenerator g, FileInfo f) throws IOException {
        if (f == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        string(g, "filename", f.filename());
        g.writeNumberField("size", f.size());
        string(g, "md5", f.md5());
        string(g, "sha1", f.sha1());
        string(g, "sha256", f.sha256());
        string(g, "mimetype", f.mimetype());
        string(g, "state", f.state());
        g.writeBooleanField("gaps", f.gaps());
        g.writeNumberField("missingBytes", f.missingBytes());
        g.writeBooleanField("stored", f.stored());
        string(g, "storedSha256", f.storedSha256());
        g.writeBooleanField("storeCutoff", f.storeCutoff());
        string(g, "truncatedReason", f.truncatedReason());
        strings(g, "contentEncodings", f.contentEncodings());
        g.writeNumberField("rangeStart", f.rangeStart());
        g.writeNumberField("rangeEnd", f.rangeEnd());
        g.writeNumberField("rangeTotal", f.rangeTotal());
        g.writeBooleanField("assembled", f.assembled());
        string(g, "formField", f.formField());
        g.writeBooleanField("spoolLimit", f.spoolLimit());
        g.writeNumberField("fileId", f.fileId());
        if (f.reading() != null) {
            g.writeStringField("reading", f.reading());
        }
        g.writeEndObject();
    }

    private static void verdict(JsonGenerator g, FileVerdict v) throws IOException {
        if (v == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        string(g, "engine", v.engine());
        string(g, "engineVersion", v.engineVersion());
        string(g, "databaseVersion", v.databaseVersion());
        string(g, "result", v.result());
        strings(g, "signatures", v.signatures());
        g.writeNumberField("scanTimeMillis", v.scanTimeMillis());
        string(g, "reason", v.reason());
        g.writeBooleanField("interim", v.interim());
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        g.writeFieldName(name);
        if (value == null) {
            g.writeNull();
        } else {
            g.writeString(value);
        }
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeFieldName(name);
        if (values == null) {
            g.writeNull();
            return;
        }
        g.writeStartArray();
        for (String s : values) {
            if (s == null) {
                g.writeNull();
            } else {
                g.writeString(s);
            }
        }
        g.writeEndArray();
    }

    // ---- reading; each reader is called with the value's first token current

    private static ScanJournal.Entry entry(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        long seq = 0;
        boolean reported = false;
        ScanJournal.Retro retro = null;
        Event ev = new Event();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "seq" -> seq = number(p, v);
                case "reported" -> reported = bool(v);
                case "retro" -> retro = v == JsonToken.VALUE_NULL ? null : retro(p, v);
                default -> ev.field(p, f, v);
            }
        }
        return new ScanJournal.Entry(seq, ev.tsNanos, ev.header, ev.http, ev.toServer, ev.info, ev.stored, reported, retro);
    }

    private static VerdictCache.Sighting sighting(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        Event ev = new Event();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            ev.field(p, f, p.nextToken());
        }
        return new VerdictCache.Sighting(ev.tsNanos, ev.header, ev.http, ev.toServer, ev.info, ev.stored);
    }

    /** The fields a journal entry and a sighting share. */
    private static final class Event {
        long tsNanos;
        EventHeader header;
        HttpInfo http;
        boolean toServer;
        FileInfo info;
        String stored;

        void field(JsonParser p, String f, JsonToken v) throws IOException {
            switch (f) {
                case "tsNanos" -> tsNanos = number(p, v);
                case "header" -> header = v == JsonToken.VALUE_NULL ? null : header(p, v);
                case "http" -> http = v == JsonToken.VALUE_NULL ? null : http(p, v);
                case "toServer" -> toServer = bool(v);
                case "info" -> info = v == JsonToken.VALUE_NULL ? null : info(p, v);
                case "stored" -> stored = text(p, v);
                default -> p.skipChildren();
            }
        }
    }

    private static ScanJournal.Retro retro(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        String previous = null;
        String database = null;
        List<String> sigs = List.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "previousDatabase" -> previous = text(p, v);
                case "database" -> database = text(p, v);
                case "previousSignatures" -> sigs = strings(p, v);
                default -> p.skipChildren();
            }
        }
        return new ScanJournal.Retro(previous, database, sigs);
    }

    private static EventHeader header(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        long flowId = 0;
        int[] vlans = new int[0];
        String clientIp = null;
        int clientPort = 0;
        String serverIp = null;
        int serverPort = 0;
        String proto = null;
        boolean hasPorts = false;
        int ipVersion = 0;
        String communityId = null;
        String appProto = null;
        String source = null;
        FlowCounters counters = null;
        AppTunnel tunnel = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "flowId" -> flowId = number(p, v);
                case "vlans" -> vlans = v == JsonToken.VALUE_NULL ? new int[0] : ints(p, v);
                case "clientIp" -> clientIp = text(p, v);
                case "clientPort" -> clientPort = integer(p, v);
                case "serverIp" -> serverIp = text(p, v);
                case "serverPort" -> serverPort = integer(p, v);
                case "proto" -> proto = text(p, v);
                case "hasPorts" -> hasPorts = bool(v);
                case "ipVersion" -> ipVersion = integer(p, v);
                case "communityId" -> communityId = text(p, v);
                case "appProto" -> appProto = text(p, v);
                case "source" -> source = text(p, v);
                case "counters" -> counters = v == JsonToken.VALUE_NULL ? null : counters(p, v);
                case "tunnel" -> tunnel = v == JsonToken.VALUE_NULL ? null : tunnel(p, v);
                default -> p.skipChildren();
            }
        }
        return new EventHeader(flowId, vlans, clientIp, clientPort, serverIp, serverPort, proto, hasPorts, ipVersion, communityId,
                appProto, source, counters, tunnel);
    }

    private static FlowCounters counters(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        long[] n = new long[5];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "pktsToServer" -> n[0] = number(p, v);
                case "pktsToClient" -> n[1] = number(p, v);
                case "bytesToServer" -> n[2] = number(p, v);
                case "bytesToClient" -> n[3] = number(p, v);
                case "startNanos" -> n[4] = number(p, v);
                default -> p.skipChildren();
            }
        }
        return new FlowCounters(n[0], n[1], n[2], n[3], n[4]);
    }

    private static AppTunnel tunnel(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        String protocol = null;
        int version = 0;
        String command = null;
        String status = null;
        String requestHost = null;
        String requestName = null;
        int requestPort = 0;
        String boundHost = null;
        int boundPort = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "protocol" -> protocol = text(p, v);
                case "version" -> version = integer(p, v);
                case "command" -> command = text(p, v);
                case "status" -> status = text(p, v);
                case "requestHost" -> requestHost = text(p, v);
                case "requestName" -> requestName = text(p, v);
                case "requestPort" -> requestPort = integer(p, v);
                case "boundHost" -> boundHost = text(p, v);
                case "boundPort" -> boundPort = integer(p, v);
                default -> p.skipChildren();
            }
        }
        return new AppTunnel(protocol, version, command, status, requestHost, requestName, requestPort, boundHost, boundPort);
    }

    private static HttpInfo http(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        int txId = 0;
        String hostname = null;
        int port = 0;
        String url = null;
        String userAgent = null;
        String contentType = null;
        String method = null;
        String referer = null;
        String protocol = null;
        int status = 0;
        long length = 0;
        long requestBodyLength = 0;
        String requestContentType = null;
        String limitHit = null;
        int http2StreamId = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "txId" -> txId = integer(p, v);
                case "hostname" -> hostname = text(p, v);
                case "port" -> port = integer(p, v);
                case "url" -> url = text(p, v);
                case "userAgent" -> userAgent = text(p, v);
                case "contentType" -> contentType = text(p, v);
                case "method" -> method = text(p, v);
                case "referer" -> referer = text(p, v);
                case "protocol" -> protocol = text(p, v);
                case "status" -> status = integer(p, v);
                case "length" -> length = number(p, v);
                case "requestBodyLength" -> requestBodyLength = number(p, v);
                case "requestContentType" -> requestContentType = text(p, v);
                case "limitHit" -> limitHit = text(p, v);
                case "http2StreamId" -> http2StreamId = integer(p, v);
                default -> p.skipChildren();
            }
        }
        return new HttpInfo(txId, hostname, port, url, userAgent, contentType, method, referer, protocol, status, length,
                requestBodyLength, requestContentType, limitHit, http2StreamId);
    }

    private static FileInfo info(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        String filename = null;
        long size = 0;
        String md5 = null;
        String sha1 = null;
        String sha256 = null;
        String mimetype = null;
        String state = null;
        boolean gaps = false;
        long missingBytes = 0;
        boolean stored = false;
        String storedSha256 = null;
        boolean storeCutoff = false;
        String truncatedReason = null;
        List<String> contentEncodings = List.of();
        long rangeStart = 0;
        long rangeEnd = 0;
        long rangeTotal = 0;
        boolean assembled = false;
        String formField = null;
        boolean spoolLimit = false;
        long fileId = 0;
        String reading = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "filename" -> filename = text(p, v);
                case "size" -> size = number(p, v);
                case "md5" -> md5 = text(p, v);
                case "sha1" -> sha1 = text(p, v);
                case "sha256" -> sha256 = text(p, v);
                case "mimetype" -> mimetype = text(p, v);
                case "state" -> state = text(p, v);
                case "gaps" -> gaps = bool(v);
                case "missingBytes" -> missingBytes = number(p, v);
                case "stored" -> stored = bool(v);
                case "storedSha256" -> storedSha256 = text(p, v);
                case "storeCutoff" -> storeCutoff = bool(v);
                case "truncatedReason" -> truncatedReason = text(p, v);
                case "contentEncodings" -> contentEncodings = strings(p, v);
                case "rangeStart" -> rangeStart = number(p, v);
                case "rangeEnd" -> rangeEnd = number(p, v);
                case "rangeTotal" -> rangeTotal = number(p, v);
                case "assembled" -> assembled = bool(v);
                case "formField" -> formField = text(p, v);
                case "spoolLimit" -> spoolLimit = bool(v);
                case "fileId" -> fileId = number(p, v);
                case "reading" -> reading = text(p, v);
                default -> p.skipChildren();
            }
        }
        return new FileInfo(filename, size, md5, sha1, sha256, mimetype, state, gaps, missingBytes, stored, storedSha256, storeCutoff,
                truncatedReason, contentEncodings, rangeStart, rangeEnd, rangeTotal, assembled, formField, spoolLimit, fileId,
                reading);
    }

    private static FileVerdict verdict(JsonParser p, JsonToken t) throws IOException {
        expectObject(t);
        String engine = null;
        String engineVersion = null;
        String databaseVersion = null;
        String result = null;
        List<String> signatures = List.of();
        long scanTimeMillis = 0;
        String reason = null;
        boolean interim = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "engine" -> engine = text(p, v);
                case "engineVersion" -> engineVersion = text(p, v);
                case "databaseVersion" -> databaseVersion = text(p, v);
                case "result" -> result = text(p, v);
                case "signatures" -> signatures = strings(p, v);
                case "scanTimeMillis" -> scanTimeMillis = number(p, v);
                case "reason" -> reason = text(p, v);
                case "interim" -> interim = bool(v);
                default -> p.skipChildren();
            }
        }
        return new FileVerdict(engine, engineVersion, databaseVersion, result, signatures, scanTimeMillis, reason, interim);
    }

    private static void expectObject(JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw new IOException("object expected, got " + t);
        }
    }

    /** Tells whether the root object ended properly with nothing after it. */
    private static boolean end(JsonParser p) throws IOException {
        return p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null;
    }

    private static String text(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new IOException("string expected, got " + t);
        }
        return p.getText();
    }

    private static long number(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new IOException("integer expected, got " + t);
        }
        return p.getLongValue();
    }

    private static int integer(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new IOException("integer expected, got " + t);
        }
        return p.getIntValue();
    }

    private static boolean bool(JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE, VALUE_NULL -> false;
            default -> throw new IOException("boolean expected, got " + t);
        };
    }

    private static List<String> strings(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (t != JsonToken.START_ARRAY) {
            throw new IOException("array expected, got " + t);
        }
        List<String> out = new ArrayList<>();
        JsonToken v;
        while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
            String s = text(p, v);
            if (s != null) {
                out.add(s);
            }
        }
        return List.copyOf(out);
    }

    private static int[] ints(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw new IOException("array expected, got " + t);
        }
        int[] out = new int[4];
        int n = 0;
        JsonToken v;
        while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, n * 2);
            }
            out[n++] = integer(p, v);
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
