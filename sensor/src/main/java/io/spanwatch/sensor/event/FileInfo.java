package io.spanwatch.sensor.event;

import java.util.List;

/**
 * Describes one extracted file for a {@code fileinfo} event.
 *
 * <p>Following Suricata, {@code md5}, {@code sha1} and {@code sha256} are set only for a file that is
 * {@code CLOSED} without gaps: a hash of a partial file would be a false pivot. A partial file that
 * was stored is named by {@code storedSha256}, the hash of the bytes on disk (gaps zero-filled).
 *
 * @param filename Content-Disposition filename, or the request URI
 * @param size bytes of the decoded entity seen, gaps included
 * @param mimetype media type sniffed from the content
 * @param state {@code CLOSED} (whole entity seen) or {@code TRUNCATED}
 * @param gaps whether bytes were missing
 * @param missingBytes bytes known to be missing (gaps of known length)
 * @param stored whether the file is under {@code files/}
 * @param storedSha256 name of the stored file under {@code files/}, or null
 * @param storeCutoff whether the file exceeded the store size cap and so was not stored
 * @param truncatedReason why the file is TRUNCATED, or null
 * @param contentEncodings content codings undone to get the file (empty when none)
 * @param rangeStart first byte of a 206 range body, or -1; {@code rangeEnd} and {@code rangeTotal} follow
 * @param assembled whether this file was put together from several 206 range bodies
 * @param formField form field name of a multipart part, or null
 * @param spoolLimit whether the file was not stored because the spool on disk was full
 * @param fileId the file's number within its flow, from 1 (Suricata's {@code file_id}); 0 until the flow numbers it
 * @param reading null for a body's one reading; otherwise which other reading of the body this file
 *     is, where receivers differ and each reading is reported as its own file ({@link
 *     io.spanwatch.sensor.http.BodySink#FIRST_GZIP_MEMBER}, {@link io.spanwatch.sensor.http.BodySink#BARE_LF_DROPPED})
 */
public record FileInfo(
        String filename,
        long size,
        String md5,
        String sha1,
        String sha256,
        String mimetype,
        String state,
        boolean gaps,
        long missingBytes,
        boolean stored,
        String storedSha256,
        boolean storeCutoff,
        String truncatedReason,
        List<String> contentEncodings,
        long rangeStart,
        long rangeEnd,
        long rangeTotal,
        boolean assembled,
        String formField,
        boolean spoolLimit,
        long fileId,
        String reading) {

    /** Describes a file of a body's one reading, numbered {@code fileId} within its flow. */
    public FileInfo(String filename, long size, String md5, String sha1, String sha256, String mimetype, String state, boolean gaps,
            long missingBytes, boolean stored, String storedSha256, boolean storeCutoff, String truncatedReason,
            List<String> contentEncodings, long rangeStart, long rangeEnd, long rangeTotal, boolean assembled, String formField,
            boolean spoolLimit, long fileId) {
        this(filename, size, md5, sha1, sha256, mimetype, state, gaps, missingBytes, stored, storedSha256, storeCutoff,
                truncatedReason, contentEncodings, rangeStart, rangeEnd, rangeTotal, assembled, formField, spoolLimit, fileId, null);
    }

    /** Describes a file not yet numbered within its flow. */
    public FileInfo(String filename, long size, String md5, String sha1, String sha256, String mimetype, String state, boolean gaps,
            long missingBytes, boolean stored, String storedSha256, boolean storeCutoff, String truncatedReason,
            List<String> contentEncodings, long rangeStart, long rangeEnd, long rangeTotal, boolean assembled, String formField,
            boolean spoolLimit) {
        this(filename, size, md5, sha1, sha256, mimetype, state, gaps, missingBytes, stored, storedSha256, storeCutoff,
                truncatedReason, contentEncodings, rangeStart, rangeEnd, rangeTotal, assembled, formField, spoolLimit, 0);
    }

    /** Describes a file whose storing did not meet the spool limit. */
    public FileInfo(String filename, long size, String md5, String sha1, String sha256, String mimetype, String state, boolean gaps,
            long missingBytes, boolean stored, String storedSha256, boolean storeCutoff, String truncatedReason,
            List<String> contentEncodings, long rangeStart, long rangeEnd, long rangeTotal, boolean assembled, String formField) {
        this(filename, size, md5, sha1, sha256, mimetype, state, gaps, missingBytes, stored, storedSha256, storeCutoff,
                truncatedReason, contentEncodings, rangeStart, rangeEnd, rangeTotal, assembled, formField, false);
    }

    /** Returns this file numbered {@code id} within its flow. */
    public FileInfo withFileId(long id) {
        return new FileInfo(filename, size, md5, sha1, sha256, mimetype, state, gaps, missingBytes, stored, storedSha256,
                storeCutoff, truncatedReason, contentEncodings, rangeStart, rangeEnd, rangeTotal, assembled, formField, spoolLimit, id,
                reading);
    }

    /** Returns this file as the given other reading of its body (see {@link #reading}). */
    public FileInfo withReading(String name) {
        return new FileInfo(filename, size, md5, sha1, sha256, mimetype, state, gaps, missingBytes, stored, storedSha256,
                storeCutoff, truncatedReason, contentEncodings, rangeStart, rangeEnd, rangeTotal, assembled, formField, spoolLimit,
                fileId, name);
    }

    /** Tells whether the whole file was seen. */
    public boolean closed() {
        return "CLOSED".equals(state);
    }
}
