package io.spanwatch.analyzer.index;

import io.spanwatch.sensor.event.FieldWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.InetAddressPoint;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.util.BytesRef;

/**
 * Builds an event's Lucene document from its fields as {@link io.spanwatch.sensor.event.EveRenderer}
 * lays them out (live) or as an EVE JSON line spells them ({@link EveJsonWalker}, import): the same
 * calls, so both make the same document. Every value goes under its dotted EVE path
 * ({@code http.hostname}; items of an array under the array's path: {@code files.sha256},
 * {@code vlan}), indexed as its {@link FieldSchema} kind says; {@link EventFields#TEXT_FIELDS} are
 * also copied into the free-text field. {@code stats.threads} (Suricata's per-thread copies of every
 * counter) is left out of the fields; the stored source keeps it.
 *
 * <p>Paths are looked up, not built: each builder keeps the tree of paths it has seen (up to
 * {@link #MAX_PATHS} of them; past that, paths are built per value), with each path's kind once the
 * schema has fixed it, so a value costs one small map lookup by its name.
 *
 * <p>A field the schema does not know yet is indexed with the kind it would get and registered only
 * when the document is finished: a line that is then skipped (no timestamp, broken JSON) registers
 * nothing, so junk cannot fill the schema's field budget for the events after it (adversarial review:
 * one skipped line of 2,000 keys left every later event without fields). Where the schema then
 * answers otherwise (full, or another thread registered another kind first), that field's values are
 * taken out of the document and counted as conflicts; the source keeps them.
 *
 * <p>Not thread-safe: one builder per indexing thread, reused from event to event.
 */
public final class DocumentBuilder implements FieldWriter {
    /** Paths one builder remembers; a wider (hostile) input gets the rest built per value. */
    static final int MAX_PATHS = 4096;

    private final FieldSchema schema;
    private final IndexCounters counters;
    private final Node root = new Node("");
    private int paths;
    /** Path of each open object or array; {@link #root} for the root. */
    private final ArrayDeque<Node> containers = new ArrayDeque<>();
    /** Depth inside a subtree that is not indexed; 0 outside. */
    private int skipDepth;
    private Document doc;
    /** The free-text values of the event, indexed as one field (reused: Lucene reads it before the next event). */
    private final TextTokens.Values text = TextTokens.values();
    private long timestamp;
    /** New fields of the document being built, with the kind they were indexed as; registered by {@link #finish}. */
    private final java.util.ArrayList<Node> pending = new java.util.ArrayList<>();
    /** Numbers the documents, so a node joins {@link #pending} once per document. */
    private long docSeq;

    public DocumentBuilder(FieldSchema schema, IndexCounters counters) {
        this.schema = schema;
        this.counters = counters;
    }

    /** Starts a new document. */
    public void reset() {
        doc = new Document();
        text.clear();
        pending.clear();
        docSeq++;
        containers.clear();
        skipDepth = 0;
        timestamp = EveTimes.INVALID;
    }

    /** Returns the event's time in microseconds, or {@link EveTimes#INVALID} when it had none. */
    public long timestamp() {
        return timestamp;
    }

    /**
     * Finishes the document: adds its id and stored source {@code json[off, off+len)}; returns it.
     *
     * @throws IllegalArgumentException when the event had no readable {@code timestamp}
     */
    public Document finish(byte[] id, byte[] json, int off, int len) {
        if (timestamp == EveTimes.INVALID) {
            throw new IllegalArgumentException("event without a readable timestamp");
        }
        for (Node n : pending) {
            FieldKind got = schema.kindFor(n.path, n.proposed);
            if (got != n.proposed) {
                doc.removeFields(n.path); // indexed as another kind than the schema now holds: left to the source
                if (got != null) {
                    counters.conflicts.incrementAndGet();
                }
            }
            n.kind = got;
            n.proposed = null;
        }
        pending.clear();
        BytesRef idRef = new BytesRef(id);
        doc.add(new StringField(EventFields.ID, idRef, Field.Store.NO));
        doc.add(new NumericDocValuesField(EventFields.TIEBREAK, EventIds.tiebreak(id)));
        doc.add(new StoredField(EventFields.SOURCE, new BytesRef(json, off, len)));
        if (!text.isEmpty()) {
            doc.add(new Field(EventFields.TEXT, text, TextField.TYPE_NOT_STORED));
        }
        Document d = doc;
        doc = null;
        return d;
    }

    /** One EVE path: its dotted name, whether it is skipped or copied into free text, its kind once known. */
    private static final class Node {
        final String path;
        final boolean skip;
        final boolean text;
        FieldKind kind;
        /** The kind a new field was indexed as in the current document, until {@link #finish} registers it. */
        FieldKind proposed;
        long pendingDoc;
        java.util.HashMap<String, Node> children;

        Node(String path) {
            this.path = path;
            this.skip = path.equals("stats.threads");
            this.text = EventFields.TEXT_FIELDS.contains(path);
        }
    }

    private Node child(String name) {
        Node top = containers.isEmpty() ? root : containers.peek();
        if (name == null) {
            return top;
        }
        Node n = top.children == null ? null : top.children.get(name);
        if (n != null) {
            return n;
        }
        n = new Node(top == root ? name : top.path + "." + name);
        if (paths < MAX_PATHS) {
            if (top.children == null) {
                top.children = new java.util.HashMap<>();
            }
            top.children.put(name, n);
            paths++;
        }
        return n;
    }

