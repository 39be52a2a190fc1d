package io.spanwatch.sensor.http;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Undoes the {@code gzip} content coding (RFC 1952) as one state machine over member header, deflate
 * data and trailer. Several members are decoded in a row, as gzip(1), Go and urllib3 do; browsers stop
 * after the first ({@code http.gzip_multiple_members}), so where a second member yields bytes the
 * first member's content is reported as a reading of its own ({@link BodySink#FIRST_GZIP_MEMBER}). Bytes after the last member that do not start a new one
 * are ignored ({@code http.content_trailing_data}), as browsers do. Reserved flag bits are ignored, as
 * Chrome does ({@code http.gzip_reserved_flags}). A CRC or size mismatch is reported as
 * {@code http.content_crc_mismatch} and decoding goes on; a trailer cut short is reported as
 * {@code http.content_truncated} and, the data being complete, the entity stays complete, as neither
 * browser checks the trailer.
 */
final class GzipDecoder extends ContentDecoder {

    private enum State { HEADER, INFLATE, TRAILER, NEXT_MEMBER, DONE }

    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final int RESERVED = 0xe0;

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] out = new byte[OUT_CHUNK];
    private final byte[] trailer = new byte[8];
    private State state = State.HEADER;
    private boolean released;
    private int members;
    // header sub-state: 0 fixed 10 bytes, 1 xlen, 2 extra, 3 name, 4 comment, 5 header crc
    private int hStep;
    private int hCount;
    private int flags;
    private int xlen;
    private long memberSize;

    GzipDecoder(String coding, Out next, Host host) {
        super(coding, next, host);
    }

    @Override
    boolean decode(byte[] buf, int off, int len) {
        int end = off + len;
        while (off < end) {
            switch (state) {
                case NEXT_MEMBER -> {
                    if ((buf[off] & 0xff) != 0x1f) {
                        state = State.DONE;
                        trailing();
                    } else {
                        state = State.HEADER;
                        hStep = 0;
                        hCount = 0;
                    }
                }
                case HEADER -> {
                    int r = header(buf[off] & 0xff);
                    off++;
                    if (r < 0) {
                        if (members == 0) {
                            return malformed("not a gzip header");
                        }
                        state = State.DONE; // trailing garbage after a complete member
                        trailing();
                    }
                }
                case INFLATE -> {
                    inflater.setInput(buf, off, end - off);
                    try {
                        while (true) {
                            int n = inflater.inflate(out);
                            if (n > 0) {
                                if (members == 1 && memberSize == 0) {
                                    // The second member's first byte: browsers saved the first alone.
                                    readingEnds(BodySink.FIRST_GZIP_MEMBER);
                                }
                                crc.update(out, 0, n);
                                memberSize += n;
                                if (!emit(out, 0, n)) {
                                    return false;
                                }
                            }
                            if (inflater.finished()) {
                                off = end - inflater.getRemaining();
                                state = State.TRAILER;
                                hCount = 0;
                                break;
                            }
                            if (n == 0 && inflater.needsInput()) {
                                off = end;
                                break;
                            }
                        }
                    } catch (DataFormatException e) {
                        return malformed(String.valueOf(e.getMessage()));
                    }
                }
                case TRAILER -> {
                    trailer[hCount++] = buf[off++];
                    if (hCount == 8) {
                        checkTrailer();
                        members++;
                        inflater.reset();
                        crc.reset();
                        memberSize = 0;
                        state = State.NEXT_MEMBER;
                    }
                }
                case DONE -> {
                    trailing();
                    off = end;
                }
            }
        }
        return true;
    }

    /** Consumes one header byte; returns -1 when the header is not gzip. */
    private int header(int b) {
        switch (hStep) {
            case 0 -> {
                if ((hCount == 0 && b != 0x1f) || (hCount == 1 && b != 0x8b) || (hCount == 2 && b != 8)) {
                    return -1;
                }
                if (hCount == 3) {
                    flags = b;
                    if ((b & RESERVED) != 0) {
                        anomaly("http.gzip_reserved_flags", coding + " header sets reserved flag bits (Chrome ignores them, Firefox refuses)");
                    }
                }
                if (hCount == 2) {
                    commit();
                }
                if (++hCount == 10) {
                    hCount = 0;
                    nextHeaderStep(1);
                }
            }
            case 1 -> {
                xlen |= b << (8 * hCount);
                if (++hCount == 2) {
                    hCount = 0;
                    if (xlen == 0) {
                        nextHeaderStep(3);
                    } else {
                        hStep = 2;
                    }
                }
            }
            case 2 -> {
                if (++hCount == xlen) {
                    hCount = 0;
                    nextHeaderStep(3);
                }
            }
            case 3 -> {
                if (b == 0) {
                    nextHeaderStep(4);
                }
            }
            case 4 -> {
                if (b == 0) {
                    nextHeaderStep(5);
                }
            }
            case 5 -> {
                if (++hCount == 2) {
                    hCount = 0;
                    nextHeaderStep(6);
                }
            }
            default -> throw new IllegalStateException("gzip header step " + hStep);
        }
        return 0;
    }

    /** Moves to the first header step at or after {@code step} whose flag is set, or to the deflate data. */
    private void nextHeaderStep(int step) {
        xlen = step == 1 ? 0 : xlen;
        if (step <= 1 && (flags & FEXTRA) != 0) {
            hStep = 1;
        } else if (step <= 3 && (flags & FNAME) != 0) {
            hStep = 3;
        } else if (step <= 4 && (flags & FCOMMENT) != 0) {
            hStep = 4;
        } else if (step <= 5 && (flags & FHCRC) != 0) {
            hStep = 5;
        } else {
            state = State.INFLATE;
            if (members == 1) {
                anomaly("http.gzip_multiple_members", coding + " body goes on with another member (browsers stop after the first)");
            }
        }
    }

    private void checkTrailer() {
        long crcSent = le32(0);
        long sizeSent = le32(4);
        if (crcSent != crc.getValue() || sizeSent != (memberSize & 0xffffffffL)) {
            anomaly("http.content_crc_mismatch", coding + " member " + members + " trailer does not match its data");
        }
    }

    private long le32(int i) {
        return (trailer[i] & 0xffL) | (trailer[i + 1] & 0xffL) << 8 | (trailer[i + 2] & 0xffL) << 16
                | (trailer[i + 3] & 0xffL) << 24;
    }

    @Override
    boolean end() {
        if (state == State.NEXT_MEMBER || state == State.DONE) {
            return true;
        }
        if (state == State.TRAILER) {
            // The deflate data ended: browsers check no trailer and keep the data.
            anomaly("http.content_truncated", coding + " trailer cut short; the data is complete");
            return true;
        }
        if (members > 0 && state == State.HEADER) {
            trailing();
            return true;
        }
        if (members == 0 && state == State.HEADER && hStep == 0 && hCount < 3) {
            return malformed("stream too short");
        }
        return truncated();
    }

    @Override
    void releaseBuffers() {
        if (!released) {
            released = true;
            inflater.end();
        }
    }
}
