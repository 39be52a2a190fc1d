package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MailRendererTest {
    private static final String BREAKS = "a\r\nb\u0085c\u0080d\u009Fe\u2028f\u2029g\u007Fh\u0000i";

    @Test
    void theSubjectKeepsNoControlCharacterNorLineBreak() {
        assertEquals("a  b c d e f g h i", MailRenderer.subject(BREAKS));
    }

    @Test
    void theBodyKeepsLineFeedsAndTabsOnly() {
        assertEquals("a \nb c d e f g h i\tj", MailRenderer.body(BREAKS + "\tj"));
    }

    @Test
    void aRenderedIncidentHasTheSubjectOnItsOneLine() {
        IncidentEvent inc = new IncidentEvent(FeedEvents.T0, "10.1.0.1", "kind" + BREAKS, FeedEvents.T0, FeedEvents.T0, 1, "summary" + BREAKS,
                List.of(new IncidentEvent.Part("part" + BREAKS, "malware", FeedEvents.T0, 1, null, null, null)));
        String mail = new String(new MailRenderer("sensor\u2028x").render(inc, "e".repeat(32)), StandardCharsets.UTF_8);
        assertTrue(mail.chars().noneMatch(c -> c == '\r' || c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x2029 || c == 0), mail);
        assertEquals("[SpanWatch] Incident on 10.1.0.1: kinda  b c d e f g h i (severity 1)", mail.substring(0, mail.indexOf('\n')));
        assertTrue(mail.contains("Sensor:     sensor x\n"), mail);
    }

    /** A value from traffic is one line of the mail: its line feeds cannot forge a line of their own. */
    @Test
    void aValueFromTrafficCannotAddALine() {
        String forged = "evil.example\nSensor:     trusted-sensor\nSeverity:   3";
        IncidentEvent inc = new IncidentEvent(FeedEvents.T0, "10.1.0.1", "kind", FeedEvents.T0, FeedEvents.T0, 1, "summary " + forged,
                List.of(new IncidentEvent.Part("sig " + forged, "cat\nx", FeedEvents.T0, 1, "http://" + forged, null, forged)));
        String mail = new String(new MailRenderer("sensor").render(inc, "e".repeat(32)), StandardCharsets.UTF_8);
        assertTrue(mail.lines().noneMatch(l -> l.startsWith("Sensor:     trusted") || l.startsWith("Severity:   3")), mail);
        assertEquals(1, mail.lines().filter(l -> l.startsWith("Sensor:")).count(), mail);
    }

    /**
     * A file name that turns its text around ({@code invoice\u202Egpj.exe} reads as {@code invoiceexe.jpg})
     * is shown with the character visible, as the weekly report shows it, and a 60 KB URL does not
     * make a 60 KB mail (adversarial review).
     */
    @Test
    void textDirectionIsShownAndLongValuesAreCut() {
        AlertEvent a = FeedEvents.malware(1, true, "/" + "a".repeat(60_000), "invoice\u202Egpj.exe");
        String mail = new String(new MailRenderer("sensor").render(a, "e".repeat(32)), StandardCharsets.UTF_8);
        assertTrue(mail.contains("invoice\\u202Egpj.exe"), mail.substring(0, Math.min(mail.length(), 2000)));
        assertTrue(mail.indexOf('\u202E') < 0, "no raw override character");
        assertTrue(mail.length() < 20_000, mail.length() + " characters");
        assertTrue(java.util.regex.Pattern.compile("a\\.\\.\\. \\(600\\d\\d characters\\)").matcher(mail).find(), "says it was cut, and from what length");
    }
}