    /**
     * Returns the kind of {@code n}, or null when it is not indexed. A field the schema does not know
     * yet gets the kind it would be given, and joins {@link #pending}.
     */
    private FieldKind kind(Node n, FieldKind valueKind) {
        FieldKind k = n.kind;
        if (k != null) {
            return k;
        }
        if (n.pendingDoc == docSeq && n.proposed != null) {
            return n.proposed;
        }
        k = schema.registered(n.path);
        if (k != null) {
            n.kind = k;
            return k;
        }
        if (pending.size() >= schema.room()) {
            schema.countOverLimit(); // no room for it even if this document's other new fields are all kept
            return null;
        }
        k = FieldSchema.propose(n.path, valueKind);
        if (k != null) {
            n.proposed = k;
            n.pendingDoc = docSeq;
            pending.add(n);
        } else {
            schema.countOverLimit(); // named as the index's own fields, or too long
        }
        return k;
    }

    @Override
    public void startObject(String name) {
        open(name);
    }

    @Override
    public void endObject() {
        close();
    }

    @Override
    public void startArray(String name) {
        open(name);
    }

    @Override
    public void endArray() {
        close();
    }

    private void open(String name) {
        if (containers.isEmpty() && name == null) {
            containers.push(root);
            return;
        }
        Node n = child(name);
        if (skipDepth > 0 || n.skip) {
            skipDepth++;
        }
        containers.push(n);
    }

    private void close() {
        containers.pop();
        if (skipDepth > 0) {
            skipDepth--;
        }
    }

    @Override
    public void string(String name, String value) {
        if (skipDepth > 0) {
            return;
        }
        Node n = child(name);
        String path = n.path;
        FieldKind kind = kind(n, FieldKind.KEYWORD);
        if (n.text) {
            text.add(value);
        }
        if (kind == null) {
            return;
        }
        switch (kind) {
            case KEYWORD, BOOL -> keyword(path, value);
            case IP -> {
                InetAddress a = IpText.parse(value);
                if (a == null) {
                    counters.conflicts.incrementAndGet();
                } else {
                    doc.add(new InetAddressPoint(path, a));
                    doc.add(new SortedSetDocValuesField(path, new BytesRef(value)));
                }
            }
            case TIME -> {
                long t = EveTimes.parseMicros(value);
                if (t == EveTimes.INVALID) {
                    counters.conflicts.incrementAndGet();
                } else {
                    time(path, t);
                }
            }
            case LONG -> {
                try {
                    doc.add(new LongField(path, parseLong(value.trim()), Field.Store.NO));
                } catch (NumberFormatException e) {
                    counters.conflicts.incrementAndGet();
                }
            }
            case DOUBLE -> {
                try {
                    doc.add(new DoubleField(path, Double.parseDouble(value.trim()), Field.Store.NO));
                } catch (NumberFormatException e) {
                    counters.conflicts.incrementAndGet();
                }
            }
        }
    }

    private void time(String path, long micros) {
        doc.add(new LongField(path, micros, Field.Store.NO));
        if (path.equals(EventFields.TIMESTAMP) && timestamp == EveTimes.INVALID) {
            timestamp = micros;
        }
    }

    /** Parses a signed or unsigned 64-bit decimal (Suricata's {@code flow_id} is unsigned), as Java's long bits. */
    static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.parseUnsignedLong(s);
        }
    }

    @Override
    public void number(String name, long value) {
        if (skipDepth > 0) {
            return;
        }
        Node n = child(name);
        String path = n.path;
        FieldKind kind = kind(n, FieldKind.LONG);
        if (kind == null) {
            return;
        }
        switch (kind) {
            case LONG -> doc.add(new LongField(path, value, Field.Store.NO));
            case DOUBLE -> doc.add(new DoubleField(path, value, Field.Store.NO));
            case KEYWORD, BOOL -> keyword(path, Long.toString(value));
            case IP, TIME -> counters.conflicts.incrementAndGet();
        }
    }

    @Override
    public void decimal(String name, double value) {
        if (skipDepth > 0) {
            return;
        }
        Node n = child(name);
        String path = n.path;
        FieldKind kind = kind(n, FieldKind.DOUBLE);
        if (kind == null) {
            return;
        }
        switch (kind) {
            case DOUBLE -> doc.add(new DoubleField(path, value, Field.Store.NO));
            case KEYWORD, BOOL -> keyword(path, Double.toString(value));
            case LONG, IP, TIME -> counters.conflicts.incrementAndGet();
        }
    }

    @Override
    public void bool(String name, boolean value) {
        if (skipDepth > 0) {
            return;
        }
        Node n = child(name);
        String path = n.path;
        FieldKind kind = kind(n, FieldKind.BOOL);
        if (kind == FieldKind.BOOL || kind == FieldKind.KEYWORD) {
            keyword(path, value ? "true" : "false");
        } else if (kind != null) {
            counters.conflicts.incrementAndGet();
        }
    }

    private void keyword(String path, String value) {
        if (value.length() * 3 <= IndexConfig.MAX_TERM_BYTES) {
            doc.add(new KeywordField(path, value, Field.Store.NO));
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        int len = utf8.length;
        if (len > IndexConfig.MAX_TERM_BYTES) {
            len = IndexConfig.MAX_TERM_BYTES;
            while (len > 0 && (utf8[len] & 0xC0) == 0x80) {
                len--; // do not cut a character in two
            }
            counters.truncated.incrementAndGet();
        }
        doc.add(new KeywordField(path, new BytesRef(utf8, 0, len), Field.Store.NO));
    }
}
