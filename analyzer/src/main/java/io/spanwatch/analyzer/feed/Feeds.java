package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EventSink;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Opens feeds: the outbox of each under {@code DIR/outbox/NAME} (with the feed's URI beside it in
 * {@code feed.uri}, so {@code spanwatch feed --out DIR} knows where to deliver what an offline run
 * left), the transport its URI names, and the stage joining the two. Files a URI names (CA,
 * certificates, secrets) are read here, so a missing one is an error before anything runs.
 */
public final class Feeds {
    /** The folder under the output folder that holds every feed's outbox. */
    public static final String OUTBOX = "outbox";

    private Feeds() {
    }

    /**
     * Opens the feed {@code spec} writes to under {@code out}; events are rendered for a sensor named
     * {@code sensorName} ({@code live}: sources are interfaces). The stage is not started. Anomalies
     * (a full outbox) go to {@code anomalies}, may be null.
     */
    public static FeedStage open(FeedSpec spec, Path out, FeedConfig config, String sensorName, boolean live, EventSink anomalies)
            throws IOException {
        EveJson eve = new EveJson(sensorName, live);
        Transport t = transport(spec, config, sensorName, eve);
        Outbox o;
        try {
            Path dir = out.resolve(OUTBOX).resolve(spec.name());
            o = Outbox.open(dir, config.outbox());
            Files.writeString(dir.resolve("feed.uri"), spec.uri() + "\n", StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        return new FeedStage(spec, o, t, eve.renderer(), anomalies, config);
    }

    /**
     * Checks what a feed needs besides its URI (parameter values, the files they name, certificates and
     * keys) by making its transport and closing it again, so that a run can refuse a feed before it
     * writes anything; connects nowhere. A Kafka feed, whose producer would start, is checked when opened.
     *
     * @throws IllegalArgumentException naming the URI and what is wrong
     */
    public static void check(FeedSpec spec, FeedConfig config) {
        if (spec.kind() == FeedSpec.Kind.KAFKA) {
            return;
        }
        try {
            transport(spec, config, "check", new EveJson("check", false)).close();
        } catch (IOException e) {
            throw new IllegalArgumentException("--feed " + spec.uri() + ": " + e.getMessage(), e);
        }
    }

    private static Transport transport(FeedSpec spec, FeedConfig config, String sensorName, EveJson eve) throws IOException {
        int timeout = config.timeoutMillis();
        return switch (spec.kind()) {
            case SYSLOG_UDP, SYSLOG_TCP, SYSLOG_TLS -> {
                int facility = CefRenderer.facility(spec.param("facility", "local5"));
                if (facility < 0) {
                    throw new IllegalArgumentException("--feed " + spec.uri() + ": facility=" + spec.param("facility", "")
                            + ": expected kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp or local0..local7");
                }
                SSLContext tls = spec.kind() == FeedSpec.Kind.SYSLOG_TLS ? Tls.context(file(spec, "ca"), file(spec, "cert"),
                        file(spec, "key")) : null;
                yield new SyslogTransport(spec, new CefRenderer(sensorName, facility), timeout, tls);
            }
            case WEBHOOK_HTTP, WEBHOOK_HTTPS -> {
                boolean ecs = spec.choice("format", "eve", "eve", "ecs").equals("ecs");
                Path secretFile = file(spec, "secret-file");
                byte[] secret = null;
                if (secretFile != null) {
                    String s = Files.readString(secretFile, StandardCharsets.UTF_8).replaceAll("[\r\n]+$", "");
                    if (s.isEmpty()) {
                        throw new IllegalArgumentException("--feed " + spec.uri() + ": secret-file " + secretFile + " is empty");
                    }
                    secret = s.getBytes(StandardCharsets.UTF_8);
                }
                boolean https = spec.kind() == FeedSpec.Kind.WEBHOOK_HTTPS;
                SSLContext tls = https ? Tls.context(file(spec, "ca"), null, null) : null;
                URI target;
                try {
                    String hp = spec.hosts().get(0);
                    target = new URI((https ? "https://" : "http://") + hp + spec.path()
                            + (spec.passThrough().isEmpty() ? "" : "?" + spec.passThrough()));
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("--feed " + spec.uri() + ": " + e.getMessage(), e);
                }
                yield new WebhookTransport(target, ecs, secret, eve, new EcsRenderer(sensorName), timeout, tls);
            }
            case KAFKA -> new KafkaTransport(spec, eve, timeout, "spanwatch-" + CefRenderer.hostname(sensorName));
            case SMTP -> smtp(spec, sensorName, timeout);
        };
    }

    /** Makes the transport of an {@code smtp://} feed (its password read from {@code password-file=}). */
    static SmtpTransport smtp(FeedSpec spec, String sensorName, int timeout) throws IOException {
        Path pw = file(spec, "password-file");
        String password = pw == null ? null : Files.readString(pw, StandardCharsets.UTF_8).replaceAll("[\r\n]+$", "");
        if (spec.param("user", null) != null && password == null) {
            throw new IllegalArgumentException("--feed " + spec.uri() + ": user= needs password-file=");
        }
        return new SmtpTransport(spec, new MailRenderer(sensorName), sensorName, timeout, password);
    }

    /** Returns the readable file a parameter names, or null when it is not given. */
    private static Path file(FeedSpec spec, String param) {
        String v = spec.param(param, null);
        if (v == null) {
            return null;
        }
        Path p = Path.of(v);
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException("--feed " + spec.uri() + ": " + param + "=" + v + ": no such readable file");
        }
        return p;
    }

    /** Returns the feeds that have an outbox under {@code out}, as their stored URIs say, in name order. */
    public static List<FeedSpec> stored(Path out) throws IOException {
        Path dir = out.resolve(OUTBOX);
        List<FeedSpec> specs = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return specs;
        }
        List<Path> folders = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p.resolve("feed.uri"))) {
                    folders.add(p);
                }
            }
        }
        folders.sort(null);
        for (Path p : folders) {
            String uri = Files.readString(p.resolve("feed.uri"), StandardCharsets.UTF_8).strip();
            FeedSpec s = FeedSpec.parse(uri);
            if (!s.name().equals(p.getFileName().toString())) {
                // Stored under a name the URI no longer derives (a renamed folder): keep the folder's name.
                s = FeedSpec.parse(uri + (uri.contains("?") ? "&" : "?") + "name=" + p.getFileName());
            }
            specs.add(s);
        }
        return specs;
    }
}
