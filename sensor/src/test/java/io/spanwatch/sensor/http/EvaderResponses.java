package io.spanwatch.sensor.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Builds the responses of HTTP Evader's variants (Steffen Ullrich's test set, App::DubiousHTTP, the
 * modules {@code chunked}, {@code clen}, {@code compressed} and {@code broken}) from their names, by
 * the rules the set documents for each name: which header lines, line ends, status line, framing and
 * codings a variant uses. Written here from those rules, not taken from the set's code.
 *
 * <p>Each response carries the set's content headers for a download (an octet stream with a
 * Content-Disposition filename) and a payload; the result keeps the head and the body apart so that
 * tests can name the raw body a browser saves when it does not decode it.
 */
final class EvaderResponses {

    /** A generated response: the bytes sent, and where the body as generated starts. */
    record Response(byte[] bytes, int bodyStart) {
        byte[] body() {
            return java.util.Arrays.copyOfRange(bytes, bodyStart, bytes.length);
        }
    }

    static final String CONTENT_HEADERS = "Content-type: application/octet-stream\r\n"
            + "Content-disposition: attachment; filename=\"eicar.txt\"\r\n";

    private EvaderResponses() {
    }

    static Response make(String module, String spec, byte[] payload) {
        return switch (module) {
            case "chunked" -> chunked(spec, payload);
            case "clen" -> clen(spec, payload);
            case "compressed" -> compressed(spec, payload);
            case "broken" -> broken(spec, payload);
            default -> throw new IllegalArgumentException(module);
        };
    }

    // ---- chunked ----

    private static final Pattern TE_VALUE = Pattern.compile("(?i)(x|-|nl|lf|cr)*chunked(x|-|nl|lf|cr)*");
    private static final Pattern SIZE_FORMAT = Pattern.compile("(-|space|cr|lf|tab|x|\\\\[0-7]{3})*(0*)(uc)?size(-|space|cr|lf|tab|x|\\\\[0-7]{3})*");
    private static final String TE_CLOSE = "Transfer-Encoding: chunked\r\nConnection: close\r\n";

