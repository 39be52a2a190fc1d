package io.spanwatch.sensor.http;

/**
 * Undoes the {@code zstd} content coding (RFC 8878, for HTTP RFC 9659) as bytes arrive: a push
 * decoder written for hostile input, in plain bounds-checked Java. It gathers one unit at a time
 * (frame header, block header, block, checksum) and decodes each block as soon as its last byte is
 * in, so it holds at most one block of input (128 KiB) plus the frame's window and hands decoded
 * bytes on block by block. Concatenated frames are decoded in a row and skippable frames skipped, as
 * the reference decoder browsers embed does.
 *
 * <p>Refused, as Chrome and Firefox refuse them: a window over {@value #MAX_WINDOW} bytes (RFC 9659
 * §3; for a single-segment frame the window is its content size), {@code http.zstd_window_too_large};
 * a frame that names a dictionary, {@code http.zstd_dictionary_required} (a dictionary only comes
 * with the {@code dcz} coding, which SpanWatch does not decode). When nothing was decoded yet, the raw
 * bytes are passed through, as for a coding SpanWatch does not know; else the entity ends incomplete.
 * A content checksum (XXH64, low 32 bits) that does not match is {@code http.content_crc_mismatch}
 * and decoding goes on, as for gzip. Input that breaks the format is
 * {@code http.content_decode_failed}: raw bytes passed through when it never started like a zstd
 * frame, else the entity ends incomplete; a body that ends inside a frame is
 * {@code http.content_truncated}; bytes after the last frame that start no frame are ignored
 * ({@code http.content_trailing_data}).
 *
 * <p>Memory, charged to the worker's {@link HttpMemory}: the window ring (growing with the content up
 * to window plus one block), the block being gathered, and on the first compressed block the
 * literals buffer (one block) and the entropy tables ({@value ZstdBlock#TABLE_BYTES} bytes).
 */
final class ZstdDecoder extends ContentDecoder {

    /** Largest window RFC 9659 lets an HTTP recipient be asked for: 8 MiB. */
    static final int MAX_WINDOW = 8 << 20;
    static final int MAX_BLOCK = 128 * 1024;
    private static final int MAGIC = 0xFD2FB528;
    private static final int SKIPPABLE = 0x184D2A50;

    private enum State { MAGIC, DESCRIPTOR, HEADER, BLOCK_HEADER, BLOCK, CHECKSUM, SKIP_SIZE, SKIP, TRAILING, STOPPED }

    private State state = State.MAGIC;
    /** Bytes the current unit needs, and those of it gathered in {@link #pending} so far. */
    private int need = 4;
    private int have;
    private byte[] pending = new byte[16];
    private long skipLeft;
    private int frames;

    private int descriptor;
    private boolean checksumFlag;
    private long contentSize;
    private int windowSize;
    private int blockMax;
    private boolean lastBlock;
    private int blockType;
    private int blockSize;

    private final ZstdWindow window = new ZstdWindow();
    private ZstdBlock block;
    private Xxh64 xxh;

    ZstdDecoder(String coding, Out next, Host host) {
        super(coding, next, host);
    }

    @Override
    boolean decode(byte[] buf, int off, int len) {
        int end = off + len;
        while (off < end) {
            switch (state) {
                case STOPPED -> {
                    return false;
                }
                case TRAILING -> {
                    trailing();
                    return true;
                }
                case SKIP -> {
                    int n = (int) Math.min(skipLeft, end - off);
                    off += n;
                    skipLeft -= n;
                    if (skipLeft == 0) {
                        frames++; // a skippable frame counts as one: a body of only such frames decodes to nothing
                        expect(State.MAGIC, 4);
                    }
                    continue;
                }
                default -> {
                }
            }
            byte[] src;
            int at;
            if (have == 0 && end - off >= need) {
                src = buf;
                at = off;
                off += need;
            } else {
                if (pending.length < need) {
                    if (!hold(need - pending.length)) {
                        return false;
                    }
                    pending = java.util.Arrays.copyOf(pending, need);
                }
                int n = Math.min(need - have, end - off);
                System.arraycopy(buf, off, pending, have, n);
                have += n;
                off += n;
                if (have < need) {
                    return true;
                }
                src = pending;
                at = 0;
            }
            have = 0;
            try {
                if (!unit(src, at)) {
                    state = State.STOPPED;
                    return false;
                }
            } catch (ZstdException e) {
                state = State.STOPPED; // when the raw bytes are passed through instead, decode is not called again
                return e.refusal == null ? malformed(e.getMessage()) : refuse(e.refusal, e.getMessage());
            }
        }
        return true;
    }

