package io.spanwatch.analyzer.reputation;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the line formats: plain lists, Spamhaus DROP/EDROP, Zeek Intel files and Suricata iprep
 * files. Comment and blank lines are skipped; every other line is an indicator, malformed or
 * unsupported.
 */
final class TextFeeds {
    /** Host names of hosts-file boilerplate, skipped quietly. */
    private static final Set<String> HOSTS_BOILERPLATE = Set.of("localhost", "localhost.localdomain", "local", "broadcasthost",
            "ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts",
            "0.0.0.0");
    private static final Set<String> HOSTS_SINKS = Set.of("0.0.0.0", "127.0.0.1", "::", "::1", "0");

    private TextFeeds() {
    }

    /**
     * Returns the indicator of a plain-list line, or null for a blank or comment line ({@code #},
     * {@code ;}, {@code //}). The first word is the indicator and the rest of the line a comment,
     * except in hosts-file lines ({@code 0.0.0.0 evil.example}), where it is the name.
     */
    static String plainToken(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.charAt(0) == '#' || t.charAt(0) == ';' || t.startsWith("//")) {
            return null;
        }
        int end = 0;
        while (end < t.length() && !Character.isWhitespace(t.charAt(end))) {
            end++;
        }
        if (end == t.length()) {
            return t;
        }
        String first = t.substring(0, end);
        if (HOSTS_SINKS.contains(first)) {
            int start = end;
            while (start < t.length() && Character.isWhitespace(t.charAt(start))) {
                start++;
            }
            int stop = start;
            while (stop < t.length() && !Character.isWhitespace(t.charAt(stop))) {
                stop++;
            }
            String name = t.substring(start, stop);
            if (!name.startsWith("#")) {
                return HOSTS_BOILERPLATE.contains(name.toLowerCase(java.util.Locale.ROOT)) ? null : name;
            }
        }
        return first;
    }

    /** Reads a plain list: one IP, CIDR, domain, URL or hash a line. */
    static void plain(FeedLines in, FeedContext ctx) throws IOException {
        String line;
        while ((line = next(in, ctx)) != null) {
            String token = plainToken(line);
            if (token != null) {
                ctx.indicator(in.lineNumber(), Indicators.Hint.AUTO, token, IntelMeta.NONE);
            }
        }
    }

    /** Reads Spamhaus DROP or EDROP text: {@code 1.10.16.0/20 ; SBL256894}, comments after {@code ;}. */
    static void spamhaus(FeedLines in, FeedContext ctx) throws IOException {
        String line;
        while ((line = next(in, ctx)) != null) {
            String t = line.strip();
            if (t.isEmpty() || t.charAt(0) == ';' || t.charAt(0) == '#') {
                continue;
            }
            int semi = t.indexOf(';');
            String cidr = (semi < 0 ? t : t.substring(0, semi)).strip();
            String sbl = semi < 0 ? null : t.substring(semi + 1).strip();
            ctx.indicator(in.lineNumber(), Indicators.Hint.IP, cidr, IntelMeta.of(null, null, -1, null, sbl, null));
        }
    }

    /**
     * Reads a Zeek Intel framework file: {@code #fields} names the tab-separated columns
     * ({@code indicator}, {@code indicator_type}, {@code meta.*}); {@code #separator} may change the
     * separator; {@code -} is unset. {@code Intel::ADDR}, {@code SUBNET}, {@code DOMAIN}, {@code URL},
     * {@code FILE_HASH} and {@code CERT_HASH} (a certificate's SHA-1) are matched; other types are counted as
     * unsupported.
     */
    static void zeek(FeedLines in, FeedContext ctx) throws IOException {
        String sep = "\t";
        Map<String, Integer> cols = null;
        String line;
        while ((line = next(in, ctx)) != null) {
            if (line.startsWith("#separator")) {
                String v = line.substring("#separator".length()).strip();
                sep = v.startsWith("\\x") && v.length() == 4 ? String.valueOf((char) Integer.parseInt(v.substring(2), 16)) : v;
                if (sep.isEmpty()) {
                    sep = "\t";
                }
                continue;
            }
            if (line.startsWith("#fields")) {
                String[] names = line.split(java.util.regex.Pattern.quote(sep), -1);
                cols = new HashMap<>();
                for (int i = 1; i < names.length; i++) {
                    cols.putIfAbsent(names[i].strip(), i - 1);
                }
                if (!cols.containsKey("indicator") || !cols.containsKey("indicator_type")) {
                    ctx.malformed(in.lineNumber(), "#fields without indicator and indicator_type");
                    cols = null;
                }
                continue;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (cols == null) {
                ctx.malformed(in.lineNumber(), "data before a #fields line");
                continue;
            }
            String[] f = line.split(java.util.regex.Pattern.quote(sep), -1);
            String value = zeekField(f, cols, "indicator");
            String type = zeekField(f, cols, "indicator_type");
            if (value == null || type == null) {
                ctx.malformed(in.lineNumber(), f.length == 1 ? "fields must be separated by tabs" : "indicator or indicator_type missing");
                continue;
            }
            Indicators.Hint hint = switch (type.strip()) {
                case "Intel::ADDR", "Intel::SUBNET" -> Indicators.Hint.IP;
                case "Intel::DOMAIN" -> Indicators.Hint.DOMAIN;
                case "Intel::URL" -> Indicators.Hint.URL;
                case "Intel::FILE_HASH" -> Indicators.Hint.HASH;
                case "Intel::CERT_HASH" -> Indicators.Hint.X509_SHA1; // the SHA-1 of a certificate, as Zeek's x509 log has it
                default -> null;
            };
            if (hint == null) {
                ctx.unsupported(in.lineNumber(), "indicator type " + FeedContext.clip(type));
                continue;
            }
            int confidence = -1;
            String c = zeekField(f, cols, "meta.cif_confidence");
            if (c != null) {
                try {
                    confidence = (int) Math.round(Double.parseDouble(c));
                } catch (NumberFormatException e) {
                    confidence = -1;
                }
            }
            IntelMeta meta = IntelMeta.of(null, null, confidence, zeekField(f, cols, "meta.cif_tags"), zeekField(f, cols, "meta.desc"),
                    zeekField(f, cols, "meta.source"));
            ctx.indicator(in.lineNumber(), hint, value, meta);
        }
    }

    private static String zeekField(String[] f, Map<String, Integer> cols, String name) {
        Integer i = cols.get(name);
        if (i == null || i >= f.length) {
            return null;
        }
        String v = f[i].strip();
        return v.isEmpty() || v.equals("-") || v.equals("(empty)") ? null : v;
    }

    /** Reads a Suricata iprep categories file ({@code id,short name,description}) into the load's category table. */
    static void iprepCategories(FeedLines in, FeedContext ctx) throws IOException {
        String line;
        while ((line = next(in, ctx)) != null) {
            if (skippable(line)) {
                continue;
            }
            String[] p = line.split(",", 3);
            if (p.length < 2 || !FeedFormat.isInt(p[0]) || p[1].isBlank()) {
                ctx.malformed(in.lineNumber(), "expected id,short name,description");
                continue;
            }
            int id = Integer.parseInt(p[0].strip());
            if (id > 60) {
                ctx.malformed(in.lineNumber(), "category id " + id + " above 60");
                continue;
            }
            ctx.iprepCategories.put(id, new String[] {p[1].strip(), p.length > 2 ? p[2].strip() : null});
        }
    }

    /**
     * Reads a Suricata iprep reputation file: {@code ip-or-cidr,category,score}, score 1–127 (0 means
     * no data and is skipped). The category's short name (from a categories file of the same load)
     * is the threat, the score the confidence.
     */
    static void iprep(FeedLines in, FeedContext ctx) throws IOException {
        String line;
        while ((line = next(in, ctx)) != null) {
            if (skippable(line)) {
                continue;
            }
            String[] p = line.split(",", -1);
            if (p.length != 3) {
                ctx.malformed(in.lineNumber(), "expected ip,category,score");
                continue;
            }
            if ("ip".equalsIgnoreCase(p[0].strip())) {
                continue;
            }
            if (!FeedFormat.isInt(p[1]) || !FeedFormat.isInt(p[2])) {
                ctx.malformed(in.lineNumber(), "category and score must be numbers");
                continue;
            }
            int cat = Integer.parseInt(p[1].strip());
            int score = Integer.parseInt(p[2].strip());
            if (cat > 60 || score > 127) {
                ctx.malformed(in.lineNumber(), cat > 60 ? "category above 60" : "score above 127");
                continue;
            }
            if (score == 0) {
                ctx.unsupported(in.lineNumber(), "score 0 (no data)");
                continue;
            }
            String[] c = ctx.iprepCategories.get(cat);
            IntelMeta meta = IntelMeta.of(c != null ? c[0] : "category " + cat, null, score, null, c != null ? c[1] : null, null);
            ctx.indicator(in.lineNumber(), Indicators.Hint.IP, p[0], meta);
        }
    }

    private static boolean skippable(String line) {
        return line.isBlank() || line.charAt(0) == '#' || line.charAt(0) == ' ' || line.charAt(0) == '\t';
    }

    /** Returns the next line, counting an over-long one as malformed and skipping it. */
    static String next(FeedLines in, FeedContext ctx) throws IOException {
        String line;
        while ((line = in.next()) != null && in.tooLong()) {
            ctx.malformed(in.lineNumber(), "line longer than intel.max-line-bytes");
        }
        return line;
    }
}
