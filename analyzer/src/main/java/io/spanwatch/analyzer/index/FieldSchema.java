package io.spanwatch.analyzer.index;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Holds the kind of every indexed field, by EVE path ({@code http.hostname}, {@code fileinfo.size}),
 * for all days of one index: {@code index/schema.json}. A field's kind is fixed the first time it is
 * seen: from the list of known fields below, else from its name (a leaf ending in {@code _ip} is an
 * address, {@code timestamp}, {@code first_seen}, {@code last_seen} are times), else from its first
 * value's JSON type. Later values of another type are converted when they can be ({@code "200"} in a
 * numeric field) and otherwise not indexed (counted as conflicts); the stored source keeps them.
 *
 * <p>Limit: at most {@code maxFields} fields ({@link IndexConfig#DEFAULT_MAX_FIELDS}) of at most
 * {@value #MAX_PATH_CHARS} characters; fields past it, longer, or named as the index's own fields
 * ({@code _id}, {@code _tb}, {@code _source}, {@code _text}) are not indexed (counted), which keeps a
 * hostile or very wide EVE file from growing the schema without bound or clashing with the index.
 *
 * <p>Thread-safe: the first kind given for a field wins.
 */
public final class FieldSchema {
    /** Fields whose kind does not follow from their first value. */
    static final Map<String, FieldKind> KNOWN = Map.ofEntries(
            Map.entry(EventFields.TIMESTAMP, FieldKind.TIME),
            Map.entry("flow.start", FieldKind.TIME),
            Map.entry("flow.end", FieldKind.TIME),
            Map.entry("retro.detected", FieldKind.TIME),
            Map.entry("src_ip", FieldKind.IP),
            Map.entry("dest_ip", FieldKind.IP),
            Map.entry("flow.src_ip", FieldKind.IP),
            Map.entry("flow.dest_ip", FieldKind.IP),
            Map.entry("alert.source.ip", FieldKind.IP),
            Map.entry("alert.target.ip", FieldKind.IP),
            Map.entry("incident.host", FieldKind.IP),
            Map.entry("flow_id", FieldKind.LONG),
            // numbers every EVE writer writes as numbers: a first value written as text ("53") must not
            // make them text fields for good, where ranges would compare as strings (review)
            Map.entry("src_port", FieldKind.LONG),
            Map.entry("dest_port", FieldKind.LONG),
            Map.entry("tx_id", FieldKind.LONG),
            Map.entry("pcap_cnt", FieldKind.LONG),
            Map.entry("vlan", FieldKind.LONG),
            Map.entry("icmp_type", FieldKind.LONG),
            Map.entry("icmp_code", FieldKind.LONG),
            Map.entry("alert.signature_id", FieldKind.LONG),
            Map.entry("alert.gid", FieldKind.LONG),
            Map.entry("alert.rev", FieldKind.LONG),
            Map.entry("alert.severity", FieldKind.LONG),
            Map.entry("http.status", FieldKind.LONG),
            Map.entry("http.length", FieldKind.LONG),
            Map.entry("fileinfo.size", FieldKind.LONG),
            Map.entry("flow.pkts_toserver", FieldKind.LONG),
            Map.entry("flow.pkts_toclient", FieldKind.LONG),
            Map.entry("flow.bytes_toserver", FieldKind.LONG),
            Map.entry("flow.bytes_toclient", FieldKind.LONG),
            Map.entry("flow.age", FieldKind.LONG),
            Map.entry("event_type", FieldKind.KEYWORD),
            Map.entry("beacon.score", FieldKind.DOUBLE),
            Map.entry("beacon.interval_s", FieldKind.DOUBLE));

    private static final Set<String> TIME_LEAVES = Set.of("timestamp", "first_seen", "last_seen");
    /** The index's own fields: an EVE key of the same name would clash with them (and stop an import). */
    private static final Set<String> RESERVED = Set.of(EventFields.ID, EventFields.TIEBREAK, EventFields.SOURCE, EventFields.TEXT);
    /** Longest field path indexed: longer names stay in the source only, so the schema stays small. */
    static final int MAX_PATH_CHARS = 256;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ConcurrentHashMap<String, FieldKind> kinds = new ConcurrentHashMap<>();
    private final int maxFields;
    private final AtomicLong overLimit = new AtomicLong();
    private volatile boolean dirty;

    public FieldSchema(int maxFields) {
        this.maxFields = maxFields;
    }

    /** Reads {@code file} if it exists; a file that cannot be read is an error (the index needs it). */
    public static FieldSchema load(Path file, int maxFields) throws IOException {
        FieldSchema s = new FieldSchema(maxFields);
        s.reload(file);
        s.dirty = false;
        return s;
    }

    /** Adds the fields {@code file} names that this schema does not know yet (a reader following a writer). */
    public void reload(Path file) throws IOException {
        Map<String, String> m;
        try {
            m = JSON.readValue(Files.readAllBytes(file), new TypeReference<Map<String, String>>() { });
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new IOException("cannot read the index schema " + file + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, String> e : m.entrySet()) {
            try {
                kinds.putIfAbsent(e.getKey(), FieldKind.valueOf(e.getValue()));
            } catch (IllegalArgumentException bad) {
                throw new IOException("index schema " + file + ": field " + e.getKey() + " has unknown kind " + e.getValue());
            }
        }
    }

    /** Writes the schema if fields were added since the last save (to a temporary file, then renamed). */
    public void saveIfChanged(Path file) throws IOException {
        if (!dirty) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(new TreeMap<>(asMap())));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp); // stays dirty: the next save tries again (a full disk left an empty .tmp)
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        dirty = false;
    }

    /** Returns the kind of {@code path}, or null when the field is not in the schema. */
    public FieldKind kind(String path) {
        FieldKind k = kinds.get(path);
        return k != null ? k : KNOWN.get(path);
    }

    /**
     * Returns the kind of {@code path}, registering it with the kind its name or {@code valueKind}
     * suggests when it is new; null when it is new and the schema is full.
     */
    FieldKind kindFor(String path, FieldKind valueKind) {
        FieldKind k = kinds.get(path);
        if (k != null) {
            return k;
        }
        FieldKind proposed = propose(path, valueKind);
        if (proposed == null || kinds.size() >= maxFields) {
            overLimit.incrementAndGet();
            return null;
        }
        FieldKind prev = kinds.putIfAbsent(path, proposed);
        if (prev == null) {
            dirty = true;
            return proposed;
        }
        return prev;
    }

    /** Returns the kind {@code path} was registered with, or null (the known fields too, until registered). */
    FieldKind registered(String path) {
        return kinds.get(path);
    }

    /** Returns how many more fields may be registered. */
    int room() {
        return maxFields - kinds.size();
    }

    /** Counts a field not indexed because the schema is full. */
    void countOverLimit() {
        overLimit.incrementAndGet();
    }

    /**
     * Returns the kind a new field {@code path} would get (from the known fields, its name or
     * {@code valueKind}), without registering it; null when such a field is never indexed (named as
     * the index's own fields, or too long).
     */
    static FieldKind propose(String path, FieldKind valueKind) {
        if (path.length() > MAX_PATH_CHARS || RESERVED.contains(path)) {
            return null;
        }
        FieldKind known = KNOWN.get(path);
        return known != null ? known : byName(path, valueKind);
    }

    private static FieldKind byName(String path, FieldKind valueKind) {
        if (valueKind != FieldKind.KEYWORD) {
            return valueKind;
        }
        String leaf = path.substring(path.lastIndexOf('.') + 1);
        if (leaf.endsWith("_ip")) {
            return FieldKind.IP;
        }
        if (TIME_LEAVES.contains(leaf)) {
            return FieldKind.TIME;
        }
        return FieldKind.KEYWORD;
    }

    /** Returns every field and its kind (known fields included). */
    public Map<String, FieldKind> asMap() {
        Map<String, FieldKind> m = new TreeMap<>(KNOWN);
        m.putAll(kinds);
        return m;
    }

    /** Returns how many new fields were not indexed because the schema was full. */
    public long overLimit() {
        return overLimit.get();
    }
}
