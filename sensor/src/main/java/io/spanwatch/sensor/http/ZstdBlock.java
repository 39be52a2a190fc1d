package io.spanwatch.sensor.http;

import io.spanwatch.sensor.http.ZstdTables.Fse;
import io.spanwatch.sensor.http.ZstdTables.Huffman;
import java.util.Arrays;

/**
 * Decodes zstd compressed blocks (RFC 8878 §3.1.1.3) into a {@link ZstdWindow}: the literals section
 * (raw, RLE, Huffman-coded in 1 or 4 streams, or with the previous block's tree), the sequences
 * section (literals length, offset and match length codes, each predefined, RLE, FSE-coded or
 * repeated) and their execution with the three repeat offsets. Keeps what a frame's blocks share (the
 * Huffman tree, the three sequence tables, the repeat offsets) until {@link #reset}.
 *
 * <p>Every length, offset and count taken from the block is checked before it is used: literals never
 * run past their section, a block never decodes to more than its frame's block maximum, a match never
 * reaches before the frame's first byte nor further back than its window, and each bit stream must be
 * read exactly to its start. A violation is a {@link ZstdException}. Not thread-safe.
 */
final class ZstdBlock {

    /** Heap a block decoder holds besides its literals buffer (tables, for the memory budget). */
    static final int TABLE_BYTES = 2 * (1 << ZstdTables.MAX_HUFFMAN_BITS) + 6 * ((1 << ZstdTables.LL_LOG)
            + (1 << ZstdTables.ML_LOG) + (1 << ZstdTables.OF_LOG)) + 4096;

    private final Huffman huffman = new Huffman();
    private boolean hasHuffman;
    private final Fse llOwn = new Fse(ZstdTables.LL_LOG);
    private final Fse ofOwn = new Fse(ZstdTables.OF_LOG);
    private final Fse mlOwn = new Fse(ZstdTables.ML_LOG);
    private Fse ll;
    private Fse of;
    private Fse ml;
    private long rep1;
    private long rep2;
    private long rep3;
    private final ZstdBits bits = new ZstdBits();
    /** Decoded literals of the current block (Huffman or RLE); raw literals are read where they lie. */
    byte[] literals = new byte[0];
    private byte[] litSrc;
    private int litPos;
    private int litEnd;

    /** Forgets what the previous frame's blocks left (a new frame starts). */
    void reset() {
        hasHuffman = false;
        ll = null;
        of = null;
        ml = null;
        rep1 = 1;
        rep2 = 4;
        rep3 = 8;
    }

    /**
     * Decodes the compressed block {@code buf[off, off + len)} into {@code w}; returns the bytes it
     * decoded to (at most {@code blockMax}). A match may reach {@code windowSize} bytes back at most.
     */
    int decode(byte[] buf, int off, int len, ZstdWindow w, int blockMax, long windowSize) throws ZstdException {
        int end = off + len;
        int seqStart = literalsSection(buf, off, end, blockMax);
        return sequencesSection(buf, seqStart, end, w, blockMax, windowSize);
    }

    /** Reads the literals section at {@code buf[off, end)}; returns where the sequences section starts. */
    private int literalsSection(byte[] buf, int off, int end, int blockMax) throws ZstdException {
        if (off >= end) {
            throw new ZstdException("empty compressed block");
        }
        int b0 = buf[off] & 0xff;
        int type = b0 & 3;
        int format = (b0 >> 2) & 3;
        if (type < 2) {
            int header;
            int size;
            switch (format) {
                case 0, 2 -> {
                    header = 1;
                    size = b0 >> 3;
                }
                case 1 -> {
                    header = 2;
                    need(off, end, 2);
                    size = (b0 >> 4) + ((buf[off + 1] & 0xff) << 4);
                }
                default -> {
                    header = 3;
                    need(off, end, 3);
                    size = (b0 >> 4) + ((buf[off + 1] & 0xff) << 4) + ((buf[off + 2] & 0xff) << 12);
                }
            }
            if (size > blockMax) {
                throw new ZstdException(size + " literals over the block maximum " + blockMax);
            }
            int data = off + header;
            if (type == 0) {
                need(data, end, size);
                litSrc = buf;
                litPos = data;
                litEnd = data + size;
                return data + size;
            }
            need(data, end, 1);
            Arrays.fill(literals, 0, size, buf[data]);
            useLiterals(size);
            return data + 1;
        }
        int header = format < 2 ? 3 : format + 2;
        need(off, end, header);
        long h = 0;
        for (int i = header - 1; i >= 0; i--) {
            h = (h << 8) | (buf[off + i] & 0xff);
        }
        int sizeBits = format < 2 ? 10 : format == 2 ? 14 : 18;
        int size = (int) ((h >> 4) & ((1 << sizeBits) - 1));
        int compressed = (int) ((h >> (4 + sizeBits)) & ((1 << sizeBits) - 1));
        int streams = format == 0 ? 1 : 4;
        if (size > blockMax) {
            throw new ZstdException(size + " literals over the block maximum " + blockMax);
        }
        int data = off + header;
        need(data, end, compressed);
        int dataEnd = data + compressed;
        if (type == 2) {
            data += huffman.read(buf, data, dataEnd);
            hasHuffman = true;
        } else if (!hasHuffman) {
            throw new ZstdException("treeless literals without a previous Huffman tree");
        }
        if (streams == 1) {
            huffmanStream(buf, data, dataEnd, 0, size);
        } else {
            if (dataEnd - data < 10 || size < 6) {
                throw new ZstdException("four Huffman streams in " + (dataEnd - data) + " bytes for " + size + " literals");
            }
            int s1 = le16(buf, data);
            int s2 = le16(buf, data + 2);
            int s3 = le16(buf, data + 4);
            int p1 = data + 6;
            int p2 = p1 + s1;
            int p3 = p2 + s2;
            int p4 = p3 + s3;
            if (p4 >= dataEnd) {
                throw new ZstdException("Huffman jump table points past the literals");
            }
            int part = (size + 3) / 4;
            huffmanStream(buf, p1, p2, 0, part);
            huffmanStream(buf, p2, p3, part, 2 * part);
            huffmanStream(buf, p3, p4, 2 * part, 3 * part);
            huffmanStream(buf, p4, dataEnd, 3 * part, size);
        }
        useLiterals(size);
        return dataEnd;
    }

