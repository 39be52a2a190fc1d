package io.spanwatch.sensor.http;

import java.util.List;

/**
 * Decodes the header blocks of one direction of an HTTP/2 connection (HPACK, RFC 7541): the static
 * table, the dynamic table the encoder builds up block by block, integers with an N-bit prefix,
 * string literals raw or Huffman coded. One decoder per direction, fed every block of that direction
 * in order: a block left out (lost, or cut by a limit) leaves the dynamic table unknown, and the
 * caller then stops decoding that direction.
 *
 * <p>Bounds: the dynamic table holds at most what the encoder declared with a size update, which may
 * not pass what the receiving peer allowed in its SETTINGS (4,096 bytes until it says otherwise) nor
 * {@value #MAX_TABLE_BYTES} bytes whatever it says (Suricata's cap too); a block's decoded fields are
 * kept up to a count and a byte total ({@code http.max-headers}, {@code http.max-header-bytes}), past
 * which the block is still read to the end, for the table, without keeping its fields (an HPACK
 * "bomb", a short block naming a large table entry many times, costs no memory). Names and values are
 * kept one character per byte, as the HTTP/1 parser keeps them.
 *
 * <p>Not thread-safe: used by its connection's thread.
 */
final class Hpack {
    /** The table size every HTTP/2 connection starts with (SETTINGS_HEADER_TABLE_SIZE's default). */
    static final int DEFAULT_TABLE_BYTES = 4096;
    /** Most a dynamic table may hold here, whatever the peers agree. */
    static final int MAX_TABLE_BYTES = 65536;
    /** What RFC 7541 §4.1 counts for an entry besides its name and value. */
    static final int ENTRY_OVERHEAD = 32;

    /** A block that is not valid HPACK: the decoder's state is unknown from here. */
    static final class HpackException extends Exception {
        HpackException(String message) {
            super(message, null, false, false);
        }
    }

    /** What one block held: its fields (up to the limits) and whether a limit cut them. */
    record Block(List<HttpTransaction.Header> fields, boolean cut) {
    }

    // RFC 7541 Appendix A, index 1 to 61.
    private static final String[] STATIC_NAMES = {
        ":authority", ":method", ":method", ":path", ":path", ":scheme", ":scheme", ":status", ":status", ":status",
        ":status", ":status", ":status", ":status", "accept-charset", "accept-encoding", "accept-language",
        "accept-ranges", "accept", "access-control-allow-origin", "age", "allow", "authorization", "cache-control",
        "content-disposition", "content-encoding", "content-language", "content-length", "content-location",
        "content-range", "content-type", "cookie", "date", "etag", "expect", "expires", "from", "host", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "link", "location",
        "max-forwards", "proxy-authenticate", "proxy-authorization", "range", "referer", "refresh", "retry-after",
        "server", "set-cookie", "strict-transport-security", "transfer-encoding", "user-agent", "vary", "via",
        "www-authenticate",
    };
    private static final String[] STATIC_VALUES = new String[STATIC_NAMES.length];

    static {
        java.util.Arrays.fill(STATIC_VALUES, "");
        String[][] valued = {
            {"2", "GET"}, {"3", "POST"}, {"4", "/"}, {"5", "/index.html"}, {"6", "http"}, {"7", "https"}, {"8", "200"},
            {"9", "204"}, {"10", "206"}, {"11", "304"}, {"12", "400"}, {"13", "404"}, {"14", "500"},
            {"16", "gzip, deflate"},
        };
        for (String[] v : valued) {
            STATIC_VALUES[Integer.parseInt(v[0]) - 1] = v[1];
        }
    }

