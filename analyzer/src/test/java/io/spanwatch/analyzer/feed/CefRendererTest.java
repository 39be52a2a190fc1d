package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.nio.charset.StandardCharsets;
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
}
