package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link TimeGate} dates the frames of a capture file around a step of more than an hour. */
class TimeGateTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static final long HOUR = 3_600 * SECOND;

    private final List<long[]> out = new ArrayList<>(); // {time processed at, frame number}
    private final TimeGate gate = new TimeGate(new PacketClock(), (ts, linkType, buf, off, capLen, wireLen) -> out.add(new long[] {ts, buf[off]}));
    private int n;

    private void frame(long ts) {
        gate.frame(ts, 1, new byte[] {99, (byte) n++, 99}, 1, 1, 3);
    }

    private List<Long> times() {
        return out.stream().map(f -> f[0]).toList();
    }

    private List<Long> order() {
        return out.stream().map(f -> f[1]).toList();
    }

    @Test
    void aLoneFrameDatedYearsAheadIsProcessedAtTheClocksTime() {
        frame(T0);
        frame(T0 + SECOND);
        frame(T0 + 10 * 365 * 24 * HOUR);
        frame(T0 + 2 * SECOND);
        gate.endOfSource(false);
        assertEquals(List.of(T0, T0 + SECOND, T0 + SECOND, T0 + 2 * SECOND), times());
        assertEquals(List.of(0L, 1L, 2L, 3L), order());
        assertEquals(1, gate.refused());
    }

    @Test
    void twoFramesAheadThenOneBackAreBothRefused() {
        frame(T0);
        frame(T0 + 5 * HOUR);
        frame(T0 + 5 * HOUR + SECOND);
        frame(T0 + SECOND);
        gate.endOfSource(false);
        assertEquals(List.of(T0, T0, T0, T0 + SECOND), times());
        assertEquals(List.of(0L, 1L, 2L, 3L), order());
        assertEquals(2, gate.refused());
    }

    @Test
    void aFrameDatedYearsAheadBeforeARealGapIsStillRefused() {
        // A bad time on the last frame before a quiet capture's gap: the frames after the gap are past
        // the hour too, but hours before it, so they say it was wrong, not that time got there.
        frame(T0);
        frame(T0 + 10 * 365 * 24 * HOUR);
        List<Long> later = new ArrayList<>();
        for (int i = 0; i < PacketClock.CONFIRMATIONS; i++) {
            later.add(T0 + 2 * HOUR + i * SECOND);
            frame(T0 + 2 * HOUR + i * SECOND);
        }
        gate.endOfSource(false);
        List<Long> expected = new ArrayList<>(List.of(T0, T0));
        expected.addAll(later);
        assertEquals(expected, times());
        assertEquals(1, gate.refused());
    }

    @Test
    void aFrameDatedYearsAheadBeforeAShortConnectionAtTheEndIsRefused() {
        frame(T0);
        frame(T0 + 10 * 365 * 24 * HOUR);
        frame(T0 + 2 * HOUR);
        frame(T0 + 2 * HOUR + SECOND);
        gate.endOfSource(false);
        assertEquals(List.of(T0, T0, T0 + 2 * HOUR, T0 + 2 * HOUR + SECOND), times());
        assertEquals(List.of(0L, 1L, 2L, 3L), order());
        assertEquals(1, gate.refused());
    }

    @Test
    void shortConnectionsHoursApartKeepTheirTimes() {
        // A quiet capture: ten frames every two hours (a slow beacon on an idle network); before the
        // gate each was dated at the end of the one before.
        List<Long> expected = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < 10; i++) {
                long ts = T0 + c * 2 * HOUR + i * 1_000_000L;
                expected.add(ts);
                frame(ts);
            }
        }
        gate.endOfSource(false);
        assertEquals(expected, times());
        assertEquals(0, gate.refused());
    }

    @Test
    void oneFrameAfterAGapAtTheEndOfTheFileKeepsItsTime() {
        frame(T0);
        frame(T0 + 3 * HOUR);
        assertEquals(List.of(T0), times()); // held: nothing said yet whether its time is right
        gate.endOfSource(true);
        assertEquals(List.of(T0, T0 + 3 * HOUR), times());
        assertEquals(0, gate.refused());
    }

    @Test
    void sixteenFramesPastTheHourAreAStepWithoutWaitingForTheEnd() {
        frame(T0);
        for (int i = 0; i < PacketClock.CONFIRMATIONS; i++) {
            frame(T0 + 2 * HOUR + i);
        }
        assertEquals(PacketClock.CONFIRMATIONS + 1, out.size());
        frame(T0 + SECOND); // an old straggler now: processed at its own time, the clock stays
        assertEquals(T0 + SECOND, out.getLast()[0]);
        frame(T0 + 2 * HOUR + 100);
        assertEquals(T0 + 2 * HOUR + 100, out.getLast()[0]);
        assertEquals(0, gate.refused());
    }

    @Test
    void theNextFilesFirstFrameSetsTheClock() {
        frame(T0);
        gate.endOfSource(true);
        frame(T0 + 30 * HOUR); // the next day's capture
        frame(T0 + 30 * HOUR + SECOND);
        assertEquals(List.of(T0, T0 + 30 * HOUR, T0 + 30 * HOUR + SECOND), times());
        assertEquals(0, gate.refused());
    }

    @Test
    void theHeldBytesAreCopies() {
        frame(T0);
        byte[] buf = {7, 42, 7};
        gate.frame(T0 + 2 * HOUR, 1, buf, 1, 1, 3);
        buf[1] = 0; // the reader reuses its buffer
        gate.endOfSource(false);
        assertEquals(42, out.getLast()[1]);
    }
}
