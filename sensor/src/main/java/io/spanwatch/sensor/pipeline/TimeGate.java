package io.spanwatch.sensor.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decides the time of each frame read from a capture file before the pipeline sees it, so that one
 * frame dated far ahead cannot move the clock (it would time out every flow at once), while a capture
 * that really goes quiet for hours is dated as it was captured.
 *
 * <p>A frame more than {@link PacketClock#MAX_JUMP_NANOS} after the clock is held, and so are the
 * frames after it, until one of them says which it was:
 * <ul>
 *   <li>a frame back within an hour of the clock, or more than an hour before the first held frame
 *       (the capture's own gap after a frame dated years ahead): the first held frame's time was
 *       wrong. It goes on at the clock's time (counted), and the frames held after it are decided
 *       again;</li>
 *   <li>{@link PacketClock#CONFIRMATIONS} frames in a row past the hour and none of them an hour
 *       before the first, or the end of the capture file with every held frame so: the traffic
 *       resumed later. They go on at their own times.</li>
 * </ul>
 * The clock used to refuse a step until 16 frames in a row agreed on it, with nothing to look at
 * after; a quiet capture (a host calling out every two hours, a short connection of ten frames) had
 * each later connection dated hours early, at the end of the one before, which put a slow beacon's
 * callbacks at one time. Zeek and Suricata take packet times as they come; this keeps their dating
 * of real gaps and still drops the lone bad time.
 *
 * <p>Holds at most {@link PacketClock#CONFIRMATIONS} frames (copies, each at most a capture file's
 * largest record). Capture thread only.
 */
final class TimeGate {
    /** Where decided frames go: the frame and the time it is processed at. */
    interface Sink {
        void frame(long tsNanos, int linkType, byte[] buf, int off, int capLen, int wireLen);
    }

    private record Held(long ts, int linkType, byte[] bytes, int wireLen) {}

    private final PacketClock clock;
    private final Sink sink;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** The clock's time when the frames held were first held. */
    private long heldFrom;
    /** The next frame is a capture file's first: its time sets the clock (never back). */
    private boolean resumed;
    private long refused;

    TimeGate(PacketClock clock, Sink sink) {
        this.clock = clock;
        this.sink = sink;
    }

    /**
     * Tells whether a frame of time {@code ts} goes on now at its own time, the clock taking it (the
     * caller then processes it itself): nothing is held, and it is no step of over an hour or it is a
     * capture file's first. Otherwise the caller hands it to {@link #frame}. Kept apart so the
     * per-frame path the JIT compiles stays small.
     */
    boolean passes(long ts) {
        if (!held.isEmpty()) {
            return false;
        }
        if (resumed) {
            // A capture file's first frame: its time is the capture's own, as the first file's is at
            // the start. Never back: an overlapping capture keeps the time reached.
            resumed = false;
        } else if (clock.now() != 0 && ts - clock.now() > PacketClock.MAX_JUMP_NANOS) {
            return false;
        }
        clock.advanceTo(ts);
        return true;
    }

    /** Takes one frame; it goes to the sink now, or later when its time is settled. */
    void frame(long ts, int linkType, byte[] buf, int off, int capLen, int wireLen) {
        if (passes(ts)) {
            sink.frame(ts, linkType, buf, off, capLen, wireLen);
            return;
        }
        if (held.isEmpty()) {
            heldFrom = clock.now();
            hold(ts, linkType, buf, off, capLen, wireLen);
            return;
        }
        if (ts - heldFrom > PacketClock.MAX_JUMP_NANOS && held.peek().ts - ts <= PacketClock.MAX_JUMP_NANOS) {
            hold(ts, linkType, buf, off, capLen, wireLen);
            if (held.size() >= PacketClock.CONFIRMATIONS) {
                release();
            }
            return;
        }
        // Back near the clock, or hours before the first frame held (a real gap after a frame dated
        // years ahead): the first frame held carried a wrong time.
        Held wrong = held.poll();
        refused++;
        sink.frame(clock.now(), wrong.linkType, wrong.bytes, 0, wrong.bytes.length, wrong.wireLen);
        decideAgain();
        frame(ts, linkType, buf, off, capLen, wireLen);
    }

    /**
     * The capture file ends, or another begins: frames still held were never contradicted, so they
     * go on at their own times; the next frame then starts its file's time when {@code resumed}.
     */
    void endOfSource(boolean resumed) {
        if (!held.isEmpty()) {
            release();
        }
        this.resumed = resumed;
    }

    /** Returns how many frames were processed at the clock's time instead of their own. */
    long refused() {
        return refused;
    }

    private void hold(long ts, int linkType, byte[] buf, int off, int capLen, int wireLen) {
        held.add(new Held(ts, linkType, Arrays.copyOfRange(buf, off, off + capLen), wireLen));
    }

    /** The held frames were a real step: the first sets the clock, the rest are decided from there. */
    private void release() {
        Held first = held.poll();
        clock.advanceTo(first.ts);
        sink.frame(first.ts, first.linkType, first.bytes, 0, first.bytes.length, first.wireLen);
        decideAgain();
    }

    /** Takes the frames still held, once the first of them is decided, through {@link #frame} again, in order. */
    private void decideAgain() {
        List<Held> rest = new ArrayList<>(held);
        held.clear();
        for (Held h : rest) {
            frame(h.ts, h.linkType, h.bytes, 0, h.bytes.length, h.wireLen);
        }
    }
}