    // RFC 7541 Appendix B: the code length of each symbol, 0 to 255 and EOS (256). The code is
    // canonical (codes of one length are consecutive, in symbol order, after the shorter ones), so
    // the lengths alone define it.
    private static final byte[] CODE_LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
        28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
        5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
        6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
        24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
        21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
        19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
        26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    };
    private static final int EOS = 256;
    private static final int MAX_CODE_LENGTH = 30;
    /** Per code length: the first code of that length, how many there are, and where their symbols start. */
    private static final int[] FIRST_CODE = new int[MAX_CODE_LENGTH + 1];
    private static final int[] COUNT = new int[MAX_CODE_LENGTH + 1];
    private static final int[] OFFSET = new int[MAX_CODE_LENGTH + 1];
    /** The symbols ordered by code length, then value. */
    private static final int[] SYMBOLS = new int[CODE_LENGTHS.length];

    static {
        for (byte l : CODE_LENGTHS) {
            COUNT[l]++;
        }
        int code = 0;
        int offset = 0;
        for (int len = 1; len <= MAX_CODE_LENGTH; len++) {
            code <<= 1;
            FIRST_CODE[len] = code;
            OFFSET[len] = offset;
            code += COUNT[len];
            offset += COUNT[len];
        }
        int[] next = OFFSET.clone();
        for (int s = 0; s < CODE_LENGTHS.length; s++) {
            SYMBOLS[next[CODE_LENGTHS[s]]++] = s;
        }
    }

    // The dynamic table, newest entry at [head], as a ring.
    private HttpTransaction.Header[] entries = new HttpTransaction.Header[16];
    private int head;
    private int count;
    /** Bytes the table holds, counted as RFC 7541 §4.1 does. */
    private int size;
    /** The table's size as the encoder last declared it. */
    private int maxSize = DEFAULT_TABLE_BYTES;
    /** What the receiving peer allows the encoder (its SETTINGS_HEADER_TABLE_SIZE once acknowledged, capped). */
    private int allowed = DEFAULT_TABLE_BYTES;
    /** A larger size the peer announced and the encoder has not acknowledged yet: a size update up to it is taken early. */
    private int announced = DEFAULT_TABLE_BYTES;

    /**
     * Takes the table size the receiving peer allows, once the encoder acknowledged its SETTINGS: a
     * lower one takes effect at once (the encoder's next block must start with a size update to it,
     * RFC 7541 §4.2), a higher one waits for the encoder's size update.
     */
    void allow(long bytes) {
        allowed = (int) Math.min(MAX_TABLE_BYTES, Math.max(0, bytes));
        announced = allowed;
        if (maxSize > allowed) {
            resize(allowed);
        }
    }

    /**
     * Takes a table size the peer announced that the encoder has not acknowledged yet: a size update
     * up to it is accepted before the acknowledgement comes (an encoder applies settings before it
     * writes their ACK), the table is not shrunk until then.
     */
    void announce(long bytes) {
        announced = (int) Math.max(allowed, Math.min(MAX_TABLE_BYTES, Math.max(0, bytes)));
    }

    /** Returns the bytes the dynamic table holds now (RFC 7541's count). */
    int tableBytes() {
        return size;
    }

    /**
     * Decodes one whole header block.
     *
     * @param maxFields fields kept at most; later ones are decoded for the table and dropped
     * @param maxBytes name and value bytes kept at most, over the block
     * @throws HpackException when the block is not valid HPACK (the decoder's state is then unknown)
     */
    Block decode(byte[] b, int off, int len, int maxFields, long maxBytes) throws HpackException {
        java.util.ArrayList<HttpTransaction.Header> out = new java.util.ArrayList<>();
        int end = off + len;
        int[] at = {off};
        long kept = 0;
        boolean cut = false;
        boolean fieldSeen = false;
        int essential = 0;
        while (at[0] < end) {
            int first = b[at[0]] & 0xff;
            HttpTransaction.Header h;
            if ((first & 0x80) != 0) { // indexed field
                h = entry(integer(b, at, end, 7));
            } else if ((first & 0xe0) == 0x20) { // dynamic table size update
                if (fieldSeen) {
                    throw new HpackException("table size update after a field");
                }
                long n = integer(b, at, end, 5);
                int limit = Math.max(allowed, announced);
                if (n > limit) {
                    throw new HpackException("table size update to " + n + " bytes, more than the " + limit + " allowed");
                }
                resize((int) n);
                continue;
            } else {
                boolean index = (first & 0xc0) == 0x40;
                int nameIndex = (int) integer(b, at, end, index ? 6 : 4);
                String name = nameIndex == 0 ? string(b, at, end) : entry(nameIndex).name();
                h = new HttpTransaction.Header(name, string(b, at, end));
                if (index) {
                    add(h);
                }
            }
            fieldSeen = true;
            long bytes = (long) h.name().length() + h.value().length();
            if (!cut && out.size() < maxFields && kept + bytes <= maxBytes) {
                out.add(h);
                kept += bytes;
            } else {
                cut = true;
                // What frames the message is kept past the limit, small ones only: a head padded past
                // it must not drop the content coding (its file would come out as the coded bytes).
                if (essential < MAX_ESSENTIAL_FIELDS && bytes <= MAX_ESSENTIAL_BYTES && essential(h.name())) {
                    out.add(h);
                    essential++;
                }
            }
        }
        return new Block(out, cut);
    }

    /** Fields kept past a block's limits when they frame the message: pseudo-fields and {@code content-*}. */
    static final int MAX_ESSENTIAL_FIELDS = 16;
    static final int MAX_ESSENTIAL_BYTES = 1024;

    private static boolean essential(String name) {
        return name.startsWith(":") || name.startsWith("content-");
    }

    private HttpTransaction.Header entry(long index) throws HpackException {
        if (index >= 1 && index <= STATIC_NAMES.length) {
            int i = (int) index - 1;
            return new HttpTransaction.Header(STATIC_NAMES[i], STATIC_VALUES[i]);
        }
        long d = index - STATIC_NAMES.length - 1;
        if (index < 1 || d >= count) {
            throw new HpackException("index " + index + " is in neither table (" + count + " dynamic entries)");
        }
        return entries[(head + (int) d) % entries.length];
    }

    private void add(HttpTransaction.Header h) {
        int bytes = h.name().length() + h.value().length() + ENTRY_OVERHEAD;
        evictTo(maxSize - bytes);
        if (bytes > maxSize) {
            return; // larger than the table: it empties the table and is not kept (RFC 7541 §4.4)
        }
        if (count == entries.length) {
            HttpTransaction.Header[] grown = new HttpTransaction.Header[entries.length * 2];
            for (int i = 0; i < count; i++) {
                grown[i] = entries[(head + i) % entries.length];
            }
            entries = grown;
            head = 0;
        }
        head = (head - 1 + entries.length) % entries.length;
        entries[head] = h;
        count++;
        size += bytes;
    }

    private void resize(int n) {
        maxSize = n;
        evictTo(n);
    }

    private void evictTo(int target) {
        while (count > 0 && size > Math.max(0, target)) {
            int oldest = (head + count - 1) % entries.length;
            HttpTransaction.Header h = entries[oldest];
            entries[oldest] = null;
            size -= h.name().length() + h.value().length() + ENTRY_OVERHEAD;
            count--;
        }
    }

    /** Reads an integer with an N-bit prefix (RFC 7541 §5.1); at most 2^28 (no table or string is larger), in at most nine octets after the prefix. */
    static long integer(byte[] b, int[] at, int end, int prefixBits) throws HpackException {
        int mask = (1 << prefixBits) - 1;
        long v = b[at[0]++] & mask;
        if (v < mask) {
            return v;
        }
        for (int shift = 0; ; shift += 7) {
            if (at[0] >= end) {
                throw new HpackException("integer cut by the block's end");
            }
            int c = b[at[0]++] & 0xff;
            // Zero groups past the value's end are accepted, as Go's and Netty's decoders accept them
            // (up to 63 bits); a value past 2^28 is refused.
            if (shift >= 63 || (shift > 28 && (c & 0x7f) != 0)) {
                throw new HpackException("integer too large");
            }
            v += (long) (c & 0x7f) << shift;
            if (v > (1 << 28)) {
                throw new HpackException("integer too large");
            }
            if ((c & 0x80) == 0) {
                return v;
            }
        }
    }

    /** Reads a string literal (RFC 7541 §5.2), raw or Huffman coded. */
    static String string(byte[] b, int[] at, int end) throws HpackException {
        if (at[0] >= end) {
            throw new HpackException("string literal missing");
        }
        boolean huffman = (b[at[0]] & 0x80) != 0;
        long n = integer(b, at, end, 7);
        if (n > end - at[0]) {
            throw new HpackException("string literal of " + n + " bytes passes the block's end");
        }
        int start = at[0];
        at[0] += (int) n;
        return huffman ? huffman(b, start, (int) n) : new String(b, start, (int) n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Decodes Huffman-coded bytes (RFC 7541 §5.2): padding is at most 7 bits, all ones; EOS is an error. */
    static String huffman(byte[] b, int off, int len) throws HpackException {
        StringBuilder sb = new StringBuilder(len + len / 2);
        int code = 0;
        int codeLen = 0;
        boolean allOnes = true;
        for (int i = off; i < off + len; i++) {
            int octet = b[i] & 0xff;
            for (int bit = 7; bit >= 0; bit--) {
                int v = (octet >>> bit) & 1;
                code = (code << 1) | v;
                codeLen++;
                allOnes &= v == 1;
                int k = code - FIRST_CODE[codeLen];
                if (k >= 0 && k < COUNT[codeLen]) {
                    int sym = SYMBOLS[OFFSET[codeLen] + k];
                    if (sym == EOS) {
                        throw new HpackException("EOS in a Huffman string");
                    }
                    sb.append((char) sym);
                    code = 0;
                    codeLen = 0;
                    allOnes = true;
                } else if (codeLen == MAX_CODE_LENGTH) {
                    throw new HpackException("not a Huffman code");
                }
            }
        }
        if (codeLen > 7 || !allOnes) {
            throw new HpackException("Huffman padding is not the EOS prefix");
        }
        return sb.toString();
    }
}
