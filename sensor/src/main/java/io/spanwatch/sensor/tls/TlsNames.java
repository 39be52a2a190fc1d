package io.spanwatch.sensor.tls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names what a TLS handshake showed the way Suricata's EVE {@code tls} object does: the version as
 * {@code tls.version} writes it, and the JA3 and JA3S fingerprints (Salesforce's definitions, as
 * Suricata computes them: GREASE values left out, fields joined with commas and lists with dashes,
 * the hash the MD5 of that string in lower-case hex).
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
