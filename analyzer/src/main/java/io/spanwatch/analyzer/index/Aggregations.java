package io.spanwatch.analyzer.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PointValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * Counts over the events a query matches, from doc values: the top values of a field (facets) and
 * events per time bucket (histogram). Exact: every matching event is visited, unless the search stops
 * at its deadline (then the counts found so far, or none when it stopped while walking the index).
 */
public final class Aggregations {
    /** Bucket widths a histogram picks from, in seconds. */
    private static final long[] INTERVALS_S = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
        43200, 86400, 172800, 604800, 2592000, 31536000};

    private final Supplier<IndexSearcher> start;
    private final FieldSchema schema;

    /** @param start starts a search: the searcher, with that search's own deadline */
    Aggregations(Supplier<IndexSearcher> start, FieldSchema schema) {
        this.start = start;
        this.schema = schema;
    }

    /** One value of a field and the number of matching events that have it. */
    public record Bucket(String value, long count) {
    }

    /**
     * Events per time bucket.
     *
     * @param interval bucket width in microseconds
     * @param start the first bucket's start in microseconds
     * @param counts events per bucket, oldest first (empty when nothing matched)
     */
    public record Histogram(long interval, long start, long[] counts) {
    }

    /**
     * Returns the {@code size} most frequent values of {@code field} among the events {@code q}
     * matches, most frequent first (ties by value).
     *
     * @throws IllegalArgumentException when the index has no such field
     */
    public List<Bucket> facet(Query q, String field, int size) throws IOException {
        FieldKind kind = schema.kind(field);
        if (kind == null) {
            throw new IllegalArgumentException("no such field: " + field);
        }
        return facets(q, List.of(field), size).get(field);
    }

    /**
     * Returns the facets of several fields in one pass over the matches (see {@link #facet});
     * fields the index does not have get no buckets.
     */
    public java.util.Map<String, List<Bucket>> facets(Query q, List<String> fields, int size) throws IOException {
        List<String> known = new ArrayList<>();
        List<CollectorManager<?, ?>> managers = new ArrayList<>();
        for (String f : fields) {
            FieldKind kind = schema.kind(f);
            if (kind == null) {
                continue;
            }
            known.add(f);
            managers.add(switch (kind) {
                case KEYWORD, BOOL, IP -> new Manager<>(() -> new TermCounter(f));
                case LONG, DOUBLE, TIME -> new Manager<>(() -> new NumberCounter(f));
            });
        }
        java.util.Map<String, List<Bucket>> out = new java.util.LinkedHashMap<>();
        for (String f : fields) {
            out.put(f, List.of());
        }
        if (managers.isEmpty()) {
            return out;
        }
        IndexSearcher searcher = start.get();
        Object[] results = EventSearcher.orStopped(() -> searcher.search(q,
                new org.apache.lucene.search.MultiCollectorManager(managers.toArray(new CollectorManager<?, ?>[0]))), null);
        if (results == null) {
            return out; // stopped at the deadline before it counted anything
        }
        for (int i = 0; i < known.size(); i++) {
            FieldKind kind = schema.kind(known.get(i));
            out.put(known.get(i), results[i] instanceof TermCounter t ? t.top(size) : top((LongCounts) results[i], kind, size));
        }
        return out;
    }

    /**
     * The {@code size} most frequent of {@code counts}, ties by value (numeric order: time, size,
     * port), chosen among the raw counts before anything is boxed or formatted: a facet of a field with
     * a value per event (the timestamp, a flow id) over millions of events has as many distinct values,
     * and making a bucket of each first took a console's whole heap.
     */
    private static List<Bucket> top(LongCounts counts, FieldKind kind, int size) {
        int[] slots = counts.top(size);
        List<Bucket> buckets = new ArrayList<>(slots.length);
        for (int slot : slots) {
            buckets.add(new Bucket(label(kind, counts.key(slot)), counts.count(slot)));
        }
        return buckets;
    }

    private static String label(FieldKind kind, long v) {
        return switch (kind) {
            case DOUBLE -> Double.toString(NumericUtils.sortableLongToDouble(v));
            case TIME -> EveTimes.format(v);
            default -> Long.toString(v);
        };
    }

    /**
     * Returns events per time bucket over the matches: at most {@code targetBuckets} buckets (at least
     * one), of the narrowest round width that keeps to it, starting at a multiple of that width; past
     * the widest (365 days), a whole number of those, starting at a multiple of one.
     */
    public Histogram histogram(Query q, int targetBuckets) throws IOException {
        IndexSearcher searcher = start.get();
        Histogram none = new Histogram(1_000_000L, 0, new long[0]);
        long[] range = q instanceof MatchAllDocsQuery ? pointRange(searcher)
                : EventSearcher.orStopped(() -> searcher.search(q, new Manager<>(MinMax::new)), null);
        if (range == null || range[0] > range[1]) {
            return none;
        }
        int most = Math.max(1, targetBuckets);
        long interval = 0;
        long start = 0;
        for (long s : INTERVALS_S) {
            interval = s * 1_000_000L;
            start = Math.floorDiv(range[0], interval) * interval;
            if ((range[1] - start) / interval < most) {
                break;
            }
        }
        if ((range[1] - start) / interval >= most) {
            long widest = interval;
            start = Math.floorDiv(range[0], widest) * widest;
            interval = Math.ceilDiv(range[1] - start + 1, widest * most) * widest;
        }
        // Rounding down may step before year 0000, which EVE's four-digit years cannot write (events
        // dated 0000-01-01 in an imported file): the buckets then start there, not at a multiple of their width.
        start = Math.max(start, EveTimes.MIN_MICROS);
        long first = start;
        long step = interval;
        int n = (int) ((range[1] - start) / interval) + 1;
        long[] counts = EventSearcher.orStopped(() -> searcher.search(q, new Manager<>(() -> new BucketCounter(first, step, n))), null);
        return counts == null ? none : new Histogram(interval, start, counts);
    }

    /**
     * Returns the first and last time of all events from the timestamp's points (kept per segment: no
     * pass over the events). Deleted events still count there, which can only widen the range.
     */
    private static long[] pointRange(IndexSearcher searcher) throws IOException {
        long[] range = {Long.MAX_VALUE, Long.MIN_VALUE};
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            PointValues pv = leaf.reader().getPointValues(EventFields.TIMESTAMP);
            if (pv != null && pv.size() > 0) {
                range[0] = Math.min(range[0], LongPoint.decodeDimension(pv.getMinPackedValue(), 0));
                range[1] = Math.max(range[1], LongPoint.decodeDimension(pv.getMaxPackedValue(), 0));
            }
        }
        return range;
    }

    /** A collector that sums up into a result that several of its kind merge into. */
    private interface Counting<T> extends Collector {
        T result();

        void merge(T other);
    }

    private record Manager<C extends Counting<T>, T>(java.util.function.Supplier<C> make) implements CollectorManager<C, T> {
        @Override
        public C newCollector() {
            return make.get();
        }

        @Override
        public T reduce(Collection<C> collectors) {
            C first = null;
            for (C c : collectors) {
                if (first == null) {
                    first = c;
                } else {
                    first.merge(c.result());
                }
            }
            return first == null ? make.get().result() : first.result();
        }
    }

    /** Base of the counters below: no scores, a leaf collector per segment. */
    private abstract static class Base {
        public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE_NO_SCORES;
        }
    }

    /**
     * Counts the values of a string field by their doc-values ordinal within each segment, then by
     * their bytes across segments (one hash of bytes, no object per value); only the values a facet
     * returns become strings.
     */
    private static final class TermCounter extends Base implements Counting<TermCounter> {
        private final String field;
        private final org.apache.lucene.util.BytesRefHash terms = new org.apache.lucene.util.BytesRefHash();
        private long[] counts = new long[16];

        TermCounter(String field) {
            this.field = field;
        }

        private void add(BytesRef term, long n) {
            int id = terms.add(term);
            if (id < 0) {
                id = -id - 1;
            } else if (id >= counts.length) {
                counts = java.util.Arrays.copyOf(counts, org.apache.lucene.util.ArrayUtil.oversize(id + 1, Long.BYTES));
            }
            counts[id] += n;
        }

        @Override
        public LeafCollector getLeafCollector(LeafReaderContext ctx) throws IOException {
            SortedSetDocValues dv = DocValues.getSortedSet(ctx.reader(), field);
            SortedDocValues single = DocValues.unwrapSingleton(dv); // most fields have one value an event: cheaper
            long n = dv.getValueCount();
            int[] ords = new int[(int) Math.min(n, Integer.MAX_VALUE - 8)];
            return new LeafCollector() {
                @Override
                public void setScorer(Scorable scorer) {
                }

                @Override
                public void collect(int doc) throws IOException {
                    if (single != null) {
                        if (single.advanceExact(doc)) {
                            ords[single.ordValue()]++;
                        }
                    } else if (dv.advanceExact(doc)) {
                        for (int i = 0, c = dv.docValueCount(); i < c; i++) {
                            ords[(int) dv.nextOrd()]++;
                        }
                    }
                }

                @Override
                public void finish() throws IOException {
                    for (int o = 0; o < ords.length; o++) {
                        if (ords[o] != 0) {
                            add(dv.lookupOrd(o), ords[o]);
                        }
                    }
                }
            };
        }

        @Override
        public TermCounter result() {
            return this;
        }

        @Override
        public void merge(TermCounter other) {
            BytesRef scratch = new BytesRef();
            for (int id = 0; id < other.terms.size(); id++) {
                add(other.terms.get(id, scratch), other.counts[id]);
            }
        }

        /** The {@code size} most frequent values, ties by value; only those are made strings. */
        List<Bucket> top(int size) {
            BytesRef a = new BytesRef();
            BytesRef b = new BytesRef();
            // the heap's head is the least of those kept: lowest count, then greatest value
            Comparator<Integer> least = (x, y) -> {
                int c = Long.compare(counts[x], counts[y]);
                return c != 0 ? c : terms.get(y, b).compareTo(terms.get(x, a));
            };
            java.util.PriorityQueue<Integer> heap = new java.util.PriorityQueue<>(Math.max(1, Math.min(size, terms.size())), least);
            for (int id = 0; id < terms.size() && size > 0; id++) {
                if (heap.size() < size) {
                    heap.add(id);
                } else if (least.compare(id, heap.peek()) > 0) {
                    heap.poll();
                    heap.add(id);
                }
            }
            Bucket[] out = new Bucket[heap.size()];
            for (int i = out.length - 1; i >= 0; i--) {
                int id = heap.poll();
                out[i] = new Bucket(terms.get(id, a).utf8ToString(), counts[id]);
            }
            return List.of(out);
        }
    }

    private static final class NumberCounter extends Base implements Counting<LongCounts> {
        private final String field;
        private final LongCounts counts = new LongCounts();

        NumberCounter(String field) {
            this.field = field;
        }

        @Override
        public LeafCollector getLeafCollector(LeafReaderContext ctx) throws IOException {
            SortedNumericDocValues dv = DocValues.getSortedNumeric(ctx.reader(), field);
            NumericDocValues single = DocValues.unwrapSingleton(dv);
            return new LeafCollector() {
                @Override
                public void setScorer(Scorable scorer) {
                }

                @Override
                public void collect(int doc) throws IOException {
                    if (single != null) {
                        if (single.advanceExact(doc)) {
                            counts.add(single.longValue(), 1);
                        }
                    } else if (dv.advanceExact(doc)) {
                        for (int i = 0, c = dv.docValueCount(); i < c; i++) {
                            counts.add(dv.nextValue(), 1);
                        }
                    }
                }
            };
        }

        @Override
        public LongCounts result() {
            return counts;
        }

        @Override
        public void merge(LongCounts other) {
            counts.addAll(other);
        }
    }

    /** Reads the single time value of each matching event. */
    private abstract static class TimeCollector extends Base {
        public LeafCollector getLeafCollector(LeafReaderContext ctx) throws IOException {
            SortedNumericDocValues sdv = DocValues.getSortedNumeric(ctx.reader(), EventFields.TIMESTAMP);
            NumericDocValues single = DocValues.unwrapSingleton(sdv);
            return new LeafCollector() {
                @Override
                public void setScorer(Scorable scorer) {
                }

                @Override
                public void collect(int doc) throws IOException {
                    if (single != null) {
                        if (single.advanceExact(doc)) {
                            time(single.longValue());
                        }
                    } else if (sdv.advanceExact(doc)) {
                        time(sdv.nextValue());
                    }
                }
            };
        }

        abstract void time(long micros);
    }

    private static final class MinMax extends TimeCollector implements Counting<long[]> {
        private final long[] range = {Long.MAX_VALUE, Long.MIN_VALUE};

        @Override
        void time(long t) {
            if (t < range[0]) {
                range[0] = t;
            }
            if (t > range[1]) {
                range[1] = t;
            }
        }

        @Override
        public long[] result() {
            return range;
        }

        @Override
        public void merge(long[] other) {
            range[0] = Math.min(range[0], other[0]);
            range[1] = Math.max(range[1], other[1]);
        }
    }

    private static final class BucketCounter extends TimeCollector implements Counting<long[]> {
        private final long start;
        private final long interval;
        private final long[] counts;

        BucketCounter(long start, long interval, int n) {
            this.start = start;
            this.interval = interval;
            this.counts = new long[n];
        }

        @Override
        void time(long t) {
            long i = (t - start) / interval;
            if (i >= 0 && i < counts.length) {
                counts[(int) i]++;
            }
        }

        @Override
        public long[] result() {
            return counts;
        }

        @Override
        public void merge(long[] other) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += other[i];
            }
        }
    }
}
