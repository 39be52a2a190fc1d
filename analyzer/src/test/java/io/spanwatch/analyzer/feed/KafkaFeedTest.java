package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.events.EventIds;
import io.spanwatch.sensor.event.AlertEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds a real Kafka broker (KRaft, in a child JVM the test starts): EVE JSON values keyed by the
 * internal host, with the event id in a header; the broker stopped and started again mid-run: every
 * event arrives, none twice.
 */
class KafkaFeedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void everyEventArrivesOnceAcrossABrokerRestart() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(tmp.resolve("kafka"))) {
            FeedSpec spec = FeedSpec.parse("kafka://127.0.0.1:" + broker.port + "/spanwatch-alerts");
            FeedConfig cfg = new FeedConfig(Outbox.Options.DEFAULTS, 3000, 100, 1000, 120_000);
            try (FeedStage feed = Feeds.open(spec, tmp.resolve("out"), cfg, "kafka-test", false, null).start()) {
                for (int i = 0; i < 20; i++) {
                    feed.onEvent(FeedEvents.malware(i, true));
                }
                feed.drain();
                assertEquals(0, feed.pending(), feed.lastError());
                broker.stop();
                for (int i = 20; i < 40; i++) {
                    feed.onEvent(i % 5 == 0 ? FeedEvents.incident(i) : FeedEvents.reputation(i));
                }
                for (int i = 0; i < 600 && feed.lastError() == null; i++) {
                    Thread.sleep(100); // until a delivery has failed (or a minute): the producer gives up after its timeout
                }
                System.out.println("KafkaFeedTest: while the broker was down: " + feed.lastError());
                broker.start();
                feed.drain();
                assertEquals(0, feed.pending(), feed.lastError());
            }
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "test");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            Map<String, Integer> ids = new HashMap<>();
            int records = 0;
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
                c.subscribe(List.of("spanwatch-alerts"));
                for (int polls = 0; polls < 300 && records < 40; polls++) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        records++;
                        String id = new String(r.headers().lastHeader("event_id").value(), StandardCharsets.US_ASCII);
                        ids.merge(id, 1, Integer::sum);
                        assertEquals(id, EventIds.ofJson(r.value()), "the value is the event's EVE JSON");
                        JsonNode e = JSON.readTree(r.value());
                        String type = e.path("event_type").asText();
                        assertEquals(type, new String(r.headers().lastHeader("event_type").value(), StandardCharsets.US_ASCII));
                        String host = type.equals("incident") ? e.path("incident").path("host").asText()
                                : e.path("direction").asText().equals("to_client") ? e.path("dest_ip").asText() : e.path("src_ip").asText();
                        assertEquals(host, r.key(), "keyed by the internal host");
                        assertTrue(host.startsWith("10.1.0."), host);
                    }
                }
                // Poll a little more: a repeat would arrive now.
                for (int polls = 0; polls < 10; polls++) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        records++;
                        ids.merge(new String(r.headers().lastHeader("event_id").value(), StandardCharsets.US_ASCII), 1, Integer::sum);
                    }
                }
            }
            assertEquals(40, ids.size());
            ids.values().removeIf(n -> n == 1);
            assertEquals(40, records, "events that came more than once: " + ids);
            System.out.println("KafkaFeedTest: 40 events, each once on the topic across a broker restart");
        }
    }

    /**
     * Traffic sets an alert's size: one whose URL and file name make it 1.1 MB (a 64 KB URL of bytes
     * 0xFF, a file name of 65,000 control characters) is cut to fit the broker's default 1 MiB instead
     * of being refused and retried for ever ahead of every later alert (adversarial review).
     */
    @Test
    void anAlertTooLargeForTheBrokerIsCutAndHoldsUpNothing() throws Exception {
        AlertEvent huge = FeedEvents.malware(1, true, "/" + "\u00ff".repeat(64_000), "\u0001".repeat(65_000) + ".exe");
        byte[] cut = new EveJson("kafka-test", false).render(huge);
        assertTrue(cut.length <= EveJson.MAX_PAYLOAD_BYTES, "cut to " + cut.length);
        assertTrue(JSON.readTree(cut).path("http").path("url").asText().endsWith(EveJson.CUT_MARK), "the URL says it was cut");
        try (KafkaBroker broker = KafkaBroker.start(tmp.resolve("kafka"))) {
            FeedConfig cfg = new FeedConfig(Outbox.Options.DEFAULTS, 3000, 100, 1000, 120_000);
            try (FeedStage f = Feeds.open(FeedSpec.parse("kafka://127.0.0.1:" + broker.port + "/big"), tmp.resolve("out"), cfg,
                    "kafka-test", false, null).start()) {
                f.onEvent(FeedEvents.reputation(2));
                f.onEvent(huge);
                f.onEvent(FeedEvents.reputation(4));
                f.drain();
                assertEquals(0, f.pending(), f.lastError());
            }
            List<JsonNode> got = consume(broker, "big");
            assertEquals(3, got.size());
            assertEquals(1, got.stream().filter(e -> e.path("http").path("url").asText().endsWith(EveJson.CUT_MARK)).count(), "the huge alert, cut");
        }
    }

    /**
     * A topic whose {@code max.message.bytes} is below the 1,000,000 bytes payloads are cut to refuses
     * an alert for good: it is counted as rejected and skipped, and the alerts after it are delivered
     * instead of waiting behind it for ever.
     */
    @Test
    void anAlertTheTopicRefusesIsRejectedAndHoldsUpNothing() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(tmp.resolve("kafka"))) {
            Properties ap = new Properties();
            ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port);
            try (Admin admin = Admin.create(ap)) {
                admin.createTopics(List.of(new NewTopic("small", 1, (short) 1).configs(Map.of("max.message.bytes", "20000"))))
                        .all().get(60, TimeUnit.SECONDS);
            }
            FeedSpec spec = FeedSpec.parse("kafka://127.0.0.1:" + broker.port + "/small");
            FeedConfig cfg = new FeedConfig(Outbox.Options.DEFAULTS, 3000, 100, 1000, 120_000);
            Map<String, Long> stats = new HashMap<>();
            try (FeedStage f = Feeds.open(spec, tmp.resolve("out"), cfg, "kafka-test", false, null).start()) {
                f.onEvent(FeedEvents.reputation(2));
                f.onEvent(FeedEvents.malware(3, true, "/" + "a".repeat(50_000), "big.exe"));
                f.onEvent(FeedEvents.reputation(4));
                f.drain();
                assertEquals(0, f.pending(), f.lastError());
                f.addStats(stats);
            }
            String p = "feed." + spec.name() + ".";
            assertEquals(1, stats.get(p + "rejected"));
            assertEquals(2, stats.get(p + "delivered"));
            List<JsonNode> got = consume(broker, "small");
            assertEquals(2, got.size(), "the two small alerts, in order");
            assertEquals(List.of("/gate.php?id=2", "/gate.php?id=4"), got.stream().map(e -> e.path("http").path("url").asText()).toList());
        }
    }

    private static List<JsonNode> consume(KafkaBroker broker, String topic) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(2 << 20));
        List<JsonNode> out = new java.util.ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            for (int polls = 0; polls < 50; polls++) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(JSON.readTree(r.value()));
                }
            }
        }
        return out;
    }
}