    /** Handles a complete unit of {@link #need} bytes at {@code src[at]}; returns false when decoding must stop. */
    private boolean unit(byte[] src, int at) throws ZstdException {
        switch (state) {
            case MAGIC -> {
                int magic = le32(src, at);
                if (magic == MAGIC) {
                    commit();
                    expect(State.DESCRIPTOR, 1);
                } else if ((magic & 0xfffffff0) == SKIPPABLE) {
                    commit();
                    expect(State.SKIP_SIZE, 4);
                } else if (frames > 0 || producedOutput()) {
                    state = State.TRAILING;
                    trailing();
                } else {
                    throw new ZstdException("no zstd frame magic number");
                }
            }
            case SKIP_SIZE -> {
                skipLeft = le32(src, at) & 0xffffffffL;
                if (skipLeft == 0) {
                    frames++;
                    expect(State.MAGIC, 4);
                } else {
                    state = State.SKIP;
                }
            }
            case DESCRIPTOR -> {
                descriptor = src[at] & 0xff;
                if ((descriptor & 8) != 0) {
                    throw new ZstdException("reserved bit set in the frame header");
                }
                boolean single = (descriptor & 0x20) != 0;
                int fcsFlag = descriptor >> 6;
                int fcsBytes = fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag;
                int didBytes = (descriptor & 3) == 3 ? 4 : descriptor & 3;
                expect(State.HEADER, (single ? 0 : 1) + didBytes + fcsBytes);
            }
            case HEADER -> frameHeader(src, at);
            case BLOCK_HEADER -> {
                int h = (src[at] & 0xff) | (src[at + 1] & 0xff) << 8 | (src[at + 2] & 0xff) << 16;
                lastBlock = (h & 1) != 0;
                blockType = (h >> 1) & 3;
                blockSize = h >>> 3;
                if (blockType == 3) {
                    throw new ZstdException("reserved block type");
                }
                if (blockSize > blockMax) {
                    throw new ZstdException("block of " + blockSize + " bytes over the block maximum " + blockMax);
                }
                int content = blockType == 1 ? 1 : blockSize;
                if (content == 0) {
                    return block(src, at);
                }
                expect(State.BLOCK, content);
            }
            case BLOCK -> {
                return block(src, at);
            }
            case CHECKSUM -> {
                if (le32(src, at) != (int) xxh.digest()) {
                    anomaly("http.content_crc_mismatch", coding + " frame " + (frames + 1) + " content checksum does not match its data");
                }
                frameDone();
            }
            default -> throw new IllegalStateException("zstd unit in state " + state);
        }
        return true;
    }