    private void useLiterals(int size) {
        litSrc = literals;
        litPos = 0;
        litEnd = size;
    }

    /** Decodes one Huffman stream {@code buf[from, to)} into {@code literals[out, outEnd)}; it must be read exactly. */
    private void huffmanStream(byte[] buf, int from, int to, int out, int outEnd) throws ZstdException {
        ZstdBits br = bits;
        br.init(buf, from, to);
        int max = huffman.maxBits;
        byte[] sym = huffman.symbol;
        byte[] length = huffman.length;
        byte[] lit = literals;
        int o = out;
        while (o < outEnd) {
            br.reload();
            // As many symbols as the container surely holds: no check per symbol.
            int n = Math.min((64 - br.consumed) / max, outEnd - o);
            if (n <= 0) {
                // At the start of the stream with fewer than max bits left: one symbol, zeros below the start.
                int v = br.peek(max);
                lit[o++] = sym[v];
                br.consumed += length[v];
                continue;
            }
            long c = br.container;
            int used = br.consumed;
            for (int end = o + n; o < end; o++) {
                int v = (int) ((c << used) >>> (64 - max));
                lit[o] = sym[v];
                used += length[v];
            }
            br.consumed = used;
        }
        if (!br.exhausted()) {
            throw new ZstdException("Huffman stream not read exactly");
        }
    }

    /** Reads and executes the sequences section {@code buf[off, end)}; returns the bytes the block decoded to. */
    private int sequencesSection(byte[] buf, int off, int end, ZstdWindow w, int blockMax, long windowSize)
            throws ZstdException {
        need(off, end, 1);
        int b0 = buf[off] & 0xff;
        int count;
        if (b0 < 128) {
            count = b0;
            off += 1;
        } else if (b0 < 255) {
            need(off, end, 2);
            count = ((b0 - 128) << 8) + (buf[off + 1] & 0xff);
            off += 2;
        } else {
            need(off, end, 3);
            count = (buf[off + 1] & 0xff) + ((buf[off + 2] & 0xff) << 8) + 0x7f00;
            off += 3;
        }
        if (count == 0) {
            if (off != end) {
                throw new ZstdException("bytes after an empty sequences section");
            }
            return copyLiterals(w, litEnd - litPos, 0, blockMax);
        }
        need(off, end, 1);
        int modes = buf[off++] & 0xff;
        if ((modes & 3) != 0) {
            throw new ZstdException("reserved bits set in the sequence compression modes");
        }
        off = table(0, modes >> 6, buf, off, end);
        off = table(1, (modes >> 4) & 3, buf, off, end);
        off = table(2, (modes >> 2) & 3, buf, off, end);
        return execute(buf, off, end, count, w, blockMax, windowSize);
    }

