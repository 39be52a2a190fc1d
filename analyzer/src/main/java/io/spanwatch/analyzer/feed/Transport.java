package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EveEvent;
import java.io.Closeable;
import java.util.List;

/**
 * Carries a feed's records to its receiver: one implementation per transport (syslog, webhook,
 * Kafka, e-mail). {@link #render} runs on the bus threads when an event is appended to the outbox;
 * {@link #deliver} and {@link #close} run on the feed's one delivery thread.
 */
interface Transport extends Closeable {
    /**
     * Returns the payload the outbox keeps for {@code e} (the message as this transport sends it), or
     * null when the event is not one this feed carries. Thread-safe; never blocks.
     */
    byte[] render(EveEvent e, String eventId);

    /**
     * Sends records in order and returns once the receiver has them all; throws naming how many of the
     * first ones it is known to have, when it has not. Respects the feed's timeouts.
     */
    void deliver(List<OutboxRecord> batch) throws DeliveryException;

    /**
     * Returns how long the delivery thread lets records gather before a delivery (e-mail waits to send
     * a digest when many come at once); 0 delivers at once.
     */
    default long gatherMillis() {
        return 0;
    }

    /** Releases connections; called once, on the delivery thread or after it stopped. */
    @Override
    void close();
}