    /** Reads the frame header fields after the descriptor; refuses dictionaries and windows over the HTTP limit. */
    private void frameHeader(byte[] src, int at) throws ZstdException {
        boolean single = (descriptor & 0x20) != 0;
        int p = at;
        long windowLimit = MAX_WINDOW;
        long declared = 0;
        if (!single) {
            int wd = src[p++] & 0xff;
            int exponent = wd >> 3;
            long base = 1L << (10 + exponent);
            declared = base + (base / 8) * (wd & 7);
        }
        int didFlag = descriptor & 3;
        int didBytes = didFlag == 3 ? 4 : didFlag;
        long dictionary = 0;
        for (int i = didBytes - 1; i >= 0; i--) {
            dictionary = (dictionary << 8) | (src[p + i] & 0xff);
        }
        p += didBytes;
        int fcsFlag = descriptor >> 6;
        int fcsBytes = fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag;
        long fcs = -1;
        if (fcsBytes > 0) {
            fcs = 0;
            for (int i = fcsBytes - 1; i >= 0; i--) {
                fcs = (fcs << 8) | (src[p + i] & 0xff);
            }
            if (fcsBytes == 2) {
                fcs += 256;
            }
        }
        if (dictionary != 0) {
            throw new ZstdException("http.zstd_dictionary_required", "frame needs dictionary " + dictionary);
        }
        if (single) {
            declared = fcs; // the content size is the window (negative: over 2^63)
        }
        if (declared < 0 || declared > windowLimit) {
            throw new ZstdException("http.zstd_window_too_large", "window of " + Long.toUnsignedString(declared)
                    + " bytes over the " + MAX_WINDOW + " bytes RFC 9659 allows over HTTP");
        }
        windowSize = (int) declared;
        blockMax = Math.min(windowSize, MAX_BLOCK);
        contentSize = fcs;
        checksumFlag = (descriptor & 4) != 0;
        window.begin(windowSize, blockMax);
        if (block != null) {
            block.reset();
        }
        if (checksumFlag) {
            if (xxh == null) {
                xxh = new Xxh64();
            }
            xxh.reset();
        }
        expect(State.BLOCK_HEADER, 3);
    }

    /** Decodes the block whose content is at {@code src[at]} and hands its bytes on. */
    private boolean block(byte[] src, int at) throws ZstdException {
        int bound = blockType == 2 ? blockMax : blockSize;
        int size = window.sizeFor(bound);
        if (size > 0) {
            if (!hold(size - window.ring.length)) {
                return false;
            }
            window.grow(size);
        }
        int start = window.pos;
        int produced;
        switch (blockType) {
            case 0 -> {
                window.put(src, at, blockSize);
                produced = blockSize;
            }
            case 1 -> {
                window.fill(src[at], blockSize);
                produced = blockSize;
            }
            default -> {
                if (block == null) {
                    if (!hold(ZstdBlock.TABLE_BYTES)) {
                        return false;
                    }
                    block = new ZstdBlock();
                    block.reset();
                }
                if (block.literals.length < blockMax) {
                    if (!hold(blockMax - block.literals.length)) {
                        return false;
                    }
                    block.literals = new byte[blockMax];
                }
                produced = block.decode(src, at, blockSize, window, blockMax, windowSize);
            }
        }
        if (contentSize >= 0 && window.produced > contentSize) {
            throw new ZstdException("frame decodes to more than its declared content size " + contentSize);
        }
        if (!emitRing(start, produced)) {
            return false;
        }
        if (!lastBlock) {
            expect(State.BLOCK_HEADER, 3);
        } else if (checksumFlag) {
            expect(State.CHECKSUM, 4);
        } else {
            frameDone();
        }
        return true;
    }

    /** Hands on {@code len} decoded bytes from ring position {@code start}, a chunk at a time. */
    private boolean emitRing(int start, int len) {
        byte[] ring = window.ring;
        int cap = window.cap;
        while (len > 0) {
            int n = Math.min(Math.min(len, cap - start), OUT_CHUNK);
            if (checksumFlag) {
                xxh.update(ring, start, n);
            }
            if (!emit(ring, start, n)) {
                return false;
            }
            len -= n;
            start += n;
            if (start == cap) {
                start = 0;
            }
        }
        return true;
    }

    private void frameDone() throws ZstdException {
        if (contentSize >= 0 && window.produced != contentSize) {
            throw new ZstdException("frame decodes to " + window.produced + " bytes, its header says " + contentSize);
        }
        frames++;
        expect(State.MAGIC, 4);
    }

    private void expect(State s, int n) {
        state = s;
        need = n;
        have = 0;
    }

    @Override
    boolean end() {
        if (state == State.STOPPED) {
            return false;
        }
        if (state == State.TRAILING) {
            return true;
        }
        if (state == State.MAGIC && frames > 0) {
            if (have > 0) {
                trailing();
            }
            return true;
        }
        if (state == State.MAGIC && !producedOutput()) {
            return malformed("stream too short");
        }
        return truncated();
    }

    @Override
    void releaseBuffers() {
        state = State.STOPPED;
        window.release();
        block = null;
        pending = new byte[0];
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }
}