    private static Response chunked(String spec, byte[] payload) {
        StringBuilder hdr = new StringBuilder(CONTENT_HEADERS);
        byte[] data = payload;
        String version = "HTTP/1.1";
        String te = null;
        List<byte[]> chunks = null;
        String sizePrefix = "";
        String sizeSuffix = "";
        boolean upper = false;
        int signed = 0;
        String nl = "\r\n";
        String ext = null;
        boolean extChunk = false;
        boolean noFinal = false;
        boolean eofInChunk = false;
        String junk = null;
        int sizeAdjust = 0;
        String before = "";
        String fin = "0";
        String finalChunk = null;
        Long clenPercent = null;
        boolean clenBig = false;
        for (String t : spec.split(",")) {
            Matcher m;
            if (TE_VALUE.matcher(t).matches()) {
                String v = t.replace("-", " ").replace("nl", "\r\n").replace("lf", "\n").replace("cr", "\r");
                hdr.append("Transfer-Encoding: ").append(v).append("\r\nConnection: close\r\n");
            } else if (t.equals("huge-white-space-chunked")) {
                hdr.append("Transfer-Encoding: ").append(" ".repeat(10000)).append("chunked\r\nConnection: close\r\n");
            } else if ((m = Pattern.compile("(space|tab|cr|colon)-colon-chunked").matcher(t)).matches()) {
                te = "chunked";
                hdr.append("Connection: close\r\nTransfer-Encoding").append(words(m.group(1))).append(": chunked\r\n");
            } else if ((m = Pattern.compile("((?:lf|cr|x)+)only-chunked").matcher(t)).matches()) {
                te = "chunked";
                cutLastLineEnd(hdr);
                hdr.append(words(m.group(1))).append(TE_CLOSE);
            } else if (t.equals("chu")) {
                hdr.append("Transfer-Encoding: chu\r\nConnection: close\r\n");
            } else if (t.equals("ce-chunked")) {
                hdr.append("Content-Encoding: chunked\r\nConnection: close\r\n");
            } else if (t.equals("clen-big")) {
                clenBig = true;
            } else if ((m = Pattern.compile("clen(\\d+)?").matcher(t)).matches()) {
                clenPercent = m.group(1) == null ? 100L : Long.parseLong(m.group(1));
            } else if (t.equals("http10")) {
                version = "HTTP/1.0";
            } else if (t.regionMatches(true, 0, "HTTP/", 0, 5)) {
                version = t;
            } else if (t.equals("do_clen") || t.equals("do_chunked")) {
                te = t.substring(3);
            } else if (t.equals("chunked-semicolon")) {
                hdr.append("Transfer-Encoding: chunked;\r\nConnection: close\r\n");
            } else if (t.equals("rfc2047")) {
                hdr.append("Transfer-Encoding: =?UTF-8?B?Y2h1bmtlZAo=?=\r\nConnection: close\r\n");
            } else if (t.equals("emptyte")) {
                hdr.append("Transfer-Encoding: \r\nConnection: close\r\n");
            } else if (t.equals("xte")) {
                hdr.append("Transfer-Encoding: lalala\r\nConnection: close\r\n");
            } else if ((m = Pattern.compile("junk(\\S*)-after-chunkdata").matcher(t)).matches()) {
                hdr.append(TE_CLOSE);
                junk = octal(m.group(1));
            } else if ((m = Pattern.compile("size([+-])(\\d+)").matcher(t)).matches()) {
                hdr.append(TE_CLOSE);
                sizeAdjust = Integer.parseInt(m.group(1) + m.group(2));
            } else if (t.startsWith("chunk-ext-") || t.equals("nofinal") || t.equals("eof-inchunk")) {
                hdr.append(TE_CLOSE);
                ext = t.equals("chunk-ext-junk") ? "; foobar" : ext;
                extChunk |= t.equals("chunk-ext-chunk");
                noFinal |= t.equals("nofinal");
                eofInChunk |= t.equals("eof-inchunk");
            } else if ((m = Pattern.compile("chunk-((?:lf|cr)+)").matcher(t)).matches()) {
                hdr.append(TE_CLOSE);
                nl = words(m.group(1));
            } else if ((m = Pattern.compile("(32|64)-size").matcher(t)).matches()) {
                signed = Integer.parseInt(m.group(1));
                hdr.append(TE_CLOSE);
            } else if (SIZE_FORMAT.matcher(t).matches()) {
                hdr.append(TE_CLOSE);
                chunks = pieces(data, 15);
                int at = t.indexOf("size");
                upper = t.startsWith("uc", at - 2);
                sizePrefix = octal(words(t.substring(0, upper ? at - 2 : at).replace("-", "")));
                sizeSuffix = octal(words(t.substring(at + 4).replace("-", "")));
            } else if ((m = Pattern.compile("((?:space|tab|cr|lf)*)-before-chunks").matcher(t)).matches()) {
                hdr.append(TE_CLOSE);
                before = words(m.group(1));
            } else if (t.startsWith("final=")) {
                hdr.append(TE_CLOSE);
                fin = t.substring(6);
            } else if (t.startsWith("finalchunk=")) {
                hdr.append(TE_CLOSE);
                finalChunk = octal(t.substring(11));
            } else if (t.equals("addjunk")) {
                byte[] pk = "PK\003\004".repeat(data.length / 4 + 1).getBytes(StandardCharsets.ISO_8859_1);
                data = Script.concat(data, java.util.Arrays.copyOf(pk, data.length));
            } else if (t.equals("gzip")) {
                data = Codings.gzip(data);
                hdr.append("Content-Encoding: gzip\r\n");
            } else {
                throw new IllegalArgumentException("chunked variant " + spec + ": " + t);
            }
        }
        if (clenBig) {
            hdr.append("Content-length: ").append(10_000_000L * data.length).append("\r\n");
        } else if (clenPercent != null) {
            hdr.append("Content-length: ").append(clenPercent * data.length / 100).append("\r\n");
        }
        String head = version + " 200 ok\r\n" + hdr;
        if (te == null) {
            te = Pattern.compile("(?im)^Transfer-Encoding:").matcher(head).find() ? "chunked" : "clen";
        }
        if (te.equals("chunked") && chunks == null) {
            chunks = pieces(data, 5);
        }
        byte[] body = data;
        if (chunks != null) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            if (noFinal) {
                chunks.removeLast();
            }
            byte[] tail = null;
            if (eofInChunk) {
                chunks.removeLast();
                byte[] last = chunks.removeLast();
                tail = Script.concat(Integer.toHexString(last.length + 10) + (ext == null ? "" : ext) + nl, last);
            }
            for (int i = 0; i < chunks.size(); i++) {
                byte[] c = chunks.get(i);
                boolean isFinal = c.length == 0;
                if (isFinal) {
                    o.writeBytes(bytes(finalChunk != null ? finalChunk : fin + nl + nl));
                    continue;
                }
                int size = c.length + sizeAdjust;
                String sz = signed == 32 ? "-" + String.format("%08x", (-size) & 0xffffffffL)
                        : signed == 64 ? "-ffffffff" + String.format("%08x", (-size) & 0xffffffffL)
                        : sizePrefix + (upper ? Integer.toHexString(size).toUpperCase() : Integer.toHexString(size)) + sizeSuffix;
                String e = extChunk ? "; " + "x".repeat(c.length) + "  " + Integer.toHexString(c.length) : ext == null ? "" : ext;
                o.writeBytes(bytes(sz + e + nl));
                o.writeBytes(c);
                if (junk != null) {
                    o.writeBytes(bytes(junk));
                }
                o.writeBytes(bytes(nl));
            }
            if (tail != null) {
                o.writeBytes(tail);
            }
            body = o.toByteArray();
        }
        return response(head + "\r\n" + before, body);
    }

    // ---- clen ----

    private static Response clen(String spec, byte[] data) {
        StringBuilder hdr = new StringBuilder(CONTENT_HEADERS);
        byte[] body = new byte[0];
        int len = data.length;
        for (String t : spec.split(",")) {
            Matcher m;
            if (t.equals("close")) {
                hdr.append("Connection: close\r\n");
            } else if (t.equals("000clen")) {
                hdr.append("Content-length: ").append("0".repeat(1000)).append(len).append("\r\n");
            } else if (t.equals("overflow32")) {
                hdr.append("Content-length: ").append((1L << 32) + len).append("\r\n");
            } else if (t.equals("huge")) {
                hdr.append("Content-length: 9999999999999999999999\r\n");
            } else if (t.equals("big")) {
                hdr.append("Content-length: 1073741824\r\n");
            } else if (t.equals("clenx0")) {
                String l = Integer.toString(len);
                hdr.append("Content-length: ").append(l, 0, l.length() - 1).append('\0').append(l.charAt(l.length() - 1)).append("\r\n");
            } else if (t.equals("clen-empty")) {
                hdr.append("Content-length: \r\n");
            } else if (t.equals("clen-invalid")) {
                hdr.append("Content-length: xxx\r\n");
            } else if (t.equals("hexlen")) {
                hdr.append("Content-length: 0x").append(Integer.toHexString(len)).append("\r\n");
            } else if ((m = Pattern.compile("clen(\\(?)(\\d*)(\\)?)(.*)").matcher(t)).matches()) {
                hdr.append("Content-length: ").append(m.group(1));
                if (!m.group(2).isEmpty() || m.group(4).isEmpty()) {
                    hdr.append((m.group(2).isEmpty() ? 100 : Integer.parseInt(m.group(2))) * len / 100);
                }
                hdr.append(m.group(3));
                Matcher more = Pattern.compile("-(folding)?(\\(?)(\\d+)(\\)?)").matcher(m.group(4));
                while (more.find()) {
                    hdr.append(more.group(1) != null ? "\r\n" : "").append(more.group(2)).append(' ')
                            .append(Integer.parseInt(more.group(3)) * len / 100).append(more.group(4));
                }
                hdr.append("\r\n");
            } else if (t.contains("(clen)")) {
                hdr.append("Content-length: ").append(octal(t).replace("(clen)", Integer.toString(len))).append("\r\n");
                body = data;
            } else if (t.equals("content")) {
                body = data;
            } else if (t.equals("junk")) {
                body = Script.concat(body, "X".repeat(len));
            } else if (t.equals("xte")) {
                hdr.append("Transfer-Encoding: lalala\r\n");
            } else {
                throw new IllegalArgumentException("clen variant " + spec + ": " + t);
            }
        }
        return response("HTTP/1.1 200 ok\r\n" + hdr + "\r\n", body);
    }

    // ---- compressed ----

    private static final Pattern ENCODE = Pattern.compile("(gzip|deflate|zlib)(?:(\\d+)p)?(?:,(sync|partial|block|full|finish))?");
    private static final Pattern REPLACE = Pattern.compile("replace:(-?\\d+),(\\d+)([=|^])(.*)");

    private static Response compressed(String spec, byte[] payload) {
        StringBuilder hdr = new StringBuilder(CONTENT_HEADERS);
        byte[] data = payload;
        Integer clenExtend = null;
        String bodyPrefix = "";
        for (String t : spec.split(";")) {
            Matcher m;
            if (t.equals("ce:rfc2047-deflate")) {
                hdr.append("Content-Encoding: =?UTF-8?B?ZGVmbGF0ZQo=?=\r\n");
            } else if ((m = Pattern.compile("(?i)(ce|te):(.*)").matcher(t)).matches()) {
                String v = m.group(2);
                String was = v;
                v = v.replaceAll("(?<=cr|lf|nl)-", " ").replace("cr", "\r").replace("lf", "\n").replace("nl", "\r\n").replace("_", " ");
                boolean changed = !v.equals(was);
                v = v.replaceAll("(?<!x)-", "");
                if (changed) {
                    hdr.append("Connection: close\r\n");
                }
                hdr.append(m.group(1).equals("ce") ? "Content-Encoding:" : "Transfer-Encoding:").append(v).append("\r\n");
            } else if ((m = ENCODE.matcher(t)).matches()) {
                data = Codings.encode(m.group(1), data, m.group(2) == null ? 1 : Integer.parseInt(m.group(2)), m.group(3));
            } else if (t.equals("lzma1")) {
                data = Codings.opaque("lzma", data); // no browser here decodes lzma: any bytes stand for it
            } else if (t.equals("brotli")) {
                data = Codings.brotliStored(data);
            } else if (t.equals("gzip-zlib")) {
                byte[] z = Codings.encode("zlib", data, 1, null);
                data = Script.concat(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 0}, z, Codings.le32(Codings.crc(data)),
                        Codings.le32(data.length));
            } else if ((m = Pattern.compile("ce-space-colon-(.*)").matcher(t)).matches()) {
                hdr.append("Content-Encoding : ").append(m.group(1)).append("\r\n");
            } else if ((m = Pattern.compile("ce-colon-colon-(.*)").matcher(t)).matches()) {
                hdr.append("Content-Encoding:: ").append(m.group(1)).append("\r\n");
            } else if ((m = Pattern.compile("((?:lf|cr|x)+)only-(.*)").matcher(t)).matches()) {
                cutLastLineEnd(hdr);
                hdr.append(words(m.group(1))).append("Content-Encoding: ").append(m.group(2)).append("\r\n");
            } else if ((m = REPLACE.matcher(t)).matches()) {
                data = Codings.replace(data, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3).charAt(0),
                        java.util.HexFormat.of().parseHex(m.group(4)));
            } else if ((m = Pattern.compile("clen\\+(\\d+)").matcher(t)).matches()) {
                clenExtend = Integer.parseInt(m.group(1));
            } else if (t.equals("noclen")) {
                clenExtend = -1;
            } else if (t.endsWith("-before-body")) {
                bodyPrefix += octal(t.substring(0, t.length() - "-before-body".length()));
            } else {
                throw new IllegalArgumentException("compressed variant " + spec + ": " + t);
            }
        }
        data = Script.concat(bodyPrefix, data);
        String h;
        if (clenExtend == null) {
            h = "Content-length: " + data.length + "\r\n" + hdr;
        } else if (clenExtend < 0) {
            h = "Connection: close\r\n" + hdr;
        } else {
            h = "Connection: close\r\nContent-length: " + (data.length + clenExtend) + "\r\n" + hdr;
        }
        return response("HTTP/1.1 200 ok\r\n" + h + "\r\n", data);
    }

    // ---- broken ----

    private static Response broken(String spec, byte[] payload) {
        byte[] data = payload;
        String te = "clen";
        boolean only = false;
        String code = "200";
        String prefix = "";
        String statusLine = null;
        List<String[]> transforms = new ArrayList<>(); // {kind, replacement}: "nl" every line end, "end" the head's end
        StringBuilder hdr = new StringBuilder("Connection: close\r\n");
        boolean hdrFirst = false;
        for (String t : spec.split(";")) {
            Matcher m;
            if (t.equals("emptycont")) {
                hdr.append("Foo: bar\r\n \r\n");
            } else if (t.equals("8bitkey")) {
                hdr.append("L\u00c3\u00b6chriger-H\u00c3\u00a4ddar: foobar\r\n"); // the set's UTF-8 bytes, read as ISO-8859-1
            } else if (t.equals("spacehdr")) {
                hdr.append("Foo Bar: foobar\r\n");
            } else if (t.equals("conthdr")) {
                hdr.append("FooBar: foobar\r\n     barfoot\r\n");
            } else if (t.equals("colon")) {
                hdr.append(": foo\r\n");
            } else if (t.equals("space")) {
                hdr.append(' ');
            } else if (t.equals("tab")) {
                hdr.append('\t');
            } else if (t.equals("somehdr")) {
                hdr.append("X-Foo: bar\r\n");
            } else if (t.equals("hdrfirst")) {
                hdrFirst = true;
            } else if (t.equals("junkline")) {
                hdr.append("qutqzdafsdshadsdfdshsdd sddfd\r\n");
            } else if ((m = Pattern.compile("((?:cr|lf|-)+)(only)?").matcher(t)).matches()) {
                hdr.append(words(m.group(1).replace("-", "space"))).append(m.group(2) != null ? "" : "\r\n");
            } else if (t.equals("chunked")) {
                te = "chunked";
                hdr.append("Transfer-Encoding: chunked\r\n");
            } else if ((m = Pattern.compile("do_(gzip|deflate)").matcher(t)).matches()) {
                data = Codings.encode(m.group(1), data, 1, null);
            } else if (t.equals("gzip") || t.equals("deflate")) {
                data = Codings.encode(t, data, 1, null);
                hdr.append("Content-Encoding: ").append(t).append("\r\n");
            } else if (t.matches("do_(clen|chunked|close)")) {
                te = t.substring(3);
            } else if (t.equals("177")) {
                hdr.append("\177\r\n");
            } else if (t.equals("only")) {
                only = true;
            } else if ((m = Pattern.compile("((?:[\\w/.]+|\\\\[0-7]{3})*)http09").matcher(t)).matches()) {
                String p = octal(m.group(1));
                return response(p, data); // no head at all: what comes is the body
            } else if ((m = Pattern.compile("(16-)?(\\d+)\\+(b?)").matcher(t)).matches()) {
                String c = m.group(1) != null ? "-" + (65536 - Integer.parseInt(m.group(2))) : m.group(2);
                prefix = "HTTP/1.1 " + c + " whatever\r\n" + (m.group(3).isEmpty() ? "\r\n" : "Content-length: 4\r\n\r\nfooo");
            } else if ((m = Pattern.compile("((?:space-|tab-)*)(\\d.*)").matcher(t)).matches()) {
                code = m.group(1).replace("space-", " ").replace("tab-", "\t") + m.group(2);
            } else if (t.equals("code-only")) {
                statusLine = "HTTP/1.1 " + code + "\r\n";
            } else if (t.equals("http-lower")) {
                statusLine = "http/1.1 " + code + " ok\r\n";
            } else if ((m = Pattern.compile("((?:cr|lf|\\\\[0-7]{3})+)-no-crlf").matcher(t)).matches()) {
                transforms.add(new String[] {"nl", octal(words(m.group(1)))});
            } else if ((m = Pattern.compile("end-((?:cr|lf|\\\\[0-7]{3})+)").matcher(t)).lookingAt()) {
                transforms.add(new String[] {"end", octal(words(m.group(1)))});
            } else if (t.startsWith("proto:")) {
                String p = t.substring(6).replace("cr", "\r").replace("\\r", "\r").replace("tab", "\t").replace("\\t", "\t")
                        .replace("lf", "\n").replace("\\n", "\n").replace("space", " ");
                statusLine = octal(p).replace("-", "") + " " + code + " ok\r\n";
            } else if (t.startsWith("status:")) {
                String l = t.substring(7).replace("(cr)", "\r").replace("(tab)", "\t").replace("(lf)", "\n").replace("(space)", " ");
                statusLine = octal(l) + "\r\n";
            } else if (t.equals("ok")) {
                // the plain response
            } else if (t.endsWith("-header")) {
                prefix = words(t.substring(0, t.length() - 7).replace("-", ""));
            } else if ((m = Pattern.compile("te(.*:.*)").matcher(t)).matches()) {
                hdr.append("Transfer-Encoding").append(octal(m.group(1))).append("\r\n");
            } else if ((m = Pattern.compile("ce(.*:.*)").matcher(t)).matches()) {
                hdr.append("Content-Encoding").append(octal(m.group(1))).append("\r\n");
            } else if (t.startsWith("data:")) {
                hdr.append(octal(t.substring(5)));
            } else {
                throw new IllegalArgumentException("broken variant " + spec + ": " + t);
            }
        }
        byte[] body = data;
        if (te.equals("chunked")) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            for (byte[] c : pieces(data, 4)) {
                o.writeBytes(bytes(Integer.toHexString(c.length) + "\r\n"));
                o.writeBytes(c);
                o.writeBytes(bytes("\r\n"));
            }
            body = o.toByteArray();
        }
        if (!only) {
            hdr.append("Yet-another-header: foo\r\n");
            if (te.equals("clen")) {
                hdr.append("Content-length: ").append(body.length).append("\r\n");
            }
        }
        String fields = hdrFirst ? hdr + CONTENT_HEADERS : CONTENT_HEADERS + hdr;
        String head = prefix + (statusLine != null ? statusLine : "HTTP/1.1 " + code + " ok\r\n") + fields + "\r\n";
        for (String[] tr : transforms) {
            head = tr[0].equals("nl") ? head.replaceAll("\r?\n", java.util.regex.Matcher.quoteReplacement(tr[1]))
                    :  head.replaceFirst("[\r\n]+\\z", java.util.regex.Matcher.quoteReplacement(tr[1]));
        }
        return response(head, body);
    }

    // ---- helpers ----

    private static Response response(String head, byte[] body) {
        byte[] h = bytes(head);
        return new Response(Script.concat(h, body), h.length);
    }

    /** Splits into pieces of at most {@code size} bytes, followed by an empty piece (the last chunk). */
    private static List<byte[]> pieces(byte[] data, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < data.length; off += size) {
            out.add(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + size)));
        }
        out.add(new byte[0]);
        return out;
    }

    /** Turns the set's names for white space and line ends ({@code space tab cr lf nl colon}) into the characters. */
    static String words(String s) {
        return s.replace("space", " ").replace("tab", "\t").replace("colon", ":").replace("nl", "\r\n").replace("cr", "\r")
                .replace("lf", "\n");
    }

    /** Turns the set's {@code \ooo} octal escapes into characters. */
    static String octal(String s) {
        Matcher m = Pattern.compile("\\\\([0-7]{3})").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 8))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Removes the head's last CRLF (or, when there is none, puts a header without line end there), as "only" variants do. */
    private static void cutLastLineEnd(StringBuilder hdr) {
        int n = hdr.length();
        if (n >= 2 && hdr.charAt(n - 2) == '\r' && hdr.charAt(n - 1) == '\n') {
            hdr.setLength(n - 2);
        } else {
            hdr.setLength(0);
            hdr.append("X-Foo: bar");
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The codings the set applies: gzip, raw deflate and zlib in parts with a flush between them, and brotli. */
    static final class Codings {
        private Codings() {
        }

        static byte[] gzip(byte[] data) {
            return encode("gzip", data, 1, null);
        }

        /**
         * Compresses {@code data} split in {@code parts} parts with a flush of kind {@code flush}
         * between them (Java has no partial or block flush: a sync flush stands in for both, and
         * {@code finish} starts a new stream, which for gzip is a new member); {@code gzip} with a
         * Unix-style header, {@code zlib} RFC 1950, {@code deflate} raw RFC 1951 as the set sends it.
         */
        static byte[] encode(String kind, byte[] data, int parts, String flush) {
            int size = Math.max(1, data.length / parts);
            List<byte[]> pieces = new ArrayList<>();
            for (int off = 0; off < data.length; off += size) {
                pieces.add(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + size)));
            }
            if (pieces.isEmpty()) {
                pieces.add(new byte[0]);
            }
            if ("finish".equals(flush)) {
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                for (byte[] p : pieces) {
                    o.writeBytes(encode(kind, p, 1, null));
                }
                return o.toByteArray();
            }
            int mode = flush == null || flush.equals("full") ? Deflater.FULL_FLUSH : Deflater.SYNC_FLUSH;
            Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, !kind.equals("zlib"));
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            for (int i = 0; i < pieces.size(); i++) {
                d.setInput(pieces.get(i));
                if (i < pieces.size() - 1) {
                    int n;
                    while ((n = d.deflate(buf, 0, buf.length, mode)) > 0) {
                        o.write(buf, 0, n);
                    }
                }
            }
            d.finish();
            while (!d.finished()) {
                o.write(buf, 0, d.deflate(buf));
            }
            d.end();
            if (!kind.equals("gzip")) {
                return o.toByteArray();
            }
            return Script.concat(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}, o.toByteArray(), le32(crc(data)), le32(data.length));
        }

        /**
         * Encodes {@code data} as a brotli stream of stored (uncompressed) meta-blocks of at most 64 KiB
         * (RFC 7932 §9.2: window bits 16, then per block ISLAST=0, MNIBBLES=4, MLEN-1, ISUNCOMPRESSED=1,
         * padding and the bytes; an empty last meta-block ends it): a valid brotli stream without a
         * brotli encoder.
         */
        static byte[] brotliStored(byte[] data) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            long bits = 0; // the first byte starts with WBITS = 16, one 0 bit
            int n = 1;
            for (int off = 0; off < data.length; off += 65536) {
                int len = Math.min(65536, data.length - off);
                bits |= (long) (len - 1) << (n + 3); // ISLAST 0, MNIBBLES 00 (4 nibbles), MLEN-1
                bits |= 1L << (n + 19); // ISUNCOMPRESSED
                n += 20;
                while (n > 0) {
                    o.write((int) bits);
                    bits >>>= 8;
                    n -= 8;
                }
                bits = 0;
                n = 0;
                o.write(data, off, len);
            }
            o.write(0b11); // ISLAST 1, ISLASTEMPTY 1, padding
            return o.toByteArray();
        }

        /** Stands for a coding no browser here decodes: a marker and the data, reversed. */
        static byte[] opaque(String name, byte[] data) {
            byte[] r = new byte[data.length];
            for (int i = 0; i < data.length; i++) {
                r[i] = data[data.length - 1 - i];
            }
            return Script.concat(name + "\0", r);
        }

        /** Applies the set's {@code replace:OFF,LEN(=|^)HEX} edit: replace, OR or XOR {@code len} bytes at {@code off} (negative: from the end). */
        static byte[] replace(byte[] data, int off, int len, char op, byte[] with) {
            int at = off < 0 ? data.length + off : off;
            if (op == '=') {
                return Script.concat(java.util.Arrays.copyOfRange(data, 0, at), with,
                        java.util.Arrays.copyOfRange(data, at + len, data.length));
            }
            byte[] r = data.clone();
            for (int i = 0; i < len; i++) {
                r[at + i] = (byte) (op == '|' ? r[at + i] | with[i] : r[at + i] ^ with[i]);
            }
            return r;
        }

        static long crc(byte[] data) {
            CRC32 c = new CRC32();
            c.update(data);
            return c.getValue();
        }

        static byte[] le32(long v) {
            return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
        }
    }
}
