package io.spanwatch.analyzer.feed;

import jakarta.mail.MessagingException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mails a document with its files attached (the weekly report) to the recipients of every
 * {@code smtp://} feed, through the feed's server, sender and credentials. Sent at once, not through
 * the outbox: the caller tries again later when a server does not take it.
 *
 * <p>Thread-safe: each message opens its own connection.
 */
public final class ReportMail {
    private final List<SmtpTransport> feeds;
    private final List<String> names;

    private ReportMail(List<SmtpTransport> feeds, List<String> names) {
        this.feeds = feeds;
        this.names = names;
    }

    /**
     * Returns the mailer of the {@code smtp://} feeds among {@code specs} (none: {@link #configured} is false).
     *
     * @throws IllegalArgumentException naming the feed whose parameters are wrong
     */
    public static ReportMail of(List<FeedSpec> specs, String sensorName, int timeoutMillis) throws IOException {
        List<SmtpTransport> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (FeedSpec s : specs) {
            if (s.kind() == FeedSpec.Kind.SMTP) {
                out.add(Feeds.smtp(s, sensorName, timeoutMillis));
                names.add(s.toString());
            }
        }
        return new ReportMail(out, names);
    }

    /** Tells whether any smtp:// feed is configured. */
    public boolean configured() {
        return !feeds.isEmpty();
    }

    /**
     * Mails {@code text} with {@code attachments} through every smtp:// feed.
     *
     * @throws IOException naming the feeds that did not take it (the others did)
     */
    public void send(String subject, String text, List<Path> attachments) throws IOException {
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < feeds.size(); i++) {
            try {
                feeds.get(i).mail(subject, text, attachments);
            } catch (MessagingException | IOException e) {
                failed.add(names.get(i) + ": " + e.getMessage());
            }
        }
        if (!failed.isEmpty()) {
            throw new IOException("report not mailed by " + String.join("; ", failed));
        }
    }
}
