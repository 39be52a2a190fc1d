package io.spanwatch.analyzer.correlate;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * Holds events and gives them back in packet-time order (ties broken by event type, flow, a
 * per-type key and arrival), the order the rules and the tracker see in every run.
 *
 * <p>Events come nearly in order (the workers write in packet time; a flow event comes when its
 * flow ends, a verdict when clamd answers), so an event not older than the newest one held goes to
 * the tail of a queue in O(1) and only the others to a heap; the smaller head of the two is the
 * next out. The order out is the same as one heap's. Unbounded itself: the stage bounds it
 * ({@code correlate.reorder-events}). Not thread-safe: the correlation thread owns it.
 */
final class ReorderBuffer {
    /** One held event with its sort key. */
    record Held(long ts, int type, long flow, long tie, long seq, EveEvent event) implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            int c = Long.compare(ts, o.ts);
            if (c == 0) {
                c = Integer.compare(type, o.type);
            }
            if (c == 0) {
                c = Long.compare(flow, o.flow);
            }
            if (c == 0) {
                c = Long.compare(tie, o.tie);
            }
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final ArrayDeque<Held> inOrder = new ArrayDeque<>();
    private final PriorityQueue<Held> late = new PriorityQueue<>();
    private long seq;

    /** Adds an event. */
    void add(EveEvent e) {
        EventHeader h = e.header();
        long tie = switch (e) {
            case AlertEvent a -> a.alert().signatureId();
            case HttpEvent x -> x.http().txId();
            case IncidentEvent i -> i.host().hashCode();
            default -> 0;
        };
        Held held = new Held(e.tsNanos(), e.eventType().hashCode(), h != null ? h.flowId() : 0, tie, seq++, e);
        Held last = inOrder.peekLast();
        if (last == null || held.compareTo(last) >= 0) {
            inOrder.addLast(held);
        } else {
            late.add(held);
        }
    }

    /** Returns the first held event in order without removing it, or null. */
    Held peek() {
        Held a = inOrder.peekFirst();
        Held b = late.peek();
        return a == null ? b : b == null || a.compareTo(b) <= 0 ? a : b;
    }

    /** Removes and returns the first held event in order, or null. */
    Held poll() {
        Held a = inOrder.peekFirst();
        Held b = late.peek();
        if (a == null) {
            return late.poll();
        }
        return b == null || a.compareTo(b) <= 0 ? inOrder.pollFirst() : late.poll();
    }

    int size() {
        return inOrder.size() + late.size();
    }

    boolean isEmpty() {
        return inOrder.isEmpty() && late.isEmpty();
    }
}
