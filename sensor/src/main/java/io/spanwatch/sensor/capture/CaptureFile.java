package io.spanwatch.sensor.capture;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a classic pcap or a pcapng capture file and hands each record to a {@link FrameSink}.
 *
 * <p>The file is read in large windows into one heap array, by positional reads (so files over 2 GiB
 * are fine); frames are lent to the sink as {@code (window, offset)} views into that array, never
 * copied one by one. The window is overwritten as the read moves on, so a sink that keeps bytes past
 * its call copies them (see {@link FrameSink}). The headers checked at open are read through a
 * read-only mapping; windows were copied out of that mapping too, until the page faults of touching
 * 1 GiB of it showed to cost the capture thread 0.6-0.8 s against 0.13-0.17 s for {@code read} calls
 * into the same array. A file that shrinks while it is read ends the read with a warning.
 *
 * <p>Formats: classic pcap with magic {@code a1b2c3d4} (microseconds) or {@code a1b23c4d}
 * (nanoseconds) in either byte order, and Alexey Kuznetsov's "modified" pcap of patched Linux
 * tcpdumps, magic {@code a1b2cd34} (microseconds; each record header carries 8 bytes more: the
 * interface index, the protocol and the packet type, skipped here, as libpcap reads it); pcapng with any number of sections (each with its own byte
 * order), interface description blocks carrying their own link type, {@code if_tsresol} (a power of 10
 * or of 2) and {@code if_tsoffset}, and enhanced, simple and obsolete packet blocks. Other pcapng blocks
 * are skipped. A simple packet block has no timestamp; it gets the time of the packet before it.
 * Either format may come gzip- or zstd-compressed, through a named pipe, or on standard input
 * ({@code -}): it is then read once, in order, as it is decompressed ({@link CaptureInput}), and its
 * size is known only at its end.
 *
 * <p>Limits:
 * <ul>
 *   <li>{@link #MAX_CAPLEN} (256 KiB): a record that claims more captured bytes is taken as corruption:
 *       the read stops there, {@link CaptureStats#truncated()} is set and {@link #warning()} names the
 *       offset.</li>
 *   <li>{@link #DEFAULT_WINDOW_BYTES} (1 MiB, small enough that a window is still in the CPU cache
 *       when its frames are decoded): the copy window; a pcapng block (other than an unknown,
 *       skipped one) longer than {@link #MAX_BLOCK_BYTES} is likewise taken as corruption.</li>
 *   <li>A file that ends inside a record is read up to the last whole record; the stats say
 *       {@code truncated} and {@link #warning()} says where.</li>
 * </ul>
 *
 * <p>Threads: {@link #open} on any thread, {@link #run} once on the capture thread, {@link #stop},
 * {@link #stats} and {@link #warning} from any thread. Whoever opens the file closes it, after
 * {@link #run} has returned.
 */
public final class CaptureFile implements CaptureSource {

    /** Largest captured length accepted for one record (bytes). */
    public static final int MAX_CAPLEN = 256 * 1024;
    /** Largest pcapng block read into the window (bytes): a packet of {@link #MAX_CAPLEN} plus options. */
    public static final int MAX_BLOCK_BYTES = MAX_CAPLEN + 64 * 1024;
    /** Size of the heap window frames are lent from (bytes). */
    public static final int DEFAULT_WINDOW_BYTES = 1024 * 1024;

    static final int PCAP_MAGIC_MICRO = 0xa1b2c3d4;
    static final int PCAP_MAGIC_NANO = 0xa1b23c4d;
    /** Kuznetsov's patched libpcap ({@code KUZNETZOV_TCPDUMP_MAGIC} in libpcap): 24-byte record headers. */
    static final int PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
    static final int PCAPNG_SHB = 0x0a0d0d0a;
    static final int PCAPNG_BOM = 0x1a2b3c4d;

    // classic pcap layout
    static final int PCAP_HEADER_LEN = 24;
    private static final int PCAP_VERSION_MAJOR = 4;
    private static final int PCAP_LINKTYPE = 20;
    private static final int REC_HEADER_LEN = 16;
    /** Record header of {@link #PCAP_MAGIC_MODIFIED}: the standard 16 bytes, then ifindex, protocol, packet type, pad. */
    private static final int REC_HEADER_LEN_MODIFIED = 24;
    private static final int REC_TS_SEC = 0;
    private static final int REC_TS_FRAC = 4;
    private static final int REC_CAPLEN = 8;
    private static final int REC_ORIGLEN = 12;

    // pcapng layout
    private static final int BLK_TYPE = 0;
    private static final int BLK_LEN = 4;
    private static final int BLK_BODY = 8;
    private static final int BLK_MIN_LEN = 12;
    private static final int SHB_BOM = 8;
    private static final int SHB_MAJOR = 12;
    private static final int SHB_MIN_LEN = 28;
    private static final int BT_IDB = 1;
    private static final int BT_PB = 2;
    private static final int BT_SPB = 3;
    private static final int BT_EPB = 6;
    private static final int IDB_LINKTYPE = 8;
    private static final int IDB_OPTIONS = 16;
    private static final int EPB_IFACE = 8;
    private static final int EPB_TS_HIGH = 12;
    private static final int EPB_TS_LOW = 16;
    private static final int EPB_CAPLEN = 20;
    private static final int EPB_ORIGLEN = 24;
    private static final int EPB_DATA = 28;
    private static final int PB_IFACE = 8;
    private static final int PB_TS_HIGH = 12;
    private static final int PB_TS_LOW = 16;
    private static final int PB_CAPLEN = 20;
    private static final int PB_ORIGLEN = 24;
    private static final int PB_DATA = 28;
    private static final int SPB_ORIGLEN = 8;
    private static final int SPB_DATA = 12;
    private static final int OPT_END = 0;
    private static final int OPT_IF_TSRESOL = 9;
    private static final int OPT_IF_TSOFFSET = 14;
    /** Most interfaces accepted per pcapng section. */
    private static final int MAX_INTERFACES = 1024;

    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_BE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final Path path;
    private final String name;
    private final CaptureInput input;
    /** The file's first bytes (all of a plain file), where the header is checked. */
    private final MemorySegment file;
    /** Bytes in {@link #file}. */
    private final long headSize;
    /** The capture's size once decompressed; -1 for a stream, whose end is found by reading it. */
    private final long size;
    private final boolean pcapng;
    private final int windowBytes;

    // classic pcap header facts
    private final boolean classicBigEndian;
    private final boolean classicNanos;
    private final int classicLinkType;
    /** Bytes of each classic record's header: 16, or 24 in a modified pcap. */
    private int classicRecHeader = REC_HEADER_LEN;

    // window state (capture thread only)
    /** Where reading stops: the file's size, or where a read failed. */
    private long end;
    private byte[] win;
    private int pos;
    private int lim;
    private long winStart;

    // pcapng section state (capture thread only)
    private boolean bigEndian;
    private int ifCount;
    private int[] ifLinkType = new int[8];
    private long[] ifTsMul = new long[8];
    private long[] ifTsDiv = new long[8];
    private int[] ifTsShift = new int[8];
    private long[] ifTsOffsetNanos = new long[8];
    private long lastTsNanos;

    private volatile boolean stopRequested;
    private volatile long packets;
    private volatile long bytes;
    private volatile boolean truncated;
    private volatile String warning;
    private boolean ran;

    private CaptureFile(Path path, CaptureInput input, int windowBytes) throws CaptureException {
        this.path = path;
        this.name = input.name;
        this.input = input;
        this.file = input.head();
        this.headSize = file.byteSize();
        this.size = input.size();
        this.windowBytes = windowBytes;
        int magicBe = headSize >= 4 ? file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0) : 0;
        if (headSize < 4) {
            throw fail("file of " + headSize + " bytes is too short to be a pcap or pcapng file");
        }
        if (magicBe == PCAPNG_SHB) {
            pcapng = true;
            classicBigEndian = false;
            classicNanos = false;
            classicLinkType = -1;
            checkPcapngStart();
        } else {
            pcapng = false;
            int magicLe = Integer.reverseBytes(magicBe);
            if (isClassicMagic(magicBe)) {
                classicBigEndian = true;
                classicNanos = magicBe == PCAP_MAGIC_NANO;
                classicRecHeader = magicBe == PCAP_MAGIC_MODIFIED ? REC_HEADER_LEN_MODIFIED : REC_HEADER_LEN;
            } else if (isClassicMagic(magicLe)) {
                classicBigEndian = false;
                classicNanos = magicLe == PCAP_MAGIC_NANO;
                classicRecHeader = magicLe == PCAP_MAGIC_MODIFIED ? REC_HEADER_LEN_MODIFIED : REC_HEADER_LEN;
            } else {
                throw fail(String.format("not a pcap or pcapng file (magic 0x%08x)", magicBe));
            }
            if (headSize < PCAP_HEADER_LEN) {
                throw fail("corrupt header: file of " + headSize + " bytes is shorter than the 24-byte pcap header");
            }
            ValueLayout.OfShort s = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(classicOrder());
            int major = file.get(s, PCAP_VERSION_MAJOR) & 0xffff;
            if (major != 2) {
                throw fail("corrupt header: pcap version " + major + " (expected 2)");
            }
            int link = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(classicOrder()), PCAP_LINKTYPE) & 0xffff;
            if (!LinkType.isSupported(link)) {
                throw fail("unsupported link type " + LinkType.name(link));
            }
            classicLinkType = link;
        }
    }

    /** Tells whether {@code magic}, read in the file's byte order, opens a classic pcap file. */
    static boolean isClassicMagic(int magic) {
        return magic == PCAP_MAGIC_MICRO || magic == PCAP_MAGIC_NANO || magic == PCAP_MAGIC_MODIFIED;
    }

    /**
     * Opens a capture file and checks its header.
     *
     * @throws CaptureException with a one-line message naming the file and the problem (missing, not
     *     readable, empty, not a capture file, corrupt header, unsupported link type)
     */
    public static CaptureFile open(Path path) throws CaptureException {
        return open(path, DEFAULT_WINDOW_BYTES);
    }

    /** Opens with a given window size; small windows let tests cross window edges often. */
    static CaptureFile open(Path path, int windowBytes) throws CaptureException {
        if (windowBytes < MAX_BLOCK_BYTES + BLK_BODY) {
            throw new IllegalArgumentException("window of " + windowBytes + " bytes is smaller than the largest block");
        }
        return new CaptureFile(path, CaptureInput.open(path, windowBytes), windowBytes);
    }

    /**
     * What a capture file holds before it is read: its size as stored and the time of its first
     * frame, for ordering several captures by time.
     *
     * @param storedSize      bytes of the file as stored (compressed or not)
     * @param firstFrameNanos its first frame's time, ns since the Unix epoch; {@link Long#MIN_VALUE}
     *                        when it has none (empty, or damaged before its first frame)
     */
    public record Peek(long storedSize, long firstFrameNanos) {
    }

    /**
     * Checks the header of the capture file at {@code path} and reads its first frame's time, reading
     * no further than that frame (with the smallest window, so a folder of thousands of captures
     * costs a few hundred KiB of reading each). Not for a stream ({@link #isStream}): it could not be
     * read again.
     *
     * @throws CaptureException as {@link #open}
     */
    public static Peek peek(Path path) throws CaptureException {
        try (CaptureFile f = open(path, MAX_BLOCK_BYTES + BLK_BODY)) {
            long[] first = {Long.MIN_VALUE};
            f.run((ts, linkType, buf, off, capLen, wireLen) -> {
                if (first[0] == Long.MIN_VALUE) {
                    first[0] = ts;
                    f.stop();
                }
            });
            return new Peek(f.storedSize(), first[0]);
        }
    }

    /**
     * Binds the native reads now ({@link PositionalReader}'s downcalls: the first binding in a JVM
     * spins up the foreign function machinery, 70 to 150 ms here). The launcher calls it on a thread
     * of its own while the command line is parsed, so that the first capture opened does not wait.
     */
    public static void bindNativeReads() {
        PositionalReader.bind();
    }

    /**
     * Tells whether opening {@code path} reads from it for good: standard input ({@code -}), a named
     * pipe, a device. Such a capture can be opened once only, so it is opened when its turn comes.
     */
    public static boolean isStream(Path path) {
        return CaptureInput.isStream(path);
    }

    /** Opens a capture read from {@code in} as a pipe or standard input is read (for tests). */
    static CaptureFile openStream(Path name, java.io.InputStream in, int windowBytes) throws CaptureException {
        return new CaptureFile(name, CaptureInput.Stream.open(name.toString(), in, -1), windowBytes);
    }

    private CaptureException fail(String problem) {
        input.close();
        String how = input.compression();
        String broke = input.headProblem();
        return new CaptureException(name + ": " + (how == null ? "" : "after " + how + " decompression: ") + problem
                + (broke == null ? "" : " (" + broke + ")"));
    }

    private ByteOrder classicOrder() {
        return classicBigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    /** Checks the first section header and that some interface before the first packet is decodable. */
    private void checkPcapngStart() throws CaptureException {
        if (headSize < SHB_MIN_LEN) {
            throw fail("corrupt header: pcapng file of " + headSize + " bytes is shorter than a section header");
        }
        int bom = file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), SHB_BOM);
        ByteOrder order;
        if (bom == PCAPNG_BOM) {
            order = ByteOrder.BIG_ENDIAN;
        } else if (bom == Integer.reverseBytes(PCAPNG_BOM)) {
            order = ByteOrder.LITTLE_ENDIAN;
        } else {
            throw fail(String.format("corrupt header: pcapng byte-order magic 0x%08x", bom));
        }
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        int major = file.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), SHB_MAJOR) & 0xffff;
        if (major != 1) {
            throw fail("corrupt header: pcapng version " + major + " (expected 1)");
        }
        long at = 0;
        int seen = 0;
        int supported = 0;
        int firstUnsupported = -1;
        boolean whole = false; // the walk reached the first packet (or a break in the blocks)
        while (at + BLK_MIN_LEN <= headSize) {
            int type = file.get(i32, at + BLK_TYPE);
            long len = file.get(i32, at + BLK_LEN) & 0xffffffffL;
            if (len < BLK_MIN_LEN || (len & 3) != 0) {
                if (at == 0) {
                    throw fail("corrupt header: section header block length " + len);
                }
                whole = true;
                break;
            }
            if (type == BT_IDB && at + BLK_BODY + 2 <= headSize) {
                int link = file.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), at + IDB_LINKTYPE) & 0xffff;
                seen++;
                if (LinkType.isSupported(link)) {
                    supported++;
                } else if (firstUnsupported < 0) {
                    firstUnsupported = link;
                }
            } else if (type == BT_EPB || type == BT_SPB || type == BT_PB || (type == PCAPNG_SHB && at > 0)) {
                whole = true;
                break;
            }
            at += len;
        }
        // A stream's head may end before its first packet (a large block of TLS secrets, say): the
        // interfaces past it are not known yet, so none is judged; their packets are counted by link type.
        boolean unknownRest = size < 0 && !whole && headSize >= CaptureInput.HEAD_BYTES;
        if (seen > 0 && supported == 0 && !unknownRest) {
            throw fail("unsupported link type " + LinkType.name(firstUnsupported));
        }
    }

    @Override
    public void run(FrameSink sink) throws CaptureException {
        if (ran) {
            throw new IllegalStateException("run() called twice on " + name);
        }
        ran = true;
        win = new byte[(int) (size < 0 ? windowBytes : Math.min(windowBytes, Math.max(size, 64)))];
        end = size < 0 ? Long.MAX_VALUE : size;
        pos = 0;
        lim = 0;
        winStart = 0;
        if (pcapng) {
            runPcapng(sink);
        } else {
            runClassic(sink);
        }
    }

    // ---- window ----

    /** Makes {@code n} bytes from {@code pos} available in the window; false at end of file. */
    private boolean ensure(int n) {
        if (lim - pos >= n) {
            return true;
        }
        long fileLeft = end - (winStart + lim);
        if (fileLeft <= 0) {
            return false;
        }
        int keep = lim - pos;
        if (pos > 0) {
            System.arraycopy(win, pos, win, 0, keep);
            winStart += pos;
            pos = 0;
            lim = keep;
        }
        int take = (int) Math.min(win.length - lim, fileLeft);
        int got = 0;
        try {
            while (got < take) {
                int r = input.read(winStart + lim + got, win, lim + got, take - got);
                if (r < 0 && size < 0) {
                    end = winStart + lim + got; // a stream's end, found
                    break;
                }
                if (r < 0) {
                    throw new IOException("the file ends before the " + size + " bytes it had when opened");
                }
                got += r;
            }
        } catch (IOException e) {
            end = winStart + lim + got;
            truncated = true;
            warning = name + ": read error at offset " + end + ": " + CaptureInput.reason(e) + "; read stopped there";
        }
        lim += got;
        return lim - pos >= n;
    }

    /** Skips {@code n} bytes from {@code pos}, beyond the window if need be. */
    private boolean skip(long n) {
        if (lim - pos >= n) {
            pos += (int) n;
            return true;
        }
        long target = winStart + pos + n;
        if (target > end) {
            return false;
        }
        if (target > winStart + lim) {
            try {
                if (!input.skipTo(target)) { // a stream ended before it
                    end = input.position();
                    return false;
                }
            } catch (IOException e) {
                end = input.position();
                truncated = true;
                warning = name + ": read error at offset " + end + ": " + CaptureInput.reason(e) + "; read stopped there";
                return false;
            }
        }
        winStart = target;
        pos = 0;
        lim = 0;
        return true;
    }

    private long offset() {
        return winStart + pos;
    }

    private int i32(int at) {
        return bigEndian ? (int) INT_BE.get(win, at) : (int) INT_LE.get(win, at);
    }

    private int u16(int at) {
        return (bigEndian ? (short) SHORT_BE.get(win, at) : (short) SHORT_LE.get(win, at)) & 0xffff;
    }

    private long i64(int at) {
        return bigEndian ? (long) LONG_BE.get(win, at) : (long) LONG_LE.get(win, at);
    }

    // ---- classic pcap ----

    private void runClassic(FrameSink sink) {
        bigEndian = classicBigEndian;
        long fracMul = classicNanos ? 1L : 1000L;
        int link = classicLinkType;
        int recHeader = classicRecHeader;
        skip(PCAP_HEADER_LEN);
        long nPackets = 0;
        long nBytes = 0;
        try {
            while (!stopRequested) {
                if (!ensure(recHeader)) {
                    if (lim - pos > 0) {
                        cut("record header", recHeader);
                    }
                    break;
                }
                int h = pos;
                int capLen = i32(h + REC_CAPLEN);
                if (capLen < 0 || capLen > MAX_CAPLEN) {
                    corrupt("caplen " + Integer.toUnsignedString(capLen) + " exceeds the " + MAX_CAPLEN + "-byte limit");
                    break;
                }
                if (!ensure(recHeader + capLen)) {
                    cut("record of " + capLen + " bytes", recHeader + capLen);
                    break;
                }
                h = pos;
                long sec = i32(h + REC_TS_SEC) & 0xffffffffL;
                long frac = i32(h + REC_TS_FRAC) & 0xffffffffL;
                int wireLen = i32(h + REC_ORIGLEN);
                sink.frame(sec * 1_000_000_000L + frac * fracMul, link, win, h + recHeader, capLen, wireLen);
                pos = h + recHeader + capLen;
                nPackets++;
                nBytes += capLen;
                if ((nPackets & 1023) == 0) {
                    packets = nPackets;
                    bytes = nBytes;
                }
            }
        } finally {
            packets = nPackets;
            bytes = nBytes;
        }
    }

    private void cut(String what, long need) {
        truncated = true;
        if (warning != null) {
            return; // a read error, already told
        }
        warning = name + ": truncated at offset " + offset() + ": " + what + " needs " + need + " bytes, "
                + (end - offset()) + " left; read up to the cut";
    }

    private void corrupt(String problem) {
        truncated = true;
        warning = name + ": corrupt record at offset " + offset() + ": " + problem + "; read stopped there";
    }

    // ---- pcapng ----

    private void runPcapng(FrameSink sink) throws CaptureException {
        long nPackets = 0;
        long nBytes = 0;
        bigEndian = false;
        boolean inSection = false;
        try {
            while (!stopRequested) {
                if (!ensure(BLK_BODY)) {
                    if (lim - pos > 0) {
                        cut("block header", BLK_BODY);
                    }
                    break;
                }
                int type = (int) INT_BE.get(win, pos + BLK_TYPE);
                if (type == PCAPNG_SHB) {
                    if (!ensure(SHB_BOM + 4)) {
                        cut("section header", SHB_MIN_LEN);
                        break;
                    }
                    int bom = (int) INT_BE.get(win, pos + SHB_BOM);
                    if (bom == PCAPNG_BOM) {
                        bigEndian = true;
                    } else if (bom == Integer.reverseBytes(PCAPNG_BOM)) {
                        bigEndian = false;
                    } else {
                        corrupt(String.format("section header byte-order magic 0x%08x", bom));
                        break;
                    }
                    ifCount = 0;
                    inSection = true;
                } else {
                    type = i32(pos + BLK_TYPE);
                }
                if (!inSection) {
                    corrupt("block before the first section header");
                    break;
                }
                long blockLen = i32(pos + BLK_LEN) & 0xffffffffL;
                if (blockLen < BLK_MIN_LEN || (blockLen & 3) != 0) {
                    corrupt("block length " + blockLen);
                    break;
                }
                boolean known = type == BT_EPB || type == BT_SPB || type == BT_PB || type == BT_IDB
                        || type == PCAPNG_SHB;
                if (!known) {
                    if (!skip(blockLen)) {
                        cut("block of " + blockLen + " bytes", blockLen);
                        break;
                    }
                    continue;
                }
                if (blockLen > MAX_BLOCK_BYTES) {
                    corrupt("block length " + blockLen + " exceeds the " + MAX_BLOCK_BYTES + "-byte limit");
                    break;
                }
                int len = (int) blockLen;
                if (!ensure(len)) {
                    cut("block of " + len + " bytes", len);
                    break;
                }
                int b = pos;
                if (i32(b + len - 4) != len) {
                    corrupt("block length " + len + " does not match its trailing copy " + Integer.toUnsignedString(i32(b + len - 4)));
                    break;
                }
                int dataOff;
                int capLen;
                int wireLen;
                int iface;
                long tsNanos;
                switch (type) {
                    case PCAPNG_SHB -> {
                        int major = u16(b + SHB_MAJOR);
                        if (major != 1 || len < SHB_MIN_LEN) {
                            corrupt("section header version " + major + " or length " + len);
                            return;
                        }
                        pos = b + len;
                        continue;
                    }
                    case BT_IDB -> {
                        if (!readInterface(b, len)) {
                            return;
                        }
                        pos = b + len;
                        continue;
                    }
                    case BT_EPB -> {
                        if (len < EPB_DATA + 4) {
                            corrupt("enhanced packet block of " + len + " bytes");
                            return;
                        }
                        iface = i32(b + EPB_IFACE);
                        capLen = i32(b + EPB_CAPLEN);
                        wireLen = i32(b + EPB_ORIGLEN);
                        dataOff = EPB_DATA;
                        if (!checkIface(iface) || !checkCapLen(capLen, len - EPB_DATA - 4)) {
                            return;
                        }
                        tsNanos = ifaceTime(iface, ((long) i32(b + EPB_TS_HIGH) << 32) | (i32(b + EPB_TS_LOW) & 0xffffffffL));
                    }
                    case BT_PB -> {
                        if (len < PB_DATA + 4) {
                            corrupt("packet block of " + len + " bytes");
                            return;
                        }
                        iface = u16(b + PB_IFACE);
                        capLen = i32(b + PB_CAPLEN);
                        wireLen = i32(b + PB_ORIGLEN);
                        dataOff = PB_DATA;
                        if (!checkIface(iface) || !checkCapLen(capLen, len - PB_DATA - 4)) {
                            return;
                        }
                        tsNanos = ifaceTime(iface, ((long) i32(b + PB_TS_HIGH) << 32) | (i32(b + PB_TS_LOW) & 0xffffffffL));
                    }
                    default -> { // BT_SPB
                        if (len < SPB_DATA + 4) {
                            corrupt("simple packet block of " + len + " bytes");
                            return;
                        }
                        iface = 0;
                        if (!checkIface(iface)) {
                            return;
                        }
                        wireLen = i32(b + SPB_ORIGLEN);
                        int room = len - SPB_DATA - 4;
                        capLen = wireLen >= 0 && wireLen < room ? wireLen : room;
                        if (!checkCapLen(capLen, room)) {
                            return;
                        }
                        dataOff = SPB_DATA;
                        tsNanos = lastTsNanos;
                    }
                }
                lastTsNanos = tsNanos;
                sink.frame(tsNanos, ifLinkType[iface], win, b + dataOff, capLen, wireLen);
                pos = b + len;
                nPackets++;
                nBytes += capLen;
                if ((nPackets & 1023) == 0) {
                    packets = nPackets;
                    bytes = nBytes;
                }
            }
        } finally {
            packets = nPackets;
            bytes = nBytes;
        }
    }

    private boolean checkIface(int iface) {
        if (iface < 0 || iface >= ifCount) {
            corrupt("packet for interface " + Integer.toUnsignedString(iface) + " but the section has " + ifCount);
            return false;
        }
        return true;
    }

    private boolean checkCapLen(int capLen, int room) {
        if (capLen < 0 || capLen > MAX_CAPLEN) {
            corrupt("caplen " + Integer.toUnsignedString(capLen) + " exceeds the " + MAX_CAPLEN + "-byte limit");
            return false;
        }
        if (capLen > room) {
            corrupt("caplen " + capLen + " runs past the end of its block (" + room + " bytes of data)");
            return false;
        }
        return true;
    }

    /** Reads an interface description block at {@code b}; false (with a warning) when it is corrupt. */
    private boolean readInterface(int b, int len) {
        if (len < IDB_OPTIONS + 4) {
            corrupt("interface description block of " + len + " bytes");
            return false;
        }
        if (ifCount == MAX_INTERFACES) {
            corrupt("more than " + MAX_INTERFACES + " interfaces in one section");
            return false;
        }
        if (ifCount == ifLinkType.length) {
            int n = ifCount * 2;
            ifLinkType = Arrays.copyOf(ifLinkType, n);
            ifTsMul = Arrays.copyOf(ifTsMul, n);
            ifTsDiv = Arrays.copyOf(ifTsDiv, n);
            ifTsShift = Arrays.copyOf(ifTsShift, n);
            ifTsOffsetNanos = Arrays.copyOf(ifTsOffsetNanos, n);
        }
        int i = ifCount;
        ifLinkType[i] = u16(b + IDB_LINKTYPE);
        ifTsMul[i] = 1000; // default resolution: microseconds
        ifTsDiv[i] = 1;
        ifTsShift[i] = -1;
        ifTsOffsetNanos[i] = 0;
        int o = b + IDB_OPTIONS;
        int end = b + len - 4;
        while (o + 4 <= end) {
            int code = u16(o);
            int olen = u16(o + 2);
            if (code == OPT_END) {
                break;
            }
            if (o + 4 + olen > end) {
                corrupt("interface option " + code + " of " + olen + " bytes runs past its block");
                return false;
            }
            if (code == OPT_IF_TSRESOL && olen >= 1) {
                int r = win[o + 4] & 0xff;
                int exp = r & 0x7f;
                if ((r & 0x80) != 0) {
                    if (exp > 62) {
                        corrupt("if_tsresol 2^-" + exp + " is out of range");
                        return false;
                    }
                    ifTsShift[i] = exp;
                } else if (exp <= 9) {
                    ifTsMul[i] = pow10(9 - exp);
                } else if (exp <= 18) {
                    ifTsMul[i] = 1;
                    ifTsDiv[i] = pow10(exp - 9);
                } else {
                    corrupt("if_tsresol 10^-" + exp + " is out of range");
                    return false;
                }
            } else if (code == OPT_IF_TSOFFSET && olen >= 8) {
                ifTsOffsetNanos[i] = i64(o + 4) * 1_000_000_000L;
            }
            o += 4 + ((olen + 3) & ~3);
        }
        ifCount++;
        return true;
    }

    private static long pow10(int e) {
        long v = 1;
        for (int k = 0; k < e; k++) {
            v *= 10;
        }
        return v;
    }

    /** Converts an interface's timestamp units to nanoseconds since the epoch. */
    private long ifaceTime(int iface, long ticks) {
        int shift = ifTsShift[iface];
        long nanos;
        if (shift >= 0) {
            long sec = ticks >>> shift;
            long frac = shift == 0 ? 0 : ticks & ((1L << shift) - 1);
            // frac < 2^shift; scale in two steps so frac * 1e9 cannot overflow
            long fracNanos = shift <= 32 ? (frac * 1_000_000_000L) >>> shift
                    : ((frac >>> (shift - 32)) * 1_000_000_000L) >>> 32;
            nanos = sec * 1_000_000_000L + fracNanos;
        } else if (ifTsDiv[iface] != 1) {
            nanos = Long.divideUnsigned(ticks, ifTsDiv[iface]);
        } else {
            nanos = ticks * ifTsMul[iface];
        }
        return nanos + ifTsOffsetNanos[iface];
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    @Override
    public CaptureStats stats() {
        return new CaptureStats(packets, bytes, 0, 0, 0, truncated);
    }

    /** Returns why the read ended early (truncated or corrupt, with the file offset), or {@code null}. */
    public String warning() {
        return warning;
    }

    /** Returns true for pcapng, false for classic pcap. */
    public boolean isPcapng() {
        return pcapng;
    }

    /** Returns the capture's size in bytes once decompressed, or -1 for a stream (compressed, a pipe). */
    public long size() {
        return size;
    }

    /** Returns the size of the file as stored (compressed), or -1 for a pipe or standard input. */
    public long storedSize() {
        return input.rawSize();
    }

    /** Returns the bytes of the file as stored (compressed) read so far; any thread. */
    public long storedRead() {
        return input.rawRead();
    }

    /** Returns the compression undone while reading ("gzip", "zstd"), or null. */
    public String compression() {
        return input.compression();
    }

    /** Returns the file's path. */
    public Path path() {
        return path;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        input.close();
    }
}
