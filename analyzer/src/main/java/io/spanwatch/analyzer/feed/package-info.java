/**
 * Feeds stage (analyzer): sends alerts and incidents to a SOC, each once per feed, through a durable
 * outbox, so a receiver that is down loses nothing.
 *
 * <p><b>In:</b> every event on the bus; a feed takes {@code alert} and {@code incident} events (its
 * URI's {@code events=}; e-mail takes incidents only by default) and nothing else. <b>Out:</b> the
 * event, rendered from its typed record for the transport, to the receiver:
 * {@link io.spanwatch.analyzer.feed.SyslogTransport} (RFC 5424 with CEF from
 * {@link io.spanwatch.analyzer.feed.CefRenderer}, over UDP, TCP with RFC 6587 octet counting, or TLS
 * per RFC 5425), {@link io.spanwatch.analyzer.feed.WebhookTransport} (EVE JSON or ECS from
 * {@link io.spanwatch.analyzer.feed.EcsRenderer}, HMAC-SHA256 signed),
 * {@link io.spanwatch.analyzer.feed.KafkaTransport} (idempotent producer, EVE values keyed by the
 * internal host) and {@link io.spanwatch.analyzer.feed.SmtpTransport} (mail from
 * {@link io.spanwatch.analyzer.feed.MailRenderer}, a digest when many wait). Every record carries
 * the event's id ({@link io.spanwatch.analyzer.events.EventIds}) for the receiver to drop a repeat.
 *
 * <p><b>Outbox.</b> {@link io.spanwatch.analyzer.feed.FeedStage} appends each event to the feed's
 * {@link io.spanwatch.analyzer.feed.Outbox} under {@code DIR/outbox/NAME} (segment files and an
 * acknowledged position; the URI in {@code feed.uri}) and a delivery thread sends what waits, in
 * order, acknowledging what the receiver has, retrying with backoff (1 s doubling to
 * {@code feed.retry-max-ms}). {@code spanwatch feed --out DIR} delivers what an offline run left.
 * Delivery is at least once: a record is acknowledged only once the receiver is known to have it
 * (stream syslog: the receiver closed its side after our half-close; webhook: a 2xx; Kafka: acks
 * from all in-sync replicas; SMTP: the server accepted the message), so a failure in between sends
 * it again with the same id. UDP syslog is fire-and-forget.
 *
 * <p><b>Limits</b> (defaults): {@code feed.outbox-max-bytes} 256 MiB of records waiting per feed
 * (past it new events are refused: {@code feed.NAME.dropped_full}, anomaly {@code feed.outbox_full});
 * records up to 4 MiB ({@code feed.NAME.too_large}); segments of 16 MiB; fsync within
 * {@code feed.fsync-ms} 1000 ms; connect and read timeouts {@code feed.timeout-ms} 10 s; 500 records
 * or 1 MiB per delivery; {@code feed.drain-seconds} 10 s at the end of a run.
 *
 * <p><b>Threads:</b> bus threads render and append (the only synchronous work); one delivery thread
 * per feed owns reading, sending and acknowledging.
 */
package io.spanwatch.analyzer.feed;
