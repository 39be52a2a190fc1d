package io.spanwatch.analyzer.scan;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the scan queue on disk so that files waiting for clamd survive a restart: an append-only
 * journal ({@code scan/queue.journal}) of {@code add} lines (the file's whole event, as JSON),
 * {@code reported} lines (its {@code fileinfo} went out with an interim verdict) and {@code done}
 * lines (a final verdict was written). Replaying it gives the files still waiting. The journal is
 * rewritten with only the waiting entries when it holds many finished ones.
 *
 * <p>Appends are flushed to the OS at once (a crash of the process loses nothing; a crash of the
 * machine may lose the last lines). Thread-safe.
 */
final class ScanJournal implements AutoCloseable {
    /** One queued file: everything needed to write its events later. */
    record Entry(long seq, long tsNanos, EventHeader header, HttpInfo http, boolean toServer, FileInfo info, String stored,
            boolean reported) {
    }

    private record Line(String op, long seq, Entry entry) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COMPACT_AFTER = 10_000;

    private final Path path;
    private BufferedWriter out;
    private final Map<Long, Entry> waiting = new LinkedHashMap<>();
    private long nextSeq = 1;
    private int finished;

    private ScanJournal(Path path) {
        this.path = path;
    }

    /** Opens (or creates) the journal under {@code dir} and replays it. */
    static ScanJournal open(Path dir) throws IOException {
        Files.createDirectories(dir);
        ScanJournal j = new ScanJournal(dir.resolve("queue.journal"));
        if (Files.exists(j.path)) {
            for (String text : Files.readAllLines(j.path, StandardCharsets.UTF_8)) {
                if (text.isBlank()) {
                    continue;
                }
                Line line;
                try {
                    line = JSON.readValue(text, Line.class);
                } catch (IOException e) {
                    continue; // a line cut by a crash
                }
                j.nextSeq = Math.max(j.nextSeq, line.seq() + 1);
                switch (line.op()) {
                    case "add" -> j.waiting.put(line.seq(), line.entry());
                    case "reported" -> j.waiting.computeIfPresent(line.seq(), (k, e) -> withReported(e));
                    case "done" -> j.waiting.remove(line.seq());
                    default -> {
                        // unknown operation from a newer version: ignore
                    }
                }
            }
        }
        j.rewrite();
        return j;
    }

    /** Returns the files still waiting, oldest first. */
    synchronized List<Entry> waiting() {
        return new ArrayList<>(waiting.values());
    }

    /** Adds a file and returns its entry (with its sequence number). */
    synchronized Entry add(long tsNanos, EventHeader header, HttpInfo http, boolean toServer, FileInfo info, String stored)
            throws IOException {
        Entry e = new Entry(nextSeq++, tsNanos, header, http, toServer, info, stored, false);
        waiting.put(e.seq(), e);
        append(new Line("add", e.seq(), e));
        return e;
    }

    /** Records that an entry's fileinfo event was written with an interim verdict. */
    synchronized Entry reported(Entry e) throws IOException {
        Entry r = withReported(e);
        if (waiting.replace(e.seq(), r) != null) {
            append(new Line("reported", e.seq(), null));
        }
        return r;
    }

    /** Records that an entry got its final verdict. */
    synchronized void done(Entry e) throws IOException {
        if (waiting.remove(e.seq()) != null) {
            append(new Line("done", e.seq(), null));
            if (++finished >= COMPACT_AFTER) {
                rewrite();
            }
        }
    }

    /** Returns the number of files waiting. */
    synchronized int size() {
        return waiting.size();
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    private static Entry withReported(Entry e) {
        return new Entry(e.seq(), e.tsNanos(), e.header(), e.http(), e.toServer(), e.info(), e.stored(), true);
    }

    private void append(Line line) throws IOException {
        out.write(JSON.writeValueAsString(line));
        out.write('\n');
        out.flush();
    }

    /** Writes a fresh journal with only the waiting entries and switches to it. */
    private void rewrite() throws IOException {
        if (out != null) {
            out.close();
        }
        Path tmp = path.resolveSibling(path.getFileName() + ".new");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (Entry e : waiting.values()) {
                w.write(JSON.writeValueAsString(new Line("add", e.seq(), e)));
                w.write('\n');
            }
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        finished = 0;
    }
}