    /** Sets up the literals length (0), offset (1) or match length (2) table for a mode; returns where the next field starts. */
    private int table(int kind, int mode, byte[] buf, int off, int end) throws ZstdException {
        Fse own = kind == 0 ? llOwn : kind == 1 ? ofOwn : mlOwn;
        int maxSymbol = kind == 0 ? ZstdTables.MAX_LL : kind == 1 ? ZstdTables.MAX_OF : ZstdTables.MAX_ML;
        Fse t;
        switch (mode) {
            case 0 -> t = kind == 0 ? ZstdTables.LL_DEFAULT : kind == 1 ? ZstdTables.OF_DEFAULT : ZstdTables.ML_DEFAULT;
            case 1 -> {
                need(off, end, 1);
                int s = buf[off++] & 0xff;
                if (s > maxSymbol) {
                    throw new ZstdException("RLE sequence code " + s + " over " + maxSymbol);
                }
                own.rle(s);
                t = own;
            }
            case 2 -> {
                int maxLog = kind == 0 ? ZstdTables.LL_LOG : kind == 1 ? ZstdTables.OF_LOG : ZstdTables.ML_LOG;
                off += own.read(buf, off, end, maxLog, maxSymbol);
                t = own;
            }
            default -> {
                t = kind == 0 ? ll : kind == 1 ? of : ml;
                if (t == null) {
                    throw new ZstdException("repeated sequence table without a previous one");
                }
            }
        }
        if (kind == 0) {
            ll = t;
        } else if (kind == 1) {
            of = t;
        } else {
            ml = t;
        }
        return off;
    }

    /** Decodes {@code count} sequences from the bit stream {@code buf[off, end)} and executes them. */
    private int execute(byte[] buf, int off, int end, int count, ZstdWindow w, int blockMax, long windowSize)
            throws ZstdException {
        ZstdBits br = bits;
        br.init(buf, off, end);
        Fse lt = ll;
        Fse ot = of;
        Fse mt = ml;
        int llState = br.read(lt.log);
        int ofState = br.read(ot.log);
        int mlState = br.read(mt.log);
        int out = 0;
        long before = w.produced;
        for (int i = 0; i < count; i++) {
            int ofCode = ot.symbol[ofState];
            int mlCode = mt.symbol[mlState];
            int llCode = lt.symbol[llState];
            if (ofCode > ZstdTables.MAX_OF) {
                throw new ZstdException("offset code " + ofCode);
            }
            long ofValue = (1L << ofCode) + (br.read(ofCode) & 0xffffffffL);
            int matchLen = ZstdTables.ML_BASE[mlCode] + br.read(ZstdTables.ML_BITS[mlCode]);
            int litLen = ZstdTables.LL_BASE[llCode] + br.read(ZstdTables.LL_BITS[llCode]);
            long offset;
            if (ofValue > 3) {
                offset = ofValue - 3;
                rep3 = rep2;
                rep2 = rep1;
                rep1 = offset;
            } else {
                int idx = (int) ofValue + (litLen == 0 ? 1 : 0);
                switch (idx) {
                    case 1 -> offset = rep1;
                    case 2 -> {
                        offset = rep2;
                        rep2 = rep1;
                        rep1 = offset;
                    }
                    case 3 -> {
                        offset = rep3;
                        rep3 = rep2;
                        rep2 = rep1;
                        rep1 = offset;
                    }
                    default -> {
                        offset = rep1 - 1;
                        rep3 = rep2;
                        rep2 = rep1;
                        rep1 = offset;
                    }
                }
            }
            if (i + 1 < count) {
                llState = lt.base[llState] + br.read(lt.bits[llState]);
                mlState = mt.base[mlState] + br.read(mt.bits[mlState]);
                ofState = ot.base[ofState] + br.read(ot.bits[ofState]);
            }
            if (litLen > litEnd - litPos) {
                throw new ZstdException("sequence takes more literals than the block has");
            }
            if ((long) out + litLen + matchLen > blockMax) {
                throw new ZstdException("block decodes to more than the block maximum " + blockMax);
            }
            w.put(litSrc, litPos, litLen);
            litPos += litLen;
            out += litLen;
            long history = before + out;
            if (offset < 1 || offset > history || offset > windowSize) {
                throw new ZstdException("match offset " + offset + " reaches before the " + (offset > windowSize ? "window" : "frame"));
            }
            w.match((int) offset, matchLen);
            out += matchLen;
        }
        if (!br.exhausted()) {
            throw new ZstdException("sequences bit stream not read exactly");
        }
        return copyLiterals(w, litEnd - litPos, out, blockMax);
    }

    /** Appends the literals no sequence took; returns the block's decoded size. */
    private int copyLiterals(ZstdWindow w, int n, int out, int blockMax) throws ZstdException {
        if ((long) out + n > blockMax) {
            throw new ZstdException("block decodes to more than the block maximum " + blockMax);
        }
        w.put(litSrc, litPos, n);
        litPos += n;
        return out + n;
    }

    private static void need(int off, int end, int n) throws ZstdException {
        if (n < 0 || end - off < n) {
            throw new ZstdException("compressed block cut short");
        }
    }

    private static int le16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }
}
