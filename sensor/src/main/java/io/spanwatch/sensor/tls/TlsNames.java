package io.spanwatch.sensor.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names what a TLS handshake showed the way Suricata's EVE {@code tls} object does: the version as
 * {@code tls.version} writes it, the JA3 and JA3S fingerprints (Salesforce's definitions, as
 * Suricata computes them: GREASE values left out, fields joined with commas and lists with dashes,
 * the hash the MD5 of that string in lower-case hex), and the JA4 client fingerprint (FoxIO's JA4
 * specification, the part of JA4+ under the BSD licence, which Suricata 7.0.4 and later write as
 * {@code tls.ja4}). JA4S and the rest of JA4+ are under FoxIO's own licence and are left out.
 */
public final class TlsNames {
    private TlsNames() {
    }

    /** What {@code tls.version} says when no server hello was seen. */
    public static final String UNDETERMINED = "UNDETERMINED";

    /** Returns the name Suricata gives a protocol version number. */
    public static String version(int v) {
        return switch (v) {
            case 0x0200 -> "SSLv2";
            case 0x0300 -> "SSLv3";
            case 0x0301 -> "TLSv1";
            case 0x0302 -> "TLS 1.1";
            case 0x0303 -> "TLS 1.2";
            case 0x0304 -> "TLS 1.3";
            case 0x7F01 -> "TLS 1.3 draft-<16";
            case 0xFB14, 0xFB15, 0xFB16, 0xFB17, 0xFB1A -> "TLS 1.3 draft-" + (v & 0xFF) + "-fb"; // Facebook's drafts
            default -> (v & 0xFF00) == 0x7F00 && (v & 0xFF) >= 16 && (v & 0xFF) <= 28 ? "TLS 1.3 draft-" + (v & 0xFF)
                    : String.format("0x%04x", v);
        };
    }

    /**
     * Returns the version a server chose: its {@code supported_versions} choice when it sent one
     * (TLS 1.3), else its hello's version.
     */
    public static int negotiated(HelloReader.Hello server) {
        return server.versions().length > 0 ? server.versions()[0] : server.legacyVersion();
    }

    /** Tells whether {@code v} is a GREASE value (RFC 8701): 0x0A0A, 0x1A1A, ... 0xFAFA. */
    public static boolean grease(int v) {
        return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
    }

    /** The JA3 string of a ClientHello: version, ciphers, extensions, groups, point formats. */
    public static String ja3(HelloReader.Hello c) {
        StringBuilder b = new StringBuilder(128).append(c.legacyVersion()).append(',');
        list(b, c.ciphers()).append(',');
        list(b, c.extensions()).append(',');
        list(b, c.groups()).append(',');
        return list(b, c.pointFormats()).toString();
    }

    /** The JA3S string of a ServerHello: version, cipher, extensions. */
    public static String ja3s(HelloReader.Hello s) {
        StringBuilder b = new StringBuilder(64).append(s.legacyVersion()).append(',');
        list(b, s.ciphers()).append(',');
        return list(b, s.extensions()).toString();
    }

