package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.spanwatch.analyzer.events.HomeNet;
import io.spanwatch.analyzer.metrics.Metrics;
import io.spanwatch.analyzer.report.ReportConfig;
import io.spanwatch.analyzer.report.Reports;
import io.spanwatch.analyzer.web.ConsoleConfig;
import io.spanwatch.analyzer.web.ConsoleFixture;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.AnomalyEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveReader;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EveText;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import io.spanwatch.sensor.event.JsonEscapes;
import io.spanwatch.sensor.event.TlsEvent;
import io.spanwatch.sensor.event.TlsInfo;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

/**
 * Every destination of an event, with hostile text in every field traffic sets. The same typed events
 * (a flow, an http transaction, a TLS handshake, a file with its verdict, an anomaly, a malware, a
 * reputation and a beacon alert, an incident) carry one payload each in the host, URL, user agent,
 * referer, content types, method, file name, MIME type, signature, SNI, certificate names, ALPN,
 * indicator, feed, threat, beacon host, incident summary and parts; the payloads are a fixed list of
 * known attacks (markup, CEF and syslog specials, CR/LF, terminal escapes, bidi overrides, zero-width
 * characters, lone surrogates, raw bytes, 70,000 characters) and random strings of the characters
 * renderers care about, from a seed printed for replay ({@code -Dtests.seed=N}).
 *
 * <p>Each output is checked for what its destination needs: EVE and ECS JSON parse strictly, are
 * valid UTF-8 on one line and read back into the same event; CEF over syslog parses into the fields
 * the events hold, within 8,000 bytes, and over TCP is exactly one octet-counted frame per event; a
 * mail has only its own headers and a subject without line breaks; the console's pages have only the
 * console's elements, attributes and links and its API gives back the event; the report's HTML is
 * XHTML with only the report's elements, its JSON parses, its PDF shows the text literally; the
 * Prometheus exposition parses and no traffic reaches a label.
 */
class HostileRenderingTest {
    static final String SENSOR = "test-sensor";
    static final long T0 = 1_763_705_621_000_000_000L;
    static final long SEED = Long.getLong("tests.seed", System.nanoTime());
    /** Marks a payload's place in an event so a test can tell which field a rendering shows. */
    static final List<String> FIXED = List.of(
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(2)>'",
            "javascript:alert(3)//",
            "a|b\\c=d e\\|f==g\\",
            "x\r\nX-Injected: 1\r\n\r\n<html>",
            "line\nSensor: forged-sensor\nSubject: forged",
            "]\"\\ [sd@1 a=\"b\"] ",
            "\u001B[31mred\u001B[0m\u0007\u001B]0;title\u0007\u009B2J",
            "invoice\u202Egpj.exe",
            "pay\u200Bpal\u200C.exa\u200Dmple\u2060\uFEFF\u00AD",
            "pay\u034Fpal\u3164.exa\uFE0Fmple\u115F\u17B4\u180B\uFFA0\uDB40\uDD00",
            "ascii\uDB40\uDC41\uDB40\uDC42 smuggled by tag characters\uDB40\uDC7F",
            "nel\u0085ls\u2028ps\u2029vt\u000Bff\u000C",
            "lone\uD800high and \uDC00low \uDBFF",
            "(paren) \\back\\slash) ( %PDF-1.7 endstream",
            "\u4E2D\u6587 \u0627\u0644\u0639\u0631\u0628\u064A\u0629 \uD83D\uDE00 \u00E9\u00DF",
            "nul\u0000byte\u007Fdel",
            "%0d%0a%00%3Cscript%3E%2e%2e%2f",
            "</script><script>alert(4)</script><!--",
            "{{7*7}}${jndi:ldap://x}<%= 1 %>",
            "../../../../etc/passwd",
            "login.bank.example@evil.example/#?x",
            "style=\"background:url(javascript:alert(5))\" <style>*{}</style>",
            "<svg><foreignObject><a xlink:href=\"javascript:alert(6)\">x</a></foreignObject></svg>",
            "A".repeat(70_000));

    static List<String> payloads;
    static List<EveEvent> events;
    /** Events whose text EVE cannot tell from escaped bytes (see EveText), left out of the round trip. */
    static java.util.Set<EveEvent> ambiguous;

