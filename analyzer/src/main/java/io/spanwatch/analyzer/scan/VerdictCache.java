package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.HttpInfo;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Remembers final clamd verdicts by sha256, so that a file seen again is not scanned again under the
 * same signature database, and keeps them in {@code scan/verdicts.jsonl} for the next run and for
 * retro-scans.
 *
 * <p><b>Budget.</b> The verdicts in memory are held within {@code maxBytes} of estimated heap
 * ({@value #ENTRY_COST} bytes an entry plus its signature names); past it the least recently used is
 * forgotten (counted in {@link #evictions()}; the file is then scanned again when seen again).
 *
 * <p><b>On disk.</b> One JSON line per final verdict with a known database version: {@code sha256},
 * {@code verdict}, {@code at} (wall-clock milliseconds it was written) and {@code event} (the
 * file's latest sighting: packet time, header, http and fileinfo objects, what a retro alert shows).
 * A sighting of a remembered file writes a new line at most once an hour ({@value #REFRESH_MILLIS} ms).
 * The file is read line by line at start, keeping what the budget holds, and rewritten with the
 * latest line of each remembered verdict once it has twice as many lines as verdicts remembered (plus
 * {@value #COMPACT_SLACK}). Verdicts of a custom-only database (clamd reports no version) are kept for
 * the run only: a reload of its signatures would not show in a version.
 *
 * <p>Which database is current is not this class's business: {@link #get} takes it from the caller,
 * who has it from clamd. Thread-safe.
 */
final class VerdictCache implements AutoCloseable {
    /** Estimated heap of one remembered verdict: key, map entry, slot and verdict. */
    static final int ENTRY_COST = 320;
    static final long REFRESH_MILLIS = 3_600_000;
    static final int COMPACT_SLACK = 10_000;

    /** The event of a file's latest sighting. */
    record Sighting(long tsNanos, EventHeader header, HttpInfo http, boolean toServer, FileInfo info, String stored) {
    }

    /** One line of {@code verdicts.jsonl}. */
    record Remembered(String sha256, FileVerdict verdict, long at, Sighting event) {
    }

    private static final class Slot {
        FileVerdict verdict;
        long line = -1;
        long at;
        long cost;
    }

    private final Path path;
    private final long maxBytes;
    private final LinkedHashMap<String, Slot> slots = new LinkedHashMap<>(1024, 0.75f, true);
    private final Map<String, String> versions = new HashMap<>();
    private OutputStream out;
    private long lines;
    private long bytes;
    private long evictions;
    /** Readers of the log by line number ({@link #forEachSince}): no compaction renumbers it meanwhile. */
    private int readers;

    private VerdictCache(Path path, long maxBytes) {
        this.path = path;
        this.maxBytes = maxBytes;
    }

    /** Opens {@code file} (created if missing) and reads the verdicts it holds, line by line. */
    static VerdictCache open(Path file, long maxBytes) throws IOException {
        VerdictCache c = new VerdictCache(file, maxBytes);
        if (Files.exists(file)) {
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String text;
                while ((text = r.readLine()) != null) {
                    Remembered rem = parse(text);
                    if (rem != null) {
                        c.remember(rem.sha256(), rem.verdict(), rem.at(), c.lines);
                    }
                    c.lines++;
                }
            }
        }
        c.out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        c.compactIfDue();
        return c;
    }

    /**
     * Returns the verdict remembered for {@code sha256} if it was given under {@code database} (null
     * for a custom-only database), else null.
     */
    synchronized FileVerdict get(String sha256, String database) {
        Slot s = slots.get(sha256);
        return s != null && Objects.equals(s.verdict.databaseVersion(), database) ? s.verdict : null;
    }

    /** Returns the verdict remembered for {@code sha256} whatever its database, or null. */
    synchronized FileVerdict any(String sha256) {
        Slot s = slots.get(sha256);
        return s == null ? null : s.verdict;
    }

    /**
     * Remembers a final verdict of a file and, when its database has a version, writes it down with
     * the sighting.
     */
    synchronized void put(String sha256, FileVerdict v, Sighting seen) throws IOException {
        long now = System.currentTimeMillis();
        Slot s = remember(sha256, v, now, -1);
        if (v.databaseVersion() != null && s != null) {
            write(new Remembered(sha256, v, now, seen), s);
        }
    }

    /** Notes that a remembered file was seen again; writes the sighting down once an hour at most. */
    synchronized void seen(String sha256, Sighting seen) throws IOException {
        Slot s = slots.get(sha256);
        long now = System.currentTimeMillis();
        if (s == null || now - s.at < REFRESH_MILLIS) {
            return;
        }
        s.at = now;
        if (s.verdict.databaseVersion() != null) {
            write(new Remembered(sha256, s.verdict, now, seen), s);
        }
    }

    /**
     * Calls {@code each} with the latest line of every remembered verdict (with a known database
     * version) last seen at or after {@code sinceMillis} (wall clock), in the order they were written.
     */
    void forEachSince(long sinceMillis, Consumer<Remembered> each) throws IOException {
        long upTo;
        synchronized (this) {
            out.flush();
            upTo = lines;
            readers++;
        }
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String text;
            long n = 0;
            while (n < upTo && (text = r.readLine()) != null) {
                long index = n++;
                Remembered rem = parse(text);
                if (rem == null || rem.event() == null) {
                    continue;
                }
                boolean latest;
                synchronized (this) {
                    Slot s = slots.get(rem.sha256());
                    latest = s != null && s.line == index && s.at >= sinceMillis;
                }
                if (latest) {
                    each.accept(rem);
                }
            }
        } finally {
            synchronized (this) {
                readers--;
            }
        }
    }

    /** Returns the verdicts remembered. */
    synchronized int size() {
        return slots.size();
    }

    /** Returns the estimated heap of the verdicts remembered. */
    synchronized long bytes() {
        return bytes;
    }

    /** Returns the verdicts forgotten to stay within the budget. */
    synchronized long evictions() {
        return evictions;
    }

    /** Returns the lines in {@code verdicts.jsonl}. */
    synchronized long lines() {
        return lines;
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    private Slot remember(String sha256, FileVerdict v, long at, long line) {
        long cost = ENTRY_COST;
        for (String sig : v.signatures()) {
            cost += 2L * sig.length() + 48;
        }
        if (cost > maxBytes) {
            return null;
        }
        FileVerdict shared = new FileVerdict(v.engine(), intern(v.engineVersion()), intern(v.databaseVersion()), v.result(),
                v.signatures(), v.scanTimeMillis(), v.reason(), v.interim());
        Slot s = slots.get(sha256);
        if (s == null) {
            s = new Slot();
            slots.put(sha256, s);
        } else {
            bytes -= s.cost;
        }
        s.verdict = shared;
        s.at = at;
        s.line = line;
        s.cost = cost;
        bytes += cost;
        Iterator<Map.Entry<String, Slot>> it = slots.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, Slot> oldest = it.next();
            if (oldest.getValue() == s) {
                continue;
            }
            bytes -= oldest.getValue().cost;
            it.remove();
            evictions++;
        }
        return s;
    }

    /** Shares the few version strings among all verdicts (each VERSION answer or line would bring its own). */
    private String intern(String s) {
        if (s == null) {
            return null;
        }
        if (versions.size() > 64) {
            versions.clear();
        }
        return versions.computeIfAbsent(s, k -> k);
    }

    private void write(Remembered r, Slot s) throws IOException {
        out.write(ScanJson.rememberedLine(r));
        out.write('\n');
        out.flush();
        s.line = lines++;
        compactIfDue();
    }

    private static Remembered parse(String text) {
        if (text.isBlank()) {
            return null;
        }
        return ScanJson.parseRemembered(text); // null for a line cut by a crash
    }

    /** Rewrites the file with the latest line of each remembered verdict once it holds twice as many lines and more. */
    private void compactIfDue() throws IOException {
        if (lines <= 2L * slots.size() + COMPACT_SLACK || readers > 0) {
            return;
        }
        out.close();
        Map<Long, Slot> byLine = new HashMap<>();
        for (Slot s : slots.values()) {
            if (s.line >= 0) {
                byLine.put(s.line, s);
                s.line = -1; // until its line is copied
            }
        }
        Path tmp = path.resolveSibling(path.getFileName() + ".new");
        long written = 0;
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8);
                OutputStream w = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            String text;
            long n = 0;
            while ((text = r.readLine()) != null) {
                Slot s = byLine.get(n++);
                if (s == null) {
                    continue;
                }
                w.write(text.getBytes(StandardCharsets.UTF_8));
                w.write('\n');
                s.line = written++;
            }
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        lines = written;
        out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }
}
