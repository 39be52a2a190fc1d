package io.spanwatch.analyzer.reputation;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Reads the CSV feeds by their header, so columns may come in any order and newer columns do not
 * break older readers: abuse.ch URLhaus, Feodo Tracker, ThreatFox, MalwareBazaar and SSL Blacklist
 * exports, and MISP CSV exports. Comment lines ({@code #}) other than the header are skipped, including
 * abuse.ch's banners and {@code # END} footers.
 */
final class CsvFeeds {
    /** Longest record (a MISP comment may span lines). */
    private static final int MAX_RECORD_CHARS = 1 << 20;

    private CsvFeeds() {
    }

    /** Reads a CSV feed of the given format. */
    static void read(FeedFormat format, FeedLines in, FeedContext ctx) throws IOException {
        Map<String, Integer> cols = null;
        String header = null;
        String line;
        while ((line = TextFeeds.next(in, ctx)) != null) {
            String t = line.strip();
            if (cols == null) {
                Map<String, Integer> h = Csv.header(t);
                if (FeedFormat.ofHeader(h, t.startsWith("#")) == format) {
                    cols = h;
                    header = t.startsWith("#") ? t.substring(1).strip() : t;
                }
                continue;
            }
            if (t.isEmpty() || t.charAt(0) == '#') {
                continue;
            }
            int lineNo = in.lineNumber();
            List<String> r = Csv.record(line, in, ',', MAX_RECORD_CHARS);
            if (r == null) {
                ctx.malformed(lineNo, "unterminated quoted field (not closed within " + Csv.MAX_RECORD_LINES
                        + " lines); the lines after it are read as records");
                continue;
            }
            if (t.equals(header)) {
                continue; // a repeated header
            }
            switch (format) {
                case URLHAUS_CSV -> urlhaus(r, cols, lineNo, ctx);
                case FEODO_CSV -> feodo(r, cols, lineNo, ctx);
                case THREATFOX_CSV -> threatfox(r, cols, lineNo, ctx);
                case MALWAREBAZAAR_CSV -> malwarebazaar(r, cols, lineNo, ctx);
                case MISP_CSV -> MispCsv.row(r, cols, lineNo, ctx);
                case SSLBL_CSV -> sslbl(r, cols, "sha1", Indicators.Hint.X509_SHA1, lineNo, ctx);
                case SSLBL_JA3_CSV -> sslbl(r, cols, "ja3md5", Indicators.Hint.JA3, lineNo, ctx);
                default -> throw new IllegalArgumentException(format.id());
            }
        }
    }

    /** URLhaus: {@code id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter}. */
    private static void urlhaus(List<String> r, Map<String, Integer> cols, int line, FeedContext ctx) {
        String url = Csv.field(r, cols, "url");
        if (url == null || url.isBlank()) {
            ctx.malformed(line, "no url");
            return;
        }
        ctx.indicator(line, Indicators.Hint.URL, url,
                IntelMeta.of(Csv.field(r, cols, "threat"), null, -1, Csv.field(r, cols, "tags"), null, null));
    }

    /**
     * abuse.ch SSL Blacklist: certificates ({@code Listingdate,SHA1,Listingreason}) and JA3
     * fingerprints ({@code ja3_md5,Firstseen,Lastseen,Listingreason}) of botnet C2 servers and
     * malware clients; the reason names the family ({@code Dridex C&C}).
     */
    private static void sslbl(List<String> r, Map<String, Integer> cols, String column, Indicators.Hint hint, int line, FeedContext ctx) {
        String value = Csv.field(r, cols, column);
        if (value == null || value.isBlank()) {
            ctx.malformed(line, "no " + (hint == Indicators.Hint.JA3 ? "ja3_md5" : "SHA1"));
            return;
        }
        ctx.indicator(line, hint, value, IntelMeta.of("botnet_cc", Csv.field(r, cols, "listingreason"), -1, null, null, null));
    }

    /** Feodo Tracker: {@code first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware} (older: {@code DstIP}). */
    private static void feodo(List<String> r, Map<String, Integer> cols, int line, FeedContext ctx) {
        String ip = Csv.field(r, cols, "dstip");
        if (ip == null || ip.isBlank()) {
            ctx.malformed(line, "no dst_ip");
            return;
        }
        ctx.indicator(line, Indicators.Hint.IP, ip, IntelMeta.of("botnet_cc", Csv.field(r, cols, "malware"), -1, null, null, null));
    }

    /**
     * ThreatFox: {@code ioc_value} by {@code ioc_type}: {@code ip:port} (the address is matched, any
     * port), {@code domain}, {@code url}, {@code md5_hash}, {@code sha1_hash}, {@code sha256_hash};
     * other hashes are unsupported.
     */
    private static void threatfox(List<String> r, Map<String, Integer> cols, int line, FeedContext ctx) {
        String value = Csv.field(r, cols, "iocvalue");
        String type = Csv.lower(Csv.field(r, cols, "ioctype"));
        if (value == null || value.isBlank() || type == null) {
            ctx.malformed(line, "no ioc_value or ioc_type");
            return;
        }
        int confidence = -1;
        String c = Csv.field(r, cols, "confidencelevel");
        if (c != null && FeedFormat.isInt(c)) {
            confidence = Integer.parseInt(c.strip());
        }
        String malware = Csv.field(r, cols, "malwareprintable");
        if (malware == null || malware.equalsIgnoreCase("Unknown malware")) {
            malware = Csv.field(r, cols, "fkmalware");
        }
        IntelMeta meta = IntelMeta.of(Csv.field(r, cols, "threattype"), malware, confidence, Csv.field(r, cols, "tags"), null, null);
        switch (type) {
            case "ip:port" -> {
                String ip = hostOfIpPort(value.strip());
                if (ip == null) {
                    ctx.malformed(line, "not an ip:port: " + FeedContext.clip(value));
                } else {
                    ctx.indicator(line, Indicators.Hint.IP, ip, meta);
                }
            }
            case "ip" -> ctx.indicator(line, Indicators.Hint.IP, value, meta);
            case "domain" -> ctx.indicator(line, Indicators.Hint.DOMAIN, value, meta);
            case "url" -> ctx.indicator(line, Indicators.Hint.URL, value, meta);
            case "md5_hash" -> ctx.indicator(line, Indicators.Hint.MD5, value, meta);
            case "sha1_hash" -> ctx.indicator(line, Indicators.Hint.SHA1, value, meta);
            case "sha256_hash" -> ctx.indicator(line, Indicators.Hint.SHA256, value, meta);
            default -> ctx.unsupported(line, "ioc_type " + FeedContext.clip(type));
        }
    }

    /** Returns the address of {@code 1.2.3.4:80} or {@code [2001:db8::1]:443}, or null. */
    static String hostOfIpPort(String v) {
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            return close < 0 ? null : v.substring(1, close);
        }
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            return v;
        }
        if (v.indexOf(':') != colon) {
            return v; // a bare IPv6 address
        }
        return v.substring(0, colon);
    }

    /**
     * MalwareBazaar export: the sha256 of each sample (every file SpanWatch hashes has all three
     * digests, so md5 and sha1 only when a row has no sha256); {@code signature} is the family.
     */
    private static void malwarebazaar(List<String> r, Map<String, Integer> cols, int line, FeedContext ctx) {
        IntelMeta meta = IntelMeta.of("malware_sample", Csv.field(r, cols, "signature"), -1, null, null, null);
        String sha256 = Csv.field(r, cols, "sha256hash");
        if (sha256 != null && !sha256.isBlank()) {
            ctx.indicator(line, Indicators.Hint.SHA256, sha256, meta);
            return;
        }
        String md5 = Csv.field(r, cols, "md5hash");
        String sha1 = Csv.field(r, cols, "sha1hash");
        if ((md5 == null || md5.isBlank()) && (sha1 == null || sha1.isBlank())) {
            ctx.malformed(line, "no hash");
            return;
        }
        if (md5 != null && !md5.isBlank()) {
            ctx.indicator(line, Indicators.Hint.MD5, md5, meta);
        }
        if (sha1 != null && !sha1.isBlank()) {
            ctx.indicator(line, Indicators.Hint.SHA1, sha1, meta);
        }
    }
}
