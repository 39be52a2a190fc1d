package io.spanwatch.analyzer.reputation;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the rows of a MISP CSV export (the {@code restSearch} CSV: {@code uuid,event_id,category,
 * type,value,comment,to_ids,date,object_relation,attribute_tag,...}, or any column choice that keeps
 * {@code type} and {@code value}). Only rows meant for detection are taken ({@code to_ids} 1 or
 * true; all rows when the column is absent), and only network and file-hash types:
 * {@code ip-src}, {@code ip-dst} (also {@code |port}), {@code domain}, {@code hostname} (also
 * {@code |port}), {@code domain|ip} (both), {@code url}, {@code md5}, {@code sha1}, {@code sha256},
 * {@code filename|md5} and the like, {@code malware-sample}. Other types are unsupported.
 */
final class MispCsv {
    private MispCsv() {
    }

    static void row(List<String> r, Map<String, Integer> cols, int line, FeedContext ctx) {
        String type = Csv.lower(Csv.field(r, cols, "type"));
        String value = Csv.field(r, cols, "value");
        if (type == null || value == null || type.isBlank() || value.isBlank()) {
            ctx.malformed(line, "no type or value");
            return;
        }
        String toIds = Csv.lower(Csv.field(r, cols, "toids"));
        if (toIds != null && (toIds.equals("0") || toIds.equals("false"))) {
            ctx.unsupported(line, "to_ids is off");
            return;
        }
        IntelMeta meta = IntelMeta.of(Csv.field(r, cols, "category"), null, -1, Csv.field(r, cols, "attributetag"),
                Csv.field(r, cols, "comment"), Csv.field(r, cols, "eventinfo"));
        String[] parts = value.split("\\|", -1);
        String first = parts[0];
        String second = parts.length > 1 ? parts[1] : null;
        switch (type) {
            case "ip-src", "ip-dst" -> ctx.indicator(line, Indicators.Hint.IP, first, meta);
            case "ip-src|port", "ip-dst|port" -> ctx.indicator(line, Indicators.Hint.IP, first, meta);
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
            default -> ctx.unsupported(line, "MISP type " + FeedContext.clip(type.toLowerCase(Locale.ROOT)));
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
