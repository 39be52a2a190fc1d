package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    @TempDir
    Path tmp;

    private static final Outbox.Options SMALL = new Outbox.Options(1 << 20, 4096, 1000);

    static OutboxRecord rec(int i, int size) {
        byte[] p = new byte[size];
        new Random(i).nextBytes(p);
        return new OutboxRecord(0, 1_000L * i, i % 2 == 0 ? "alert" : "incident", String.format("%032x", i), "10.0.0." + (i % 250), p);
    }

    private static List<OutboxRecord> readAll(Outbox o) throws IOException {
        List<OutboxRecord> all = new ArrayList<>();
        for (List<OutboxRecord> b; !(b = o.read(7, 1 << 20)).isEmpty(); ) {
            all.addAll(b);
        }
        return all;
    }

    @Test
    void recordsComeBackInOrderAcrossSegmentsAndReopens() throws Exception {
        Path dir = tmp.resolve("o");
        try (Outbox o = Outbox.open(dir, SMALL)) {
            for (int i = 0; i < 100; i++) {
                assertEquals(Outbox.Append.OK, o.append(rec(i, 100 + i)));
            }
            assertEquals(100, o.pendingRecords());
            List<OutboxRecord> got = readAll(o);
            assertEquals(100, got.size());
            for (int i = 0; i < 100; i++) {
                OutboxRecord r = got.get(i);
                assertEquals(i, r.seq());
                assertEquals(rec(i, 100 + i).eventId(), r.eventId());
                assertEquals("10.0.0." + (i % 250), r.key());
                assertArrayEquals(rec(i, 100 + i).payload(), r.payload());
            }
            o.ack(40);
            assertEquals(60, o.pendingRecords());
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.filter(p -> p.toString().endsWith(".seg")).count() > 1, "several segments");
        }
        // Reopened: delivery resumes after the acknowledged record, nothing before it comes again.
        try (Outbox o = Outbox.open(dir, SMALL)) {
            assertEquals(60, o.pendingRecords());
            List<OutboxRecord> got = readAll(o);
            assertEquals(60, got.size());
            assertEquals(40, got.get(0).seq());
            o.ack(100);
            assertEquals(0, o.pendingRecords());
            assertEquals(0, o.pendingBytes());
            assertEquals(Outbox.Append.OK, o.append(rec(100, 10)));
            assertEquals(100, o.read(10, 1 << 20).get(0).seq());
        }
        try (Stream<Path> s = Files.list(dir)) {
            // Delivered segments are gone: what is left is the segment with the new record (and maybe one empty).
            assertTrue(s.filter(p -> p.toString().endsWith(".seg")).count() <= 2);
        }
    }

    @Test
    void rewindDeliversAgainFromTheFirstRecordNotAcknowledged() throws Exception {
        try (Outbox o = Outbox.open(tmp.resolve("o"), SMALL)) {
            for (int i = 0; i < 20; i++) {
                o.append(rec(i, 50));
            }
            List<OutboxRecord> a = o.read(10, 1 << 20);
            o.ack(a.get(4).seq() + 1);
            o.rewind();
            assertEquals(5, o.read(1, 1 << 20).get(0).seq());
        }
    }

    @Test
    void aFullOutboxRefusesRecordsUntilDeliveryMakesRoom() throws Exception {
        Outbox.Options tiny = new Outbox.Options(10_000, 4096, 1000);
        try (Outbox o = Outbox.open(tmp.resolve("o"), tiny)) {
            int ok = 0;
            Outbox.Append last = Outbox.Append.OK;
            for (int i = 0; i < 100 && last == Outbox.Append.OK; i++) {
                last = o.append(rec(i, 500));
                if (last == Outbox.Append.OK) {
                    ok++;
                }
            }
            assertEquals(Outbox.Append.FULL, last);
            assertTrue(o.pendingBytes() <= 10_000);
            List<OutboxRecord> got = o.read(100, 1 << 20);
            assertEquals(ok, got.size());
            o.ack(got.get(got.size() - 1).seq() + 1);
            assertEquals(Outbox.Append.OK, o.append(rec(500, 500)));
        }
    }

    @Test
    void aRecordCutShortByACrashIsDroppedOnOpenAndTheRestKept() throws Exception {
        Path dir = tmp.resolve("o");
        try (Outbox o = Outbox.open(dir, Outbox.Options.DEFAULTS)) {
            for (int i = 0; i < 10; i++) {
                o.append(rec(i, 200));
            }
        }
        Path seg;
        try (Stream<Path> s = Files.list(dir)) {
            seg = s.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((x, y) -> y).orElseThrow();
        }
        long size = Files.size(seg);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(size - 37); // the last record loses its end, as if the process died mid-write
            ch.write(ByteBuffer.wrap("junk".getBytes(StandardCharsets.US_ASCII)), size - 37);
        }
        try (Outbox o = Outbox.open(dir, Outbox.Options.DEFAULTS)) {
            assertEquals(9, o.pendingRecords());
            assertTrue(o.recoveredBytes() > 0);
            List<OutboxRecord> got = readAll(o);
            assertEquals(9, got.size());
            assertEquals(Outbox.Append.OK, o.append(rec(99, 10)));
            assertEquals(9, o.read(10, 1 << 20).get(0).seq()); // numbering goes on after the last whole record
        }
    }

    @Test
    void aSecondProcessCannotOpenTheSameOutbox() throws Exception {
        try (Outbox o = Outbox.open(tmp.resolve("o"), SMALL)) {
            IOException e = assertThrows(IOException.class, () -> Outbox.open(tmp.resolve("o"), SMALL).close());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

    @Test
    void concurrentAppendsWhileDeliveringLoseNothingAndRepeatNothing() throws Exception {
        try (Outbox o = Outbox.open(tmp.resolve("o"), new Outbox.Options(64 << 20, 8192, 5))) {
            int threads = 4;
            int each = 2000;
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                ts.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < each; i++) {
                        if (o.append(rec(base + i, 30 + (i % 200))) != Outbox.Append.OK) {
                            throw new AssertionError("append refused");
                        }
                    }
                }));
            }
            Set<String> seen = new HashSet<>();
            long next = 0;
            while (seen.size() < threads * each) {
                List<OutboxRecord> b = o.read(50, 1 << 20);
                for (OutboxRecord r : b) {
                    assertEquals(next++, r.seq());
                    assertTrue(seen.add(r.eventId()), "repeat " + r.eventId());
                }
                if (!b.isEmpty()) {
                    o.ack(b.get(b.size() - 1).seq() + 1);
                }
                o.syncIfDue();
                if (b.isEmpty()) {
                    Thread.onSpinWait();
                }
            }
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(0, o.pendingRecords());
        }
    }
}
