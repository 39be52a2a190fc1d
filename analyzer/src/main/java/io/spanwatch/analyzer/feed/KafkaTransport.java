package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EveEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces each alert and incident to a Kafka topic: the value is the event's EVE JSON as
 * {@code eve.json} has it, the key the internal host it is about (so one host's events stay in one
 * partition, in order), and the headers {@code event_id} and {@code event_type}.
 *
 * <p>The producer is idempotent ({@code enable.idempotence=true}, {@code acks=all}): its own retries
 * while a broker restarts never write a record twice. A batch is delivered once every record of it
 * is acknowledged by the in-sync replicas; a record that fails within the delivery timeout (three
 * times {@code feed.timeout-ms}) is sent again by the feed's backoff, under the same event id, and
 * records of the same batch that did get through (other partitions) are not sent again. A record the
 * broker refuses for good (too large for the topic) is counted as rejected and
 * skipped, as a webhook's 400 is ({@link #refusedForGood}).
 */
final class KafkaTransport implements Transport {
    private final FeedSpec spec;
    private final EveJson eve;
    private final java.util.function.Supplier<Producer<String, byte[]>> producers;
    private Producer<String, byte[]> producer;
    /**
     * Ids (with their outbox numbers) of records the broker acknowledged in a batch where an earlier
     * record failed: the outbox offers them again (it acknowledges in order), and they are skipped.
     * Those numbered before the batch the outbox offers next are gone from it (acknowledged, or
     * skipped as refused for good) and are forgotten then, so this holds about one batch of ids. Kept
     * in memory only, so a restart in between may produce them twice (same event id).
     */
    private final java.util.Map<String, Long> sentEarlier = new java.util.HashMap<>();

    KafkaTransport(FeedSpec spec, EveJson eve, int timeoutMillis, String clientId) {
        this(spec, eve, producers(spec, timeoutMillis, clientId));
    }

    /** Produces through what {@code producers} makes (a test's failing producer). */
    KafkaTransport(FeedSpec spec, EveJson eve, java.util.function.Supplier<Producer<String, byte[]>> producers) {
        this.spec = spec;
        this.eve = eve;
        this.producers = producers;
    }

    /** Makes real producers with the settings above. */
    private static java.util.function.Supplier<Producer<String, byte[]>> producers(FeedSpec spec, int timeoutMillis, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", spec.hosts()));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMillis));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeoutMillis * 3L + 5));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(timeoutMillis));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return () -> new KafkaProducer<>(p);
    }

    @Override
    public byte[] render(EveEvent e, String eventId) {
        return eve.render(e);
    }

    @Override
    public void deliver(List<OutboxRecord> batch) throws DeliveryException {
        if (producer == null) {
            try {
                producer = producers.get();
            } catch (RuntimeException e) {
                throw new DeliveryException("kafka " + spec.hosts() + ": " + e, 0, e);
            }
        }
        if (!batch.isEmpty()) {
            long first = batch.get(0).seq();
            sentEarlier.values().removeIf(seq -> seq < first);
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        try {
            for (OutboxRecord r : batch) {
                if (sentEarlier.containsKey(r.eventId())) {
                    sent.add(null); // the broker has it from a batch that failed for another record
                    continue;
                }
                ProducerRecord<String, byte[]> pr = new ProducerRecord<>(spec.path(), r.key().isEmpty() ? null : r.key(), r.payload());
                pr.headers().add("event_id", r.eventId().getBytes(StandardCharsets.US_ASCII));
                pr.headers().add("event_type", r.kind().getBytes(StandardCharsets.US_ASCII));
                sent.add(producer.send(pr));
            }
            producer.flush(); // every send has succeeded or failed after this
        } catch (RuntimeException e) {
            // send() itself failed (a fatal producer error): start a new producer next time
            closeProducer();
            throw new DeliveryException("kafka " + spec.hosts() + ": " + e, 0, e);
        }
        int firstFailure = -1;
        Throwable cause = null;
        for (int i = 0; i < sent.size(); i++) {
            Future<RecordMetadata> f = sent.get(i);
            boolean ok = true;
            if (f != null) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    ok = false;
                    cause = cause == null ? e.getCause() : cause;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ok = false;
                    cause = cause == null ? e : cause;
                }
            }
            String id = batch.get(i).eventId();
            if (!ok && firstFailure < 0) {
                firstFailure = i;
            } else if (ok && firstFailure >= 0) {
                sentEarlier.put(id, batch.get(i).seq()); // resent with the records before it, but not produced again
            } else if (ok) {
                sentEarlier.remove(id);
            }
        }
        if (firstFailure >= 0) {
            throw new DeliveryException("kafka " + spec.hosts() + " topic " + spec.path() + ": " + cause, firstFailure,
                    refusedForGood(cause), cause);
        }
    }

    /**
     * Tells whether the broker refused the record itself, so sending it again can only fail again and
     * would hold up every later record: larger than the topic's {@code max.message.bytes} (which may be
     * below the 1,000,000 bytes {@link EveJson} cuts payloads to; the producer splits a batch that is
     * too large, so this names the one record). Everything else is retried: unreachable brokers,
     * leader changes, timeouts, authorization, and {@code InvalidRecordException}, which the 4.1
     * producer gives every refused record of a batch whatever the broker's reason, a timestamp out of
     * the broker's bounds (a clock an hour off) among them, which an operator can mend (review).
     */
    static boolean refusedForGood(Throwable cause) {
        return cause instanceof RecordTooLargeException;
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(java.time.Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                // closing a broken producer
            }
            producer = null;
        }
    }

    @Override
    public void close() {
        closeProducer();
    }

    /** Ids held as produced in an earlier batch (a test's view). */
    int remembered() {
        return sentEarlier.size();
    }
}
