package io.spanwatch.sensor.http;

/**
 * Takes the bytes of one entity in order. {@link #end} is called exactly once, after which no other
 * method is called. The buffer passed to {@link #data} is lent for the call only.
 */
public interface BodySink {

    /**
     * The reading of a {@code gzip} body of several members that stops after the first, as Chrome and
     * Firefox save it (curl too, then fails); the body's other file is every member decoded in a row,
     * as gzip(1), Go's {@code net/http} and Python's urllib3 read it.
     */
    String FIRST_GZIP_MEMBER = "first_gzip_member";

    /**
     * The reading of a multipart part that ends in a bare LF before its delimiter without that LF, as
     * PHP, Go and Django save it; the part's other file keeps the LF, as Wireshark reads it.
     */
    String BARE_LF_DROPPED = "bare_lf_dropped";

    /**
     * The reading of a multipart part cut at a line that begins with its delimiter and goes on
     * ({@code --boundaryX}), as PHP cuts it ({@code multipart_buffer_read} looks for the delimiter's
     * prefix alone); the part's other file runs on past that line, as Go, libhtp and Commons FileUpload
     * read it (the byte after the delimiter must be white space, a line break or a dash).
     */
    String DELIMITER_PREFIX = "delimiter_prefix";

    /**
     * The reading of a multipart part with its {@code Content-Transfer-Encoding} undone: quoted-printable
     * as Go's {@code mime/multipart} decodes it, base64 as Django's {@code MultiPartParser} does; the
     * part's other file is the part as sent, as PHP, Commons FileUpload (and Go for base64) save it. Such
     * a reading comes as an entity of its own ({@link EntityInfo#reading()}), not through {@link #endReadingHere}.
     */
    String TRANSFER_DECODED = "transfer_decoded";

    /**
     * A part of a form-data body split at the boundary PHP finds in its Content-Type (the first
     * {@code boundary} substring, even inside another parameter's name: {@code rfc1867.c} uses
     * {@code strstr}) where that is not the boundary parameter Go and the RFC read; such parts come as
     * entities of their own ({@link EntityInfo#reading()}).
     */
    String PHP_BOUNDARY = "php_boundary";

    /** Takes the next decoded bytes of the entity. */
    void data(byte[] buf, int off, int len);

    /**
     * Tells that {@code len} bytes of the entity are missing here (packet loss or a capture cut), or
     * an unknown number when {@code len} is negative. Bytes after the gap follow with {@link #data}.
     */
    void gap(long len);

    /**
     * Reports the bytes taken so far as a file of their own, while this entity goes on: where
     * receivers read a body differently (a {@code gzip} body of several members: browsers stop after
     * the first, gzip(1) and Go read them all), each reading is a file. {@code reading} names the one
     * that ends here ({@link #FIRST_GZIP_MEMBER}, {@link #BARE_LF_DROPPED}, {@link #DELIMITER_PREFIX}). Sinks that keep no file
     * ignore it; nothing is reported for an empty or gapped entity.
     */
    default void endReadingHere(String reading) {
    }

    /** Ends the entity: {@code complete} is false when it was cut short (connection ended, limit hit, decode error). */
    void end(boolean complete, String reason);
}
