package io.spanwatch.sensor.http;

import java.util.Base64;

/**
 * Undoes a multipart part's {@code Content-Transfer-Encoding} as the servers that undo it read it, as a
 * push decoder writing to a sink: {@code quoted-printable} as Go's {@code mime/multipart} does for every
 * part ({@code mime/quotedprintable}: white space at a line's end dropped, {@code =} there a soft break,
 * {@code =XX} a byte, other bytes kept), {@code base64} as Django's {@code MultiPartParser} does for
 * file fields (white space dropped, decoded four characters at a time). A malformed base64 body ends
 * the reading incomplete (Django refuses it); a malformed quoted-printable escape is kept as it is.
 */
final class TransferDecoder {

    /** A line of quoted-printable longer than this is decoded in pieces (Go reads a line whole). */
    private static final int MAX_LINE = 64 * 1024;

    private final boolean base64;
    private final BodySink sink;
    private byte[] line = new byte[256];
    private int lineLen;
    private byte[] out = new byte[256];
    private boolean failed;

    private TransferDecoder(boolean base64, BodySink sink) {
        this.base64 = base64;
        this.sink = sink;
    }

    /** Tells whether some server undoes {@code encoding} (a part's Content-Transfer-Encoding value). */
    static boolean undone(String encoding) {
        String e = encoding.trim().toLowerCase(java.util.Locale.ROOT);
        return e.equals("quoted-printable") || e.equals("base64");
    }

    /** A decoder for {@code encoding} (one {@link #undone}) writing to {@code sink}, or null without a sink. */
    static TransferDecoder of(String encoding, BodySink sink) {
        if (sink == null) {
            return null;
        }
        return new TransferDecoder(encoding.trim().equalsIgnoreCase("base64"), sink);
    }

    void data(byte[] b, int off, int len) {
        for (int i = off; i < off + len && !failed; i++) {
            byte c = b[i];
            if (base64) {
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0B || c == '\f') {
                    continue;
                }
                append(c);
                if (lineLen == 4 * 1024) {
                    decodeBase64(lineLen);
                }
            } else {
                append(c);
                if (c == '\n' || lineLen == MAX_LINE) {
                    quotedPrintableLine(c == '\n');
                }
            }
        }
    }

    /** Bytes were lost: the decoded reading cannot be put back in step. */
    void gap(long len) {
        if (!failed) {
            sink.gap(len);
        }
    }

    void end(boolean complete, String reason) {
        if (!failed && complete) {
            if (base64) {
                if (lineLen % 4 != 0) {
                    failed = true; // Django: "Could not decode base64 data"
                } else {
                    decodeBase64(lineLen);
                }
            } else if (lineLen > 0) {
                quotedPrintableLine(false);
            }
        }
        if (failed) {
            sink.end(false, "bad base64 transfer encoding");
        } else {
            sink.end(complete, reason);
        }
    }

    private void append(byte c) {
        if (lineLen == line.length) {
            line = java.util.Arrays.copyOf(line, line.length * 2);
        }
        line[lineLen++] = c;
    }

    private void decodeBase64(int n) {
        int whole = n - n % 4;
        try {
            byte[] d = Base64.getDecoder().decode(java.util.Arrays.copyOf(line, whole));
            if (d.length > 0) {
                sink.data(d, 0, d.length);
            }
        } catch (IllegalArgumentException e) {
            failed = true;
            return;
        }
        System.arraycopy(line, whole, line, 0, n - whole);
        lineLen = n - whole;
    }

    private void quotedPrintableLine(boolean hasLf) {
        int end = lineLen;
        boolean hasCr = hasLf && end >= 2 && line[end - 2] == '\r';
        while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r' || line[end - 1] == ' ' || line[end - 1] == '\t')) {
            end--;
        }
        boolean soft = end > 0 && line[end - 1] == '=' && (hasLf || lineLen < MAX_LINE);
        if (!hasLf && lineLen == MAX_LINE) {
            end = lineLen; // a piece of a long line: nothing stripped
            soft = false;
        } else if (soft) {
            end--;
        }
        if (out.length < end + 2) {
            out = new byte[Math.max(end + 2, out.length * 2)];
        }
        int n = 0;
        for (int i = 0; i < end; i++) {
            byte c = line[i];
            if (c == '=') {
                int hi = i + 1 < end ? Character.digit(line[i + 1], 16) : -1;
                int lo = i + 2 < end ? Character.digit(line[i + 2], 16) : -1;
                if (hi >= 0 && lo >= 0) {
                    out[n++] = (byte) (hi << 4 | lo);
                    i += 2;
                    continue;
                }
            }
            out[n++] = c;
        }
        if (hasLf && !soft) {
            if (hasCr) {
                out[n++] = '\r';
            }
            out[n++] = '\n';
        }
        if (n > 0) {
            sink.data(out, 0, n);
        }
        lineLen = 0;
    }
}
