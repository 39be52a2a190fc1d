package io.spanwatch.analyzer.index;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Makes event ids: the first 16 bytes of the SHA-256 of the event's EVE JSON line, without its line
 * end, written as 32 lowercase hex digits. The same event always gets the same id: live indexing
 * hashes the line the EVE writer writes, an import hashes the line it reads, so importing
 * {@code eve.json} again finds the events already there, and a feed or a report that carries the EVE
 * line can name the event by the same id ({@code sha256(line)[0:16]}).
 */
public final class EventIds {
    /** Bytes of an id. */
    public static final int BYTES = 16;
    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private EventIds() {
    }

    /** Returns the id of the EVE line {@code json[off, off+len)}. */
    public static byte[] of(byte[] json, int off, int len) {
        MessageDigest d = SHA256.get();
        d.update(json, off, len);
        byte[] full = d.digest();
        return java.util.Arrays.copyOf(full, BYTES);
    }

    /** Returns the first 8 bytes of an id as a number (the sort's tie-break). */
    public static long tiebreak(byte[] id) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (id[i] & 0xFF);
        }
        return v;
    }

    /** Returns the hex text of an id. */
    public static String hex(byte[] id) {
        return HEX.formatHex(id);
    }

    /** Returns the id a hex text names, or null when it is not 32 hex digits. */
    public static byte[] parse(String hex) {
        if (hex == null || hex.length() != BYTES * 2) {
            return null;
        }
        for (int i = 0; i < hex.length(); i++) {
            if (Character.digit(hex.charAt(i), 16) < 0) {
                return null;
            }
        }
        return HEX.parseHex(hex.toLowerCase(java.util.Locale.ROOT));
    }
}
