package io.spanwatch.sensor.files;

import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.http.BodySink;
import io.spanwatch.sensor.http.EntityInfo;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Hashes (md5, sha1, sha256), sniffs and spools one entity while it streams, then stores it and
 * hands its {@link FileInfo} to a callback. After a gap, md5 and sha1 stop (no hash of a partial
 * file is reported); sha256 goes on over the zero-filled gap only to name the stored copy.
 *
 * <p>Used by the one worker thread that parses the entity's connection.
 */
public final class FileSink implements BodySink {
    private static final MessageDigest MD5;
    private static final MessageDigest SHA1;
    private static final MessageDigest SHA256;

    static {
        try {
            MD5 = MessageDigest.getInstance("MD5");
            SHA1 = MessageDigest.getInstance("SHA-1");
            SHA256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FileStore store;
    private final EntityInfo info;
    private final String filename;
    private final Consumer<FileInfo> done;
    private final RangeAssembler.Part rangePart;
    private final MessageDigest md5 = newDigest(MD5);
    private final MessageDigest sha1 = newDigest(SHA1);
    private final MessageDigest sha256 = newDigest(SHA256);
    private final byte[] head = new byte[MimeSniffer.HEAD_BYTES];
    private int headLen;
    private long size;
    private long missing;
    private boolean gaps;
    private boolean unknownGap;
    private FileStore.Spool spool;
    private boolean cutoff;
    private boolean ended;

    /**
     * Starts a file.
     *
     * @param rangePart where a 206 range body's bytes also go for assembly, or null
     */
    public FileSink(FileStore store, EntityInfo info, String filename, RangeAssembler.Part rangePart, Consumer<FileInfo> done) {
        this.store = store;
        this.info = info;
        this.filename = filename;
        this.rangePart = rangePart;
        this.done = done;
        this.spool = store.config().store() ? store.newSpool() : null;
    }

    @Override
    public void data(byte[] buf, int off, int len) {
        if (ended || len <= 0) {
            return;
        }
        if (headLen < head.length) {
            int n = Math.min(len, head.length - headLen);
            System.arraycopy(buf, off, head, headLen, n);
            headLen += n;
        }
        if (!gaps) {
            md5.update(buf, off, len);
            sha1.update(buf, off, len);
            sha256.update(buf, off, len);
        } else if (spool != null) {
            sha256.update(buf, off, len);
        }
        if (rangePart != null) {
            rangePart.data(size, buf, off, len);
        }
        size += len;
        spoolWrite(buf, off, len);
    }

    @Override
    public void gap(long len) {
        if (ended) {
            return;
        }
        gaps = true;
        if (len < 0) {
            unknownGap = true;
            dropSpool();
            return;
        }
        missing += len;
        size += len;
        if (spool != null) {
            if (size > store.config().maxStoreBytes()) {
                cutoff = true;
                dropSpool();
            } else {
                byte[] zeros = new byte[(int) Math.min(len, 65536)];
                long n = len;
                while (n > 0) {
                    int k = (int) Math.min(n, zeros.length);
                    sha256.update(zeros, 0, k);
                    n -= k;
                }
                spool.writeZeros(len);
            }
        }
    }

    @Override
    public void end(boolean complete, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        boolean closed = complete && !gaps;
        String md5Hex = null;
        String sha1Hex = null;
        String sha256Hex = null;
        String storedName = null;
        String shaOfBytes = HexFormat.of().formatHex(sha256.digest());
        if (closed) {
            md5Hex = HexFormat.of().formatHex(md5.digest());
            sha1Hex = HexFormat.of().formatHex(sha1.digest());
            sha256Hex = shaOfBytes;
        }
        boolean stored = false;
        if (spool != null && !spool.failed()) {
            stored = store.commit(spool, shaOfBytes);
            if (stored) {
                storedName = shaOfBytes;
            }
            spool = null;
        }
        if (rangePart != null) {
            rangePart.end(closed && size == info.rangeEnd() - info.rangeStart() + 1);
        }
        String mime = MimeSniffer.sniff(head, headLen, size);
        String truncReason = closed ? null : (reason != null ? reason : (gaps ? "gap" : "incomplete"));
        done.accept(new FileInfo(filename, size, md5Hex, sha1Hex, sha256Hex, mime, closed ? "CLOSED" : "TRUNCATED", gaps,
                missing, stored, storedName, cutoff, truncReason, info.contentEncodings(), info.rangeStart(), info.rangeEnd(),
                info.rangeTotal(), false, info.multipartPart() ? info.partName() : null));
    }

    private void spoolWrite(byte[] buf, int off, int len) {
        if (spool == null) {
            return;
        }
        if (size > store.config().maxStoreBytes()) {
            cutoff = true;
            dropSpool();
            return;
        }
        spool.write(buf, off, len);
    }

    private void dropSpool() {
        if (spool != null) {
            spool.discard();
            spool = null;
        }
    }

    static MessageDigest newDigest(MessageDigest proto) {
        try {
            return (MessageDigest) proto.clone();
        } catch (CloneNotSupportedException e) {
            try {
                return MessageDigest.getInstance(proto.getAlgorithm());
            } catch (NoSuchAlgorithmException e2) {
                throw new IllegalStateException(e2);
            }
        }
    }
}
