package io.spanwatch.analyzer.reputation;

import io.spanwatch.sensor.event.AppendFile;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what was observed over the last days, so that an indicator arriving later can be checked
 * against the past (retro-hunt). One file a day of packet time, {@code YYYY-MM-DD.jnl} under the
 * journal folder, of binary records: kind, time, flow id, community id, protocol, addresses and
 * ports (4 or 16 address bytes), HTTP host, port and URL, digests as bytes; about 100 bytes an
 * HTTP request. A record that repeats what the same flow already recorded (a keep-alive client
 * asking for the same URL) is not written again: one per flow and observable is all a retro alert
 * needs.
 *
 * <p>Bounds: {@code maxDayBytes} per day (further records of that day are counted in
 * {@link #dropped()}, not written); days older than {@code days} before the newest packet time seen
 * are deleted. A record cut short by a crash ends the file's reading quietly.
 *
 * <p>Thread-safe: appends take one lock per call; a scan reads each file up to a {@link #mark}
 * taken earlier, without the lock.
 */
final class ObservationJournal implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ObservationJournal.class);
    private static final long MICROS_PER_DAY = 86_400_000_000L;
    private static final int MAX_STRING = 16 * 1024;
    private static final int RECENT = 65_536;

    private final Path dir;
    private final int days;
    private final long maxDayBytes;
    private final Map<Long, Day> open = new TreeMap<>();
    private final AlertDedup recent = new AlertDedup(RECENT);
    private long newestDay = Long.MIN_VALUE;
    private long records;
    private long dropped;
    private long duplicates;
    private long bytes;
    private long writeFailures;
    private boolean closed;

    /** One day's file being written. */
    private static final class Day {
        /** Whole records only: a write a full disk stops part-way is cut back (a torn record made the reader skip the rest of the day). */
        final AppendFile out;
        long size;
        boolean full;
        /** Of {@link AppendFile#droppedRecords}, those already in {@link #dropped}. */
        long dropsCounted;

        Day(AppendFile out, long size) {
            this.out = out;
            this.size = size;
        }
    }

    /**
     * Counts the records {@code d}'s file dropped since the last call (one record when the day's file
     * could not be opened, {@code d} null), and warns (rarely: a full disk fails every record).
     */
    private void writeFailed(Day d, String what, IOException e) {
        if (d == null) {
            dropped++;
        } else {
            long now = d.out.droppedRecords();
            dropped += now - d.dropsCounted;
            d.dropsCounted = now;
        }
        writeFailures++;
        if (writeFailures <= 5 || writeFailures % 10_000 == 0) {
            LOG.warn("intel journal {}: cannot {} ({} write failures so far; observations dropped are counted in intel.journal_dropped): {}",
                    dir, what, writeFailures, e.getMessage());
        }
    }

    ObservationJournal(Path dir, int days, long maxDayBytes) throws IOException {
        this.dir = dir;
        this.days = days;
        this.maxDayBytes = maxDayBytes;
        Files.createDirectories(dir);
        for (long d : existingDays()) {
            newestDay = Math.max(newestDay, d);
        }
        prune();
    }

    /** Records an observation. */
    synchronized void append(Observation o) {
        if (closed) {
            return;
        }
        long fp = fingerprint(o);
        if (!recent.first(o.flowId(), fp)) {
            duplicates++;
            return;
        }
        long day = Math.floorDiv(o.tsMicros(), MICROS_PER_DAY);
        if (newestDay != Long.MIN_VALUE && day <= newestDay - days) {
            dropped++;
            return;
        }
        if (day > newestDay) {
            newestDay = day;
            prune();
        }
        Day d = null;
        try {
            d = day(day);
            byte[] rec = encode(o);
            if (d.size + rec.length > maxDayBytes) {
                if (!d.full) {
                    d.full = true;
                    LOG.warn("intel journal {}: reached intel.journal-max-day-bytes ({}); further observations of that day are not kept",
                            name(day), maxDayBytes);
                }
                dropped++;
                return;
            }
            d.out.write(rec);
            d.size += rec.length;
            bytes += rec.length;
            records++;
        } catch (IOException e) {
            writeFailed(d, d == null ? "open the day's file" : "write", e);
        }
    }

    /** Writes buffered records to the files. */
    synchronized void flush() {
        for (Day d : open.values()) {
            try {
                d.out.flush();
            } catch (IOException e) {
                writeFailed(d, "flush", e);
            }
        }
    }

    /**
     * Returns where every day file of the window ends now (after a flush): a hunt reads up to there.
     * Observations recorded later were checked against the indicators then in force.
     */
    synchronized Map<Long, Long> mark() {
        flush();
        Map<Long, Long> m = new TreeMap<>();
        for (long d : existingDays()) {
            if (d > newestDay - days) {
                try {
                    m.put(d, Files.size(dir.resolve(name(d))));
                } catch (IOException e) {
                    LOG.warn("intel journal {}: cannot read the size of {}: {}", dir, name(d), e.getMessage());
                }
            }
        }
        return m;
    }

    /** Reads every observation up to a {@link #mark}, oldest day first; days that left the window since are skipped. */
    void scan(Map<Long, Long> mark, Consumer<Observation> sink) throws IOException {
        for (Map.Entry<Long, Long> e : mark.entrySet()) {
            Path f = dir.resolve(name(e.getKey()));
            if (Files.isRegularFile(f)) {
                try {
                    read(f, e.getValue(), sink);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // deleted by the retention while we were reading: out of the window
                }
            }
        }
    }

    /** Reads every kept observation of the last {@code days} days, oldest day first. */
    void scan(Consumer<Observation> sink) throws IOException {
        scan(mark(), sink);
    }

    synchronized long records() {
        return records;
    }

    synchronized long dropped() {
        return dropped;
    }

    synchronized long duplicates() {
        return duplicates;
    }

    synchronized long bytes() {
        return bytes;
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Day d : open.values()) {
            try {
                d.out.close();
            } catch (IOException e) {
                writeFailed(d, "close", e);
            }
        }
        open.clear();
    }

    private Day day(long day) throws IOException {
        Day d = open.get(day);
        if (d == null) {
            Path f = dir.resolve(name(day));
            AppendFile out = AppendFile.open(f, 1 << 16);
            d = new Day(out, Files.size(f));
            open.put(day, d);
            while (open.size() > 2) {
                long oldest = open.keySet().iterator().next();
                Day old = open.remove(oldest);
                try {
                    old.out.close();
                } catch (IOException e) {
                    writeFailed(old, "close", e);
                }
            }
        }
        return d;
    }

    private void prune() {
        for (long d : existingDays()) {
            if (d <= newestDay - days) {
                Day w = open.remove(d);
                if (w != null) {
                    try {
                        w.out.close();
                    } catch (IOException e) {
                        writeFailed(w, "close", e);
                    }
                }
                try {
                    Files.deleteIfExists(dir.resolve(name(d)));
                } catch (IOException e) {
                    LOG.warn("intel journal {}: cannot delete {}: {}", dir, name(d), e.getMessage());
                }
            }
        }
    }

    private List<Long> existingDays() {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jnl")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    out.add(LocalDate.parse(n.substring(0, n.length() - 4)).toEpochDay());
                } catch (RuntimeException e) {
                    // not a journal day file
                }
            }
        } catch (IOException e) {
            LOG.warn("intel journal {}: cannot list: {}", dir, e.getMessage());
        }
        out.sort(null);
        return out;
    }

    private static String name(long day) {
        return LocalDate.ofEpochDay(day) + ".jnl";
    }

    private static long fingerprint(Observation o) {
        byte[] b = (o.kind() + "|" + o.srcIp() + "|" + o.destIp() + "|" + o.host() + "|" + o.httpPort() + "|" + o.url() + "|" + o.md5()
                + "|" + o.sha1() + "|" + o.sha256()).getBytes(StandardCharsets.UTF_8);
        return IntelSnapshot.fingerprint(17, b, 0, b.length);
    }

    static byte[] encode(Observation o) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(128);
        body.write(o.kind().ordinal());
        varLong(body, o.tsMicros());
        for (int i = 56; i >= 0; i -= 8) {
            body.write((int) (o.flowId() >>> i));
        }
        body.write(o.srcIsClient() ? 1 : 0);
        string(body, o.communityId());
        string(body, o.proto());
        ip(body, o.srcIp());
        varLong(body, o.srcPort() + 1L);
        ip(body, o.destIp());
        varLong(body, o.destPort() + 1L);
        string(body, o.host());
        varLong(body, o.httpPort() + 1L);
        string(body, o.url());
        digest(body, o.md5());
        digest(body, o.sha1());
        digest(body, o.sha256());
        ByteArrayOutputStream rec = new ByteArrayOutputStream(body.size() + 3);
        varLong(rec, body.size());
        rec.write(body.toByteArray(), 0, body.size());
        return rec.toByteArray();
    }

    private static void read(Path file, long length, Consumer<Observation> sink) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(new BoundedInput(raw, length), 1 << 16))) {
            while (true) {
                long len;
                try {
                    len = readVarLong(in);
                } catch (EOFException e) {
                    return;
                }
                if (len <= 0 || len > 4 * MAX_STRING) {
                    LOG.warn("intel journal {}: damaged record; rest of the file skipped", file);
                    return;
                }
                byte[] body = new byte[(int) len];
                try {
                    in.readFully(body);
                } catch (EOFException e) {
                    return; // cut short by a crash
                }
                Observation o;
                try {
                    o = decode(body);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("intel journal {}: damaged record; rest of the file skipped", file);
                    return;
                }
                sink.accept(o);
            }
        }
    }

    static Observation decode(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body));
        Observation.Kind kind = Observation.Kind.values()[in.readUnsignedByte()];
        long ts = readVarLong(in);
        long flowId = in.readLong();
        boolean srcIsClient = in.readUnsignedByte() == 1;
        String community = readString(in);
        String proto = readString(in);
        String src = readIp(in);
        int srcPort = (int) readVarLong(in) - 1;
        String dest = readIp(in);
        int destPort = (int) readVarLong(in) - 1;
        String host = readString(in);
        int httpPort = (int) readVarLong(in) - 1;
        String url = readString(in);
        return new Observation(kind, ts, flowId, community, proto, src, srcPort, dest, destPort, srcIsClient, host, httpPort, url,
                readDigest(in), readDigest(in), readDigest(in));
    }

    private static void varLong(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarLong(DataInputStream in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7f) << shift;
            if (b < 0x80) {
                return v;
            }
        }
        throw new IOException("bad varint");
    }

    private static void string(ByteArrayOutputStream out, String s) {
        if (s == null) {
            out.write(0);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(b.length, MAX_STRING);
        varLong(out, n + 1L);
        out.write(b, 0, n);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = (int) readVarLong(in);
        if (n == 0) {
            return null;
        }
        if (n - 1 > MAX_STRING) {
            throw new IOException("string too long");
        }
        byte[] b = new byte[n - 1];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void ip(ByteArrayOutputStream out, String ip) {
        long[] a = new long[2];
        int family = ip == null ? IpAddr.NONE : IpAddr.parse(ip, 0, ip.length(), a);
        if (family == IpAddr.NONE) {
            out.write(0);
            return;
        }
        byte[] b = IpAddr.toBytes(family, a[0], a[1]);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    private static String readIp(DataInputStream in) throws IOException {
        int n = in.readUnsignedByte();
        if (n == 0) {
            return null;
        }
        if (n != 4 && n != 16) {
            throw new IOException("bad address length");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        long[] a = new long[2];
        int family = IpAddr.fromBytes(b, 0, n, a);
        return IpAddr.format(family, a[0], a[1]);
    }

    private static void digest(ByteArrayOutputStream out, String hex) {
        byte[] d = hex == null ? null : Indicators.digest(hex);
        if (d == null) {
            out.write(0);
            return;
        }
        out.write(d.length);
        out.write(d, 0, d.length);
    }

    private static String readDigest(DataInputStream in) throws IOException {
        int n = in.readUnsignedByte();
        if (n == 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return HexFormat.of().formatHex(b);
    }
}
