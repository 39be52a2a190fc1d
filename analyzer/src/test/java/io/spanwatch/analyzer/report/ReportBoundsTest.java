package io.spanwatch.analyzer.report;

import static io.spanwatch.analyzer.report.Ev.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values from traffic of any length and any characters: events read back from an EVE file may be
 * anyone's ({@code spanwatch index} imports foreign ones). Every document keeps each value bounded,
 * and the mail's plain text shows terminal escapes, bidi overrides and line separators as escapes.
 */
class ReportBoundsTest {
    /** A callback host with a bidi override, ESC, C1 controls (NEL, CSI) and a line separator, 100,000 chars long. */
    static final String HOST = "c2\u202Egpj.exe\u001B[2J\u0085\u009B31m\u2028" + "x".repeat(100_000) + ".example";

    static List<EveEvent> huge() {
        long mon = t("2024-03-11T09:00:00.000000+0000");
        List<EveEvent> e = new ArrayList<>();
        EventHeader h = Ev.flow(1, "10.0.0.5", "203.0.113.7", 80);
        String big = "y".repeat(50_000);
        FileEvent f = Ev.file(mon, h, HOST, "/" + big, "name" + big, Ev.sha(1), false);
        e.add(Ev.malware(f, mon, "Win.Trojan." + big + "-1-0", false));
        e.add(Ev.beacon(mon + Ev.HOUR, "10.0.0.5", HOST, "203.0.113.66", 80, 0.97, 300, 60));
        e.add(Ev.reputation(mon + 2 * Ev.HOUR, h, "feed" + big + ".txt", HOST, "domain" + big, "threat" + big));
        List<IncidentEvent.Part> parts = new ArrayList<>(Collections.nCopies(500,
                new IncidentEvent.Part("SpanWatch beacon" + big, AlertEvent.BEACON, mon + Ev.HOUR, 0, null, null, HOST)));
        parts.add(0, new IncidentEvent.Part("ClamAV " + big, AlertEvent.MALWARE, mon, 1, Ev.sha(1), "/" + big, null));
        e.add(new IncidentEvent(mon + 3 * Ev.HOUR, "10.0.0.5", "download-then-callback" + big, mon, mon + Ev.HOUR, 1,
                "\u202E" + "z".repeat(300_000), parts));
        return e;
    }

    @Test
    void everyValueIsBoundedInEveryDocument(@TempDir Path tmp) throws Exception {
        // Was: a 100,000-char callback host and a 300,000-char summary went whole into the JSON, the HTML
        // (one <li> of 100,000 chars) and the mail; a 500-alert incident into the timeline.
        Figures f = Reports.figures(TallyTest.memory(huge()), TallyTest.WEEK, TallyTest.CONFIG, TallyTest.NOW);
        Reports.Written w = Reports.write(tmp.resolve("reports"), f);
        assertTrue(Files.size(w.json()) < 200_000, "json of " + Files.size(w.json()) + " bytes");
        longestJsonString(new ObjectMapper().readTree(w.json().toFile()), Texts.MAX_SUMMARY_CHARS);
        String html = Files.readString(w.html(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile(">([^<]*)<").matcher(html.substring(html.indexOf("</style>")));
        while (m.find()) {
            String text = m.group(1);
            assertTrue(text.length() <= 2 * Texts.MAX_SUMMARY_CHARS, () -> "HTML text of " + text.length() + " chars: "
                    + text.substring(0, 80));
        }
        assertTrue(html.length() < 400_000, "html of " + html.length() + " chars");
        assertEquals(Texts.MAX_INCIDENT_PARTS, f.incidents().get(0).incident().alerts().size());
        assertTrue(f.callbacks().get(0).host().endsWith("\u2026"), "cut with an ellipsis");
    }

    @Test
    void theMailShowsControlsAndBidiOverridesAsEscapes() throws Exception {
        // Was: the mail's plain text carried the host's ESC, NEL, CSI, U+2028 and U+202E as they were.
        Figures f = Reports.figures(TallyTest.memory(huge()), TallyTest.WEEK, TallyTest.CONFIG, TallyTest.NOW);
        String mail = Reports.summaryText(f);
        assertTrue(mail.contains("c2\\u202Egpj.exe\\u001B[2J\\u0085\\u009B31m\\u2028xxx"), mail.substring(0, Math.min(300, mail.length())));
        for (char c : mail.toCharArray()) {
            assertFalse(c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f || c >= 0x202a && c <= 0x202e || c == 0x2028 || c == 0x2029,
                    "raw U+" + Integer.toHexString(c) + " in the mail");
        }
        assertTrue(mail.length() < 20_000, "mail of " + mail.length() + " chars");
        assertEquals("a\\u001B[31mb \uD83D\uDE00 \\uD83D", Texts.plain("a\u001B[31mb \uD83D\uDE00 \uD83D"));
    }

    private static void longestJsonString(JsonNode n, int max) {
        if (n.isTextual()) {
            assertTrue(n.asText().length() <= max, "JSON string of " + n.asText().length() + " chars");
        }
        n.fieldNames().forEachRemaining(k -> assertTrue(k.length() <= max, "JSON key of " + k.length() + " chars"));
        for (JsonNode c : n) {
            longestJsonString(c, max);
        }
    }
}
