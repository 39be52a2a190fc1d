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
 * → EPILOGUE}. The delimiter {@code CRLF--boundary} is found with a streaming KMP matcher, so only the
 * delimiter's length is held back (as the matched prefix, never copied). The body is treated as if it
 * began with CRLF, so a first delimiter at offset 0 matches. Part headers are bounded by
 * {@link HttpLimits#maxHeaderBytes()} ({@code http.header_too_long}); parts beyond
 * {@link HttpLimits#maxMultipartParts()} are skipped ({@code http.multipart_too_many_parts}); a body
 * ending without the final delimiter ends its last part incomplete ({@code http.multipart_unterminated}).
 */
final class MultipartReader {

    enum Mode { FORM_DATA, BYTERANGES }

    private enum State { PREAMBLE, DELIMITER_LINE, PART_HEADERS, PART_BODY, EPILOGUE }

    private static final int MAX_DELIMITER_LINE = 1024;

    private final Mode mode;
    private final Entity entity;
    private final EntityInfo messageInfo;
    private final HttpLimits limits;
    private final byte[] delim;
    private final int[] fail;
    private State state = State.PREAMBLE;
    private int matched;
    private final byte[] out = new byte[8192];
    private int outLen;
    private byte[] line = new byte[128];
    private int lineLen;
    private int headerBytes;
    private final List<HttpTransaction.Header> partHeaders = new ArrayList<>();
    private int partCount;
    private EntityInfo partInfo;
    private BodySink part;
    private boolean partOpened;
    private boolean partSkipped;

    MultipartReader(Mode mode, String boundary, Entity entity, EntityInfo messageInfo, HttpLimits limits) {
        this.mode = mode;
        this.entity = entity;
        this.messageInfo = messageInfo;
        this.limits = limits;
        this.delim = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.fail = new int[delim.length];
        for (int i = 1, k = 0; i < delim.length; i++) {
            while (k > 0 && delim[i] != delim[k]) {
                k = fail[k - 1];
            }
            if (delim[i] == delim[k]) {
                k++;
            }
            fail[i] = k;
        }
        matched = 2; // the virtual CRLF before the body
    }

    /** Takes decoded body bytes, lent for the call only. */
    void data(byte[] buf, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            byte c = buf[i];
            switch (state) {
                case PREAMBLE, PART_BODY -> match(c);
                case DELIMITER_LINE -> delimiterLine(c);
                case PART_HEADERS -> headerByte(c);
                case EPILOGUE -> i = end;
            }
        }
        flushOut();
    }

    private void match(byte c) {
        while (matched > 0 && delim[matched] != c) {
            int keep = fail[matched - 1];
            bodyBytes(delim, 0, matched - keep);
            matched = keep;
        }
        if (delim[matched] == c) {
            if (++matched == delim.length) {
                matched = 0;
                if (state == State.PART_BODY) {
                    endPart(true, null);
                }
                state = State.DELIMITER_LINE;
                lineLen = 0;
            }
        } else if (state == State.PART_BODY) {
            if (outLen == out.length) {
                flushOut();
            }
            out[outLen++] = c;
        }
    }

    private void bodyBytes(byte[] b, int off, int len) {
        if (state != State.PART_BODY) {
            return;
        }
        for (int i = 0; i < len; i++) {
            if (outLen == out.length) {
                flushOut();
            }
            out[outLen++] = b[off + i];
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
            matched = 0;
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
        matched = 0;
        int index = partCount++;
        partOpened = false;
        part = null;
        partSkipped = partCount > limits.maxMultipartParts();
        if (partSkipped && partCount == limits.maxMultipartParts() + 1) {
            entity.anomaly("http.multipart_too_many_parts", "more than " + limits.maxMultipartParts() + " parts");
        }
        String type = HeaderValues.mediaType(HeaderValues.first(partHeaders, "Content-Type"));
        String lengthText = HeaderValues.first(partHeaders, "Content-Length");
        long declared = lengthText == null ? -1 : HeaderValues.digits(lengthText.trim());
        if (mode == Mode.FORM_DATA) {
            String cd = HeaderValues.first(partHeaders, "Content-Disposition");
            Map<String, String> p = HeaderValues.params(cd);
            partInfo = new EntityInfo(HeaderValues.filename(cd), type, declared, messageInfo.contentEncodings(),
                    messageInfo.chunked(), -1, -1, -1, true, p.get("name"), index);
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

    private void flushOut() {
        if (outLen == 0) {
            return;
        }
        if (!partSkipped) {
            if (!partOpened) {
                partOpened = true;
                part = entity.openPart(partInfo);
            }
            if (part != null) {
                part.data(out, 0, outLen);
            }
        }
        outLen = 0;
    }

    private void endPart(boolean complete, String reason) {
        flushOut();
        if (partOpened && part != null) {
            part.end(complete, reason);
        }
        part = null;
        partOpened = false;
    }

    /** Tells that {@code len} decoded bytes are lost (negative: unknown). */
    void gap(long len) {
        if (state == State.PART_BODY) {
            bodyBytes(delim, 0, matched);
            matched = 0;
            flushOut();
            if (!partSkipped) {
                if (!partOpened) {
                    partOpened = true;
                    part = entity.openPart(partInfo);
                }
                if (part != null) {
                    part.gap(len);
                }
            }
        } else if (state != State.EPILOGUE) {
            state = State.PREAMBLE; // part structure lost: look for the next delimiter
            matched = 0;
        }
    }

    /** Ends the body; ends an unterminated last part incomplete. */
    void finish(boolean complete, String reason) {
        if (state == State.EPILOGUE) {
            return;
        }
        boolean inPart = state == State.PART_BODY;
        if (inPart) {
            bodyBytes(delim, 0, matched);
            matched = 0;
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
