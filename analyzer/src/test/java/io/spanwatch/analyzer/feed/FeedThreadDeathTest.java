package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.EveEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delivery thread that dies of an error (out of memory while sending) with a stand-in transport:
 * the feed still keeps every alert in its outbox, the drain stops waiting at once instead of after
 * its 10 minutes, and the stage names the failure with what waits and where. The real transports are
 * exercised against real receivers (SyslogFeedTest, KafkaFeedTest, WebhookFeedTest, SmtpFeedTest).
 * The timeout only turns a wait into a failure.
 */
class FeedThreadDeathTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDeadDeliveryThreadEndsTheDrainAndItsRecordsWaitInTheOutbox() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        Transport dying = new Transport() {
            @Override
            public byte[] render(EveEvent e, String eventId) {
                return eventId.getBytes(StandardCharsets.US_ASCII);
            }

            @Override
            public void deliver(List<OutboxRecord> batch) {
                tries.incrementAndGet();
                throw new OutOfMemoryError("Java heap space (made by the test)");
            }

            @Override
            public void close() {
            }
        };
        FeedConfig config = FeedConfig.DEFAULTS.withDrainMillis(600_000);
        FeedSpec spec = FeedSpec.parse("webhook+https://soc.example/hook?name=soc");
        Outbox outbox = Outbox.open(tmp.resolve("outbox"), config.outbox());
        try (FeedStage f = new FeedStage(spec, outbox, dying, new EveJson("s", false).renderer(), null, config)) {
            assertNull(f.failure());
            f.onEvent(FeedEvents.malware(1, false));
            f.start();
            for (int i = 2; i <= 5; i++) {
                f.onEvent(FeedEvents.malware(i, false));
            }
            f.drain();
            assertEquals(1, tries.get(), "the first delivery ended the thread");
            assertEquals(5, f.pending(), "every alert waits in the outbox");
            Exception e = f.failure();
            assertNotNull(e);
            assertTrue(e.getMessage().startsWith("feed soc stopped delivering: java.lang.OutOfMemoryError: Java heap space (made by the test); "
                    + "5 records wait in " + tmp.resolve("outbox")), e.getMessage());
        }
    }
}
