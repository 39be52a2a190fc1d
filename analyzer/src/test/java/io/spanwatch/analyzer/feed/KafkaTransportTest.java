package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The Kafka transport's bookkeeping of a batch that failed part-way, on a producer that fails chosen
 * records (the real broker's behaviour is {@link KafkaFeedTest}'s): records that got through are not
 * produced again when the outbox offers them again, and the ids kept for that are let go once the
 * outbox has moved past them, whatever became of them.
 */
class KafkaTransportTest {
    /** Fails the records whose event id is in {@link #failing}; produces the others. */
    private static final class FailingProducer extends MockProducer<String, byte[]> {
        final Set<String> failing = new HashSet<>();
        final List<String> produced = new ArrayList<>();

        FailingProducer() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> r) {
            String id = new String(r.headers().lastHeader("event_id").value(), StandardCharsets.US_ASCII);
            if (failing.contains(id)) {
                return CompletableFuture.failedFuture(new TimeoutException("expired in the test"));
            }
            produced.add(id);
            return super.send(r);
        }
    }

    private static List<OutboxRecord> batch(long from, long to) {
        List<OutboxRecord> b = new ArrayList<>();
        for (long seq = from; seq <= to; seq++) {
            b.add(new OutboxRecord(seq, seq * 1_000_000_000L, "alert", "id-" + seq, "10.0.0.1", "{}".getBytes(StandardCharsets.UTF_8)));
        }
        return b;
    }

    @Test
    void recordsThatGotThroughAreNotProducedTwiceAndTheirIdsGoOnceTheOutboxMovesOn() throws Exception {
        FailingProducer p = new FailingProducer();
        KafkaTransport t = new KafkaTransport(FeedSpec.parse("kafka://127.0.0.1:9/alerts"), new EveJson("test", false), () -> p);

        p.failing.add("id-1");
        DeliveryException e = assertThrows(DeliveryException.class, () -> t.deliver(batch(1, 4)));
        assertEquals(0, e.delivered());
        assertFalse(e.rejected(), "a timeout is retried");
        assertEquals(List.of("id-2", "id-3", "id-4"), p.produced);
        assertEquals(3, t.remembered());

        p.failing.clear();
        t.deliver(batch(1, 5)); // offered again from the record that failed
        assertEquals(List.of("id-2", "id-3", "id-4", "id-1", "id-5"), p.produced, "2 to 4 are not produced again");
        assertEquals(0, t.remembered());

        // a batch fails part-way, then the outbox never offers those records again (its records
        // dropped for room, say): their ids go as soon as it offers later ones
        p.failing.add("id-6");
        assertThrows(DeliveryException.class, () -> t.deliver(batch(6, 9)));
        assertEquals(3, t.remembered());
        p.failing.clear();
        t.deliver(batch(20, 22));
        assertEquals(0, t.remembered(), "ids numbered before the batch offered are gone from the outbox");
        t.close();
    }
}
