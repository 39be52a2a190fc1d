package io.spanwatch.analyzer.index;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * Remembers which events one day of the index holds, by the first 4 bytes of their ids, so an
 * import adds an event it has never seen with a plain add and only replaces (a delete by id, which
 * Lucene applies to every segment of the day) an event whose prefix is already there. Exact: a
 * prefix not in the set is an event not in the day; a prefix in it is the same event or, rarely, a
 * prefix collision, for which the replace deletes nothing and adds, which is also right.
 *
 * <p>An open-addressing table of ints (at most 12 bytes an id). All sets of one writer share a
 * budget of ids ({@code budget}); a set that finds it spent says so ({@link Add#NO_ROOM},
 * {@link #load} returning false) and changes nothing, so that its writer can first close a day no
 * longer written to (which gives that day's ids back) and try again; when there is none, the
 * writer gives the set up ({@link #release}) and the day then replaces every event, as a live
 * writer does. While an add is in Lucene's hands its prefix is marked pending, and an import of
 * the same prefix on another thread waits for it ({@link #awaitNotPending}), so a replace always
 * comes after the add it replaces.
 *
 * <p>Thread-safe (synchronized; one short critical section per event).
 */
final class IdSet {
    private static final int EMPTY = 0;
    private static final int INSERTED = 1;
    private static final int PRESENT = 0;
    private static final int NO_ROOM = -1;

    private final AtomicLong budget;
    private int[] table = new int[1 << 10];
    private int size;
    private boolean hasZero;
    private boolean full;
    /** Prefixes being added right now (one per importing thread at most). */
    private final int[] pending = new int[64];
    private int pendingCount;

    /** Makes an empty set drawing on {@code budget} (ids all sets of a writer may still hold). */
    IdSet(AtomicLong budget) {
        this.budget = budget;
    }

    /**
     * Adds the ids of the events in {@code reader} (from their {@link EventFields#TIEBREAK} doc values);
     * returns false when the budget ran out first: the set is then incomplete and must be loaded again
     * (ids already in it are not counted twice) or {@link #release}d.
     */
    synchronized boolean load(DirectoryReader reader) throws IOException {
        for (LeafReaderContext leaf : reader.leaves()) {
            NumericDocValues dv = leaf.reader().getNumericDocValues(EventFields.TIEBREAK);
            if (dv == null) {
                continue;
            }
            for (int d = dv.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS && !full; d = dv.nextDoc()) {
                if (insert(prefix(dv.longValue())) == NO_ROOM) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Returns the part of an id's {@link EventIds#tiebreak} the set keeps. */
    static int prefix(long tiebreak) {
        return (int) (tiebreak >>> 32);
    }

    /** Tells whether the set gave up ({@link #release}): every event must then be replaced. */
    synchronized boolean full() {
        return full;
    }

    /** What {@link #addPending} found. */
    enum Add {
        /** The prefix is new and now pending: the caller adds the event, then calls {@link #done}. */
        NEW,
        /** The prefix was there, or the set is full: the caller replaces the event. */
        SEEN,
        /** The budget is spent and nothing changed: the caller frees ids and tries again, or {@link #release}s the set. */
        NO_ROOM
    }

    /** Adds {@code id}'s prefix; see {@link Add} for what the caller does next. */
    synchronized Add addPending(int id) {
        if (full) {
            return Add.SEEN;
        }
        int r = insert(id);
        if (r == NO_ROOM) {
            return Add.NO_ROOM;
        }
        if (r == PRESENT) {
            return Add.SEEN;
        }
        if (pendingCount < pending.length) {
            pending[pendingCount++] = id;
            return Add.NEW;
        }
        return Add.SEEN; // more concurrent adds than slots: replace, which is always correct
    }

    /** Ends the add {@link #addPending} began. */
    synchronized void done(int id) {
        for (int i = 0; i < pendingCount; i++) {
            if (pending[i] == id) {
                pending[i] = pending[--pendingCount];
                notifyAll();
                return;
            }
        }
    }

    /** Waits until no add of {@code id}'s prefix is in progress. */
    synchronized void awaitNotPending(int id) throws InterruptedException {
        while (isPending(id)) {
            wait();
        }
    }

    private boolean isPending(int id) {
        for (int i = 0; i < pendingCount; i++) {
            if (pending[i] == id) {
                return true;
            }
        }
        return false;
    }

    /** Returns the number of ids held. */
    synchronized int size() {
        return size + (hasZero ? 1 : 0);
    }

    /**
     * Gives the ids held back to the budget (the day's writer closed, or no ids could be freed for
     * it); the set is full from now on.
     */
    synchronized void release() {
        budget.addAndGet(size());
        full = true;
        table = new int[0];
        size = 0;
        hasZero = false;
    }

    /** Inserts; returns {@link #INSERTED}, {@link #PRESENT} or, changing nothing, {@link #NO_ROOM}. */
    private int insert(int id) {
        if (id == EMPTY) {
            if (hasZero) {
                return PRESENT;
            }
            if (!take()) {
                return NO_ROOM;
            }
            hasZero = true;
            return INSERTED;
        }
        int mask = table.length - 1;
        int i = mix(id) & mask;
        while (table[i] != EMPTY) {
            if (table[i] == id) {
                return PRESENT;
            }
            i = (i + 1) & mask;
        }
        if (!take()) {
            return NO_ROOM;
        }
        table[i] = id;
        size++;
        if (size * 3L > table.length * 2L) {
            grow();
        }
        return INSERTED;
    }

    /** Takes one id from the budget; false when it is spent. */
    private boolean take() {
        if (budget.decrementAndGet() < 0) {
            budget.incrementAndGet();
            return false;
        }
        return true;
    }

    private void grow() {
        int[] old = table;
        table = new int[old.length * 2];
        int mask = table.length - 1;
        for (int v : old) {
            if (v != EMPTY) {
                int i = mix(v) & mask;
                while (table[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                table[i] = v;
            }
        }
    }

    private static int mix(int v) {
        return v * 0x9E3779B9; // the ids are SHA-256 bytes already; spread them anyway
    }
}
