package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EveEvent;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/**
 * Mails incidents to people over SMTP (Jakarta Mail, Angus Mail): one message per incident, or one
 * digest listing them all when {@code digest-min} (default 3) or more are waiting at once. The feed
 * lets incidents gather for {@code window-s} seconds (default 10) after the first before it sends.
 *
 * <p>Messages are {@code text/plain; charset=UTF-8} ({@link MailRenderer}); each names its event
 * ids in an {@code X-SpanWatch-Event-Id} header. STARTTLS is used when the server offers it
 * ({@code starttls=yes}, the default), demanded ({@code required}) or not tried ({@code no}); with
 * {@code user=} the password is read from {@code password-file=}. A message the server accepted
 * is delivered; one it refused for good (a 5xx answer to the recipients or the data) is skipped and
 * counted as rejected, anything else is sent again after the feed's backoff.
 */
final class SmtpTransport implements Transport {
    /** Incidents waiting at once that make one digest instead of one message each, by default. */
    static final int DEFAULT_DIGEST_MIN = 3;
    /** Seconds incidents may gather before a delivery, by default. */
    static final int DEFAULT_WINDOW_SECONDS = 10;

    private final FeedSpec spec;
    private final MailRenderer renderer;
    private final Session session;
    private final InternetAddress from;
    private final InternetAddress[] to;
    private final String user;
    private final String password;
    private final int digestMin;
    private final long windowMillis;
    private final String sensorName;

    SmtpTransport(FeedSpec spec, MailRenderer renderer, String sensorName, int timeoutMillis, String password) {
        this.spec = spec;
        this.renderer = renderer;
        this.sensorName = sensorName;
        Properties p = new Properties();
        p.put("mail.smtp.host", spec.host());
        p.put("mail.smtp.port", Integer.toString(spec.port()));
        p.put("mail.smtp.connectiontimeout", Integer.toString(timeoutMillis));
        p.put("mail.smtp.timeout", Integer.toString(timeoutMillis));
        p.put("mail.smtp.writetimeout", Integer.toString(timeoutMillis));
        String starttls = spec.choice("starttls", "yes", "yes", "no", "required");
        p.put("mail.smtp.starttls.enable", Boolean.toString(!starttls.equals("no")));
        p.put("mail.smtp.starttls.required", Boolean.toString(starttls.equals("required")));
        this.user = spec.param("user", null);
        this.password = password;
        p.put("mail.smtp.auth", Boolean.toString(user != null));
        this.session = Session.getInstance(p);
        try {
            this.from = new InternetAddress(spec.param("from", "spanwatch@" + CefRenderer.hostname(sensorName).replace("_", "-")), true);
            List<InternetAddress> list = new ArrayList<>();
            for (String a : spec.list("to")) {
                list.add(new InternetAddress(a, true));
            }
            this.to = list.toArray(new InternetAddress[0]);
        } catch (AddressException e) {
            throw new IllegalArgumentException("--feed " + spec.uri() + ": bad address: " + e.getMessage(), e);
        }
        this.digestMin = (int) spec.number("digest-min", DEFAULT_DIGEST_MIN, 2, 10_000);
        this.windowMillis = spec.number("window-s", DEFAULT_WINDOW_SECONDS, 0, 3600) * 1000;
    }

    @Override
    public byte[] render(EveEvent e, String eventId) {
        return renderer.render(e, eventId);
    }

    @Override
    public long gatherMillis() {
        return windowMillis;
    }

