package io.spanwatch.analyzer.index;

import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.document.InetAddressPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.flexible.core.QueryNodeException;
import org.apache.lucene.queryparser.flexible.core.builders.QueryTreeBuilder;
import org.apache.lucene.queryparser.flexible.standard.StandardQueryParser;
import org.apache.lucene.queryparser.flexible.standard.config.PointsConfig;
import org.apache.lucene.queryparser.flexible.standard.config.StandardQueryConfigHandler;
import org.apache.lucene.queryparser.flexible.standard.nodes.RegexpQueryNode;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.RegexpQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.search.WildcardQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Turns the console's query text into a Lucene query: Lucene's own {@link StandardQueryParser}
 * over EVE field paths, with the numeric and time fields of the {@link FieldSchema} configured as
 * points ({@code fileinfo.size:[100000 TO *]}, {@code timestamp:[2024-03-11T06:00:00Z TO now]}),
 * string fields matched whole ({@code http.hostname:"a.example"}, wildcards {@code http.url:*.exe}),
 * and text without a field searched in {@link EventFields#TEXT_FIELDS}, terms joined by AND.
 *
 * <p>The parser's query is then adjusted where Lucene's parser knows nothing of the field: address
 * fields take an address, a CIDR block ({@code src_ip:"198.18.0.0/16"}), a range, or a dotted prefix
 * with a wildcard ({@code src_ip:10.1.*}); {@code field:*} means "has the field"; {@code _id:HEX}
 * finds one event. An error is a {@link QueryException} with the parser's message.
 *
 * <p>A regular expression is built only when its automaton stays small ({@link BoundedRegexpBuilder}:
 * at most 1,000 characters and 1,000 positions once its repeats are written out).
 *
 * <p>A CIDR block written without quotes after an address field ({@code src_ip:10.0.0.0/8}, as
 * Kibana's and Arkime's query languages take it) is quoted before parsing: in Lucene's syntax the
 * slash would open a regular expression and the query would not parse at all.
 *
 * <p>Thread-safe: each call makes its own parser (they are cheap and Lucene's is not thread-safe).
 */
public final class EventQueryParser {
    /** Longest query text accepted. */
    public static final int MAX_QUERY_CHARS = 8192;

    private final FieldSchema schema;
    private final Clock clock;
    private final Analyzer analyzer = new PerFieldAnalyzerWrapper(new KeywordAnalyzer(),
            Map.of(EventFields.TEXT, new TextAnalyzer()));

    public EventQueryParser(FieldSchema schema, Clock clock) {
        this.schema = schema;
        this.clock = clock;
    }

    /** Parses {@code text}; blank text matches every event. */
    public Query parse(String text) throws QueryException {
        if (text == null || text.isBlank()) {
            return new MatchAllDocsQuery();
        }
        if (text.length() > MAX_QUERY_CHARS) {
            throw new QueryException("query longer than " + MAX_QUERY_CHARS + " characters");
        }
        Map<String, FieldKind> kinds = schema.asMap();
        text = quoteBareValues(text, kinds);
        StandardQueryParser p = new StandardQueryParser(analyzer);
        p.setAllowLeadingWildcard(true);
        p.setDefaultOperator(StandardQueryConfigHandler.Operator.AND);
        Map<String, PointsConfig> points = new HashMap<>();
        PointsConfig ints = new PointsConfig(new PointFormats.Integers(), Long.class);
        PointsConfig decimals = new PointsConfig(new PointFormats.Decimals(), Double.class);
        PointsConfig times = new PointsConfig(new PointFormats.Times(clock), Long.class);
        kinds.forEach((field, kind) -> {
            switch (kind) {
                case LONG -> points.put(field, ints);
                case DOUBLE -> points.put(field, decimals);
                case TIME -> points.put(field, times);
                default -> { }
            }
        });
        p.setPointsConfigMap(points);
        ((QueryTreeBuilder) p.getQueryBuilder()).setBuilder(RegexpQueryNode.class, new BoundedRegexpBuilder());
        try {
            return adjust(p.parse(text, EventFields.TEXT), kinds);
        } catch (QueryNodeException e) {
            throw new QueryException(withSlashHint(plain(e.getMessage(), e), text), e);
        } catch (ClassCastException e) {
            // Lucene's parser takes "*" with a range for "every field, every value" and then fails on
            // its own cast (*:[1 TO 5], *>5, *<x); when the JIT throws it fast, without even a message
            throw new QueryException("a range or comparison needs a field name, not *: dest_port:[1 TO 1023], fileinfo.size>1000", e);
        } catch (NumberFormatException e) {
            // a count the grammar reads as an int ("a b"~99999999999): the JDK's message names no number
            throw new QueryException("number out of range or not a whole number: " + numberIn(e.getMessage()), e);
        } catch (RuntimeException e) {
            // the parser's own checks (a clause limit, a bad regular expression) say what is wrong
            throw new QueryException(plain(e.getMessage(), e), e);
        }
    }

    /** Returns the text a {@link NumberFormatException}'s message quotes ({@code For input string: "X"}), or the message. */
    private static String numberIn(String message) {
        String m = String.valueOf(message);
        int q = m.indexOf('"');
        int end = m.lastIndexOf('"');
        return q >= 0 && end > q ? m.substring(q + 1, end) : m;
    }

    /**
     * The parser's message as an analyst reads it: a value a number or time field cannot take is named
     * by the format wanted, not by the class that reads it, and a query nested past what the parser's
     * recursion takes (which it reports with a null cause) says so.
     */
    static String plain(String message, Throwable e) {
        String m = String.valueOf(message);
        m = m.replace("using " + PointFormats.Integers.class.getCanonicalName(), "as a whole number")
                .replace("using " + PointFormats.Decimals.class.getCanonicalName(), "as a number")
                .replace("using " + PointFormats.Times.class.getCanonicalName(), "as a time (2024-03-11T06:00:00Z, 2024-03-11, now-24h)");
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof StackOverflowError) {
                return "query nested too deeply";
            }
        }
        return m;
    }

    /**
     * Adds to a lexical error of a query holding a slash what the slash did: in Lucene's syntax it
     * starts a regular expression ({@code http.url:/dl*} is an unclosed one), which analysts searching
     * URLs and paths do not expect.
     */
    static String withSlashHint(String message, String query) {
        if (message.contains("Lexical error") && query.indexOf('/') >= 0) {
            return message + " (a / starts a regular expression, /like this/: quote a value holding one,"
                    + " http.url:\"/dl/setup.exe\", or escape it, http.url:\\/dl*)";
        }
        return message;
    }

    /** {@code FIELD:ADDRESS/BITS} outside quotes, up to a space, a closing parenthesis or the end. */
    private static final java.util.regex.Pattern BARE_CIDR = java.util.regex.Pattern.compile(
            "([A-Za-z_][A-Za-z0-9_.]*):([0-9A-Fa-f.:]+/[0-9]{1,3})(?=$|[\\s)])");

    /**
     * {@code FIELD:TIME}, {@code FIELD>TIME} (and {@code >=}, {@code <}, {@code <=}) with a time of day,
     * outside quotes, up to a space, a closing parenthesis or the end.
     */
    private static final java.util.regex.Pattern BARE_TIME = java.util.regex.Pattern.compile(
            "([A-Za-z_][A-Za-z0-9_.]*)(:|>=?|<=?)([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9:.]*(?:Z|[+-][0-9:]+)?)(?=$|[\\s)])");

    /** {@code FIELD:*} outside quotes, up to a space, a closing parenthesis or the end. */
    private static final java.util.regex.Pattern BARE_ANY = java.util.regex.Pattern.compile(
            "([A-Za-z_][A-Za-z0-9_.]*):\\*(?=$|[\\s)])");

    /**
     * Quotes every bare CIDR block that follows an address field outside a quoted phrase (see the class
     * comment), and writes {@code FIELD:*} ("has the field") of a number or time field as the open range
     * {@code FIELD:[* TO *]}: Lucene's parser would read the star as a number and refuse it, while on a
     * string field the star is the existence query {@link #adjust} makes. A time with its time of day
     * after a time field ({@code timestamp>2024-03-11T06:00:00Z}, as Kibana takes it) is quoted too:
     * Lucene's syntax would end the value at its first colon and the query would not parse.
     */
    static String quoteBareValues(String text, Map<String, FieldKind> kinds) {
        if (text.indexOf('/') < 0 && !text.contains(":*") && text.indexOf('T') < 0) {
            return text;
        }
        java.util.regex.Matcher any = BARE_ANY.matcher(text);
        java.util.regex.Matcher time = BARE_TIME.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 8);
        java.util.regex.Matcher m = BARE_CIDR.matcher(text);
        boolean quoted = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (!quoted && (i == 0 || !isFieldChar(text.charAt(i - 1))) && m.region(i, text.length()).lookingAt()
                    && kinds.get(m.group(1)) == FieldKind.IP) {
                out.append(m.group(1)).append(":\"").append(m.group(2)).append('"');
                i = m.end();
                continue;
            }
            if (!quoted && (i == 0 || !isFieldChar(text.charAt(i - 1))) && any.region(i, text.length()).lookingAt()
                    && kinds.get(any.group(1)) instanceof FieldKind k && (k == FieldKind.LONG || k == FieldKind.DOUBLE || k == FieldKind.TIME)) {
                out.append(any.group(1)).append(":[* TO *]");
                i = any.end();
                continue;
            }
            if (!quoted && (i == 0 || !isFieldChar(text.charAt(i - 1))) && time.region(i, text.length()).lookingAt()
                    && kinds.get(time.group(1)) == FieldKind.TIME) {
                out.append(time.group(1)).append(time.group(2)).append('"').append(time.group(3)).append('"');
                i = time.end();
                continue;
            }
            if (c == '\\' && i + 1 < text.length()) {
                out.append(c).append(text.charAt(i + 1));
                i += 2;
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static boolean isFieldChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':' || c == '\\';
    }

    private Query adjust(Query q, Map<String, FieldKind> kinds) throws QueryException {
        switch (q) {
            case BooleanQuery b -> {
                BooleanQuery.Builder nb = new BooleanQuery.Builder();
                nb.setMinimumNumberShouldMatch(b.getMinimumNumberShouldMatch());
                for (BooleanClause c : b.clauses()) {
                    nb.add(adjust(c.query(), kinds), c.occur());
                }
                if (b.clauses().stream().allMatch(c -> c.occur() == BooleanClause.Occur.MUST_NOT)) {
                    // "NOT x" alone: everything but x, as an analyst means it
                    nb.add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST);
                }
                return nb.build();
            }
            case BoostQuery b -> {
                return new BoostQuery(adjust(b.getQuery(), kinds), b.getBoost());
            }
            case WildcardQuery w when w.getTerm().text().equals("*") -> {
                // every event has an id and a source, the two fields without doc values or norms
                return w.getField().equals(EventFields.ID) || w.getField().equals(EventFields.SOURCE) ? new MatchAllDocsQuery()
                        : new FieldExistsQuery(w.getField());
            }
            case TermQuery t when t.getTerm().field().equals(EventFields.ID) -> {
                byte[] id = EventIds.parse(t.getTerm().text());
                if (id == null) {
                    throw new QueryException("_id: not an event id (32 hex digits): " + t.getTerm().text());
                }
                return new TermQuery(new Term(EventFields.ID, new BytesRef(id)));
            }
            default -> {
                String field = field(q);
                if (EventFields.ID.equals(field)) {
                    // ids are stored as their 16 bytes, so a range or pattern over their text matches nothing
                    throw new QueryException("_id takes one event id (32 hex digits), not a range or a pattern");
                }
                if (field != null && kinds.get(field) == FieldKind.IP) {
                    return address(q, field);
                }
                if (field != null && kinds.get(field) != null && kinds.get(field).isPoint()
                        && (q instanceof WildcardQuery || q instanceof PrefixQuery || q instanceof RegexpQuery || q instanceof FuzzyQuery)) {
                    throw new QueryException(field + " is a number or a time: use a value or a range like [10 TO 20]");
                }
                return q;
            }
        }
    }

    private static String field(Query q) {
        return switch (q) {
            case TermQuery t -> t.getTerm().field();
            case TermRangeQuery r -> r.getField();
            case WildcardQuery w -> w.getField();
            case PrefixQuery p -> p.getField();
            case RegexpQuery r -> r.getField();
            case FuzzyQuery f -> f.getField();
            default -> null;
        };
    }

    /** Makes the address query an address field's term, range or wildcard asks for. */
    private static Query address(Query q, String field) throws QueryException {
        switch (q) {
            case TermQuery t -> {
                return cidrOrExact(field, t.getTerm().text());
            }
            case TermRangeQuery r -> {
                InetAddress lo = r.getLowerTerm() == null ? InetAddressPoint.MIN_VALUE : ip(field, r.getLowerTerm().utf8ToString());
                InetAddress hi = r.getUpperTerm() == null ? InetAddressPoint.MAX_VALUE : ip(field, r.getUpperTerm().utf8ToString());
                boolean excludeLo = r.getLowerTerm() != null && !r.includesLower();
                boolean excludeHi = r.getUpperTerm() != null && !r.includesUpper();
                if ((excludeLo && same(lo, InetAddressPoint.MAX_VALUE)) || (excludeHi && same(hi, InetAddressPoint.MIN_VALUE))) {
                    return new MatchNoDocsQuery(field + ": empty range"); // nothing above the highest address, or below the lowest
                }
                return InetAddressPoint.newRangeQuery(field, excludeLo ? InetAddressPoint.nextUp(lo) : lo,
                        excludeHi ? InetAddressPoint.nextDown(hi) : hi);
            }
            case WildcardQuery w -> {
                return dottedPrefix(field, w.getTerm().text());
            }
            case PrefixQuery p -> {
                return dottedPrefix(field, p.getPrefix().text() + "*");
            }
            default -> throw new QueryException(field + " is an address: use an address, a CIDR block in quotes (\"10.0.0.0/8\") or a range");
        }
    }

    /** Tells whether two addresses are one point of the index (an IPv4 address is its IPv4-mapped IPv6 form). */
    private static boolean same(InetAddress a, InetAddress b) {
        return java.util.Arrays.equals(InetAddressPoint.encode(a), InetAddressPoint.encode(b));
    }

    private static Query cidrOrExact(String field, String text) throws QueryException {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return InetAddressPoint.newExactQuery(field, ip(field, text));
        }
        String addr = text.substring(0, slash);
        InetAddress a = ip(field, addr);
        String len = text.substring(slash + 1);
        int bits = len.matches("[0-9]{1,3}") ? Integer.parseInt(len) : -1;
        if (a instanceof java.net.Inet4Address && addr.indexOf(':') >= 0) {
            // An IPv4-mapped address written as IPv6 (::ffff:192.168.0.0/112): its length counts IPv6's
            // 128 bits (the JDK hands the address back as IPv4, whose prefix would count 32).
            if (bits < 0 || bits > 128) {
                throw new QueryException(field + ": bad prefix length in " + text + " (0 to 128)");
            }
            if (bits >= 96) {
                return InetAddressPoint.newPrefixQuery(field, a, bits - 96);
            }
            try {
                byte[] mapped = InetAddressPoint.encode(a); // the 16 bytes the index holds
                return InetAddressPoint.newPrefixQuery(field, java.net.Inet6Address.getByAddress(null, mapped, -1), bits);
            } catch (java.net.UnknownHostException e) {
                throw new QueryException(field + ": bad address in " + text, e);
            }
        }
        int max = a.getAddress().length * 8;
        if (bits < 0 || bits > max) {
            throw new QueryException(field + ": bad prefix length in " + text + " (0 to " + max + ")");
        }
        return InetAddressPoint.newPrefixQuery(field, a, bits);
    }

    /** {@code 10.1.*} is the CIDR block 10.1.0.0/16; other patterns on addresses are errors. */
    private static Query dottedPrefix(String field, String pattern) throws QueryException {
        if (pattern.endsWith(".*")) {
            String head = pattern.substring(0, pattern.length() - 2);
            String[] parts = head.split("\\.", -1);
            if (parts.length >= 1 && parts.length <= 3) {
                StringBuilder sb = new StringBuilder(head);
                for (int i = parts.length; i < 4; i++) {
                    sb.append(".0");
                }
                if (IpText.parse(sb.toString()) != null) {
                    return cidrOrExact(field, sb + "/" + parts.length * 8);
                }
            }
        }
        throw new QueryException(field + " is an address: wildcards work only as a dotted prefix (10.1.*); use CIDR (\"10.1.0.0/16\")");
    }

    private static InetAddress ip(String field, String text) throws QueryException {
        InetAddress a = IpText.parse(text);
        if (a == null) {
            throw new QueryException(field + ": not an IP address: " + text);
        }
        return a;
    }

    /** Returns the fields a query names that the index does not know (a likely typo), sorted. */
    public Set<String> unknownFields(Query q) {
        Set<String> unknown = new TreeSet<>();
        q.visit(new QueryVisitor() {
            @Override
            public boolean acceptField(String field) {
                if (!field.equals(EventFields.TEXT) && !field.equals(EventFields.ID) && schema.kind(field) == null) {
                    unknown.add(field);
                }
                return true;
            }

            @Override
            public QueryVisitor getSubVisitor(BooleanClause.Occur occur, Query parent) {
                return this;
            }
        });
        return unknown;
    }

    static {
        // a wildcard over many terms, or many clauses, is refused rather than run for minutes
        IndexSearcher.setMaxClauseCount(Math.min(IndexSearcher.getMaxClauseCount(), 4096));
    }
}
