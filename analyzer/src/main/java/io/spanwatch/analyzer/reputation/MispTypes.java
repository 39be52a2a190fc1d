package io.spanwatch.analyzer.reputation;

import java.util.Locale;

/**
 * Maps a MISP attribute (its {@code type} and {@code value}) to indicators, for every MISP format
 * read (the CSV export, {@link MispCsv}; event JSON, feeds and REST search results, {@link MispJson}).
 * Network and file-hash types are taken: {@code ip-src}, {@code ip-dst} (also {@code |port}: the
 * address, any port), {@code domain}, {@code hostname} (also {@code |port}), {@code domain|ip}
 * (both), {@code url}, {@code md5}, {@code sha1}, {@code sha256}, {@code filename|md5} and the like
 * (the hash), {@code malware-sample} (its md5), {@code ja3-fingerprint-md5} and
 * {@code x509-fingerprint-sha1}. Other types are unsupported.
 */
final class MispTypes {
    private MispTypes() {
    }

    /**
     * Returns true when a {@code to_ids} value says "not for detection" ({@code 0}, {@code false}
     * in any case); an absent or other value means the attribute is taken.
     */
    static boolean idsOff(String toIds) {
        if (toIds == null) {
            return false;
        }
        String t = toIds.strip().toLowerCase(Locale.ROOT);
        return t.equals("0") || t.equals("false");
    }

    /** Adds the indicators an attribute of a type gives, counting a type not matched as unsupported. */
    static void take(int line, String mispType, String value, IntelMeta meta, FeedContext ctx) {
        String type = mispType.strip().toLowerCase(Locale.ROOT);
        String[] parts = value.split("\\|", -1);
        String first = parts[0];
        String second = parts.length > 1 ? parts[1] : null;
        switch (type) {
            case "ip-src", "ip-dst", "ip-src|port", "ip-dst|port" -> ctx.indicator(line, Indicators.Hint.IP, first, meta);
            case "domain", "hostname", "hostname|port" -> ctx.indicator(line, Indicators.Hint.DOMAIN, first, meta);
            case "domain|ip" -> {
                ctx.indicator(line, Indicators.Hint.DOMAIN, first, meta);
                if (second != null) {
                    ctx.indicator(line, Indicators.Hint.IP, second, meta);
                }
            }
            case "url" -> ctx.indicator(line, Indicators.Hint.URL, value, meta);
            case "md5", "sha1", "sha256" -> ctx.indicator(line, hint(type), value, meta);
            case "ja3-fingerprint-md5" -> ctx.indicator(line, Indicators.Hint.JA3, value, meta);
            case "x509-fingerprint-sha1" -> ctx.indicator(line, Indicators.Hint.X509_SHA1, value, meta);
            case "filename|md5", "filename|sha1", "filename|sha256", "malware-sample" -> {
                if (second == null) {
                    ctx.malformed(line, type + " without a hash after |");
                } else {
                    ctx.indicator(line, hint(type.equals("malware-sample") ? "md5" : type.substring(type.indexOf('|') + 1)), second, meta);
                }
            }
            default -> ctx.unsupported(line, "MISP type " + FeedContext.clip(type));
        }
    }

    private static Indicators.Hint hint(String hashType) {
        return switch (hashType) {
            case "md5" -> Indicators.Hint.MD5;
            case "sha1" -> Indicators.Hint.SHA1;
            default -> Indicators.Hint.SHA256;
        };
    }
}