    @Override
    public void deliver(List<OutboxRecord> batch) throws DeliveryException {
        List<MimeMessage> messages = new ArrayList<>();
        List<Integer> covers = new ArrayList<>();
        try {
            if (batch.size() >= digestMin) {
                messages.add(digest(batch));
                covers.add(batch.size());
            } else {
                for (OutboxRecord r : batch) {
                    String[] sb = split(r);
                    messages.add(message(sb[0], sb[1], List.of(r)));
                    covers.add(1);
                }
            }
        } catch (MessagingException e) {
            throw new DeliveryException("mail: cannot build message: " + e.getMessage(), 0, true, e);
        }
        int done = 0;
        try (jakarta.mail.Transport t = session.getTransport("smtp")) {
            t.connect(spec.host(), spec.port(), user, password);
            for (int i = 0; i < messages.size(); i++) {
                MimeMessage m = messages.get(i);
                try {
                    t.sendMessage(m, m.getAllRecipients());
                } catch (jakarta.mail.SendFailedException e) {
                    // Refused for good (5xx) when no address was valid; a partial refusal still delivered it.
                    if (e.getValidSentAddresses() == null || e.getValidSentAddresses().length == 0) {
                        throw new DeliveryException("smtp " + spec.host() + ": refused: " + e.getMessage(), done,
                                covers.get(i) == 1 && permanent(e), e);
                    }
                }
                done += covers.get(i);
            }
        } catch (MessagingException e) {
            throw new DeliveryException("smtp " + spec.host() + ":" + spec.port() + ": " + e.getMessage(), done, e);
        }
    }

    private static boolean permanent(jakarta.mail.SendFailedException e) {
        String m = String.valueOf(e.getMessage());
        return m.startsWith("5") || m.contains(" 5");
    }

    private static String[] split(OutboxRecord r) {
        String s = new String(r.payload(), StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        return nl < 0 ? new String[] {s, ""} : new String[] {s.substring(0, nl), s.substring(nl + 1)};
    }

    private MimeMessage digest(List<OutboxRecord> batch) throws MessagingException {
        long incidents = batch.stream().filter(r -> r.kind().equals("incident")).count();
        String what = incidents == batch.size() ? "incidents" : incidents == 0 ? "alerts" : "incidents and alerts";
        StringBuilder body = new StringBuilder();
        body.append(batch.size()).append(' ').append(what).append(" from sensor ").append(sensorName).append(":\n\n");
        for (int i = 0; i < batch.size(); i++) {
            body.append(i + 1).append(". ").append(split(batch.get(i))[0]).append('\n');
        }
        for (OutboxRecord r : batch) {
            String[] sb = split(r);
            body.append("\n------------------------------------------------------------\n").append(sb[0]).append("\n\n").append(sb[1]);
        }
        return message("[SpanWatch] " + batch.size() + " " + what + " on " + sensorName, body.toString(), batch);
    }

    private MimeMessage message(String subject, String body, List<OutboxRecord> records) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(from);
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject(MailRenderer.subject(subject), "UTF-8");
        m.setSentDate(new Date());
        m.setText(MailRenderer.body(body), "UTF-8", "plain");
        for (OutboxRecord r : records) {
            m.addHeader("X-SpanWatch-Event-Id", r.eventId());
        }
        return m;
    }

    /**
     * Mails one message with files attached (a report) through this feed's server to its recipients,
     * at once and outside the outbox: a report is made again from the events, an alert is not.
     */
    void mail(String subject, String text, List<java.nio.file.Path> attachments) throws MessagingException, java.io.IOException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(from);
        m.setRecipients(Message.RecipientType.TO, to);
        m.setSubject(MailRenderer.subject(subject), "UTF-8");
        m.setSentDate(new Date());
        jakarta.mail.internet.MimeMultipart parts = new jakarta.mail.internet.MimeMultipart();
        jakarta.mail.internet.MimeBodyPart body = new jakarta.mail.internet.MimeBodyPart();
        body.setText(MailRenderer.body(text), "UTF-8", "plain");
        parts.addBodyPart(body);
        for (java.nio.file.Path p : attachments) {
            jakarta.mail.internet.MimeBodyPart a = new jakarta.mail.internet.MimeBodyPart();
            String name = p.getFileName().toString();
            a.attachFile(p.toFile(), name.endsWith(".pdf") ? "application/pdf" : name.endsWith(".html") ? "text/html; charset=UTF-8"
                    : name.endsWith(".json") ? "application/json" : "application/octet-stream", null);
            a.setFileName(name);
            parts.addBodyPart(a);
        }
        m.setContent(parts);
        try (jakarta.mail.Transport t = session.getTransport("smtp")) {
            t.connect(spec.host(), spec.port(), user, password);
            t.sendMessage(m, m.getAllRecipients());
        }
    }

    @Override
    public void close() {
        // a connection lives for one delivery
    }
}
