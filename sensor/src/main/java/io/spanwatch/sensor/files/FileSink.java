package io.spanwatch.sensor.files;

import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.http.BodySink;
import io.spanwatch.sensor.http.EntityInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Hashes (md5, sha1, sha256), sniffs and spools one entity while it streams, then stores it and
 * hands its {@link FileInfo} to a callback.
 *
 * <p>A file whose first {@link KnownContent#PREFIX_BYTES} bytes match a file already stored is
 * compared byte for byte with that stored copy instead of being hashed and spooled; if every byte is
 * equal it takes the stored copy's hashes. At the first difference (or a gap, or an early end) the
 * bytes seen so far, equal to the stored copy's start, are read back from it, hashed and spooled, and
 * the file goes on as any other. After a gap, md5 and sha1 stop (no hash of a partial file is
 * reported); sha256 goes on over the zero-filled gap only to name the stored copy.
 *
 * <p>The stored copy is read with positional reads into a window of {@link #STAGE_BYTES} (taken from
 * the shared memory budget, and the stage once the file falls back to hashing), not memory-mapped: on
 * the benchmark capture, where 600 MB of 1 GB of files were repeats, mapping every copy cost four
 * times the CPU of reading it (a page fault per few pages, a map and unmap per file; 0.56 against
 * 0.13 CPU s for 595 MB of copies in the page cache), and a copy cut short while mapped would fault
 * the worker instead of reading as a difference.
 *
 * <p>Used by the one worker thread that parses the entity's connection. The creator has reserved
 * room with {@link FileStore#tryOpenFile()}; {@link #end} gives it back.
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

    private enum Mode { PROBE, VERIFY, HASH }

    private final FileStore store;
    private final KnownContent known;
    private final EntityInfo info;
    private final String filename;
    private final Consumer<FileInfo> done;
    private final RangeAssembler.Part rangePart;
    private final MessageDigest md5 = newDigest(MD5);
    private final MessageDigest sha1 = newDigest(SHA1);
    private final MessageDigest sha256 = newDigest(SHA256);
    private final byte[] head = new byte[MimeSniffer.HEAD_BYTES];
    private int headLen;
    /** Bytes gathered before the digests and the spool see them. */
    static final int STAGE_BYTES = 32 << 10;
    /** Gathering buffer for the digests and the spool, made when a file outgrows its prefix. */
    private byte[] stage;
    private int stageLen;
    /** The file's first bytes until there are {@link KnownContent#PREFIX_BYTES} of them; then only their fingerprint is kept. */
    private byte[] prefix;
    private int prefixLen;
    private long prefixPrint;
    private boolean hasPrint;
    /** Whether the digests and the spool take bytes as they come, because the shared memory budget had no room for {@link #stage}. */
    private boolean unstaged;
    /** Whether the spool gave up because the spool on disk was full. */
    private boolean spoolFull;
    private Mode mode;
    private KnownContent.Known candidate;
    /** The candidate's stored copy, open while verifying. */
    private FileChannel stored;
    /** The stored copy's bytes from {@link #windowStart} on ({@link #windowLen} of them); {@link #STAGE_BYTES} reserved. */
    private byte[] window;
    private long windowStart;
    private int windowLen;
    private long storedSize;
    private long size;
    private long missing;
    private boolean gaps;
    private FileStore.Spool spool;
    private final long sizeHint;
    private boolean cutoff;
    private boolean ended;
    /**
     * The readings split off so far: each once, where it first ends (PHP cuts a part at the first
     * line that starts with the delimiter), so a body repeating its trick costs one copy, not one a time.
     */
    private java.util.List<String> readingsSplit;

    /**
     * Starts a file.
     *
     * @param known stored files to compare with instead of hashing, or null to always hash
     * @param rangePart where a 206 range body's bytes also go for assembly, or null
     */
    public FileSink(FileStore store, KnownContent known, EntityInfo info, String filename, RangeAssembler.Part rangePart,
            Consumer<FileInfo> done) {
        this.store = store;
        this.known = store.config().store() ? known : null;
        this.info = info;
        this.filename = filename;
        this.rangePart = rangePart;
        this.done = done;
        this.sizeHint = info.contentEncodings().isEmpty() ? info.declaredLength() : -1;
        // While probing, the prefix buffer holds the bytes; the spool is made when hashing starts.
        this.spool = store.config().store() && known == null ? store.newSpool(sizeHint) : null;
        this.mode = this.known != null ? Mode.PROBE : Mode.HASH;
        this.prefix = this.known != null ? new byte[KnownContent.PREFIX_BYTES] : null;
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
        if (rangePart != null) {
            rangePart.data(size, buf, off, len);
        }
        switch (mode) {
            case PROBE -> probe(buf, off, len);
            case VERIFY -> verify(buf, off, len);
            case HASH -> hash(buf, off, len);
        }
    }

    private void probe(byte[] buf, int off, int len) {
        int n = Math.min(len, prefix.length - prefixLen);
        System.arraycopy(buf, off, prefix, prefixLen, n);
        prefixLen += n;
        size += n;
        if (prefixLen < prefix.length) {
            return;
        }
        long expected = info.contentEncodings().isEmpty() && !info.chunked() ? info.declaredLength() : -1;
        long print = KnownContent.fingerprint(prefix, 0);
        KnownContent.Known c = known.candidate(print, expected);
        if (c != null && openStored(c) && matchesStored(0, prefix, 0, prefix.length)) {
            candidate = c;
            mode = Mode.VERIFY; // the spool is rebuilt from the stored copy if the file turns out different
        } else {
            closeStored(true);
            startHashing(prefix, prefixLen);
        }
        keepPrint(print);
        if (n < len) {
            data2(buf, off + n, len - n);
        }
    }

    private void data2(byte[] buf, int off, int len) {
        if (mode == Mode.VERIFY) {
            verify(buf, off, len);
        } else {
            hash(buf, off, len);
        }
    }

    private void verify(byte[] buf, int off, int len) {
        if (size + len <= candidate.size() && matchesStored(size, buf, off, len)) {
            size += len;
            return;
        }
        known.mismatches.incrementAndGet();
        fallBack();
        hash(buf, off, len);
    }

    /** Leaves PROBE or VERIFY: hashes and spools the bytes seen so far, read back where needed. */
    private void fallBack() {
        if (mode == Mode.PROBE) {
            startHashing(prefix, prefixLen);
            return;
        }
        if (mode != Mode.VERIFY) {
            return;
        }
        mode = Mode.HASH;
        if (store.config().store()) {
            spool = store.newSpool(candidate.size());
        }
        byte[] chunk = window;
        long lost = 0;
        for (long pos = 0; pos < size; ) {
            int n = (int) Math.min(chunk.length, size - pos);
            int got = readStored(pos, chunk, n);
            md5.update(chunk, 0, got);
            sha1.update(chunk, 0, got);
            sha256.update(chunk, 0, got);
            pos += got;
            spoolWrite(chunk, 0, got, pos);
            if (got < n) {
                lost = size - pos; // the copy was cut under us: what cannot be read back is a gap
                break;
            }
        }
        closeStored(false);
        stage = chunk; // the window's reservation goes on as the stage
        stageLen = 0;
        candidate = null;
        if (lost > 0) {
            size -= lost;
            gap(lost);
        }
    }

    /** Leaves PROBE: hashes and spools the buffered prefix. */
    private void startHashing(byte[] b, int n) {
        mode = Mode.HASH;
        md5.update(b, 0, n);
        sha1.update(b, 0, n);
        sha256.update(b, 0, n);
        if (store.config().store()) {
            spool = store.newSpool(sizeHint);
            spoolWrite(b, 0, n, n);
        }
    }

    private void hash(byte[] buf, int off, int len) {
        if (prefix != null && prefixLen < prefix.length) {
            int n = Math.min(len, prefix.length - prefixLen);
            System.arraycopy(buf, off, prefix, prefixLen, n);
            prefixLen += n;
            if (prefixLen == prefix.length) {
                keepPrint(KnownContent.fingerprint(prefix, 0));
            }
        }
        // Segments are small; the digests and the spool work on STAGE_BYTES blocks, taken from the
        // store's shared memory budget. Without room there, bytes are taken as they come.
        if (stage == null && !unstaged) {
            if (store.reserveMemory(STAGE_BYTES)) {
                stage = new byte[STAGE_BYTES];
            } else {
                unstaged = true;
            }
        }
        if (stage == null) {
            size += len;
            digest(buf, off, len, size);
            return;
        }
        while (len > 0) {
            int n = Math.min(len, stage.length - stageLen);
            System.arraycopy(buf, off, stage, stageLen, n);
            stageLen += n;
            size += n;
            off += n;
            len -= n;
            if (stageLen == stage.length) {
                flushStage();
            }
        }
    }

    private void flushStage() {
        if (stage == null || stageLen == 0) {
            return;
        }
        digest(stage, 0, stageLen, size);
        stageLen = 0;
    }

    /** Hashes and spools bytes that end at file offset {@code sizeAfter}. */
    private void digest(byte[] b, int off, int len, long sizeAfter) {
        if (!gaps) {
            md5.update(b, off, len);
            sha1.update(b, off, len);
            sha256.update(b, off, len);
        } else if (spool != null) {
            sha256.update(b, off, len);
        }
        spoolWrite(b, off, len, sizeAfter);
    }

    /** Keeps the fingerprint of the complete prefix and lets the prefix go. */
    private void keepPrint(long print) {
        prefixPrint = print;
        hasPrint = true;
        prefix = null;
    }

    /** Gives the stage buffer back to the shared budget. */
    private void releaseStage() {
        if (stage != null) {
            stage = null;
            store.releaseMemory(STAGE_BYTES);
        }
    }

    @Override
    public void gap(long len) {
        if (ended) {
            return;
        }
        fallBack();
        flushStage();
        gaps = true;
        if (len < 0) {
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

    /**
     * Reports the bytes so far as a complete file of their own, named as the reading {@code reading}
     * of the body, while this file goes on: the digests are cloned and finished, the spool copied and
     * stored under its own hash; each reading once, where it first ends. Nothing is reported for an
     * empty file, one with gaps, or a 206 part (range assembly takes the body as sent). A file being compared with a stored copy is hashed
     * from here on (its bytes so far read back), as after a difference.
     */
    @Override
    public void endReadingHere(String reading) {
        if (ended || gaps || rangePart != null || size == 0 || readingsSplit != null && readingsSplit.contains(reading)) {
            return;
        }
        if (readingsSplit == null) {
            readingsSplit = new java.util.ArrayList<>(2);
        }
        readingsSplit.add(reading);
        fallBack();
        flushStage();
        if (gaps) {
            return; // the stored copy was cut under us while reading it back
        }
        MessageDigest m5;
        MessageDigest s1;
        MessageDigest s256;
        try {
            m5 = (MessageDigest) md5.clone();
            s1 = (MessageDigest) sha1.clone();
            s256 = (MessageDigest) sha256.clone();
        } catch (CloneNotSupportedException e) {
            return; // the JDK's digests clone; another provider's might not, and then the body has one reading
        }
        HexFormat hex = HexFormat.of();
        String sha = hex.formatHex(s256.digest());
        boolean stored = false;
        boolean full = spoolFull;
        if (spool != null && !spool.failed()) {
            FileStore.Spool copy = spool.copy();
            full |= copy.overDiskLimit();
            if (copy.failed()) {
                copy.discard();
            } else {
                stored = store.commit(copy, sha);
            }
        }
        done.accept(new FileInfo(filename, size, hex.formatHex(m5.digest()), hex.formatHex(s1.digest()), sha,
                MimeSniffer.sniff(head, headLen, size), "CLOSED", false, 0, stored, stored ? sha : null, cutoff, null,
                info.contentEncodings(), info.rangeStart(), info.rangeEnd(), info.rangeTotal(), false,
                info.multipartPart() ? info.partName() : null, full).withReading(reading));
    }

    @Override
    public void end(boolean complete, String reason) {
        if (ended) {
            return;
        }
        store.fileClosed();
        if (mode == Mode.VERIFY && complete && size == candidate.size() && Files.exists(candidate.path())) {
            ended = true;
            KnownContent.Known c = candidate;
            closeStored(true);
            known.verified.incrementAndGet();
            known.verifiedBytes.addAndGet(size);
            store.duplicates.incrementAndGet();
            finish(new FileInfo(filename, size, c.md5(), c.sha1(), c.sha256(), MimeSniffer.sniff(head, headLen, size), "CLOSED",
                    false, 0, true, c.sha256(), false, null, info.contentEncodings(), info.rangeStart(), info.rangeEnd(),
                    info.rangeTotal(), false, info.multipartPart() ? info.partName() : null), true);
            return;
        }
        fallBack();
        flushStage();
        releaseStage();
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
        }
        spoolFull |= spool != null && spool.overDiskLimit();
        spool = null;
        if (closed && stored && known != null && hasPrint) {
            known.add(prefixPrint,
                    new KnownContent.Known(size, md5Hex, sha1Hex, sha256Hex, store.filesDir().resolve(shaOfBytes)));
        }
        String truncReason = closed ? null : (reason != null ? reason : (gaps ? "gap" : "incomplete"));
        finish(new FileInfo(filename, size, md5Hex, sha1Hex, sha256Hex, MimeSniffer.sniff(head, headLen, size),
                closed ? "CLOSED" : "TRUNCATED", gaps, missing, stored, storedName, cutoff, truncReason, info.contentEncodings(),
                info.rangeStart(), info.rangeEnd(), info.rangeTotal(), false, info.multipartPart() ? info.partName() : null,
                spoolFull), closed);
    }

    private void finish(FileInfo fi, boolean closed) {
        if (info.reading() != null) {
            fi = fi.withReading(info.reading());
        }
        if (rangePart != null) {
            rangePart.end(closed && size == info.rangeEnd() - info.rangeStart() + 1);
        }
        done.accept(fi);
    }

    /**
     * Opens {@code c}'s stored copy to compare with, if it still has the size it was stored with and
     * the memory budget has room for the window (otherwise the file is hashed, with the same result).
     */
    private boolean openStored(KnownContent.Known c) {
        if (!store.reserveMemory(STAGE_BYTES)) {
            return false;
        }
        window = new byte[STAGE_BYTES];
        windowStart = 0;
        windowLen = 0;
        storedSize = c.size();
        try {
            stored = FileChannel.open(c.path(), StandardOpenOption.READ);
            return stored.size() == c.size();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether {@code buf[off, off + len)} equals the stored copy's bytes from {@code pos} on. */
    private boolean matchesStored(long pos, byte[] buf, int off, int len) {
        while (len > 0) {
            if (pos < windowStart || pos >= windowStart + windowLen) {
                int want = (int) Math.min(window.length, storedSize - pos);
                if (want <= 0 || readStored(pos, window, want) < want) {
                    windowLen = 0;
                    return false;
                }
                windowStart = pos;
                windowLen = want;
            }
            int at = (int) (pos - windowStart);
            int n = Math.min(len, windowLen - at);
            if (Arrays.mismatch(buf, off, off + n, window, at, at + n) >= 0) {
                return false;
            }
            pos += n;
            off += n;
            len -= n;
        }
        return true;
    }

    /** Reads up to {@code n} bytes of the stored copy at {@code pos} into {@code into}; fewer when it ends sooner or cannot be read. */
    private int readStored(long pos, byte[] into, int n) {
        ByteBuffer b = ByteBuffer.wrap(into, 0, n);
        try {
            while (b.hasRemaining()) {
                if (stored.read(b, pos + b.position()) < 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // what was read stands; the rest is not there
        }
        return b.position();
    }

    /** Closes the stored copy; gives the window's memory back if {@code releaseWindow} (otherwise it becomes the stage). */
    private void closeStored(boolean releaseWindow) {
        if (stored != null) {
            try {
                stored.close();
            } catch (IOException e) {
                // read-only: nothing was written that closing could lose
            }
            stored = null;
        }
        if (window != null && releaseWindow) {
            store.releaseMemory(STAGE_BYTES);
        }
        window = null;
        windowLen = 0;
    }

    private void spoolWrite(byte[] buf, int off, int len, long sizeAfter) {
        if (spool == null) {
            return;
        }
        if (sizeAfter > store.config().maxStoreBytes()) {
            cutoff = true;
            dropSpool();
            return;
        }
        spool.write(buf, off, len);
    }

    private void dropSpool() {
        if (spool != null) {
            spoolFull |= spool.overDiskLimit();
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
