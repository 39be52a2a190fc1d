package io.spanwatch.analyzer.index;

/**
 * Names how one EVE field is indexed and queried: the same for every document of every day, so that
 * Lucene's per-field schema never conflicts and the query parser knows which fields are points.
 */
public enum FieldKind {
    /** Exact string: terms and sorted-set doc values ({@code KeywordField}); matches its whole value. */
    KEYWORD,
    /** 64-bit integer: a point and sorted-numeric doc values ({@code LongField}). */
    LONG,
    /** Floating point: a point and doc values ({@code DoubleField}). */
    DOUBLE,
    /** IPv4 or IPv6 address: an {@code InetAddressPoint} (CIDR and ranges) and its text as doc values (facets). */
    IP,
    /** Time: microseconds since the epoch as a point and doc values; queried with ISO times. */
    TIME,
    /** {@code true} or {@code false}, indexed as keywords. */
    BOOL;

    /** Tells whether the query parser sees this kind as numeric points. */
    public boolean isPoint() {
        return this == LONG || this == DOUBLE || this == TIME;
    }
}
