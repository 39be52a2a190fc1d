package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import io.spanwatch.sensor.event.JsonEscapes;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CefRendererTest {
    private static final Pattern SYSLOG = Pattern.compile(
            "<(\\d{1,3})>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z) (\\S+) spanwatch - (alert|incident) - (CEF:0\\|.*)");
    private final CefRenderer r = new CefRenderer("sensor one|=x", CefRenderer.facility("local5"));

    /** Controls other than CR and LF become spaces in extension values. */
    private static String ext(String s) {
        StringBuilder sb = new StringBuilder();
        s.chars().forEach(c -> sb.append(c < 0x20 && c != '\n' && c != '\r' ? ' ' : (char) c));
        return sb.toString();
    }

    @Test
    void hostileValuesSurviveEscapingAndParseBackWhole() {
        for (int i = 0; i < 3; i++) {
            AlertEvent a = FeedEvents.malware(i, true);
            String msg = new String(r.syslog(a, "0123456789abcdef0123456789abcdef"), StandardCharsets.UTF_8);
            assertFalse(msg.contains("\n") || msg.contains("\r"), "a raw line break: " + msg);
            Matcher m = SYSLOG.matcher(msg);
            assertTrue(m.matches(), msg);
            assertEquals(21 * 8 + 2, Integer.parseInt(m.group(1))); // local5, critical (severity 1)
            assertEquals("2025-11-21T06:13:41.53" + (2140 + i * 1000) + "Z", m.group(2));
            assertEquals("sensor_one|=x", m.group(3));
            Cef cef = Cef.parse(m.group(5));
            assertEquals("0", cef.header().get(0));
            assertEquals("SpanWatch", cef.header().get(1));
            assertEquals(Long.toString(2_100_000 + i), cef.header().get(4));
            assertEquals(FeedEvents.HOSTILE_SIG.replace('\n', ' '), cef.header().get(5));
            assertEquals("9", cef.header().get(6));
            assertEquals("http://downloads.example" + ext(FeedEvents.HOSTILE_URL + i), cef.ext().get("request"));
            assertEquals(FeedEvents.HOSTILE_UA, cef.ext().get("requestClientApplication"));
            assertEquals(ext(FeedEvents.HOSTILE_FILE), cef.ext().get("fname"));
            assertEquals("203.0.113." + (i + 1), cef.ext().get("src"));
            assertEquals("80", cef.ext().get("spt"));
            assertEquals("10.1.0." + (i + 1), cef.ext().get("dst"));
            assertEquals(Integer.toString(40000 + i), cef.ext().get("dpt"));
            assertEquals("TCP", cef.ext().get("proto"));
            assertEquals("malware", cef.ext().get("cat"));
            assertEquals(String.format("%064x", i), cef.ext().get("fileHash"));
            assertEquals("indicator", cef.ext().get("cs1Label"));
            assertEquals(String.format("%064x", i), cef.ext().get("cs1"));
            assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", cef.ext().get("cs4"));
            assertEquals(Long.toString(FeedEvents.T0 / 1_000_000 + i), cef.ext().get("rt"));
            assertEquals("0123456789abcdef0123456789abcdef", cef.ext().get("externalId"));
            assertEquals("sensor one|=x", cef.ext().get("dvchost"));
        }
    }

    @Test
    void headerBytesShowAsEveShowsThem() {
        // the typed event holds header bytes one char each: raw UTF-8 in the host, Latin-1 in the URL
        String host = new String("b\u00fccher.example".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        String ua = new String("Agent \u6587".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        HttpInfo http = new HttpInfo(1, host, -1, "/caf\u00e9.exe", ua, "application/octet-stream", "GET", null, "HTTP/1.1", 200, 68, 0,
                null);
        AlertEvent m = FeedEvents.malware(0, false);
        AlertEvent a = new AlertEvent(m.tsNanos(), m.header(), true, "to_client", m.alert(), http, m.file(), m.verdict(), null, null,
                null);
        Matcher line = SYSLOG.matcher(new String(r.syslog(a, "0123456789abcdef0123456789abcdef"), StandardCharsets.UTF_8));
        assertTrue(line.matches());
        Cef cef = Cef.parse(line.group(5));
        assertEquals("b\u00fccher.example", cef.ext().get("dhost"));
        assertEquals("http://b\u00fccher.example/caf\\xe9.exe", cef.ext().get("request"));
        assertEquals("Agent \u6587", cef.ext().get("requestClientApplication"));
    }

    @Test
    void reputationCarriesTheIndicatorAndIncidentsTheirStory() {
        AlertEvent a = FeedEvents.reputation(4);
        Cef cef = Cef.parse(new String(r.syslog(a, "x".repeat(32)), StandardCharsets.UTF_8));
        assertEquals("6", cef.header().get(6));
        assertEquals("http://evil.example:8080/gate.php|a=b", cef.ext().get("cs1"));
        assertEquals("url", cef.ext().get("cs2"));
        assertEquals("urlhaus.csv", cef.ext().get("cs3"));
        assertEquals("http://evil.example:8080/gate.php?id=4", cef.ext().get("request"));
        assertEquals("10.1.0.5", cef.ext().get("src")); // to_server: the client is the source
        IncidentEvent inc = FeedEvents.incident(2);
        String msg = new String(r.syslog(inc, "y".repeat(32)), StandardCharsets.UTF_8);
        assertTrue(msg.startsWith("<170>1 "), msg);
        Cef c = Cef.parse(msg);
        assertEquals("incident-download-then-callback", c.header().get(4));
        assertEquals(inc.summary(), c.header().get(5));
        assertEquals("10.1.0.3", c.ext().get("src"));
        assertEquals("2", c.ext().get("cnt"));
        assertTrue(c.ext().get("cs6").contains("callback evil.example"), c.ext().get("cs6"));
    }

    /**
     * Values ending in a character the CEF syntax uses ({@code |} ends the header too, {@code \} and
     * {@code =} are escaped, a space separates extensions) keep the next key apart and come back whole.
     */
    @Test
    void valuesEndingInCefSyntaxKeepTheNextKeyApart() {
        for (String end : List.of("|", "\\", "=", " ", "   ", "\\|", "|=", "| ")) {
            EventHeader h = FeedEvents.header(1);
            HttpInfo http = new HttpInfo(1, "host.example" + end, -1, "/c01/pipe-end" + end, "agent" + end, "text/html", "GET" + end, null,
                    "HTTP/1.1", 200, 68, 0, null);
            String sha = String.format("%064x", 1);
            FileInfo fi = new FileInfo("name" + end, 68, null, null, sha, "application/x-dosexec" + end, "CLOSED", false, 0, true, sha, false,
                    null, List.of(), -1, -1, -1, false, null);
            AlertEvent a = new AlertEvent(FeedEvents.T0, h, false, "to_server", AlertEvent.Signature.of(7, "sig" + end, AlertEvent.REPUTATION,
                    2), http, new FileEvent(FeedEvents.T0, h, http, false, fi, null), null, new AlertEvent.Reputation("evil.example" + end,
                    "domain" + end, "feed" + end, "http.hostname", "Emotet"), null, null);
            Cef cef = Cef.parse(new CefRenderer("sensor" + end, 21).alert(a, "e".repeat(32)));
            assertEquals("sig" + end, cef.header().get(5), end);
            Map<String, String> want = new LinkedHashMap<>();
            want.put("request", "http://host.example" + end + "/c01/pipe-end" + end);
            want.put("requestMethod", "GET" + end);
            want.put("requestClientApplication", "agent" + end);
            want.put("dhost", "host.example" + end);
            want.put("fname", "name" + end);
            want.put("fsize", "68");
            want.put("fileHash", sha);
            want.put("fileType", "application/x-dosexec" + end);
            want.put("cs1", "evil.example" + end);
            want.put("cs2", "domain" + end);
            want.put("cs3Label", "feed");
            want.put("cs3", "feed" + end);
            want.put("cs4Label", "communityId");
            want.put("dvchost", "sensor" + end);
            want.forEach((k, v) -> assertEquals(v, cef.ext().get(k), "[" + end + "] " + k));
        }
    }

    /** C1 controls (NEL among them) and U+2028, U+2029 become spaces in the header and in extension values. */
    @Test
    void c1ControlsAndUnicodeLineSeparatorsBecomeSpaces() {
        String breaks = "a\u0080b\u0085c\u009Fd\u2028e\u2029f\u007Fg";
        String spaces = "a b c d e f g";
        StringBuilder sb = new StringBuilder();
        CefRenderer.headerValue(sb, breaks);
        assertEquals(spaces, sb.toString());
        sb.setLength(0);
        CefRenderer.extensionValue(sb, breaks);
        assertEquals(spaces, sb.toString());
        sb.setLength(0);
        CefRenderer.extensionValue(sb, "\u00A0\u00e9\u4e2d"); // past C1: kept
        assertEquals("\u00A0\u00e9\u4e2d", sb.toString());

        EventHeader h = FeedEvents.header(1);
        HttpInfo http = new HttpInfo(1, "host" + breaks, -1, "/u" + breaks, "ua" + breaks, "text/html", "GET", null, "HTTP/1.1", 200, 68, 0,
                null);
        String sha = String.format("%064x", 1);
        FileInfo fi = new FileInfo("f" + breaks, 68, null, null, sha, "application/x-dosexec", "CLOSED", false, 0, true, sha, false, null,
                List.of(), -1, -1, -1, false, null);
        AlertEvent a = new AlertEvent(FeedEvents.T0, h, true, "to_client", AlertEvent.Signature.of(7, "sig" + breaks, AlertEvent.MALWARE, 1),
                http, new FileEvent(FeedEvents.T0, h, http, false, fi, null), null, null, null, null);
        String msg = new String(new CefRenderer("sensor" + breaks, 21).syslog(a, "e".repeat(32)), StandardCharsets.UTF_8);
        assertTrue(msg.chars().noneMatch(c -> c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x2029), msg);
        Cef cef = Cef.parse(msg);
        assertEquals("sig" + spaces, cef.header().get(5));
        assertEquals("http://host" + spaces + "/u" + spaces, cef.ext().get("request"));
        assertEquals("ua" + spaces, cef.ext().get("requestClientApplication"));
        assertEquals("host" + spaces, cef.ext().get("dhost"));
        assertEquals("f" + spaces, cef.ext().get("fname"));
        assertEquals("sensor" + spaces, cef.ext().get("dvchost"));
        assertTrue(msg.contains(" sensora_b_c_d_e_f_g spanwatch "), msg); // the syslog HOSTNAME stays printable ASCII
        IncidentEvent inc = new IncidentEvent(FeedEvents.T0, "10.1.0.1", "kind" + breaks, FeedEvents.T0, FeedEvents.T0, 1, "summary" + breaks,
                List.of(new IncidentEvent.Part("part" + breaks, "malware", FeedEvents.T0, 1, null, "http://x/" + breaks, null)));
        String im = new String(new CefRenderer("s", 21).syslog(inc, "e".repeat(32)), StandardCharsets.UTF_8);
        Cef ic = Cef.parse(im);
        assertEquals("incident-kind" + spaces, ic.header().get(4));
        assertEquals("summary" + spaces, ic.header().get(5));
        assertEquals("summary" + spaces, ic.ext().get("msg"));
        assertEquals("kind" + spaces, ic.ext().get("cs5"));
        assertEquals("part" + spaces + " url http://x/" + spaces, ic.ext().get("cs6"));
    }

    /** A text-direction override reaches the SIEM as the text "\\u202E", not as a character that reverses the line. */
    @Test
    void textDirectionCharactersAreShownNotObeyed() {
        String name = "invoice\u202Efdp.exe \u2066x\u2069\u200F\u061C";
        String shown = "invoice\\u202Efdp.exe \\u2066x\\u2069\\u200F\\u061C";
        AlertEvent a = FeedEvents.malware(1, false, "/dl/" + name, name);
        String msg = new String(new CefRenderer("s", 21).syslog(a, "e".repeat(32)), StandardCharsets.UTF_8);
        assertTrue(msg.chars().noneMatch(JsonEscapes::isBidiControl), msg);
        Cef cef = Cef.parse(msg);
        assertEquals(shown, cef.ext().get("fname"));
        assertTrue(cef.ext().get("request").endsWith("/dl/" + shown.replace(" ", "%20")) || cef.ext().get("request").endsWith("/dl/" + shown),
                cef.ext().get("request"));
        StringBuilder sb = new StringBuilder();
        CefRenderer.headerValue(sb, "sig\u202Eexe");
        assertEquals("sig\\\\u202Eexe", sb.toString(), "escaped as CEF wants its backslash");
    }

    @Test
    void longValuesAreCutToCefLengthsWithoutSplittingACharacter() {
        String s = "a".repeat(1022) + "\uD83D\uDE00" + "b".repeat(10);
        assertEquals(1022, CefRenderer.cut(s, 1023).length());
        StringBuilder sb = new StringBuilder();
        CefRenderer.headerValue(sb, "a|b\\c\r\nd=e");
        assertEquals("a\\|b\\\\c  d=e", sb.toString());
        sb.setLength(0);
        CefRenderer.extensionValue(sb, "a|b\\c\r\nd=e\u0001");
        assertEquals("a|b\\\\c\\r\\nd\\=e ", sb.toString());
    }

    /**
     * Traffic sets the length of most values: three of 1,100 euro signs (3 bytes each) made a 12,948-byte
     * message that rsyslog's default 8 KiB cut, losing the hash and the sensor's name and, over TCP,
     * reading the rest as a new message (adversarial review). The whole message now fits 8,000 bytes,
     * with every field present.
     */
    @Test
    void aMessageTrafficMakesLongStillFitsAndKeepsEveryField() {
        String euros = "\u20ac".repeat(1100);
        AlertEvent a = FeedEvents.malware(1, true, "/" + euros, euros + ".exe");
        HttpInfo h = a.http();
        HttpInfo longUa = new HttpInfo(h.txId(), h.hostname(), h.port(), h.url(), euros, h.contentType(), h.method(), h.referer(), h.protocol(),
                h.status(), h.length(), h.requestBodyLength(), h.requestContentType(), h.limitHit());
        AlertEvent big = new AlertEvent(a.tsNanos(), a.header(), true, "to_client", a.alert(), longUa, a.file(), a.verdict(), null, null, null);
        CefRenderer r = new CefRenderer("sensor-1", 21);
        byte[] normal = r.syslog(FeedEvents.malware(2, false), "e".repeat(32));
        byte[] msg = r.syslog(big, "e".repeat(32));
        assertTrue(msg.length <= CefRenderer.MAX_MESSAGE_BYTES, msg.length + " bytes");
        String line = new String(msg, java.nio.charset.StandardCharsets.UTF_8);
        Cef cef = Cef.parse(line.substring(line.indexOf("CEF:")));
        for (String key : List.of("request", "requestClientApplication", "fname", "fileHash", "cs4", "dvchost")) {
            assertTrue(cef.ext().containsKey(key), key + " missing: " + cef.ext().keySet());
        }
        assertEquals("sensor-1", cef.ext().get("dvchost"));
        assertTrue(Cef.parse(new String(normal, java.nio.charset.StandardCharsets.UTF_8).substring(
                new String(normal, java.nio.charset.StandardCharsets.UTF_8).indexOf("CEF:"))).ext().get("request").length() < 1023);
    }
}
