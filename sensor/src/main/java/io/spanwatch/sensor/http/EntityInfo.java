package io.spanwatch.sensor.http;

import java.util.List;

/**
 * Describes one entity handed to {@link HttpListener#openBody}.
 *
 * @param filename name for the file: Content-Disposition filename (part or message), else null
 * @param contentType media type from Content-Type without parameters, or null
 * @param declaredLength Content-Length of the message or part as sent (before content decoding), or -1
 * @param contentEncodings content codings applied, in the order they were applied (e.g. [gzip]); empty for identity
 * @param chunked whether the message used chunked transfer coding
 * @param rangeStart first byte offset from a 206 Content-Range, or -1
 * @param rangeEnd last byte offset (inclusive) from a 206 Content-Range, or -1
 * @param rangeTotal complete length from a 206 Content-Range, or -1 when absent or {@code *}
 * @param multipartPart whether this entity is one part of a multipart/form-data body
 * @param partName the form field name of the part ({@code name=} in its Content-Disposition), or null
 * @param partIndex index of the part in its body (0-based), or -1
 * @param reading for an entity that is another reading of a body as well as the body as sent, its name
 *     (a {@link BodySink} constant, such as {@link BodySink#TRANSFER_DECODED}), else null
 */
public record EntityInfo(
        String filename,
        String contentType,
        long declaredLength,
        List<String> contentEncodings,
        boolean chunked,
        long rangeStart,
        long rangeEnd,
        long rangeTotal,
        boolean multipartPart,
        String partName,
        int partIndex,
        String reading) {

    /** An entity as sent (no other reading). */
    public EntityInfo(String filename, String contentType, long declaredLength, List<String> contentEncodings, boolean chunked,
            long rangeStart, long rangeEnd, long rangeTotal, boolean multipartPart, String partName, int partIndex) {
        this(filename, contentType, declaredLength, contentEncodings, chunked, rangeStart, rangeEnd, rangeTotal, multipartPart,
                partName, partIndex, null);
    }

    /** This entity as the reading {@code name} of its body. */
    public EntityInfo withReading(String name) {
        return new EntityInfo(filename, contentType, declaredLength, contentEncodings, chunked, rangeStart, rangeEnd, rangeTotal,
                multipartPart, partName, partIndex, name);
    }

    /**
     * Tells whether this entity is one part of a {@code multipart/byteranges} body, which is also
     * handed over whole as its own entity.
     */
    public boolean isByterangePart() {
        return !multipartPart && partIndex >= 0;
    }

    /** Tells whether this entity is a byte range of a larger file. */
    public boolean isRange() {
        return rangeStart >= 0;
    }
}
