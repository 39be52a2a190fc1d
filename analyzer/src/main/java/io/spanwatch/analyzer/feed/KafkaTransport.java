package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EveEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
 * times {@code feed.timeout-ms}) is sent again by the feed's backoff, under the same event id.
 */
final class KafkaTransport implements Transport {
    private final FeedSpec spec;
    private final EveJson eve;
    private final Properties props;
    private KafkaProducer<String, byte[]> producer;

    KafkaTransport(FeedSpec spec, EveJson eve, int timeoutMillis, String clientId) {
        this.spec = spec;
        this.eve = eve;
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
        this.props = p;
    }

    @Override
    public byte[] render(EveEvent e, String eventId) {
        return eve.render(e);
    }

    @Override
    public void deliver(List<OutboxRecord> batch) throws DeliveryException {
        if (producer == null) {
            try {
                producer = new KafkaProducer<>(props);
            } catch (RuntimeException e) {
                throw new DeliveryException("kafka " + spec.hosts() + ": " + e, 0, e);
            }
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        int i = 0;
        try {
            for (OutboxRecord r : batch) {
                ProducerRecord<String, byte[]> pr = new ProducerRecord<>(spec.path(), r.key().isEmpty() ? null : r.key(), r.payload());
                pr.headers().add("event_id", r.eventId().getBytes(StandardCharsets.US_ASCII));
                pr.headers().add("event_type", r.kind().getBytes(StandardCharsets.US_ASCII));
                sent.add(producer.send(pr));
            }
            producer.flush();
            for (; i < sent.size(); i++) {
                sent.get(i).get();
            }
        } catch (ExecutionException e) {
            throw new DeliveryException("kafka " + spec.hosts() + " topic " + spec.path() + ": " + e.getCause(), i, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("kafka: interrupted", i, e);
        } catch (RuntimeException e) {
            // send() itself failed (no metadata within max.block.ms, a fatal producer error): start a new producer next time
            closeProducer();
            throw new DeliveryException("kafka " + spec.hosts() + ": " + e, 0, e);
        }
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
}
