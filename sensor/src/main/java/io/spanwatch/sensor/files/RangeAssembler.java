package io.spanwatch.sensor.files;

import io.spanwatch.sensor.event.FileInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Puts a file together from {@code 206 Partial Content} bodies by their Content-Range offsets, across
 * transactions and connections, and reports it as one more file when every byte of it was seen.
 * Bodies are matched by host, URI, total length and validator (ETag, else Last-Modified, when sent).
 * Only identity-coded ranges take part.
 *
 * <p>Each file under assembly is a sparse file in {@code files/.tmp/} plus the list of byte intervals
 * seen. At most {@link FileConfig#maxRangeAssemblies} files are assembled at once (the oldest is
 * dropped and counted); files larger than {@link FileConfig#maxStoreBytes} are not assembled. The bytes
 * an assembly holds (the intervals seen, not the sparse file's length) count against
 * {@link FileConfig#spoolDiskBytes} with the spools: a part that would pass it drops its assembly
 * ({@code file.range_assemblies_dropped} and {@code file.spool_disk_limit_hits}).
 *
 * <p>Thread-safe: parts of one file may arrive on several workers.
 */
public final class RangeAssembler {
    private final FileStore store;
    private final Map<String, Assembly> open = new LinkedHashMap<>();
    private final AtomicLong seq = new AtomicLong();

    /** Files completed from ranges. */
    public final AtomicLong completed = new AtomicLong();
    /** Assemblies dropped because too many were open. */
    public final AtomicLong dropped = new AtomicLong();
    /** Assemblies dropped because the room on disk for temporary files ({@link FileConfig#spoolDiskBytes}) was used up. */
    public final AtomicLong overDiskLimit = new AtomicLong();

    public RangeAssembler(FileStore store) {
        this.store = store;
    }

    /**
     * Opens the part of a range file that one 206 body carries, or returns null when it cannot take
     * part (unknown or too large total, bad range).
     *
     * @param validator the response's ETag or Last-Modified, or null
     * @param onComplete receives the assembled file's info if this part completes the file
     */
    public Part open(String host, String uri, String validator, long start, long end, long total, String filename,
            Consumer<FileInfo> onComplete) {
        if (total <= 0 || total > store.config().maxStoreBytes() || start < 0 || end < start || end >= total
                || !store.config().store()) {
            return null;
        }
        String key = host + "\u0000" + uri + "\u0000" + total + "\u0000" + (validator == null ? "" : validator);
        Assembly a;
        synchronized (open) {
            a = open.get(key);
            if (a == null) {
                if (open.size() >= store.config().maxRangeAssemblies()) {
                    Iterator<Assembly> it = open.values().iterator();
                    Assembly oldest = it.next();
                    it.remove();
                    oldest.abandon();
                    dropped.incrementAndGet();
                }
                try {
                    a = new Assembly(key, total, filename);
                } catch (IOException e) {
                    store.errors.incrementAndGet();
                    return null;
                }
                open.put(key, a);
            }
        }
        return new Part(a, start, end, onComplete);
    }

    /** Drops every unfinished assembly (end of run). */
    public void closeAll() {
        synchronized (open) {
            for (Assembly a : open.values()) {
                a.abandon();
            }
            open.clear();
        }
    }

    /** Takes one 206 body's bytes into its assembly. Used by one thread. */
    public final class Part {
        private final Assembly assembly;
        private final long start;
        private final long end;
        private final Consumer<FileInfo> onComplete;

        Part(Assembly assembly, long start, long end, Consumer<FileInfo> onComplete) {
            this.assembly = assembly;
            this.start = start;
            this.end = end;
            this.onComplete = onComplete;
        }

        /** Takes bytes at offset {@code pos} of this body. Bytes past the announced range are ignored. */
        public void data(long pos, byte[] buf, int off, int len) {
            long at = start + pos;
            long last = Math.min(end + 1, at + len);
            if (at >= last) {
                return;
            }
            assembly.write(at, buf, off, (int) (last - at));
        }

        /** Ends this body; reports the file if it is now whole. */
        public void end(boolean complete) {
            FileInfo done = assembly.completeIfWhole();
            if (done != null) {
                synchronized (open) {
                    open.remove(assembly.key, assembly);
                }
                completed.incrementAndGet();
                onComplete.accept(done);
            }
        }
    }

    private final class Assembly {
        final String key;
        final long total;
        final String filename;
        final Path path;
        final FileChannel channel;
        final TreeMap<Long, Long> covered = new TreeMap<>();
        boolean finished;
        /** Room taken from the store's disk budget: the bytes covered so far. */
        long reserved;

        Assembly(String key, long total, String filename) throws IOException {
            this.key = key;
            this.total = total;
            this.filename = filename;
            this.path = store.filesDir().resolve(".tmp").resolve("range-" + seq.incrementAndGet());
            this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
        }

        synchronized void write(long at, byte[] buf, int off, int len) {
            if (finished) {
                return;
            }
            long fresh = uncovered(at, at + len);
            if (fresh > 0 && !store.reserveTemporaryDisk(fresh)) {
                overDiskLimit.incrementAndGet();
                dropped.incrementAndGet();
                abandon();
                synchronized (open) {
                    open.remove(key, this);
                }
                return;
            }
            reserved += fresh;
            try {
                ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
                long p = at;
                while (bb.hasRemaining()) {
                    p += channel.write(bb, p);
                }
            } catch (IOException e) {
                store.errors.incrementAndGet();
                return;
            }
            addInterval(at, at + len);
        }

        /** Returns how many bytes of [s, e) no interval covers yet. */
        private long uncovered(long s, long e) {
            long covers = 0;
            Map.Entry<Long, Long> lower = covered.floorEntry(s);
            if (lower != null && lower.getValue() > s) {
                covers += Math.min(e, lower.getValue()) - s;
            }
            for (Map.Entry<Long, Long> i : covered.subMap(s, false, e, false).entrySet()) {
                covers += Math.min(e, i.getValue()) - i.getKey();
            }
            return (e - s) - covers;
        }

        private void addInterval(long s, long e) {
            Map.Entry<Long, Long> lower = covered.floorEntry(s);
            if (lower != null && lower.getValue() >= s) {
                s = lower.getKey();
                e = Math.max(e, lower.getValue());
                covered.remove(lower.getKey());
            }
            Map.Entry<Long, Long> next = covered.ceilingEntry(s);
            while (next != null && next.getKey() <= e) {
                e = Math.max(e, next.getValue());
                covered.remove(next.getKey());
                next = covered.ceilingEntry(s);
            }
            covered.put(s, e);
        }

        synchronized FileInfo completeIfWhole() {
            if (finished || covered.size() != 1 || covered.firstKey() != 0 || covered.firstEntry().getValue() < total) {
                return null;
            }
            finished = true;
            try {
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                ByteBuffer bb = ByteBuffer.allocate(1 << 16);
                byte[] head = new byte[MimeSniffer.HEAD_BYTES];
                int headLen = 0;
                long pos = 0;
                while (pos < total) {
                    bb.clear();
                    bb.limit((int) Math.min(bb.capacity(), total - pos));
                    int n = channel.read(bb, pos);
                    if (n <= 0) {
                        break;
                    }
                    byte[] arr = bb.array();
                    md5.update(arr, 0, n);
                    sha1.update(arr, 0, n);
                    sha256.update(arr, 0, n);
                    if (headLen < head.length) {
                        int k = Math.min(n, head.length - headLen);
                        System.arraycopy(arr, 0, head, headLen, k);
                        headLen += k;
                    }
                    pos += n;
                }
                channel.close();
                String sha = HexFormat.of().formatHex(sha256.digest());
                releaseRoom(); // from here the file is stored (or a copy already was), not temporary
                Path target = store.filesDir().resolve(sha);
                if (Files.exists(target)) {
                    Files.deleteIfExists(path);
                    store.duplicates.incrementAndGet();
                } else {
                    Files.move(path, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    store.stored.incrementAndGet();
                    store.storedBytes.addAndGet(total);
                }
                return new FileInfo(filename, total, HexFormat.of().formatHex(md5.digest()), HexFormat.of().formatHex(sha1.digest()),
                        sha, MimeSniffer.sniff(head, headLen, total), "CLOSED", false, 0, true, sha, false, null, List.of(),
                        -1, -1, total, true, null);
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                store.errors.incrementAndGet();
                abandon();
                return null;
            }
        }

        synchronized void abandon() {
            finished = true;
            try {
                channel.close();
                Files.deleteIfExists(path);
            } catch (IOException e) {
                store.errors.incrementAndGet();
            }
            releaseRoom();
        }

        private void releaseRoom() {
            store.releaseTemporaryDisk(reserved);
            reserved = 0;
        }
    }
}
