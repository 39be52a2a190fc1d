package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mails incidents to a real SMTP server in the test (GreenMail, from Maven Central): one message per
 * incident, one digest when several wait at once, hostile text kept out of the headers, and a mail
 * server that is down for a while gets every incident once.
 */
class SmtpFeedTest {
    @TempDir
    Path tmp;

    private static GreenMail server(int port) {
        GreenMail g = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        g.start();
        return g;
    }

    private static Set<String> ids(MimeMessage[] msgs) throws Exception {
        Set<String> ids = new HashSet<>();
        for (MimeMessage m : msgs) {
            ids.addAll(Arrays.asList(m.getHeader("X-SpanWatch-Event-Id")));
        }
        return ids;
    }

    @Test
    void oneMessagePerIncidentAndADigestWhenManyWait() throws Exception {
        int port = Rsyslog.freePort();
        GreenMail mail = server(port);
        try {
            String uri = "smtp://127.0.0.1:" + port + "?to=soc@example.org&from=ids@example.org&window-s=0&starttls=no";
            try (FeedStage f = Feeds.open(FeedSpec.parse(uri), tmp.resolve("a"), FeedConfig.DEFAULTS.withDrainMillis(300_000), "mail-sensor", false, null).start()) {
                f.onEvent(FeedEvents.malware(1, true)); // alerts do not go to e-mail by default
                f.onEvent(FeedEvents.incident(1));
                f.drain();
            }
            MimeMessage[] one = mail.getReceivedMessages();
            assertEquals(1, one.length);
            assertEquals("[SpanWatch] Incident on 10.1.0.2: download-then-callback (severity 1)", one[0].getSubject());
            String body = (String) one[0].getContent();
            assertTrue(body.contains(FeedEvents.incident(1).summary()), body);
            assertTrue(body.contains("callback evil.example") || body.contains("called: evil.example"), body);
            assertTrue(one[0].getContentType().startsWith("text/plain"), one[0].getContentType());
            assertEquals("soc@example.org", one[0].getAllRecipients()[0].toString());

            // Five incidents waiting when the mailer wakes up make one digest.
            try (FeedStage f = Feeds.open(FeedSpec.parse(uri), tmp.resolve("b"), FeedConfig.DEFAULTS.withDrainMillis(300_000), "mail-sensor", false, null)) {
                for (int i = 10; i < 15; i++) {
                    f.onEvent(FeedEvents.incident(i));
                }
                f.start();
                f.drain();
            }
            MimeMessage[] all = mail.getReceivedMessages();
            assertEquals(2, all.length);
            assertEquals("[SpanWatch] 5 incidents on mail-sensor", all[1].getSubject());
            assertEquals(5, all[1].getHeader("X-SpanWatch-Event-Id").length);
        } finally {
            mail.stop();
        }
    }

    @Test
    void hostileTextStaysInTheBodyAndADownServerLosesNothing() throws Exception {
        int port = Rsyslog.freePort();
        String uri = "smtp://127.0.0.1:" + port + "?to=soc@example.org&events=alert,incident&window-s=0&digest-min=100";
        FeedConfig cfg = FeedConfig.DEFAULTS.withRetryMillis(100, 500).withDrainMillis(60_000);
        GreenMail mail = null;
        try (FeedStage f = Feeds.open(FeedSpec.parse(uri), tmp.resolve("c"), cfg, "mail-sensor", false, null).start()) {
            for (int i = 0; i < 3; i++) {
                f.onEvent(FeedEvents.malware(i, true));
            }
            for (int i = 0; i < 300 && f.lastError() == null; i++) {
                Thread.sleep(50);
            }
            assertTrue(f.lastError() != null, "no server: deliveries fail");
            mail = server(port);
            f.onEvent(FeedEvents.incident(7));
            f.drain();
            assertEquals(0, f.pending(), f.lastError());
        }
        try {
            MimeMessage[] got = mail.getReceivedMessages();
            assertEquals(4, got.length);
            assertEquals(4, ids(got).size());
            for (int i = 0; i < 3; i++) {
                String subject = got[i].getSubject();
                assertFalse(subject.contains("\n") || subject.contains("\r"), subject);
                assertTrue(subject.contains("CEF:0|forged|header"), subject); // kept, as text, in the one header line
                assertEquals(null, got[i].getHeader("CEF"));
            }
        } finally {
            mail.stop();
        }
    }
}