    /**
     * The JA4 fingerprint of a ClientHello over TCP, {@code t13d1516h2_8daaf6152771_d8a2da3f94cd}:
     * <ol>
     *   <li>{@code t}, the version (the highest of {@code supported_versions}, else the hello's:
     *       {@code 13}, {@code 12}, {@code 11}, {@code 10}, {@code s3}, {@code s2}, {@code d1}-{@code d3}
     *       for DTLS's numbers, which only a broken hello carries over TCP, {@code 00} otherwise), {@code d} with a {@code server_name} extension or {@code i}
     *       without, the counts of cipher suites and of extensions (two digits, at most 99), and the first
     *       and last characters of the first ALPN protocol ({@code 00} without one; when either is not a
     *       letter or digit, the first and last characters of the protocol's hex form instead);</li>
     *   <li>the first 12 hex digits of the SHA-256 of the cipher suites as 4-digit hex, sorted, joined
     *       by commas;</li>
     *   <li>the same of the extensions sorted that way without {@code server_name} and ALPN, then
     *       {@code _} and the signature algorithms in the order sent (no {@code _} when there are none).</li>
     * </ol>
     * GREASE values are left out everywhere; an empty list hashes to {@code 000000000000}.
     */
    public static String ja4(HelloReader.Hello c) {
        int[] ciphers = withoutGrease(c.ciphers());
        int[] extensions = withoutGrease(c.extensions());
        int version = c.legacyVersion();
        int[] offered = withoutGrease(c.versions());
        if (offered.length > 0) {
            version = java.util.Arrays.stream(offered).max().getAsInt();
        }
        boolean sni = false;
        for (int e : extensions) {
            sni |= e == HelloReader.EXT_SERVER_NAME;
        }
        StringBuilder a = new StringBuilder(36).append('t').append(ja4Version(version))
                .append(sni ? 'd' : 'i');
        twoDigits(a, ciphers.length);
        twoDigits(a, extensions.length);
        a.append(ja4Alpn(c.alpn().isEmpty() ? "" : c.alpn().getFirst())).append('_');
        int[] sorted = ciphers.clone();
        java.util.Arrays.sort(sorted);
        a.append(hash12(hexList(new StringBuilder(), sorted))).append('_');
        int[] exts = java.util.Arrays.stream(extensions)
                .filter(e -> e != HelloReader.EXT_SERVER_NAME && e != HelloReader.EXT_ALPN).sorted().toArray();
        StringBuilder c2 = hexList(new StringBuilder(), exts);
        int[] sigalgs = withoutGrease(c.signatureAlgorithms());
        if (exts.length > 0 && sigalgs.length > 0) {
            hexList(c2.append('_'), sigalgs);
        }
        return a.append(exts.length == 0 ? "000000000000" : hash12(c2)).toString();
    }

    /** The version code of JA4's first part. */
    private static String ja4Version(int v) {
        return switch (v) {
            case 0x0304 -> "13";
            case 0x0303 -> "12";
            case 0x0302 -> "11";
            case 0x0301 -> "10";
            case 0x0300 -> "s3";
            case 0x0002, 0x0200 -> "s2";
            case 0xFEFF -> "d1";
            case 0xFEFD -> "d2";
            case 0xFEFC -> "d3";
            default -> "00";
        };
    }

    private static String ja4Alpn(String p) {
        if (p.isEmpty()) {
            return "00";
        }
        char first = p.charAt(0);
        char last = p.charAt(p.length() - 1);
        if (alnum(first) && alnum(last)) {
            return "" + first + last;
        }
        String hex = HexFormat.of().formatHex(p.getBytes(StandardCharsets.ISO_8859_1));
        return "" + hex.charAt(0) + hex.charAt(hex.length() - 1);
    }

    private static boolean alnum(char ch) {
        return ch >= '0' && ch <= '9' || ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z';
    }

    private static void twoDigits(StringBuilder b, int n) {
        int v = Math.min(n, 99);
        b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    private static int[] withoutGrease(int[] values) {
        return java.util.Arrays.stream(values).filter(v -> !grease(v)).toArray();
    }

    private static StringBuilder hexList(StringBuilder b, int[] values) {
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(HexFormat.of().toHexDigits((short) values[i]));
        }
        return b;
    }

    /** The first 12 hex digits of the SHA-256 of {@code s}; {@code 000000000000} for an empty list. */
    private static String hash12(CharSequence s) {
        if (s.isEmpty()) {
            return "000000000000";
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.toString().getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }

    /** MD5 of {@code s} in lower-case hex, as JA3 hashes its string. */
    public static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is in every JDK", e);
        }
    }

    private static StringBuilder list(StringBuilder b, int[] values) {
        boolean first = true;
        for (int v : values) {
            if (grease(v)) {
                continue;
            }
            if (!first) {
                b.append('-');
            }
            b.append(v);
            first = false;
        }
        return b;
    }
}
