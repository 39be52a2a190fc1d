package io.spanwatch.sensor.flow;

import io.spanwatch.sensor.decode.DecodedPacket;
import java.util.HashMap;

/**
 * Finds or creates the flow of each packet, ends idle flows on packet time and bounds the number of
 * flows. Ended flows go to the {@link Listener} with a reason ({@code timeout}, {@code forced},
 * {@code shutdown}, as Suricata names them).
 *
 * <p>Eviction ends the least recently <em>useful</em> flow: flows are kept in two least-recently-seen
 * lists, one of flows that have not shown they carry a conversation (no completed handshake or answer,
 * no application protocol recognised, or already closed) and one of those that have. A full table
 * ends the flow seen least recently in the first list, and only when that list is empty the one seen
 * least recently in the second, so a flood of one-packet flows (a SYN flood, a scan) ends other flood
 * flows, not the downloads in progress. A flow changes list when it is next seen.
 *
 * <p>Not thread-safe: one table per worker thread. Flows are kept in the two lists for eviction, and
 * in a queue by deadline for timeouts, so neither looks at flows that are not due.
 */
public final class FlowTable {
    /** Receives flows as they end. */
    public interface Listener {
        void flowEnded(Flow flow, String reason);
    }

    private final FlowConfig config;
    private final Listener listener;
    private final HashMap<FlowKey, Flow> flows = new HashMap<>(1024);
    /** Flows not (yet) useful, least recently seen first. */
    private final Lru unproven = new Lru();
    /** Flows carrying a conversation, least recently seen first. */
    private final Lru useful = new Lru();
    private final java.util.PriorityQueue<Deadline> deadlines =
            new java.util.PriorityQueue<>(1024, java.util.Comparator.comparingLong((Deadline d) -> d.deadline));
    private final FlowKey probe = new FlowKey();
    private final long idSalt;
    private long lastExpireCheck = Long.MIN_VALUE;
    private boolean lastSrcIsA;

    // counters
    private long created;
    private long timedOut;
    private long evicted;

    public FlowTable(FlowConfig config, Listener listener, long idSalt) {
        this.config = config;
        this.listener = listener;
        this.idSalt = idSalt;
    }

    /**
     * Returns the flow of a decoded packet (creating it), and updates its packet and byte counters.
     * {@link #lastFromOriginator()} then tells the packet's direction.
     */
    public Flow lookup(DecodedPacket p) {
        boolean srcIsA = probe.set(p, config.vlanInKey());
        Flow f = flows.get(probe);
        if (f == null) {
            if (flows.size() >= config.maxFlows()) {
                evictOldest();
            }
            FlowKey key = probe.copy();
            long id = flowId(key, p.tsNanos);
            f = new Flow(key, p, srcIsA, id);
            flows.put(key, f);
            unproven.addLast(f);
            created++;
            schedule(f, p.tsNanos + config.shortest() * 1_000_000_000L);
        }
        lastSrcIsA = srcIsA;
        boolean fromOrig = f.fromOriginator(srcIsA);
        if (p.tsNanos > f.lastTsNanos) {
            f.lastTsNanos = p.tsNanos;
        }
        if (fromOrig) {
            f.pktsOrig++;
            f.bytesOrig += p.wireLen;
        } else {
            f.pktsResp++;
            f.bytesResp += p.wireLen;
            if (f.state == Flow.State.NEW && f.proto != 6) {
                f.state = Flow.State.ESTABLISHED;
            }
        }
        touch(f);
        return f;
    }

    /** Tells whether the packet given to the last {@link #lookup} came from its flow's originator. */
    public boolean lastFromOriginator(Flow f) {
        return f.fromOriginator(lastSrcIsA);
    }

    /** Removes a flow whose end the caller decided (e.g. a closed TCP connection) and reports it. */
    public void end(Flow f, String reason) {
        if (flows.remove(f.key) != null) {
            unlink(f);
            forget(f);
            listener.flowEnded(f, reason);
        }
    }

    /**
     * Ends flows idle for longer than their timeout at packet time {@code nowNanos}. Cheap to call
     * often: it runs at most once per second of packet time, and only looks at flows whose deadline
     * (as last computed) has passed: a queue ordered by deadline, where a flow that saw packets since
     * is put back with its new deadline.
     */
    public void expire(long nowNanos) {
        if (lastExpireCheck != Long.MIN_VALUE && nowNanos - lastExpireCheck < 1_000_000_000L) {
            return;
        }
        lastExpireCheck = nowNanos;
        while (!deadlines.isEmpty() && deadlines.peek().deadline <= nowNanos) {
            Deadline d = deadlines.poll();
            Flow f = d.flow;
            if (f == null || f.deadline != d || flows.get(f.key) != f) {
                continue; // the flow ended or was re-queued
            }
            long due = f.lastTsNanos + config.timeoutFor(f) * 1_000_000_000L;
            if (due <= nowNanos) {
                flows.remove(f.key);
                unlink(f);
                forget(f);
                timedOut++;
                listener.flowEnded(f, "timeout");
            } else {
                schedule(f, due);
            }
        }
    }

