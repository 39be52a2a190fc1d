package io.spanwatch.analyzer.scan;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import io.spanwatch.sensor.event.EveTime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import net.lingala.zip4j.io.outputstream.ZipOutputStream;
import net.lingala.zip4j.model.ZipParameters;
import net.lingala.zip4j.model.enums.CompressionMethod;
import net.lingala.zip4j.model.enums.EncryptionMethod;

/**
 * Keeps infected files under {@code DIR/quarantine/}, with their metadata and a retention limit,
 * and exports them for an analyst as a zip encrypted with the password {@value #ZIP_PASSWORD}.
 *
 * <p>On disk, per file: {@code quarantine/<sha256>} (a hard link to the stored file when it is on
 * the same file system, else a copy) and {@code quarantine/<sha256>.json}:
 * <pre>
 * {"sha256": "...", "size": 68, "count": 2,
 *  "first_seen": "2026-11-21T06:13:41.532140+0000", "last_seen": "...",   (packet time, EVE format)
 *  "quarantined_at": "...", "updated_at": "...",                           (wall clock, EVE format)
 *  "event": {the first alert/fileinfo event}, "last_event": {the latest one}}
 * </pre>
 * Both are written to a temporary name and renamed, the file before its metadata; a file without
 * metadata (a crash between the two) and temporary files are removed by {@link #open}.
 *
 * <p>Retention ({@link Limits}, defaults {@value #DEFAULT_MAX_FILES} files,
 * {@link #DEFAULT_MAX_BYTES} bytes = 2 GiB of quarantined content, metadata not counted, and
 * {@link #DEFAULT_MAX_AGE} = 90 days since an entry was last updated) is enforced by {@link #add}
 * and {@link #prune}: entries older than the age limit go, then the least recently updated ones
 * until the count and size fit. Age uses the wall clock, not packet time, so analysing an old
 * capture does not empty the quarantine. A file larger than the byte limit on its own is not
 * quarantined. Every removal and refusal is counted.
 *
 * <p>The zip uses the classic PKWARE encryption (ZipCrypto) that {@code unzip -P infected} and
 * 7-Zip read, as malware analysts expect; it keeps the files from being opened or scanned by
 * accident and is not meant to keep them secret.
 *
 * <p>Thread-safe: every public method holds the instance's lock, so an export blocks additions
 * while it runs. One writing instance per directory (the sensor's or analyze's, which holds the data
 * folder's lock); {@link #openReadOnly} views, for listing and exporting, may be opened beside it and
 * never delete or prune anything.
 */
public final class Quarantine {
    public static final int DEFAULT_MAX_FILES = 1000;
    public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024 * 1024;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(90);
    /** The password of exported zips, the one malware analysts expect. */
    public static final String ZIP_PASSWORD = "infected";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final String JSON = ".json";
    private static final String TMP_PREFIX = ".tmp-";
    private static final DateTimeFormatter EVE_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxx", Locale.ROOT);
    private static final JsonFactory JSON_FACTORY = io.spanwatch.sensor.event.JsonEscapes.factory(); // event JSON: escaped as eve.json is

    /**
     * What a metadata file holds: the entry's fields (as written) and the first and latest events
     * (compact JSON objects, or null).
     */
    private record Meta(long count, String firstSeen, String lastSeen, String quarantinedAt, String updatedAt, String event,
            String lastEvent) {
    }

    /** How much the quarantine keeps. */
    public record Limits(int maxFiles, long maxBytes, Duration maxAge) {
        public static final Limits DEFAULTS = new Limits(DEFAULT_MAX_FILES, DEFAULT_MAX_BYTES, DEFAULT_MAX_AGE);

