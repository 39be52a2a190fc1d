package io.spanwatch.analyzer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.spanwatch.analyzer.feed.FeedSpec;
import io.spanwatch.analyzer.feed.ReportMail;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mails a written report through an smtp:// feed to a real SMTP server in the test (GreenMail, loopback). */
class ReportMailTest {
    @Test
    void theReportGoesOutWithItsDocumentsAttached(@TempDir Path tmp) throws Exception {
        Figures f = Reports.figures(TallyTest.memory(TallyTest.events()), TallyTest.WEEK, TallyTest.CONFIG, TallyTest.NOW);
        Reports.Written w = Reports.write(tmp.resolve("reports"), f);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        GreenMail server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        server.start();
        try {
            ReportMail mail = ReportMail.of(List.of(FeedSpec.parse("smtp://127.0.0.1:" + port
                    + "?to=ciso@example.org&from=ids@example.org&starttls=no"), FeedSpec.parse("syslog+udp://127.0.0.1:514")), "s1", 10_000);
            assertTrue(mail.configured());
            mail.send(Reports.subject(f), Reports.summaryText(f), w.files());
            assertTrue(server.waitForIncomingEmail(30_000, 1));
            MimeMessage m = server.getReceivedMessages()[0];
            assertEquals("[SpanWatch] Weekly threat report, 2024-W11: 2 infected hosts, 1 incident", m.getSubject());
            Multipart parts = (Multipart) m.getContent();
            String text = (String) parts.getBodyPart(0).getContent();
            assertTrue(text.contains("Isolate 10.0.0.5 now"), text);
            List<String> names = new ArrayList<>();
            for (int i = 1; i < parts.getCount(); i++) {
                assertEquals(Part.ATTACHMENT, parts.getBodyPart(i).getDisposition());
                names.add(parts.getBodyPart(i).getFileName());
            }
            assertEquals(List.of("2024-W11.html", "2024-W11.pdf", "2024-W11.json"), names);
        } finally {
            server.stop();
        }
        ReportMail down = ReportMail.of(List.of(FeedSpec.parse("smtp://127.0.0.1:" + port + "?to=ciso@example.org&starttls=no")), "s1", 2000);
        IOException e = assertThrows(IOException.class, () -> down.send("s", "t", w.files()), "a server that is down");
        assertTrue(e.getMessage().startsWith("report not mailed by smtp://127.0.0.1:" + port), e.getMessage());
        assertTrue(!ReportMail.of(List.of(), "s1", 1000).configured());
    }
}
