package io.spanwatch.sensor.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits a multipart body (RFC 2046) into one sink per part as bytes arrive: {@code multipart/form-data}
 * request bodies (RFC 7578) and {@code multipart/byteranges} 206 responses (RFC 9110 §14.6).
 *
 * <p>One state machine: {@code PREAMBLE → DELIMITER_LINE → PART_HEADERS → PART_BODY → DELIMITER_LINE ...
 * → EPILOGUE}. A delimiter is {@code --boundary} at the start of a line. The line break before it
 * belongs to the delimiter when it is CRLF (RFC 2046); a bare LF before it, as some clients send, is
 * kept as the last byte of the part, which is how Wireshark reads such bodies and what the shared
 * corpus expects; PHP, Go and Django drop that LF, so the part without it is reported too, as a reading
 * of its own ({@link BodySink#BARE_LF_DROPPED}; Commons FileUpload and busboy refuse the body). Inside a
 * part, {@code --boundary} followed by anything but white space, a line break or a dash is content (Go,
 * libhtp), and PHP's cut there a reading of its own ({@link BodySink#DELIMITER_PREFIX}).
 * Bodies are scanned a block at a time; only the last bytes that could begin a delimiter are held back
 * between calls. The body is treated as if it began with CRLF, so a first delimiter at offset 0 matches.
 * Part headers are bounded by {@link HttpLimits#maxHeaderBytes()} ({@code http.header_too_long}); parts
 * beyond {@link HttpLimits#maxMultipartParts()} are skipped ({@code http.multipart_too_many_parts}); a
 * body ending without the final delimiter ends its last part incomplete ({@code http.multipart_unterminated}).
 */
final class MultipartReader {

    enum Mode { FORM_DATA, BYTERANGES }

    private enum State { PREAMBLE, DELIMITER_LINE, PART_HEADERS, PART_BODY, EPILOGUE }

    private static final int MAX_DELIMITER_LINE = 1024;
    /**
     * The longest boundary taken. RFC 2046 says 70, but PHP sets no limit and Go reads delimiter lines of
     * up to its 4 KiB buffer, and a longer boundary made the sensor read the body as one file, where
     * they saved its parts (the second evasion review, 2026-12-05: 200 was the limit).
     */
    static final int MAX_BOUNDARY = 4000;

    private final Mode mode;
    private final Entity entity;
    private final EntityInfo messageInfo;
    private final HttpLimits limits;
    /** {@code --boundary}. */
    private final byte[] dash;
    private final int[] shift = new int[256];
    /** Bytes at the end of what was scanned that could still begin a delimiter (CRLF, LF or dashes). */
    private byte[] held;
    private int heldLen;
    /** Leading held bytes that are not content but stand for a line break already consumed. */
    private int virtualLen;
    private byte[] work = new byte[0];
    private State state = State.PREAMBLE;
    private byte[] line = new byte[128];
    private int lineLen;
    private int headerBytes;
    private final List<HttpTransaction.Header> partHeaders = new ArrayList<>();
    private int partCount;
    private EntityInfo partInfo;
    private BodySink part;
    private boolean partOpened;
    private boolean partSkipped;
    /**
     * The {@code multipart/mixed} body of the current form-data part, read for its files as Commons
     * FileUpload reads them (one level deep), or null.
     */
    private MultipartReader nested;
    /** The current part with its Content-Transfer-Encoding undone, a reading of its own, or null. */
    private TransferDecoder decoded;
    /** For a nested reader: the form field its parts belong to (Commons names them so); else null. */
    private final String fieldName;

    /** For a reader of one reading of the body ({@link BodySink#PHP_BOUNDARY}): its name, given to every part; else null. */
    private final String reading;

    MultipartReader(Mode mode, String boundary, Entity entity, EntityInfo messageInfo, HttpLimits limits) {
        this(mode, boundary, entity, messageInfo, limits, null, null);
    }

    /** A reader whose parts are the files of the body's reading {@code reading} (null: the body as read by the RFC). */
    MultipartReader(Mode mode, String boundary, Entity entity, EntityInfo messageInfo, HttpLimits limits, String fieldName, String reading) {
        this.fieldName = fieldName;
        this.reading = reading;
        this.mode = mode;
        this.entity = entity;
        this.messageInfo = messageInfo;
        this.limits = limits;
        this.dash = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // Horspool shifts for the pattern "\n" + dash: distance from a byte's last place (before the
        // pattern's final byte) to the pattern's end.
        int plen = dash.length + 1;
        java.util.Arrays.fill(shift, plen);
        shift['\n'] = plen - 1;
        for (int i = 0; i < dash.length - 1; i++) {
            shift[dash[i] & 0xFF] = plen - 2 - i;
        }
        this.held = new byte[dash.length + 2];
        held[0] = '\r'; // the virtual CRLF before the body
        held[1] = '\n';
        heldLen = 2;
        virtualLen = 2;
    }

    /** Takes decoded body bytes, lent for the call only. */
    void data(byte[] buf, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            switch (state) {
                case PREAMBLE, PART_BODY -> i = scan(buf, i, end);
                case DELIMITER_LINE -> delimiterLine(buf[i++]);
                case PART_HEADERS -> headerByte(buf[i++]);
                case EPILOGUE -> i = end;
            }
        }
    }

    /**
     * Looks for the next delimiter in the held bytes followed by {@code buf[from..end)}. Part bytes before
     * it go to the part (in PART_BODY); returns the index in {@code buf} just after the delimiter, or
     * {@code end} when none was found (holding back what could begin one).
     *
     * <p>Inside a part, {@code --boundary} at a line start is a delimiter only when the byte after it is
     * white space, a line break or a dash (Go's {@code matchAfterPrefix}; libhtp and Commons FileUpload
     * alike): a line such as {@code --boundaryX} is content, so that byte is awaited before deciding.
     * PHP ({@code multipart_buffer_read} looks for {@code "\n--boundary"} alone) cuts the part there,
     * so the part up to that line is reported too, as a reading of its own
     * ({@link BodySink#DELIMITER_PREFIX}).
     */
    private int scan(byte[] buf, int from, int end) {
        int n = heldLen + (end - from);
        if (work.length < n) {
            work = new byte[Math.max(n, Math.min(2 * work.length, 1 << 20))];
        }
        System.arraycopy(held, 0, work, 0, heldLen);
        System.arraycopy(buf, from, work, heldLen, end - from);
        int dlen = dash.length;
        // Boyer-Moore-Horspool over "\n--boundary": most steps skip a whole pattern length.
        int plen = dlen + 1;
        int settled = virtualLen; // bytes of work before this index are not the part's, or were given to it
        int holdFrom = -1;
        for (int k = 0; k + plen <= n; ) {
            byte last = work[k + plen - 1];
            if (last == dash[dlen - 1] && work[k] == '\n'
                    && java.util.Arrays.equals(work, k + 1, k + plen, dash, 0, dlen)) {
                int contentEnd = k >= 1 && work[k - 1] == '\r' ? k - 1 : k;
                if (state == State.PART_BODY) {
                    if (k + plen == n) {
                        holdFrom = contentEnd; // the byte that decides is still to come
                        break;
                    }
                    if (!delimiterFollows(work[k + plen])) {
                        partBytes(work, settled, contentEnd - settled);
                        entity.anomaly("http.multipart_bad_delimiter", "a line starts with the delimiter and goes on");
                        settled = Math.max(settled, contentEnd);
                        if (part != null) {
                            part.endReadingHere(BodySink.DELIMITER_PREFIX);
                        }
                        k++;
                        continue;
                    }
                }
                delimiterAt(work, k, settled);
                return from + (k + plen - (n - (end - from)));
            }
            k += shift[last & 0xFF];
        }
        // No delimiter: everything but the bytes that could begin one ("\r\n--boundar") is settled.
        int keep = holdFrom >= 0 ? n - holdFrom : Math.min(n, dlen + 1); // at most dlen + 2, held's length
        if (state == State.PART_BODY) {
            partBytes(work, settled, n - keep - settled);
        }
        virtualLen = Math.max(0, settled - (n - keep));
        System.arraycopy(work, n - keep, held, 0, keep);
        heldLen = keep;
        return end;
    }

    /** The bytes after {@code --boundary} that make it a delimiter: white space, a line break, a dash. */
    private static boolean delimiterFollows(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-';
    }

    /** Ends the part (in PART_BODY) at the delimiter whose line break is {@code b[k]}; bytes before {@code settled} were given. */
    private void delimiterAt(byte[] b, int k, int settled) {
        int j = k + 1;
        int contentEnd = j >= 2 && b[j - 2] == '\r' ? j - 2 : j;
        if (state == State.PART_BODY) {
            if (contentEnd == j && j - 1 >= settled) {
                // A bare LF ends content: the part without it is what PHP, Go and Django save.
                partBytes(b, settled, j - 1 - settled);
                if (part != null) {
                    part.endReadingHere(BodySink.BARE_LF_DROPPED);
                }
                partBytes(b, j - 1, 1);
            } else {
                partBytes(b, settled, contentEnd - settled);
            }
            endPart(true, null);
        }
        heldLen = 0;
        virtualLen = 0;
        state = State.DELIMITER_LINE;
        lineLen = 0;
    }

    private void partBytes(byte[] b, int off, int len) {
        if (len <= 0 || partSkipped) {
            return;
        }
        if (!partOpened) {
            partOpened = true;
            part = entity.openPart(partInfo);
        }
        if (part != null) {
            part.data(b, off, len);
        }
        if (nested != null) {
            nested.data(b, off, len);
        }
        if (decoded != null) {
            decoded.data(b, off, len);
        }
    }

    private void delimiterLine(byte c) {
        if (lineLen == MAX_DELIMITER_LINE) {
            entity.anomaly("http.multipart_bad_delimiter", "delimiter line too long");
            state = State.EPILOGUE;
            return;
        }
        appendLine(c);
        if (lineLen == 2 && line[0] == '-' && line[1] == '-') {
            state = State.EPILOGUE;
        } else if (c == '\n') {
            state = State.PART_HEADERS;
            lineLen = 0;
            headerBytes = 0;
            partHeaders.clear();
        }
    }

    private void headerByte(byte c) {
        if (++headerBytes > limits.maxHeaderBytes()) {
            entity.anomaly("http.header_too_long", "multipart part headers over " + limits.maxHeaderBytes() + " bytes");
            state = State.PREAMBLE; // look for the next delimiter
            heldLen = 0;
            virtualLen = 0;
            return;
        }
        appendLine(c);
        if (c != '\n') {
            return;
        }
        int n = lineLen - 1;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        lineLen = 0;
        if (n == 0) {
            startPart();
            return;
        }
        String h = new String(line, 0, n, StandardCharsets.ISO_8859_1);
        if ((line[0] == ' ' || line[0] == '\t') && !partHeaders.isEmpty()) {
            // A folded line continues the header before it, as PHP (multipart_buffer_headers) and Go
            // (textproto's continued lines) join it: a filename folded onto its own line is still the name.
            HttpTransaction.Header last = partHeaders.remove(partHeaders.size() - 1);
            partHeaders.add(new HttpTransaction.Header(last.name(), (last.value() + " " + h.trim()).trim()));
            entity.anomaly("http.obs_fold", "folded multipart part header");
            return;
        }
        int colon = h.indexOf(':');
        if (colon > 0) {
            partHeaders.add(new HttpTransaction.Header(h.substring(0, colon).trim(), h.substring(colon + 1).trim()));
        } else {
            entity.anomaly("http.bad_header_line", "multipart part header without colon");
        }
    }

    private void appendLine(byte c) {
        if (lineLen == line.length) {
            line = java.util.Arrays.copyOf(line, line.length * 2);
        }
        line[lineLen++] = c;
    }

    private void startPart() {
        state = State.PART_BODY;
        // The header block ended with a line break: a delimiter may follow at once (an empty part).
        held[0] = '\n';
        heldLen = 1;
        virtualLen = 1;
        int index = partCount++;
        partOpened = false;
        part = null;
        nested = null;
        decoded = null;
        partSkipped = partCount > limits.maxMultipartParts();
        if (partSkipped && partCount == limits.maxMultipartParts() + 1) {
            if (entity.tx() != null) {
                entity.tx().limitMet("http.max-multipart-parts");
            }
            entity.anomaly("http.multipart_too_many_parts", "more than " + limits.maxMultipartParts() + " parts");
        }
        String type = HeaderValues.mediaType(HeaderValues.first(partHeaders, "Content-Type"));
        String lengthText = HeaderValues.first(partHeaders, "Content-Length");
        long declared = lengthText == null ? -1 : HeaderValues.digits(lengthText.trim());
        if (mode == Mode.FORM_DATA) {
            String cd = HeaderValues.first(partHeaders, "Content-Disposition");
            Map<String, String> p = HeaderValues.params(cd);
            partInfo = new EntityInfo(HeaderValues.filename(cd, true), type, declared, messageInfo.contentEncodings(),
                    messageInfo.chunked(), -1, -1, -1, true, fieldName != null ? fieldName : p.get("name"), index);
            if (fieldName == null && !partSkipped && "multipart/mixed".equals(type)) {
                // Several files under one field (RFC 2388 §4.2, HTML 4.01 §17.13.4): Commons FileUpload
                // reads the nested parts as the field's files; the part itself stays a file as sent.
                String inner = HeaderValues.boundary(HeaderValues.params(HeaderValues.first(partHeaders, "Content-Type")));
                if (inner != null && !inner.isEmpty() && inner.length() <= MAX_BOUNDARY) {
                    nested = new MultipartReader(mode, inner, entity, messageInfo, limits, p.getOrDefault("name", ""), reading);
                }
            }
            if (reading != null) {
                partInfo = partInfo.withReading(reading);
            }
            String cte = HeaderValues.first(partHeaders, "Content-Transfer-Encoding");
            if (!partSkipped && cte != null) {
                // Go undoes quoted-printable, Django base64; PHP and Commons keep the part as sent.
                if (TransferDecoder.undone(cte)) {
                    decoded = TransferDecoder.of(cte, entity.openPart(partInfo.withReading(BodySink.TRANSFER_DECODED)));
                }
            }
        } else {
            String cr = HeaderValues.first(partHeaders, "Content-Range");
            long[] range = HeaderValues.contentRange(cr);
            if (range == null) {
                entity.anomaly("http.bad_content_range", "byteranges part " + index + ": " + cr);
                range = new long[] {-1, -1, -1};
            }
            partInfo = new EntityInfo(messageInfo.filename(), type, declared, messageInfo.contentEncodings(),
                    messageInfo.chunked(), range[0], range[1], range[2], false, null, index);
        }
    }

    private void endPart(boolean complete, String reason) {
        if (decoded != null) {
            decoded.end(complete, reason);
            decoded = null;
        }
        if (nested != null) {
            nested.finish(complete, reason);
            nested = null;
        }
        if (partOpened && part != null) {
            part.end(complete, reason);
        }
        part = null;
        partOpened = false;
    }

    /** Tells that {@code len} decoded bytes are lost (negative: unknown). */
    void gap(long len) {
        if (state == State.PART_BODY) {
            partBytes(held, virtualLen, heldLen - virtualLen);
            heldLen = 0;
            virtualLen = 0;
            if (!partSkipped) {
                if (!partOpened) {
                    partOpened = true;
                    part = entity.openPart(partInfo);
                }
                if (part != null) {
                    part.gap(len);
                }
                if (nested != null) {
                    nested.gap(len);
                }
                if (decoded != null) {
                    decoded.gap(len);
                }
            }
        } else if (state != State.EPILOGUE) {
            state = State.PREAMBLE; // part structure lost: look for the next delimiter
            heldLen = 0;
            virtualLen = 0;
        }
    }

    /** Ends the body; ends an unterminated last part incomplete. */
    void finish(boolean complete, String reason) {
        if (state == State.EPILOGUE) {
            return;
        }
        int k = heldLen - dash.length - 1;
        if (state == State.PART_BODY && k >= 0 && held[k] == '\n'
                && java.util.Arrays.equals(held, k + 1, heldLen, dash, 0, dash.length)) {
            delimiterAt(held, k, virtualLen); // the body ends right after a delimiter: Go takes it as one
        }
        boolean inPart = state == State.PART_BODY;
        if (inPart) {
            partBytes(held, virtualLen, heldLen - virtualLen);
            heldLen = 0;
            virtualLen = 0;
        }
        if (complete) {
            entity.anomaly("http.multipart_unterminated", "body ends without the final delimiter");
            reason = "missing final multipart delimiter";
        }
        if (inPart) {
            endPart(false, reason);
        }
        state = State.EPILOGUE;
    }
}