        public Limits {
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxFiles < 1) {
                throw new IllegalArgumentException("quarantine max files must be at least 1: " + maxFiles);
            }
            if (maxBytes < 1) {
                throw new IllegalArgumentException("quarantine max bytes must be at least 1: " + maxBytes);
            }
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("quarantine max age must be positive: " + maxAge);
            }
        }
    }

    /**
     * One quarantined file. {@code firstSeen}/{@code lastSeen} are the times the caller reported
     * (packet time); {@code quarantinedAt}/{@code updatedAt} are wall-clock times of the first and
     * latest {@link #add}.
     */
    public record Entry(String sha256, long size, long count, Instant firstSeen, Instant lastSeen,
                        Instant quarantinedAt, Instant updatedAt) {
    }

    /** Files quarantined for the first time. */
    public final AtomicLong added = new AtomicLong();
    /** Additions of a file already quarantined (count and last seen updated). */
    public final AtomicLong repeated = new AtomicLong();
    /** Entries removed to keep within the limits. */
    public final AtomicLong removedByRetention = new AtomicLong();
    /** Files not quarantined because they alone exceed the byte limit. */
    public final AtomicLong rejectedTooLarge = new AtomicLong();

    private final Path dir;
    private final Limits limits;
    private final Clock clock;
    /** A view for listing and exporting only: it never deletes, prunes or adds. */
    private final boolean readOnly;
    private final Map<String, Entry> entries = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private long totalBytes;
    private long tmpSeq;

    private Quarantine(Path dir, Limits limits, Clock clock, boolean readOnly) {
        this.dir = dir;
        this.limits = limits;
        this.clock = clock;
        this.readOnly = readOnly;
    }

    /** Opens {@code dataDir/quarantine} with the default limits and the system clock. */
    public static Quarantine open(Path dataDir) throws IOException {
        return open(dataDir, Limits.DEFAULTS, Clock.systemUTC());
    }

    /**
     * Opens (creating it if needed) {@code dataDir/quarantine}, reads the metadata of what is there,
     * removes leftovers of an interrupted addition and applies the limits.
     */
    public static Quarantine open(Path dataDir, Limits limits, Clock clock) throws IOException {
        Quarantine q = new Quarantine(dataDir.resolve("quarantine"), limits, clock, false);
        Files.createDirectories(q.dir);
        q.readExisting();
        q.prune();
        return q;
    }

    /**
     * Opens {@code dataDir/quarantine} to list and export what is there, changing nothing: leftovers
     * of an addition in progress (a running sensor's) are left alone and no limit is applied, since
     * retention is the business of the sensor that owns the folder, with its own configuration.
     * {@link #add} and {@link #prune} refuse on such a view.
     */
    public static Quarantine openReadOnly(Path dataDir) throws IOException {
        Quarantine q = new Quarantine(dataDir.resolve("quarantine"), Limits.DEFAULTS, Clock.systemUTC(), true);
        if (!Files.isDirectory(q.dir)) {
            throw new java.nio.file.NoSuchFileException(q.dir.toString(), null, "no quarantine folder");
        }
        q.readExisting();
        return q;
    }

    /** Returns the directory that holds the files, {@code dataDir/quarantine}. */
    public Path directory() {
        return dir;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Quarantines a file, or updates its count, last-seen time and latest event when it is already
     * there, then applies the limits. The file is not changed or taken over; the caller vouches that
     * its content has the given sha256.
     *
     * @param file      the file to keep, e.g. {@code DIR/files/<sha256>}
     * @param sha256    its SHA-256, 64 hex digits
     * @param eventJson the alert or fileinfo event that reported it, one JSON object
     * @param seen      when it was seen (packet time)
     * @return the entry, or empty when the file is larger than the byte limit on its own
     * @throws IllegalArgumentException if the hash or the event is malformed (nothing is changed)
     */
    public synchronized Optional<Entry> add(Path file, String sha256, String eventJson, Instant seen)
            throws IOException {
        checkWritable();
        String sha = checkSha256(sha256);
        // Times are kept to the microsecond, as EVE JSON writes them.
        Instant seenAt = Objects.requireNonNull(seen, "seen").truncatedTo(ChronoUnit.MICROS);
        String event = parseEvent(eventJson);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Entry old = entries.get(sha);
        Entry entry;
        String first = event;
        String last = null;
        if (old != null && Files.exists(binary(sha))) {
            Optional<Meta> m = readMeta(sha);
            if (m.isPresent() && m.get().event() != null) {
                first = m.get().event();
            }
            last = event;
            entry = new Entry(sha, old.size(), old.count() + 1, min(old.firstSeen(), seenAt),
                    max(old.lastSeen(), seenAt), old.quarantinedAt(), now);
            repeated.incrementAndGet();
        } else {
            long size = Files.size(file);
            if (size > limits.maxBytes()) {
                rejectedTooLarge.incrementAndGet();
                return Optional.empty();
            }
            placeBinary(file, sha);
            entry = new Entry(sha, size, 1, seenAt, seenAt, now, now);
            added.incrementAndGet();
        }
        writeMeta(entry, first, last);
        put(entry);
        enforce(now);
        return Optional.ofNullable(entries.get(sha));
    }

    /** Applies the limits now; returns how many entries were removed. */
    public synchronized int prune() throws IOException {
        checkWritable();
        return enforce(clock.instant());
    }

    private void checkWritable() {
        if (readOnly) {
            throw new IllegalStateException("a read-only view of " + dir + " changes nothing");
        }
    }

    /** Returns the entries, least recently updated first. */
    public synchronized List<Entry> entries() {
        List<Entry> list = new ArrayList<>(entries.values());
        list.sort(OLDEST_FIRST);
        return list;
    }

    public synchronized Optional<Entry> get(String sha256) {
        return Optional.ofNullable(entries.get(sha256.toLowerCase(Locale.ROOT)));
    }

    /** Returns the bytes of quarantined content (metadata not counted). */
    public synchronized long totalBytes() {
        return totalBytes;
    }

    /** Returns problems met while reading the directory (unreadable metadata, leftovers removed). */
    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Exports every entry; see {@link #export(Collection, Path)}. */
    public synchronized int exportAll(Path zipOut) throws IOException {
        return export(entries.keySet(), zipOut);
    }

    /**
     * Writes the given entries to a zip encrypted with ZipCrypto and the password
     * {@value #ZIP_PASSWORD}: per entry {@code <sha256>.bin} (the file) and {@code <sha256>.json}
     * (its metadata). The zip is written under a temporary name beside {@code zipOut} and renamed,
     * replacing an existing file.
     *
     * @return the number of files exported
     * @throws IllegalArgumentException if a hash is malformed or not in the quarantine (nothing is written)
     */
    public synchronized int export(Collection<String> sha256s, Path zipOut) throws IOException {
        LinkedHashSet<String> wanted = new LinkedHashSet<>();
        for (String s : sha256s) {
            String sha = checkSha256(s);
            if (!entries.containsKey(sha)) {
                throw new IllegalArgumentException("not in the quarantine: " + sha);
            }
            wanted.add(sha);
        }
        Path target = zipOut.toAbsolutePath();
        Path tmp = target.resolveSibling(TMP_PREFIX + target.getFileName() + "." + ProcessHandle.current().pid());
        int exported = 0;
        try {
            try (OutputStream os = Files.newOutputStream(tmp);
                 ZipOutputStream zip = new ZipOutputStream(os, ZIP_PASSWORD.toCharArray())) {
                for (String sha : wanted) {
                    Entry e = entries.get(sha);
                    long modified = e.updatedAt().toEpochMilli();
                    // Both are opened before anything is written: a running sensor's retention may have
                    // removed the entry since it was listed; an open file stays readable.
                    byte[] meta;
                    InputStream bin;
                    try {
                        meta = Files.readAllBytes(metadata(sha));
                        bin = Files.newInputStream(binary(sha));
                    } catch (java.nio.file.NoSuchFileException gone) {
                        warnings.add(sha + ": removed from the quarantine meanwhile, not exported");
                        continue;
                    }
                    try (bin) {
                        zip.putNextEntry(zipEntry(sha + ".bin", modified));
                        bin.transferTo(zip);
                        zip.closeEntry();
                    }
                    zip.putNextEntry(zipEntry(sha + JSON, modified));
                    zip.write(meta);
                    zip.closeEntry();
                    exported++;
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return exported;
    }

    private static ZipParameters zipEntry(String name, long modifiedMillis) {
        ZipParameters p = new ZipParameters();
        p.setFileNameInZip(name);
        p.setCompressionMethod(CompressionMethod.DEFLATE);
        p.setEncryptFiles(true);
        p.setEncryptionMethod(EncryptionMethod.ZIP_STANDARD);
        p.setLastModifiedFileTime(modifiedMillis);
        return p;
    }

    private static final Comparator<Entry> OLDEST_FIRST =
            Comparator.comparing(Entry::updatedAt).thenComparing(Entry::sha256);

    private int enforce(Instant now) throws IOException {
        Instant cutoff = now.minus(limits.maxAge());
        int removed = 0;
        for (Entry e : entries()) {
            boolean tooOld = e.updatedAt().isBefore(cutoff);
            if (tooOld || entries.size() > limits.maxFiles() || totalBytes > limits.maxBytes()) {
                remove(e.sha256());
                removed++;
            }
        }
        removedByRetention.addAndGet(removed);
        return removed;
    }

    private void put(Entry e) {
        Entry old = entries.put(e.sha256(), e);
        totalBytes += e.size() - (old == null ? 0 : old.size());
    }

    private void remove(String sha) throws IOException {
        // Metadata first: a file left without it is cleared up by the next open().
        Files.deleteIfExists(metadata(sha));
        Files.deleteIfExists(binary(sha));
        Entry old = entries.remove(sha);
        if (old != null) {
            totalBytes -= old.size();
        }
    }

    /** Puts the file in place under its hash: a hard link if possible, else a copy. */
    private void placeBinary(Path file, String sha) throws IOException {
        Path tmp = tmpPath();
        try {
            try {
                Files.createLink(tmp, file);
            } catch (UnsupportedOperationException | FileSystemException e) {
                // Another file system (EXDEV) or no hard links there: copy instead.
                Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, binary(sha), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the entry's fields, then its first event and, once it was seen again, its latest one. */
    private void writeMeta(Entry e, String event, String lastEvent) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JSON_FACTORY.createGenerator(buf)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("sha256", e.sha256());
            g.writeNumberField("size", e.size());
            g.writeNumberField("count", e.count());
            g.writeStringField("first_seen", format(e.firstSeen()));
            g.writeStringField("last_seen", format(e.lastSeen()));
            g.writeStringField("quarantined_at", format(e.quarantinedAt()));
            g.writeStringField("updated_at", format(e.updatedAt()));
            copyObject(g, "event", event);
            copyObject(g, "last_event", lastEvent);
            g.writeEndObject();
        }
        Path tmp = tmpPath();
        try {
            Files.write(tmp, buf.toByteArray());
            Files.move(tmp, metadata(e.sha256()), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes field {@code name} with the JSON object {@code json} (checked by {@link #parseEvent}), unless it is null. */
    private static void copyObject(JsonGenerator g, String name, String json) throws IOException {
        if (json == null) {
            return;
        }
        g.writeFieldName(name);
        try (JsonParser p = JSON_FACTORY.createParser(json)) {
            p.nextToken();
            g.copyCurrentStructure(p);
        }
    }

    private Optional<Meta> readMeta(String sha) {
        try (JsonParser p = JSON_FACTORY.createParser(Files.readAllBytes(metadata(sha)))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            long count = 1;
            String[] times = new String[4];
            String event = null;
            String lastEvent = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "count" -> count = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 1;
                    case "first_seen" -> times[0] = t == JsonToken.VALUE_STRING ? p.getText() : "";
                    case "last_seen" -> times[1] = t == JsonToken.VALUE_STRING ? p.getText() : "";
                    case "quarantined_at" -> times[2] = t == JsonToken.VALUE_STRING ? p.getText() : "";
                    case "updated_at" -> times[3] = t == JsonToken.VALUE_STRING ? p.getText() : "";
                    case "event" -> event = compact(p, t);
                    case "last_event" -> lastEvent = compact(p, t);
                    default -> p.skipChildren();
                }
            }
            return Optional.of(new Meta(count, times[0], times[1], times[2], times[3], event, lastEvent));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Returns the object the parser is at as compact JSON; null (and skipped) for anything else. */
    private static String compact(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        StringWriter w = new StringWriter(2048);
        try (JsonGenerator g = JSON_FACTORY.createGenerator(w)) {
            g.copyCurrentStructure(p);
        }
        return w.toString();
    }

    private void readExisting() throws IOException {
        List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(names::add);
        }
        for (Path p : names) {
            String name = p.getFileName().toString();
            if (name.startsWith(TMP_PREFIX)) {
                if (!readOnly) {
                    Files.deleteIfExists(p);
                    warnings.add(name + ": leftover of an interrupted addition, removed");
                }
            } else if (name.endsWith(JSON) && SHA256.matcher(name.substring(0, name.length() - JSON.length())).matches()) {
                String sha = name.substring(0, name.length() - JSON.length());
                Optional<Entry> e = readEntry(sha);
                if (e.isPresent()) {
                    put(e.get());
                } else if (!readOnly) {
                    warnings.add(name + ": unreadable metadata or missing file, entry ignored");
                }
            }
        }
        for (Path p : names) {
            String name = p.getFileName().toString();
            if (!readOnly && SHA256.matcher(name).matches() && !entries.containsKey(name)
                    && !Files.exists(metadata(name))) {
                Files.deleteIfExists(p);
                warnings.add(name + ": file without metadata (interrupted addition), removed");
            }
        }
    }

    private Optional<Entry> readEntry(String sha) {
        Optional<Meta> meta = readMeta(sha);
        if (meta.isEmpty() || !Files.isRegularFile(binary(sha))) {
            return Optional.empty();
        }
        Meta m = meta.get();
        try {
            return Optional.of(new Entry(sha, Files.size(binary(sha)), Math.max(1, m.count()),
                    parse(m.firstSeen()), parse(m.lastSeen()), parse(m.quarantinedAt()), parse(m.updatedAt())));
        } catch (IOException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Instant parse(String time) {
        return OffsetDateTime.parse(time == null ? "" : time, EVE_TIME).toInstant();
    }

    private static String format(Instant t) {
        return EveTime.format(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano()));
    }

    /** Returns the event as compact JSON, checked to be one JSON object. */
    private static String parseEvent(String eventJson) {
        Objects.requireNonNull(eventJson, "eventJson");
        try (JsonParser p = JSON_FACTORY.createParser(eventJson)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT) {
                String compact = compact(p, t);
                if (p.nextToken() == null) {
                    return compact;
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory failed", e);
        }
        throw new IllegalArgumentException("event is not a JSON object");
    }

    private static String checkSha256(String sha256) {
        String s = Objects.requireNonNull(sha256, "sha256").toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(s).matches()) {
            throw new IllegalArgumentException("not a sha256 (64 hex digits): " + sha256);
        }
        return s;
    }

    private Path binary(String sha) {
        return dir.resolve(sha);
    }

    private Path metadata(String sha) {
        return dir.resolve(sha + JSON);
    }

    private Path tmpPath() {
        return dir.resolve(TMP_PREFIX + ProcessHandle.current().pid() + "-" + (tmpSeq++));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