    /** Detaches an ended flow from the timeout queue, so a stale entry there does not keep it in memory. */
    private static void forget(Flow f) {
        if (f.deadline != null) {
            f.deadline.flow = null;
            f.deadline = null;
        }
    }

    private void schedule(Flow f, long due) {
        if (f.deadline != null) {
            f.deadline.flow = null; // superseded
        }
        Deadline d = new Deadline(f, due);
        f.deadline = d;
        deadlines.add(d);
        if (deadlines.size() > 2 * flows.size() + 1024) {
            // Ended and evicted flows leave stale entries; drop them so the queue stays bounded by
            // the table (a flood of one-packet flows would otherwise keep every flow alive).
            deadlines.removeIf(x -> x.flow == null);
        }
    }

    /** A flow's place in the timeout queue. */
    static final class Deadline {
        /** The flow, or null once the flow ended or has a newer entry. */
        Flow flow;
        final long deadline;

        Deadline(Flow flow, long deadline) {
            this.flow = flow;
            this.deadline = deadline;
        }
    }

    /** Ends every flow (end of capture or shutdown). */
    public void endAll(String reason) {
        for (Lru list : new Lru[] {unproven, useful}) {
            while (list.head != null) {
                Flow f = list.head;
                flows.remove(f.key);
                unlink(f);
                forget(f);
                listener.flowEnded(f, reason);
            }
        }
        deadlines.clear();
    }

    /** Ends the least recently useful flow (see the class comment). */
    private void evictOldest() {
        Flow f = unproven.head != null ? unproven.head : useful.head;
        if (f != null) {
            flows.remove(f.key);
            unlink(f);
            forget(f);
            f.evicted = true;
            evicted++;
            listener.flowEnded(f, "forced");
        }
    }

    /**
     * Tells whether a flow has shown it carries a conversation: a completed handshake or an answer,
     * or an application protocol recognised (also from one direction of a half-seen connection),
     * and it is not closed.
     */
    static boolean isUseful(Flow f) {
        return f.state == Flow.State.ESTABLISHED || (f.appProto != null && f.state != Flow.State.CLOSED);
    }

    /** Moves a flow to the end of the list its usefulness now puts it in. */
    private void touch(Flow f) {
        Lru target = isUseful(f) ? useful : unproven;
        if (f.lru == target && target.tail == f) {
            return;
        }
        unlink(f);
        target.addLast(f);
    }

    private static void unlink(Flow f) {
        Lru l = f.lru;
        if (l == null) {
            return;
        }
        if (f.lruPrev != null) {
            f.lruPrev.lruNext = f.lruNext;
        } else {
            l.head = f.lruNext;
        }
        if (f.lruNext != null) {
            f.lruNext.lruPrev = f.lruPrev;
        } else {
            l.tail = f.lruPrev;
        }
        f.lruPrev = null;
        f.lruNext = null;
        f.lru = null;
        l.size--;
    }

    /** A list of flows linked through their own fields, least recently seen first. */
    static final class Lru {
        Flow head;
        Flow tail;
        int size;

        void addLast(Flow f) {
            f.lru = this;
            f.lruPrev = tail;
            f.lruNext = null;
            if (tail != null) {
                tail.lruNext = f;
            } else {
                head = f;
            }
            tail = f;
            size++;
        }
    }

    /** Returns the number of flows that count as useful for eviction (for tests). */
    int usefulCount() {
        return useful.size;
    }

    private long flowId(FlowKey key, long tsNanos) {
        long h = (key.hashCode() * 0x9E3779B97F4A7C15L) ^ (tsNanos * 0xC2B2AE3D27D4EB4FL) ^ idSalt;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return h & ((1L << 51) - 1);
    }

    public int size() {
        return flows.size();
    }

    /** Returns the entries in the timeout queue (for tests: it must stay bounded by the table). */
    int queuedDeadlines() {
        return deadlines.size();
    }

    public long created() {
        return created;
    }

    public long timedOut() {
        return timedOut;
    }

    public long evicted() {
        return evicted;
    }
}
