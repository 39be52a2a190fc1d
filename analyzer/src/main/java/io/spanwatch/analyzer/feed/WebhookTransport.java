package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EveEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;

/**
 * POSTs each alert or incident as one JSON document to a URL: EVE as {@code eve.json} has it
 * ({@code format=eve}, the default) or ECS field names ({@code format=ecs}, {@link EcsRenderer}).
 *
 * <p>Headers: {@code Content-Type: application/json}, {@code X-SpanWatch-Event-Id} (the event id; a
 * retried POST carries the same one, so a receiver can drop the repeat), {@code X-SpanWatch-Event}
 * ({@code alert} or {@code incident}) and, with {@code secret-file=FILE}, {@code X-SpanWatch-Signature:
 * sha256=HEX}: the HMAC-SHA256 of the exact body bytes under the file's contents (trailing line end
 * removed), as GitHub signs its webhooks; compare it in constant time.
 *
 * <p>A 2xx answer delivers the record. 408, 429, 5xx, a redirect, a timeout or a broken connection
 * mean "try again later" (the feed's backoff). Any other 4xx means the receiver will never take this
 * record: it is counted as rejected and skipped, so one bad record cannot hold up the rest.
 */
final class WebhookTransport implements Transport {
    private final URI target;
    private final boolean ecs;
    private final byte[] secret;
    private final EveJson eve;
    private final EcsRenderer ecsRenderer;
    private final Duration timeout;
    private final HttpClient client;

    WebhookTransport(URI target, boolean ecs, byte[] secret, EveJson eve, EcsRenderer ecsRenderer, int timeoutMillis,
            SSLContext tls) {
        this.target = target;
        this.ecs = ecs;
        this.secret = secret;
        this.eve = eve;
        this.ecsRenderer = ecsRenderer;
        this.timeout = Duration.ofMillis(timeoutMillis);
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER);
        if ("http".equalsIgnoreCase(target.getScheme())) {
            // in the clear the JDK's client asks every request to upgrade to h2c (Upgrade, HTTP2-Settings),
            // which some receivers and proxies refuse; over TLS, ALPN picks the version without asking
            b.version(HttpClient.Version.HTTP_1_1);
        }
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
    }

    @Override
    public byte[] render(EveEvent e, String eventId) {
        return ecs ? ecsRenderer.render(e, eventId) : eve.render(e);
    }

    /** Returns {@code sha256=HEX} of the body under the secret. */
    static String signature(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    @Override
    public void deliver(List<OutboxRecord> batch) throws DeliveryException {
        for (int i = 0; i < batch.size(); i++) {
            OutboxRecord r = batch.get(i);
            HttpRequest.Builder req = HttpRequest.newBuilder(target).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", FeedFields.PRODUCT + "/" + FeedFields.VERSION)
                    .header("X-SpanWatch-Event-Id", r.eventId())
                    .header("X-SpanWatch-Event", r.kind())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(r.payload()));
            if (secret != null) {
                req.header("X-SpanWatch-Signature", signature(secret, r.payload()));
            }
            int status;
            try {
                status = client.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                throw new DeliveryException(target + ": " + e, i, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeliveryException(target + ": interrupted", i, e);
            }
            if (status >= 200 && status < 300) {
                continue;
            }
            boolean retry = status == 408 || status == 429 || status >= 500 || status < 400;
            throw new DeliveryException(target + ": HTTP " + status, i, !retry, null);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
