package io.spanwatch.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Checks EVE timestamps against java.time's formatter, within one second and across seconds, days and years. */
class EveTimeTest {
    private static final DateTimeFormatter EXPECTED = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx")
            .withZone(ZoneOffset.UTC);

    private static String expected(long nanos) {
        return EXPECTED.format(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)));
    }

    @Test
    void formatsAsSuricataDoes() {
        assertEquals("2026-11-21T06:13:41.532140+0000", EveTime.format(1_795_241_621_532_140_999L));
        assertEquals("1970-01-01T00:00:00.000000+0000", EveTime.format(0));
        assertEquals("1969-12-31T23:59:59.999999+0000", EveTime.format(-1));
    }

    @Test
    void agreesWithJavaTimeWithinAndAcrossSeconds() {
        Random r = new Random(7);
        long t = 1_710_000_000_000_000_000L;
        for (int i = 0; i < 100_000; i++) {
            t += r.nextInt(4) == 0 ? r.nextLong(400_000_000_000_000L) : r.nextLong(2_000_000L); // mostly within a second
            assertEquals(expected(t), EveTime.format(t));
            long back = t - r.nextLong(1_000_000_000_000L); // an older event between newer ones
            assertEquals(expected(back), EveTime.format(back));
        }
    }
}