    @BeforeAll
    static void makeEvents() {
        System.out.println("HostileRenderingTest seed " + SEED + " (replay with -Dtests.seed=" + SEED + ")");
        payloads = new ArrayList<>(FIXED);
        Random r = new Random(SEED);
        for (int i = 0; i < 25; i++) {
            payloads.add(random(r));
        }
        events = new ArrayList<>();
        ambiguous = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int i = 0; i < payloads.size(); i++) {
            List<EveEvent> made = events(i, payloads.get(i));
            events.addAll(made);
            if (payloads.get(i).chars().allMatch(c -> c < 0x80) && payloads.get(i).matches("(?s).*\\\\x[89a-fA-F][0-9a-fA-F].*")) {
                ambiguous.addAll(made); // EVE's one ambiguity (EveText): an ASCII literal "\\xNN" reads back as the byte
            }
        }
    }

    /** Characters renderers treat specially, and some they do not. */
    private static final String SPECIAL = "<>&\"'`|\\=;:/@?#%()[]{} \t\r\n\u0000\u0007\u001B\u007F\u0085\u009B\u00A0\u00AD\u00FF"
            + "\u061C\u200B\u200D\u200E\u202A\u202E\u2028\u2029\u2066\u2069\uFEFF\uFFFD\uFFFE\uFFFFeE";

    static String random(Random r) {
        int len = r.nextInt(10) == 0 ? 2000 + r.nextInt(9000) : 1 + r.nextInt(120);
        StringBuilder sb = new StringBuilder(len);
        while (sb.length() < len) {
            switch (r.nextInt(6)) {
                case 0, 1 -> sb.append(SPECIAL.charAt(r.nextInt(SPECIAL.length())));
                case 2 -> sb.append((char) ('a' + r.nextInt(26)));
                case 3 -> sb.append((char) r.nextInt(0x10000)); // any BMP unit, lone surrogates included
                case 4 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
                default -> sb.append(FIXED.get(r.nextInt(FIXED.size() - 1)), 0, 3);
            }
        }
        return sb.toString();
    }

    /** The payload as the bytes of an HTTP header (its UTF-8, one char a byte), as the sensor keeps header values. */
    static String wire(String p) {
        return new String(p.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    static EventHeader header(int i) {
        return new EventHeader(10_000L + i, new int[0], "10.1.0." + (i % 200 + 1), 40_000 + i, "203.0.113." + (i % 50 + 1), 80, "TCP",
                true, 4, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "http", "capture.pcap");
    }

    static String sha(int i) {
        return String.format("%064x", 0xABC000 + i);
    }

    /** One event of each kind, every traffic-set string field holding {@code p}. */
    static List<EveEvent> events(int i, String p) {
        long t = T0 + i * 60_000_000_000L;
        EventHeader h = header(i);
        String w = wire(p);
        HttpInfo http = new HttpInfo(i, w, -1, "/" + w, w, w, i % 2 == 0 ? "GET" : w, w, "HTTP/1.1", 200, 68, 0, w);
        FileInfo fi = new FileInfo(p, 68, String.format("%032x", i), String.format("%040x", i), sha(i), p, "CLOSED", false, 0, true,
                sha(i), false, null, List.of(), -1, -1, -1, false, p);
        FileEvent file = new FileEvent(t + 2, h, http, false, fi, null);
        FileVerdict verdict = new FileVerdict("clamd", "1.4.3", "27500", "infected", List.of(p), 12, null, false);
        List<EveEvent> out = new ArrayList<>();
        out.add(new FlowEvent(h, t, t + 5, 3, 4, 300, 400, "closed", "timeout", false, true, null, null));
        out.add(new HttpEvent(t + 1, h, http));
        out.add(new FileInfoEvent(file, verdict, false));
        out.add(new TlsEvent(t + 3, h, new TlsInfo(w, "TLS 1.2", TlsInfo.Fingerprint.of("771,4865,0-10,29,0"), null, p, List.of(w),
                List.of(), new TlsInfo.Certificate(p, p, "01", "aa:bb", "2026-01-01T00:00:00", "2027-01-01T00:00:00"))));
        out.add(new AnomalyEvent(t + 4, h, "applayer", p));
        out.add(new AlertEvent(t + 5, h, true, "to_client", AlertEvent.Signature.of(2_100_000 + i, "ClamAV " + p, AlertEvent.MALWARE, 1),
                http, file, verdict, null, null, null));
        out.add(new AlertEvent(t + 6, h, false, "to_server", AlertEvent.Signature.of(3_000_000 + i, "Reputation: " + p,
                AlertEvent.REPUTATION, 2), http, null, null, new AlertEvent.Reputation(p, "domain", p, "http.hostname", p), null, null));
        out.add(new AlertEvent(t + 7, header(i), false, "to_server", AlertEvent.Signature.of(4_000_000 + i, "SpanWatch beacon to " + p,
                AlertEvent.BEACON, 2), null, null, null, null, new AlertEvent.Beacon(p, "203.0.113.9", 443, 0.93, 120, 60.0, t, t + 7,
                Map.of("regularity", 0.9)), null));
        out.add(new IncidentEvent(t + 8, h.clientIp(), "download-then-callback", t, t + 8, 1, "Host " + h.clientIp() + " downloaded " + p,
                List.of(new IncidentEvent.Part("ClamAV " + p, AlertEvent.MALWARE, t + 5, h.flowId(), sha(i), "http://" + p, null),
                        new IncidentEvent.Part("SpanWatch beacon to " + p, AlertEvent.BEACON, t + 7, 0, null, null, p))));
        return out;
    }

    // ---------------------------------------------------------------- checks shared by destinations

    /** Decodes {@code b} as UTF-8, failing on any malformed or encoded-surrogate sequence. */
    static String strictUtf8(byte[] b, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            fail(what + ": not well-formed UTF-8: " + e);
            return null;
        }
    }

    /** Fails when {@code s} holds a character that acts on a line or a screen rather than showing. */
    static void noActingCharacter(String s, String what, boolean lineFeedsToo) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lf = c == '\n' || c == '\t';
            if (lf && !lineFeedsToo) {
                continue;
            }
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || JsonEscapes.isBidiControl(c)) {
                fail(what + ": raw U+" + String.format("%04X", (int) c) + " at " + i + ": " + excerpt(s, i));
            }
        }
    }

    /**
     * Default_Ignorable_Code_Point of Unicode 16 (DerivedCoreProperties.txt) outside category Cf: drawn as
     * nothing by renderers (the review found {@code pay\u034Fpal.example} shown as {@code paypal.example}).
     */
    static boolean defaultIgnorable(int cp) {
        return cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5 || cp == 0x3164 || cp == 0xFFA0
                || cp >= 0x180B && cp <= 0x180F || cp >= 0xFE00 && cp <= 0xFE0F || cp >= 0xFFF0 && cp <= 0xFFF8
                || cp >= 0xE0000 && cp <= 0xE0FFF;
    }

    /** Fails when {@code s}, shown to a person, holds a character that shows as nothing or changes the text around it. */
    static void noHiddenCharacter(String s, String what) {
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int cp = s.codePointAt(i);
            if (Character.getType(cp) == Character.FORMAT || cp == 0x2028 || cp == 0x2029 || defaultIgnorable(cp)) {
                fail(what + ": raw U+" + String.format("%04X", cp) + " at " + i + ": " + excerpt(s, i));
            }
        }
    }

    static String excerpt(String s, int at) {
        int from = Math.max(0, at - 60);
        return s.substring(from, Math.min(s.length(), at + 60)).replaceAll("\\p{Cntrl}", "?");
    }

    static final ObjectMapper STRICT = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    static JsonNode json(byte[] b, String what) throws Exception {
        return json(b, what, true);
    }

    /** Parses JSON strictly; {@code oneLine}: it must not hold a raw line feed or tab either. */
    static JsonNode json(byte[] b, String what, boolean oneLine) throws Exception {
        String text = strictUtf8(b, what);
        noActingCharacter(text, what, oneLine);
        return STRICT.readTree(b);
    }

    // ---------------------------------------------------------------- EVE, webhook, Kafka, ECS

    @Test
    void eveJsonIsOneStrictLineThatReadsBackToTheSameEvent() throws Exception {
        EveJson feedJson = new EveJson(SENSOR, false);
        for (EveEvent e : events) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (EveWriter w = new EveWriter(out, SENSOR, false)) {
                w.accept(e);
            }
            byte[] line = out.toByteArray();
            assertEquals('\n', line[line.length - 1]);
            byte[] body = java.util.Arrays.copyOf(line, line.length - 1);
            json(body, "eve.json line of " + e.eventType());
            EveReader.Read back = EveReader.read(new String(body, StandardCharsets.UTF_8));
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            try (EveWriter w = new EveWriter(again, SENSOR, false)) {
                w.accept(back.event());
            }
            if (!ambiguous.contains(e)) {
                assertEquals(new String(line, StandardCharsets.UTF_8), again.toString(StandardCharsets.UTF_8), "round trip of " + e.eventType());
            }
            // the webhook's and Kafka's body: the same line, cut to the payload bound
            byte[] feed = feedJson.render(e);
            assertTrue(feed.length <= EveJson.MAX_PAYLOAD_BYTES, "feed payload of " + feed.length + " bytes");
            json(feed, "feed payload of " + e.eventType());
        }
    }

    @Test
    void ecsIsStrictJsonAndItsUrlHasTheTransactionsHost() throws Exception {
        EcsRenderer ecs = new EcsRenderer(SENSOR);
        int n = 0;
        for (EveEvent e : events) {
            byte[] b = ecs.render(e, "0".repeat(32));
            if (b == null) {
                continue;
            }
            n++;
            JsonNode doc = json(b, "ECS of " + e.eventType());
            String full = doc.path("url").path("full").asText(null);
            if (full != null && e instanceof AlertEvent a && a.http() != null) {
                java.net.URI u = lenientUri(full);
                if (u != null && u.getRawAuthority() != null) {
                    assertFalse(u.getRawAuthority().contains("@"), "a Host cannot put another host in url.full: " + full);
                }
            }
        }
        assertTrue(n > 0);
    }

    private static java.net.URI lenientUri(String s) {
        try {
            return new java.net.URI(s);
        } catch (java.net.URISyntaxException e) {
            return null; // a target with spaces or controls is no URI to anyone
        }
    }

    // ---------------------------------------------------------------- CEF over syslog

    /**
     * A value as a CEF reader gets it back: text-direction characters as the text {@code \\uXXXX},
     * other controls as spaces, but CR and LF in an extension value ({@code header}: none anywhere).
     */
    static String cefText(String v, boolean header) {
        StringBuilder sb = new StringBuilder();
        for (char c : v.toCharArray()) {
            if (JsonEscapes.isBidiControl(c)) {
                sb.append(String.format("\\u%04X", (int) c));
            } else {
                sb.append(!header && (c == '\n' || c == '\r') || !FeedFields.isControl(c) ? c : ' ');
            }
        }
        return sb.toString();
    }

    /** Lone surrogates go out as {@code ?} in UTF-8 (String.getBytes); a value read back has them so. */
    static String sent(String v) {
        return new String(v.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    /** Asserts {@code got} is {@code full} as CEF shows it, cut to one of the lengths a message may use. */
    static void cefValue(String what, String full, String got, int... maxes) {
        assertNotNull(got, what + " missing");
        for (int max : maxes) {
            if (got.equals(sent(cefText(CefRenderer.cut(full, max), false)))) {
                return;
            }
        }
        fail(what + ": " + excerpt(got, 0) + " is not the value " + excerpt(full, 0));
    }

    private static final Pattern SYSLOG = Pattern.compile("<(\\d+)>1 (\\S+) (\\S+) spanwatch - (alert|incident) - CEF:0\\|.*", Pattern.DOTALL);

    @Test
    void cefOverSyslogParsesIntoTheEventsFieldsAndIsOneFrameEach() throws Exception {
        CefRenderer cef = new CefRenderer(SENSOR, 21);
        List<OutboxRecord> records = new ArrayList<>();
        for (EveEvent e : events) {
            byte[] msg = cef.syslog(e, "0".repeat(32));
            if (msg == null) {
                continue;
            }
            records.add(new OutboxRecord(records.size(), e.tsNanos(), e.eventType(), "0".repeat(32), "", msg));
            assertTrue(msg.length <= CefRenderer.MAX_MESSAGE_BYTES, "syslog message of " + msg.length + " bytes");
            String text = strictUtf8(msg, "syslog message");
            noActingCharacter(text, "syslog message", true);
            Matcher m = SYSLOG.matcher(text);
            assertTrue(m.matches(), "RFC 5424 header: " + excerpt(text, 0));
            Cef parsed = Cef.parse(text);
            assertEquals(7, parsed.header().size());
            int[] maxes = {1023, 256, 64};
            switch (e) {
                case AlertEvent a -> {
                    String name = parsed.header().get(5);
                    boolean ok = false;
                    for (int max : maxes) {
                        ok |= name.equals(sent(cefText(CefRenderer.cut(a.alert().signature(), Math.min(512, max)), true)));
                    }
                    assertTrue(ok, "CEF name " + excerpt(name, 0));
                    if (a.http() != null) {
                        cefValue("dhost", a.http().hostnameText(), parsed.ext().get("dhost"), maxes);
                        cefValue("requestClientApplication", a.http().userAgentText(), parsed.ext().get("requestClientApplication"), maxes);
                    }
                    if (a.file() != null) {
                        cefValue("fname", a.file().info().filename(), parsed.ext().get("fname"), maxes);
                        cefValue("fileType", a.file().info().mimetype(), parsed.ext().get("fileType"), maxes);
                    }
                    if (a.reputation() != null) {
                        cefValue("cs1", a.reputation().indicator(), parsed.ext().get("cs1"), 4000, 256, 64);
                        cefValue("cs3", a.reputation().feed(), parsed.ext().get("cs3"), maxes);
                    }
                    if (a.beacon() != null) {
                        cefValue("dhost", a.beacon().host(), parsed.ext().get("dhost"), maxes);
                    }
                    assertEquals(SENSOR, parsed.ext().get("dvchost"));
                }
                case IncidentEvent i -> {
                    cefValue("msg", i.summary(), parsed.ext().get("msg"), maxes);
                    assertEquals(i.host(), parsed.ext().get("src"));
                    assertEquals(SENSOR, parsed.ext().get("dvchost"));
                }
                default -> fail("CEF of " + e.eventType());
            }
        }
        // Over TCP: RFC 6587 octet counting, one frame per record, each the message as rendered.
        List<byte[]> frames = tcpFrames(records);
        assertEquals(records.size(), frames.size(), "one frame per event");
        for (int i = 0; i < frames.size(); i++) {
            assertTrue(java.util.Arrays.equals(records.get(i).payload(), frames.get(i)), "frame " + i);
        }
    }

    /** Delivers {@code records} with the TCP syslog transport to a socket here and splits what came as RFC 6587 frames. */
    private static List<byte[]> tcpFrames(List<OutboxRecord> records) throws Exception {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    byte[] all = s.getInputStream().readAllBytes(); // until the sender's half-close
                    return all;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            FeedSpec spec = FeedSpec.parse("syslog+tcp://127.0.0.1:" + server.getLocalPort());
            new SyslogTransport(spec, new CefRenderer(SENSOR, 21), 30_000, null).deliver(records);
            byte[] all = got.get();
            List<byte[]> frames = new ArrayList<>();
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
            while (true) {
                int len = 0;
                int c = in.read();
                if (c < 0) {
                    break;
                }
                while (c != ' ') {
                    assertTrue(c >= '0' && c <= '9', "octet count digit, got " + c);
                    len = len * 10 + (c - '0');
                    c = in.read();
                }
                byte[] frame = new byte[len];
                in.readFully(frame);
                frames.add(frame);
            }
            return frames;
        }
    }

    // ---------------------------------------------------------------- e-mail

    private static final Set<String> MAIL_HEADERS = Set.of("date", "from", "to", "message-id", "subject", "mime-version", "content-type",
            "content-transfer-encoding", "x-spanwatch-event-id", "received", "return-path");

    @Test
    void mailsCarryOnlyTheirOwnHeadersAndOneLinePerValue(@TempDir Path tmp) throws Exception {
        MailRenderer renderer = new MailRenderer(SENSOR);
        List<OutboxRecord> records = new ArrayList<>();
        List<String> subjects = new ArrayList<>();
        for (EveEvent e : events) {
            String id = io.spanwatch.analyzer.events.EventIds.of(e, new EveRenderer(SENSOR, false));
            byte[] b = renderer.render(e, id);
            if (b == null) {
                continue;
            }
            String both = new String(b, StandardCharsets.UTF_8);
            String subject = both.substring(0, both.indexOf('\n'));
            String body = both.substring(both.indexOf('\n') + 1);
            noActingCharacter(subject, "subject", true);
            noActingCharacter(body, "mail body", false);
            noHiddenCharacter(both, "mail");
            long sensors = body.lines().filter(l -> l.startsWith("Sensor:")).count();
            assertEquals(1, sensors, "one Sensor line: " + excerpt(body, 0));
            subjects.add(subject);
            records.add(new OutboxRecord(records.size(), e.tsNanos(), e.eventType(), id, "", b));
        }
        int port = Rsyslog.freePort();
        GreenMail mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        try {
            FeedSpec spec = FeedSpec.parse("smtp://127.0.0.1:" + port + "?to=soc@example.org&from=ids@example.org&starttls=no&digest-min=10000");
            SmtpTransport t = Feeds.smtp(spec, SENSOR, 30_000);
            t.deliver(records);
            MimeMessage[] got = mail.getReceivedMessages();
            assertEquals(records.size(), got.length);
            Set<String> subjectsGot = new HashSet<>();
            for (MimeMessage m : got) {
                checkHeaders(m);
                subjectsGot.add(m.getSubject());
            }
            for (String s : subjects) {
                assertTrue(subjectsGot.contains(sent(s)), "subject arrives as rendered: " + excerpt(s, 0));
            }
            // the digest of them all too
            SmtpTransport digest = Feeds.smtp(FeedSpec.parse("smtp://127.0.0.1:" + port
                    + "?to=soc@example.org&from=ids@example.org&starttls=no&digest-min=2"), SENSOR, 30_000);
            digest.deliver(records.subList(0, Math.min(40, records.size())));
            MimeMessage[] all = mail.getReceivedMessages();
            checkHeaders(all[all.length - 1]);
        } finally {
            mail.stop();
        }
    }

    private static void checkHeaders(MimeMessage m) throws Exception {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        m.writeTo(raw);
        String text = raw.toString(StandardCharsets.ISO_8859_1);
        String head = text.substring(0, text.indexOf("\r\n\r\n") + 2);
        for (String line : head.split("\r\n")) {
            assertTrue(line.length() <= 998, "header line of " + line.length());
            for (char c : line.toCharArray()) {
                assertTrue(c >= 0x20 && c < 0x7F || c == '\t', "raw U+" + Integer.toHexString(c) + " in a header: " + line);
            }
            if (line.startsWith(" ") || line.startsWith("\t")) {
                continue; // a folded line
            }
            String name = line.substring(0, Math.max(0, line.indexOf(':'))).toLowerCase(Locale.ROOT);
            assertTrue(MAIL_HEADERS.contains(name), "header " + line);
        }
        String subject = m.getSubject();
        assertFalse(subject.contains("\r") || subject.contains("\n"), subject);
        assertTrue(m.getContentType().startsWith("text/plain"), m.getContentType());
    }

    // ---------------------------------------------------------------- console

    private static final Set<String> CONSOLE_TAGS = Set.of("html", "head", "meta", "title", "link", "script", "body", "header", "nav", "a",
            "form", "input", "button", "span", "main", "p", "h1", "h2", "h3", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
            "ul", "ol", "li", "div", "section", "b", "svg", "rect", "g", "text", "textarea", "select", "option", "label", "details",
            "summary", "small", "dl", "dt", "dd", "strong", "em", "br", "time", "abbr", "aside", "footer", "caption", "colgroup",
            "col", "kbd", "line", "path", "polyline", "tspan", "fieldset", "legend", "hr", "i", "mark", "figure", "figcaption");
    private static final Set<String> CONSOLE_ATTRIBUTES = Set.of("lang", "charset", "name", "content", "rel", "href", "src", "defer",
            "class", "method", "action", "type", "id", "placeholder", "value", "autocomplete", "spellcheck", "data-href", "title", "x", "y",
            "width", "height", "viewbox", "xmlns", "colspan", "rows", "cols", "for", "selected", "checked", "open", "datetime",
            "aria-label", "role", "rx", "transform", "d", "points", "x1", "x2", "y1", "y2", "text-anchor", "preserveaspectratio",
            "maxlength", "required", "autofocus", "disabled", "hidden", "download", "dy", "dx", "scope", "rowspan", "cx", "cy", "r",
            "aria-hidden", "tabindex", "min", "max", "step", "multiple", "size", "accept", "enctype", "readonly", "start", "reversed");

    /** Tokenises HTML as a browser's tokenizer does for the cases a page can hold, and checks every tag and attribute. */
    static void consoleHtmlIsInert(String html, String what) {
        noActingCharacter(html, what, false);
        noHiddenCharacter(html, what);
        int i = 0;
        while ((i = html.indexOf('<', i)) >= 0) {
            i++;
            if (html.startsWith("!--", i)) {
                i = html.indexOf("-->", i);
                continue;
            }
            if (html.startsWith("!doctype", i)) {
                continue;
            }
            boolean end = i < html.length() && html.charAt(i) == '/';
            int start = end ? i + 1 : i;
            int j = start;
            while (j < html.length() && (Character.isLetterOrDigit(html.charAt(j)) || html.charAt(j) == '-')) {
                j++;
            }
            if (j == start) {
                fail(what + ": '<' not escaped in text: " + excerpt(html, i));
            }
            String tag = html.substring(start, j).toLowerCase(Locale.ROOT);
            assertTrue(CONSOLE_TAGS.contains(tag), what + ": element <" + tag + "> " + excerpt(html, i));
            // attributes
            while (j < html.length() && html.charAt(j) != '>') {
                char c = html.charAt(j);
                if (Character.isWhitespace(c) || c == '/') {
                    j++;
                    continue;
                }
                int ns = j;
                while (j < html.length() && "= \t\n>/".indexOf(html.charAt(j)) < 0) {
                    j++;
                }
                String attr = html.substring(ns, j).toLowerCase(Locale.ROOT);
                assertTrue(CONSOLE_ATTRIBUTES.contains(attr), what + ": attribute " + attr + " on <" + tag + "> " + excerpt(html, ns));
                if (j < html.length() && html.charAt(j) == '=') {
                    char q = html.charAt(j + 1);
                    assertTrue(q == '"' || q == '\'', what + ": unquoted attribute " + attr);
                    int close = html.indexOf(q, j + 2);
                    String value = html.substring(j + 2, close);
                    if (attr.equals("href") || attr.equals("src") || attr.equals("action") || attr.equals("data-href")) {
                        assertTrue(value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")
                                || value.startsWith("?"), what + ": " + attr + "=" + value);
                    }
                    j = close + 1;
                }
            }
            i = j;
        }
    }

    @Test
    void consolePagesAndApiKeepEveryValueText(@TempDir Path tmp) throws Exception {
        ConsoleConfig cfg = new ConsoleConfig(4, 100_000, 4096, 1 << 20, 5, Duration.ofHours(1), Duration.ofSeconds(30));
        EveRenderer eve = new EveRenderer(io.spanwatch.analyzer.index.TestEvents.SENSOR, false);
        try (ConsoleFixture c = new ConsoleFixture(tmp, cfg, true, null, events)) {
            Map<String, JsonNode> byId = new HashMap<>();
            for (EveEvent e : events) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (EveWriter w = new EveWriter(out, io.spanwatch.analyzer.index.TestEvents.SENSOR, false)) {
                    w.accept(e);
                }
                byte[] line = out.toByteArray();
                byte[] id = io.spanwatch.analyzer.index.EventIds.of(line, 0, line.length - 1); // without the line end
                byId.put(io.spanwatch.analyzer.index.EventIds.hex(id), STRICT.readTree(line));
            }
            for (Map.Entry<String, JsonNode> en : byId.entrySet()) {
                var api = c.get("/api/v1/events/" + en.getKey(), c.readToken);
                assertEquals(200, api.statusCode(), en.getValue().path("event_type").asText());
                JsonNode got = json(api.body().getBytes(StandardCharsets.UTF_8), "API answer");
                assertEquals(en.getValue(), got.path("event"), "the API gives the event back");
                var page = c.get("/events/" + en.getKey(), c.readToken);
                assertEquals(200, page.statusCode());
                consoleHtmlIsInert(page.body(), "/events/" + en.getValue().path("event_type").asText());
            }
            for (String path : List.of("/", "/?q=" + URLEncoder.encode("event_type:tls", StandardCharsets.UTF_8),
                    "/?q=" + URLEncoder.encode("event_type:fileinfo", StandardCharsets.UTF_8), "/alerts?state=all", "/hosts/10.1.0.1",
                    "/files/" + sha(0), "/files/" + sha(7))) {
                var page = c.get(path, c.readToken);
                assertEquals(200, page.statusCode(), path);
                consoleHtmlIsInert(page.body(), path);
            }
            for (String field : List.of("http.hostname", "alert.signature", "fileinfo.mimetype", "tls.sni", "fileinfo.filename")) {
                var facets = c.get("/api/v1/facets?size=100&q=*&field=" + field, c.readToken);
                assertEquals(200, facets.statusCode(), field);
                json(facets.body().getBytes(StandardCharsets.UTF_8), "facets of " + field);
            }
        }
    }

    // ---------------------------------------------------------------- weekly report

    @Test
    void reportDocumentsShowEveryValueAsText(@TempDir Path tmp) throws Exception {
        try (EveWriter w = EveWriter.open(tmp.resolve("eve.json"), SENSOR, false)) {
            events.forEach(w::accept);
        }
        ReportConfig config = ReportConfig.defaults(HomeNet.DEFAULTS);
        var source = Reports.source(tmp, config);
        var period = Reports.assessment(source, config);
        var figures = Reports.figures(source, period, config, Instant.ofEpochSecond(2_000_000_000L));
        Reports.Written written = Reports.write(tmp.resolve("reports"), figures);
        String html = Files.readString(written.html(), StandardCharsets.UTF_8);
        noActingCharacter(html, "report HTML", false);
        noHiddenCharacter(html, "report HTML");
        noActingCharacter(Reports.summaryText(figures), "report mail", false);
        noHiddenCharacter(Reports.summaryText(figures), "report mail");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Element root = f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        NodeList all = root.getElementsByTagNameNS("*", "*");
        Set<String> tags = Set.of("html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3", "p", "ul", "ol", "li", "table",
                "thead", "tbody", "tr", "th", "td", "span", "b", "br", "svg", "g", "rect", "text", "line", "path", "polyline", "circle",
                "tspan", "desc", "i", "small", "strong", "em", "code", "section");
        for (int i = 0; i < all.getLength(); i++) {
            String tag = all.item(i).getLocalName();
            assertTrue(tags.contains(tag), "report element <" + tag + ">");
            NamedNodeMap attrs = all.item(i).getAttributes();
            for (int k = 0; k < attrs.getLength(); k++) {
                String name = attrs.item(k).getNodeName().toLowerCase(Locale.ROOT);
                assertFalse(name.startsWith("on") || name.contains("href") || name.equals("src") || name.equals("style"),
                        "attribute " + name + " on " + tag);
            }
        }
        JsonNode json = json(Files.readAllBytes(written.json()), "report JSON", false);
        assertTrue(json.isObject());
        try (PDDocument pdf = Loader.loadPDF(written.pdf().toFile())) {
            String text = new PDFTextStripper().getText(pdf).replaceAll("\\s+", "");
            // Characters the shipped fonts cannot draw are shown as escapes (they were '#', so two names in Chinese looked alike).
            for (String literal : List.of("<script>alert(1)</script>", "(paren)\\back\\slash)(%PDF-1.7endstream", "invoice\\u202Egpj.exe",
                    "\\u4E2D\\u6587", "\\uD83D\\uDE00\u00E9\u00DF")) {
                assertTrue(text.contains(literal), "the PDF shows " + literal);
            }
        }
    }

    // ---------------------------------------------------------------- Prometheus

    private static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\[\\\\\"n]|[^\"\\\\\n])*\",?)*\\})? \\S+( -?\\d+)?");

    @Test
    void metricsTakeNoLabelFromTraffic() throws Exception {
        try (Metrics m = Metrics.start(new InetSocketAddress("127.0.0.1", 0), SENSOR)) {
            var stage = m.stage();
            int before = series(m.scrape());
            events.forEach(stage::onEvent);
            String text = m.scrape();
            for (String line : text.split("\n")) {
                if (!line.startsWith("#") && !line.isEmpty()) {
                    assertTrue(SAMPLE.matcher(line).matches(), "exposition line: " + line);
                }
            }
            assertEquals(before, series(text), "no series from traffic");
            for (String line : text.split("\n")) {
                assertFalse(line.contains("alert(") || line.contains("forged") || line.contains("\u001B"), "no traffic in the exposition: " + line);
            }
        }
    }

    /** SpanWatch's own series (the JVM's come and go with collections and threads). */
    private static int series(String text) {
        return (int) text.lines().filter(l -> l.startsWith("spanwatch_")).count();
    }
}
