package io.spanwatch.analyzer.reputation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Names the feed formats SpanWatch reads and recognises a file's format from its first lines (up to
 * {@link #SNIFF_LINES} lines or {@link #SNIFF_BYTES} bytes; of a line past {@code intel.max-line-bytes},
 * its start, so a minified JSON bundle on one long line is still JSON), never from its name:
 * <ul>
 *   <li>JSON (a first line that opens an object, or an array of objects): one object on the
 *       first line with {@code cidr}, {@code sblid} or {@code asn} is Spamhaus DROP JSON (NDJSON);
 *       a document whose first key is {@code Event}, or {@code response} holding events or
 *       attributes, or an array of {@code {"Event": ...}}, is MISP JSON; one whose first key is a
 *       UUID holding an object is a MISP feed's {@code manifest.json} (recognised, not read: it
 *       lists events, not indicators); any other JSON is read as a STIX 2.x bundle;
 *   <li>a {@code #fields} line: a Zeek Intel framework file;
 *   <li>a CSV header, commented or not, by its column names: ThreatFox ({@code ioc_value},
 *       {@code ioc_type}), MalwareBazaar ({@code sha256_hash}), URLhaus ({@code url} with
 *       {@code url_status}, {@code urlhaus_link} or {@code dateadded}), Feodo Tracker
 *       ({@code dst_ip}), abuse.ch SSLBL's certificate list ({@code SHA1} with {@code Listingreason})
 *       and JA3 list ({@code ja3_md5}), a MISP export ({@code type} and {@code value} with {@code to_ids},
 *       {@code category}, {@code event_id} or {@code uuid});
 *   <li>data lines that are all {@code <hex digest>,<uuid>}: a MISP feed's {@code hashes.csv}
 *       (digests of attribute values, for MISP's own correlation: recognised, not read, never a
 *       hash list);
 *   <li>data lines {@code CIDR ; SBL...}: Spamhaus DROP or EDROP;
 *   <li>data lines of three comma-separated fields: a Suricata iprep reputation file
 *       ({@code ip,category,score}) or categories file ({@code id,short name,description});
 *   <li>otherwise, data lines that hold an IP, CIDR, domain, URL or hash: a plain list (abuse.ch
 *       text lists, MalwareBazaar hash lists, Feodo's recommended list, hosts files...).
 * </ul>
 * A file with data lines none of which fits is not recognised: an error, not an empty feed.
 */
enum FeedFormat {
    URLHAUS_CSV("urlhaus-csv"),
    FEODO_CSV("feodo-csv"),
    THREATFOX_CSV("threatfox-csv"),
    MALWAREBAZAAR_CSV("malwarebazaar-csv"),
    MISP_CSV("misp-csv"),
    SSLBL_CSV("sslbl-csv"),
    SSLBL_JA3_CSV("sslbl-ja3-csv"),
    SPAMHAUS_DROP("spamhaus-drop"),
    SPAMHAUS_DROP_JSON("spamhaus-drop-json"),
    ZEEK_INTEL("zeek-intel"),
    STIX2("stix2"),
    MISP_JSON("misp-json"),
    MISP_FEED_MANIFEST("misp-feed-manifest"),
    MISP_FEED_HASHES("misp-feed-hashes"),
    SURICATA_IPREP("suricata-iprep"),
    SURICATA_IPREP_CATEGORIES("suricata-iprep-categories"),
    PLAIN("plain");

    static final int SNIFF_LINES = 200;
    static final int SNIFF_BYTES = 64 * 1024;
    /** Chars of an over-long line looked at (its start), so one such line does not use up the sniff. */
    static final int LONG_LINE_SNIFF = 4096;

    /** A line of a MISP feed's {@code hashes.csv}: a digest of an attribute value (md5 to sha512), the event's UUID. */
    private static final java.util.regex.Pattern MISP_HASH_LINE = java.util.regex.Pattern.compile(
            "[0-9A-Fa-f]{32,128}\\s*,\\s*[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");

    private final String id;

    FeedFormat(String id) {
        this.id = id;
    }

    /** Returns the name reports use. */
    String id() {
        return id;
    }

    /** Returns true for the id of a part of a MISP feed folder that holds no indicators: recognised, then skipped. */
    static boolean skipped(String id) {
        return MISP_FEED_MANIFEST.id.equals(id) || MISP_FEED_HASHES.id.equals(id);
    }

    /** Returns true for the CSV formats read by their header. */
    boolean csv() {
        return this == URLHAUS_CSV || this == FEODO_CSV || this == THREATFOX_CSV || this == MALWAREBAZAAR_CSV || this == MISP_CSV;
    }

    /** Returns the format a header line names, or null. */
    static FeedFormat ofHeader(Map<String, Integer> h, boolean commented) {
        if (h == null) {
            return null;
        }
        if (h.containsKey("iocvalue") && h.containsKey("ioctype")) {
            return THREATFOX_CSV;
        }
        if (h.containsKey("sha256hash")) {
            return MALWAREBAZAAR_CSV;
        }
        if (h.containsKey("url") && (h.containsKey("urlstatus") || h.containsKey("urlhauslink") || h.containsKey("dateadded"))) {
            return URLHAUS_CSV;
        }
        if (h.containsKey("dstip")) {
            return FEODO_CSV;
        }
        if (h.containsKey("sha1") && h.containsKey("listingreason")) {
            return SSLBL_CSV;
        }
        if (h.containsKey("ja3md5")) {
            return SSLBL_JA3_CSV;
        }
        if (!commented && h.containsKey("type") && h.containsKey("value")
                && (h.containsKey("toids") || h.containsKey("category") || h.containsKey("eventid") || h.containsKey("uuid"))) {
            return MISP_CSV;
        }
        return null;
    }

    /** Reads the start of a feed and returns its format; throws when none fits. */
    static FeedFormat recognise(FeedLines in) throws IOException, IndicatorException {
        List<String> lines = new ArrayList<>();
        int bytes = 0;
        String l;
        while (lines.size() < SNIFF_LINES && bytes < SNIFF_BYTES && (l = in.next()) != null) {
            if (in.tooLong()) {
                String start = in.longLineStart();
                l = start.substring(0, Math.min(start.length(), LONG_LINE_SNIFF));
            }
            lines.add(l);
            bytes += l.length() + 1;
        }
        return recognise(lines);
    }

    static FeedFormat recognise(List<String> lines) throws IndicatorException {
        String first = null;
        for (String l : lines) {
            if (!l.isBlank()) {
                first = l.strip();
                break;
            }
        }
        if (first == null) {
            return PLAIN;
        }
        for (String l : lines) {
            if (l.indexOf('\0') >= 0) {
                throw new IndicatorException("binary data");
            }
        }
        if (first.startsWith("#!")) {
            throw new IndicatorException("a script (#!)");
        }
        if (first.startsWith("{") || jsonArray(first)) {
            try {
                JsonNode n = new ObjectMapper().readTree(first);
                if (n != null && n.isObject() && (n.has("cidr") || n.has("sblid") || n.has("asn"))) {
                    return SPAMHAUS_DROP_JSON;
                }
            } catch (IOException e) {
                // Not one object on the first line: a JSON document.
            }
            FeedFormat misp = MispJson.sniff(String.join("\n", lines));
            return misp != null ? misp : STIX2;
        }
        for (String line : lines) {
            if (line.startsWith("#fields")) {
                return ZEEK_INTEL;
            }
        }
        for (String line : lines) {
            String t = line.strip();
            FeedFormat f = ofHeader(Csv.header(t), t.startsWith("#"));
            if (f != null) {
                return f;
            }
        }
        List<String> data = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (!t.isEmpty() && t.charAt(0) != '#' && t.charAt(0) != ';' && !t.startsWith("//")) {
                data.add(t);
            }
        }
        if (data.isEmpty()) {
            return PLAIN;
        }
        if (data.stream().allMatch(d -> MISP_HASH_LINE.matcher(d).matches())) {
            return MISP_FEED_HASHES;
        }
        if (data.stream().anyMatch(d -> d.matches("[0-9A-Fa-f:.]+/\\d{1,3}\\s*;.*"))) {
            return SPAMHAUS_DROP;
        }
        FeedFormat iprep = iprep(data);
        if (iprep != null) {
            return iprep;
        }
        SnapshotBuilder probe = new SnapshotBuilder(Long.MAX_VALUE);
        int feed = probe.feed("probe");
        for (String d : data) {
            String token = TextFeeds.plainToken(d);
            if (token == null) {
                continue;
            }
            try {
                Indicators.add(probe, Indicators.Hint.AUTO, token, feed, IntelMeta.NONE);
                return PLAIN;
            } catch (IndicatorException e) {
                // try the next line
            }
        }
        throw new IndicatorException("format not recognised (first data line: " + FeedContext.clip(data.get(0)) + ")");
    }

    /**
     * Returns true when a first line opens a JSON array of objects ({@code [}, {@code [{...},
     * {@code []}): a plain list may start with a bracketed IPv6 address ({@code [2001:db8::1]}) or
     * a defanged value, which are not JSON.
     */
    private static boolean jsonArray(String first) {
        if (!first.startsWith("[")) {
            return false;
        }
        String rest = first.substring(1).strip();
        return rest.isEmpty() || rest.charAt(0) == '{' || rest.charAt(0) == ']';
    }

    /** Returns an iprep format when most data lines are {@code ip,cat,score} or {@code id,name,description}. */
    private static FeedFormat iprep(List<String> data) {
        int rep = 0;
        int cats = 0;
        for (String d : data) {
            String[] p = d.split(",", -1);
            if (p.length != 3) {
                continue;
            }
            String addr = p[0].strip();
            if ("ip".equalsIgnoreCase(addr)) {
                rep++;
                continue;
            }
            int slash = addr.indexOf('/');
            String a = slash < 0 ? addr : addr.substring(0, slash);
            if (IpAddr.parse(a, 0, a.length(), new long[2]) != IpAddr.NONE && isInt(p[1]) && isInt(p[2])) {
                rep++;
            } else if (isInt(p[0]) && !p[1].isBlank()) {
                cats++;
            }
        }
        if (rep * 2 > data.size()) {
            return SURICATA_IPREP;
        }
        return cats * 2 > data.size() ? SURICATA_IPREP_CATEGORIES : null;
    }

    static boolean isInt(String s) {
        String t = s.strip();
        return !t.isEmpty() && t.length() < 10 && t.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
