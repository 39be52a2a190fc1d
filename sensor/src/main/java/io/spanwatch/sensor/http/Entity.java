package io.spanwatch.sensor.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Carries one message body from the framing layer to its sink(s): counts the transferred bytes, undoes
 * content codings (innermost last), enforces the decompression limits, and either opens one sink or
 * splits a multipart body into one sink per part.
 *
 * <p>Opens its sink lazily on the first byte or gap, so empty bodies get none. Owns its decoders and
 * sinks: {@link #end} releases the decoders and ends every open sink exactly once.
 */
final class Entity implements ContentDecoder.Host {

    private final HttpConnectionParser conn;
    private final HttpTransaction tx;
    private final boolean toServer;
    private final EntityInfo info;
    private final List<ContentDecoder> decoders = new ArrayList<>();
    private final MultipartReader multipart;
    /**
     * The form-data body split at the boundary PHP finds in the Content-Type when it is another one
     * ({@link HeaderValues#phpBoundary}); its parts are files of their own. Null otherwise.
     */
    private final MultipartReader phpMultipart;
    /** Whether the whole body also goes to one sink besides the parts (multipart/byteranges). */
    private final boolean wholeToo;
    private final HttpLimits limits;
    private BodySink sink;
    private boolean opened;
    private boolean ended;
    private long encodedIn;
    private long decodedOut;
    private String stopReason;

    /**
     * @param codings content codings in the order they were applied; ones without a decoder are skipped
     * @param multipart splitter for the decoded bytes, or null to hand them to one sink
     */
    Entity(HttpConnectionParser conn, HttpTransaction tx, boolean toServer, EntityInfo info,
            List<String> codings, MultipartReader.Mode multipartMode, String boundary, String phpBoundary) {
        this.conn = conn;
        this.tx = tx;
        this.toServer = toServer;
        this.info = info;
        this.limits = conn.limits();
        this.multipart = multipartMode == null ? null
                : new MultipartReader(multipartMode, boundary, this, info, limits);
        this.phpMultipart = multipartMode != MultipartReader.Mode.FORM_DATA || phpBoundary == null || phpBoundary.equals(boundary) ? null
                : new MultipartReader(multipartMode, phpBoundary, this, info, limits, null, BodySink.PHP_BOUNDARY);
        // A browser saves a multipart/byteranges body whole; its parts go on to range assembly.
        this.wholeToo = multipartMode == MultipartReader.Mode.BYTERANGES;
        // Undo the last-applied coding first: build the chain from the output end backwards.
        ContentDecoder.Out next = this::deliver;
        for (String c : codings) {
            ContentDecoder d = ContentDecoder.forCoding(c, next, this);
            if (d != null) {
                decoders.add(0, d);
                next = d::feed;
            }
        }
    }

    /** Makes the entity of a message body read by the given head's rules (its media type, codings, range, multipart split). */
    static Entity forHead(HttpConnectionParser conn, HttpTransaction tx, boolean toServer, Head head, boolean chunked,
            long declared, int status) {
        List<HttpTransaction.Header> headers = head.headers;
        String contentType = HeaderValues.first(headers, "Content-Type");
        String type = HeaderValues.mediaType(contentType);
        long[] range = {-1, -1, -1};
        String contentRange = HeaderValues.first(headers, "Content-Range");
        if (status == 206 && contentRange != null) {
            long[] r = HeaderValues.contentRange(contentRange);
            if (r == null) {
                conn.listener().anomaly(tx, toServer, "http.bad_content_range", HeaderValues.excerpt(contentRange));
            } else {
                range = r;
            }
        }
        MultipartReader.Mode mode = null;
        if (toServer && "multipart/form-data".equals(type)) {
            mode = MultipartReader.Mode.FORM_DATA;
        } else if (!toServer && status == 206 && "multipart/byteranges".equals(type)) {
            mode = MultipartReader.Mode.BYTERANGES;
        }
        String boundary = null;
        String phpBoundary = null;
        if (mode == MultipartReader.Mode.FORM_DATA) {
            phpBoundary = HeaderValues.phpBoundary(contentType);
            if (phpBoundary != null && (phpBoundary.isEmpty() || phpBoundary.length() > MultipartReader.MAX_BOUNDARY)) {
                phpBoundary = null;
            }
        }
        if (mode != null) {
            boundary = HeaderValues.boundary(HeaderValues.params(contentType));
            if (phpBoundary != null && !phpBoundary.equals(boundary)) {
                conn.listener().anomaly(tx, toServer, "http.multipart_boundary_ambiguous", "PHP reads another boundary: " + phpBoundary);
            }
            if (boundary == null || boundary.isEmpty() || boundary.length() > MultipartReader.MAX_BOUNDARY) {
                conn.listener().anomaly(tx, toServer, "http.multipart_no_boundary", "multipart body without a usable boundary");
                if (phpBoundary != null) {
                    boundary = phpBoundary; // PHP's is the only one
                } else {
                    mode = null;
                }
            }
        }
        EntityInfo info = new EntityInfo(HeaderValues.filename(HeaderValues.first(headers, "Content-Disposition")),
                type, declared, List.copyOf(head.codings), chunked, range[0], range[1], range[2], false, null, -1);
        return new Entity(conn, tx, toServer, info, head.codings, mode, boundary, phpBoundary);
    }

    /** Makes the entity of a body that came without head (an HTTP/0.9 response): no type, no coding. */
    static Entity plain(HttpConnectionParser conn, HttpTransaction tx, boolean toServer) {
        return new Entity(conn, tx, toServer, new EntityInfo(null, null, -1, List.of(), false, -1, -1, -1, false, null, -1),
                List.of(), null, null, null);
    }

    HttpTransaction tx() {
        return tx;
    }

    boolean toServer() {
        return toServer;
    }

    /** Takes transferred body bytes (transfer coding removed), lent for the call only. */
    void data(byte[] buf, int off, int len) {
        if (ended || len == 0) {
            return;
        }
        encodedIn += len;
        boolean go = decoders.isEmpty() ? deliver(buf, off, len) : decoders.get(0).feed(buf, off, len);
        if (!go) {
            end(false, stopReason);
        }
    }

    /** Tells that {@code len} transferred bytes are lost (negative: unknown). */
    void gap(long len) {
        if (ended) {
            return;
        }
        if (!decoders.isEmpty()) {
            end(false, "gap in content-encoded body");
        } else if (multipart != null) {
            if (phpMultipart != null) {
                phpMultipart.gap(len);
            }
            multipart.gap(len);
            if (wholeToo) {
                open();
                if (sink != null) {
                    sink.gap(len);
                }
            }
        } else {
            open();
            if (sink != null) {
                sink.gap(len);
            }
        }
    }

    /** Ends the entity; a clean end still becomes incomplete when a decoder finds its stream cut short. */
    void end(boolean complete, String reason) {
        if (ended) {
            return;
        }
        if (stopReason == null) {
            // Flush what the decoders hold even when the body was cut short: it is real content.
            for (ContentDecoder d : decoders) {
                if (!d.finish()) {
                    if (complete) {
                        complete = false;
                        reason = stopReason;
                    }
                    break;
                }
            }
        } else {
            complete = false;
            reason = stopReason;
        }
        ended = true;
        for (ContentDecoder d : decoders) {
            d.release();
        }
        if (multipart != null) {
            multipart.finish(complete, reason);
        }
        if (phpMultipart != null) {
            phpMultipart.finish(complete, reason);
        }
        if (opened && sink != null) {
            sink.end(complete, complete ? null : reason);
        }
    }

    /** Drops the entity before any byte reached it (its framing was misread): releases the decoders, opens no sink. */
    void discard() {
        if (!ended && !opened) {
            ended = true;
            for (ContentDecoder d : decoders) {
                d.release();
            }
        }
    }

    boolean ended() {
        return ended;
    }

    /** Receives fully decoded bytes from the last decoder (or the framing layer). */
    private boolean deliver(byte[] buf, int off, int len) {
        if (ended || stopReason != null) {
            return false;
        }
        int allowed = len;
        boolean limited = false;
        if (!decoders.isEmpty()) {
            long room = limits.maxDecodedBytes() - decodedOut;
            if (len > room) {
                allowed = (int) Math.max(0, room);
                limited = true;
            }
            decodedOut += allowed;
        }
        if (allowed > 0) {
            if (multipart == null || wholeToo) {
                open();
                if (sink != null) {
                    sink.data(buf, off, allowed);
                }
            }
            if (multipart != null) {
                multipart.data(buf, off, allowed);
            }
            if (phpMultipart != null) {
                phpMultipart.data(buf, off, allowed);
            }
        }
        if (limited) {
            return limitHit("http.max-decoded-bytes", "decoded size over " + limits.maxDecodedBytes() + " bytes");
        }
        if (!decoders.isEmpty() && decodedOut > limits.ratioMinDecodedBytes()
                && decodedOut > (double) limits.maxDecompressionRatio() * encodedIn) {
            return limitHit("http.max-decompression-ratio", "decompression ratio over " + limits.maxDecompressionRatio()
                    + " (" + decodedOut + " from " + encodedIn + " bytes)");
        }
        return true;
    }

    private boolean limitHit(String limitKey, String detail) {
        if (tx != null) {
            tx.limitMet(limitKey);
        }
        anomaly("http.decompression_limit", detail);
        stopReason = "decompression limit: " + detail;
        return false;
    }

    private void open() {
        if (!opened) {
            opened = true;
            sink = conn.listener().openBody(tx, toServer, info);
        }
    }

    /** Opens a sink for one part of a multipart body. */
    BodySink openPart(EntityInfo partInfo) {
        return conn.listener().openBody(tx, toServer, partInfo);
    }

    @Override
    public void anomaly(String name, String detail) {
        conn.listener().anomaly(tx, toServer, name, detail);
    }

    @Override
    public HttpMemory memory() {
        return conn.memory();
    }

    /**
     * Splits off the reading that ends here as a file of its own when {@code from}'s output is the
     * content itself (the last decoder of the chain) and the body goes to one sink: behind another
     * coding, the other decoder's reading of the shortened input is not the same file, and a
     * multipart body's parts are read from the whole.
     */
    @Override
    public void readingEnds(ContentDecoder from, String reading) {
        if (!decoders.isEmpty() && decoders.get(decoders.size() - 1) == from && multipart == null && opened && sink != null
                && stopReason == null) {
            sink.endReadingHere(reading);
        }
    }

    @Override
    public void decodeStopped(String reason) {
        if (stopReason == null) {
            stopReason = reason;
        }
    }
}
