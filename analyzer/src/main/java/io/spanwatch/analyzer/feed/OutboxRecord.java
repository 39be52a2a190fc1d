package io.spanwatch.analyzer.feed;

/**
 * Holds one record of a feed's outbox: an event rendered for its feed, with what a receiver needs to
 * drop a repeat.
 *
 * @param seq the record's number in its outbox (increasing; the outbox acknowledges by it)
 * @param tsNanos the event's time (packet time)
 * @param kind {@code alert} or {@code incident}
 * @param eventId the event's id ({@link io.spanwatch.analyzer.events.EventIds})
 * @param key the internal host the event is about (Kafka's record key), or empty
 * @param payload the event as the feed sends it (CEF syslog message, JSON body, mail text)
 */
public record OutboxRecord(long seq, long tsNanos, String kind, String eventId, String key, byte[] payload) {

    /** Returns the record with its number. */
    OutboxRecord numbered(long n) {
        return new OutboxRecord(n, tsNanos, kind, eventId, key, payload);
    }
}
