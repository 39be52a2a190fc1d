package io.spanwatch.analyzer.scan;

import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * Holds a file in the scan stage's queue, due after its backoff. Copies of a job (a retry, or one made
 * due at once) share its {@link Ticket}, whose entry changes under the ticket's lock once the file's
 * fileinfo is written, so the file is reported once whichever copy gets there.
 */
final class ScanJob implements Delayed {
    /** A waiting file's entry, shared by every copy of its job. */
    static final class Ticket {
        volatile ScanJournal.Entry entry;

        Ticket(ScanJournal.Entry entry) {
            this.entry = entry;
        }
    }

    final Ticket ticket;
    final int attempts;
    final long delayMillis;
    final long dueNanos;

    ScanJob(ScanJournal.Entry entry, int attempts, long delayMillis) {
        this(new Ticket(entry), attempts, delayMillis);
    }

    ScanJob(Ticket ticket, int attempts, long delayMillis) {
        this.ticket = ticket;
        this.attempts = attempts;
        this.delayMillis = delayMillis;
        this.dueNanos = System.nanoTime() + delayMillis * 1_000_000L;
    }

    ScanJournal.Entry entry() {
        return ticket.entry;
    }

    @Override
    public long getDelay(TimeUnit unit) {
        return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
        return Long.compare(dueNanos, ((ScanJob) o).dueNanos);
    }
}
