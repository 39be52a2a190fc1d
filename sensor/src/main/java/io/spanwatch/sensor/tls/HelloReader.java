package io.spanwatch.sensor.tls;

import io.spanwatch.sensor.http.HttpMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one direction of a TLS connection up to its hello: the ClientHello from the client, the
 * ServerHello from the server (RFC 8446 §4.1.2-4.1.3, RFC 5246 §7.4.1). Records (RFC 8446 §5.1) may
 * split the hello anywhere and come in any segmentation; the hello is gathered across them, up to
 * {@link #MAX_HELLO} bytes. Past the hello only a TLS 1.2 (or earlier) server's Certificate message is
 * read, when it comes next; with TLS 1.3 the rest is encrypted.
 *
 * <p>Every length comes from the traffic and is checked against what holds it before it is used: a
 * record longer than TLS allows, a hello that claims more than its record bytes bring, an extension
 * that runs past its list, each ends the reading with an anomaly named as Suricata's TLS decoder
 * names it ({@code tls.invalid_record_length}, {@code tls.invalid_handshake_message}, ...).
 */
public final class HelloReader {
    /** Largest hello gathered (a ClientHello with post-quantum key shares is about 2 KiB). */
    public static final int MAX_HELLO = 64 << 10;
    /** Largest record body TLS allows: 2^14 bytes of plaintext plus 2,048 of expansion (RFC 5246 §6.2.3). */
    static final int MAX_RECORD = (1 << 14) + 2048;

    static final int HANDSHAKE = 22;
    static final int ALERT = 21;
    static final int CLIENT_HELLO = 1;
    static final int SERVER_HELLO = 2;
    static final int CERTIFICATE = 11;

    static final int EXT_SERVER_NAME = 0;
    static final int EXT_SUPPORTED_GROUPS = 10;
    static final int EXT_EC_POINT_FORMATS = 11;
    static final int EXT_SIGNATURE_ALGORITHMS = 13;
    static final int EXT_ALPN = 16;
    static final int EXT_SUPPORTED_VERSIONS = 43;

    /** Where the reading stands. */
    public enum State {
        /** The hello is not complete yet. */
        NEED_MORE,
        /** The hello was read ({@link #hello}). */
        DONE,
        /** The direction ended its handshake without a hello (an alert in its place). */
        NO_HELLO,
        /** The bytes break TLS's framing ({@link #anomaly} names how). */
        INVALID
    }

    /**
     * What a hello said. Lists are as sent, in order, GREASE values (RFC 8701) included; names and
     * protocols hold the wire bytes one character per byte.
     *
     * @param legacyVersion the hello's {@code legacy_version}
     * @param versions {@code supported_versions}: the client's list, or the server's one choice; empty when absent
     * @param ciphers the client's cipher suites, or the server's one choice
     * @param extensions extension types, in order
     * @param groups the client's {@code supported_groups}
     * @param pointFormats the client's {@code ec_point_formats}
     * @param serverName the client's {@code host_name} in {@code server_name}, or null
     * @param alpn the protocols of {@code application_layer_protocol_negotiation}
     * @param signatureAlgorithms the client's {@code signature_algorithms}
     */
    public record Hello(boolean client, int legacyVersion, int[] versions, int[] ciphers, int[] extensions, int[] groups,
            int[] pointFormats, String serverName, List<String> alpn, int[] signatureAlgorithms) {
    }

    private final boolean client;
    /** The worker's application-layer memory budget the gathered bytes are charged to; null: none. */
    private final HttpMemory memory;
    private final Holding holding = new Holding();
    /** Set when the budget took this reader's bytes for another holding (its anomaly not yet told). */
    private boolean evicted;
    private final byte[] header = new byte[5];
    private int headerLen;
    /** Bytes of the current record's body still to come. */
    private int recordLeft;
    private byte[] msg;
    private int msgLen;
    private State state = State.NEED_MORE;
    private String anomaly;
    private Hello hello;
    private List<byte[]> certificates = List.of();

    /** @param client whether this direction is the client's (it sends the ClientHello) */
    public HelloReader(boolean client) {
        this(client, null);
    }

    /**
     * @param client whether this direction is the client's (it sends the ClientHello)
     * @param memory the budget the bytes being gathered are charged to (shared with the worker's HTTP
     *     parsers, {@code http.memcap}): past it the oldest holdings go first, and a reader that goes
     *     stops with the anomaly {@code tls.memcap}
     */
    public HelloReader(boolean client, HttpMemory memory) {
        this.client = client;
        this.memory = memory;
    }

    /** What this reader holds, as the memory budget sees it. */
    private final class Holding extends HttpMemory.Holding {
        @Override
        protected void evict() {
            if (state == State.NEED_MORE) {
                state = State.INVALID;
                anomaly = "tls.memcap";
                evicted = true;
            }
            drop();
        }
    }

    /** Lets go of the bytes gathered and gives them back to the budget. */
    private void drop() {
        msg = null;
        if (memory != null) {
            memory.release(holding);
        }
    }

    /** Tells whether the budget evicted this reader while it gathered (anomaly {@code tls.memcap}). */
    public boolean evicted() {
        return evicted;
    }

    /** Gives back what is held, the certificates too (the connection ended, or its event was written). */
    public void close() {
        if (state == State.NEED_MORE) {
            state = State.INVALID;
        }
        certificates = List.of();
        drop();
    }

    /**
     * Tells whether {@code b[off, off+len)}, the first bytes a side sent, start a TLS record holding
     * a ClientHello: a handshake record of version 3.0 to 3.4 (SSL 3.0 to TLS 1.3) with a length TLS
     * allows, whose first message is a ClientHello. Null while fewer than the six bytes that tell are there.
     */
    public static Boolean startsClientHello(byte[] b, int off, int len) {
        int n = Math.min(len, 6);
        int[] want = {HANDSHAKE, 3};
        for (int i = 0; i < n; i++) {
            int v = b[off + i] & 0xFF;
            boolean ok = switch (i) {
                case 0, 1 -> v == want[i];
                case 2 -> v <= 4;
                case 5 -> v == CLIENT_HELLO;
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        if (n < 6) {
            return null;
        }
        int recordLen = ((b[off + 3] & 0xFF) << 8) | (b[off + 4] & 0xFF);
        return recordLen > 0 && recordLen <= MAX_RECORD;
    }

    public State state() {
        return state;
    }

    /** The anomaly that ended the reading ({@link State#INVALID}), or null. */
    public String anomaly() {
        return anomaly;
    }

    /** The hello, once {@link State#DONE}. */
    public Hello hello() {
        return hello;
    }

    /**
     * The server's certificates (DER, leaf first) when it chose TLS 1.2 or earlier and sent them
     * right after its hello; else empty.
     */
    public List<byte[]> certificates() {
        return certificates;
    }

    /** Takes the direction's next bytes; returns the state after them. */
    public State feed(byte[] b, int off, int len) {
        int end = off + len;
        while (off < end && state == State.NEED_MORE) {
            if (headerLen < 5) {
                int n = Math.min(5 - headerLen, end - off);
                System.arraycopy(b, off, header, headerLen, n);
                headerLen += n;
                off += n;
                if (headerLen == 5) {
                    startRecord();
                }
                continue;
            }
            // At most what the message being gathered still needs, so where the input is cut never
            // changes what is read (a bound met by one chunk but not by the message).
            int need = msgLen < 4 ? 4 - msgLen : 4 + messageLength() - msgLen;
            int n = Math.min(Math.min(recordLeft, end - off), need);
            if (msgLen + n > MAX_HELLO) {
                if (hello == null) {
                    fail("tls.invalid_handshake_message");
                } else {
                    finish(); // a certificate chain too large to gather: the hello alone
                }
                break;
            }
            if (msg == null || msgLen + n > msg.length) {
                int size = Math.min(MAX_HELLO, Math.max(msgLen + n, msg == null ? 512 : msg.length * 2));
                if (memory != null && !memory.charge(holding, size - (msg == null ? 0 : msg.length))) {
                    anomaly = "tls.memcap";
                    state = State.INVALID;
                    drop();
                    break;
                }
                byte[] m = new byte[size];
                if (msg != null) {
                    System.arraycopy(msg, 0, m, 0, msgLen);
                }
                msg = m;
            }
            System.arraycopy(b, off, msg, msgLen, n);
            msgLen += n;
            off += n;
            recordLeft -= n;
            if (recordLeft == 0) {
                headerLen = 0;
            }
            message();
        }
        return state;
    }

    private void startRecord() {
        int type = header[0] & 0xFF;
        int major = header[1] & 0xFF;
        int minor = header[2] & 0xFF;
        int length = ((header[3] & 0xFF) << 8) | (header[4] & 0xFF);
        if (major != 3 || minor > 4) {
            fail("tls.invalid_record_version");
        } else if (length == 0 || length > MAX_RECORD) {
            fail("tls.invalid_record_length");
        } else if (hello != null && type != HANDSHAKE) {
            finish(); // the handshake went on encrypted (a resumed session): no certificate to read
        } else if (type == ALERT && msgLen == 0) {
            state = State.NO_HELLO; // a refusal in place of a hello
        } else if (type != HANDSHAKE) {
            fail("tls.invalid_record_type");
        } else {
            recordLeft = length;
        }
        if (state != State.NEED_MORE) {
            drop();
        }
    }

    /** The length of the message being gathered, from its header (four bytes of it are there). */
    private int messageLength() {
        return ((msg[1] & 0xFF) << 16) | ((msg[2] & 0xFF) << 8) | (msg[3] & 0xFF);
    }

    /**
     * Parses the messages gathered so far: the hello, then, from a server that chose TLS 1.2 or
     * earlier, its Certificate when that comes next (RFC 5246 §7.4.2). Anything else after the hello
     * (a ServerKeyExchange without certificate, a resumed session's ChangeCipherSpec) ends the
     * reading with the hello alone, as does a certificate chain over {@link #MAX_HELLO}.
     */
    private void message() {
        while (state == State.NEED_MORE && msgLen >= 4) {
            int type = msg[0] & 0xFF;
            int length = ((msg[1] & 0xFF) << 16) | ((msg[2] & 0xFF) << 8) | (msg[3] & 0xFF);
            if (length + 4 > MAX_HELLO || (hello == null && type != (client ? CLIENT_HELLO : SERVER_HELLO))) {
                if (hello == null) {
                    fail("tls.invalid_handshake_message");
                } else {
                    finish();
                }
                return;
            }
            if (msgLen < length + 4) {
                return;
            }
            try {
                if (hello == null) {
                    hello = parse(new Cursor(msg, 4, 4 + length));
                    int v = TlsNames.negotiated(hello);
                    if (client || v > 0x0303 || v < 0x0300) {
                        finish(); // TLS 1.3 sends its certificate encrypted
                        return;
                    }
                } else {
                    if (type == CERTIFICATE) {
                        certificates = certificates(new Cursor(msg, 4, 4 + length));
                    }
                    finish();
                    return;
                }
            } catch (IndexOutOfBoundsException e) {
                if (hello == null) {
                    fail("tls.invalid_handshake_message");
                } else {
                    anomaly = "tls.invalid_certificate";
                    finish();
                }
                return;
            }
            System.arraycopy(msg, length + 4, msg, 0, msgLen - length - 4);
            msgLen -= length + 4;
        }
    }

    /** The certificates of a Certificate message, leaf first (each DER, as sent). */
    private static List<byte[]> certificates(Cursor c) {
        Cursor list = c.sub(c.u24());
        List<byte[]> out = new ArrayList<>();
        while (list.left() > 0) {
            Cursor der = list.sub(list.u24());
            out.add(java.util.Arrays.copyOfRange(der.b, der.pos, der.end));
        }
        return out;
    }

    private void finish() {
        state = State.DONE;
        drop();
    }

    /** Stops reading: the stream has a gap, so what follows cannot be framed. */
    public void abandon() {
        if (state == State.NEED_MORE) {
            state = State.INVALID;
            drop();
        }
    }

    private void fail(String name) {
        state = State.INVALID;
        anomaly = name;
        drop();
    }

    private Hello parse(Cursor c) {
        int legacy = c.u16();
        c.skip(32); // random
        c.skip(c.u8()); // legacy_session_id
        int[] ciphers;
        if (client) {
            Cursor list = c.sub(c.u16());
            ciphers = list.u16s();
            c.skip(c.u8()); // legacy_compression_methods
        } else {
            ciphers = new int[] {c.u16()};
            c.skip(1);
        }
        int[] types = new int[0];
        int[] versions = new int[0];
        int[] groups = new int[0];
        int[] formats = new int[0];
        int[] sigalgs = new int[0];
        String name = null;
        List<String> alpn = List.of();
        if (c.left() > 0) {
            Cursor exts = c.sub(c.u16());
            List<Integer> seen = new ArrayList<>();
            while (exts.left() > 0) {
                int type = exts.u16();
                Cursor e = exts.sub(exts.u16());
                seen.add(type);
                switch (type) {
                    case EXT_SERVER_NAME -> {
                        if (client && e.left() > 0) {
                            name = serverName(e.sub(e.u16()));
                        }
                    }
                    case EXT_SUPPORTED_GROUPS -> {
                        if (client) {
                            groups = e.sub(e.u16()).u16s();
                        }
                    }
                    case EXT_EC_POINT_FORMATS -> {
                        Cursor f = e.sub(e.u8());
                        formats = new int[f.left()];
                        for (int i = 0; i < formats.length; i++) {
                            formats[i] = f.u8();
                        }
                    }
                    case EXT_SIGNATURE_ALGORITHMS -> {
                        if (client) {
                            sigalgs = e.sub(e.u16()).u16s();
                        }
                    }
                    case EXT_ALPN -> alpn = protocols(e.sub(e.u16()));
                    case EXT_SUPPORTED_VERSIONS -> versions = client ? e.sub(e.u8()).u16s() : new int[] {e.u16()};
                    default -> {
                    }
                }
            }
            types = seen.stream().mapToInt(Integer::intValue).toArray();
        }
        return new Hello(client, legacy, versions, ciphers, types, groups, formats, name, alpn, sigalgs);
    }

    /** The first {@code host_name} of a {@code ServerNameList} (RFC 6066 §3). */
    private static String serverName(Cursor list) {
        while (list.left() > 0) {
            int type = list.u8();
            Cursor n = list.sub(list.u16());
            if (type == 0) {
                return n.latin1();
            }
        }
        return null;
    }

    private static List<String> protocols(Cursor list) {
        List<String> out = new ArrayList<>();
        while (list.left() > 0) {
            out.add(list.sub(list.u8()).latin1());
        }
        return out;
    }

    /** Reads big-endian fields of {@code b[pos, end)}; any read past {@code end} throws. */
    private static final class Cursor {
        final byte[] b;
        int pos;
        final int end;

        Cursor(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        int left() {
            return end - pos;
        }

        private void need(int n) {
            if (n < 0 || n > end - pos) {
                throw new IndexOutOfBoundsException("TLS field past its enclosing length");
            }
        }

        int u8() {
            need(1);
            return b[pos++] & 0xFF;
        }

        int u16() {
            need(2);
            int v = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        int u24() {
            need(3);
            int v = ((b[pos] & 0xFF) << 16) | ((b[pos + 1] & 0xFF) << 8) | (b[pos + 2] & 0xFF);
            pos += 3;
            return v;
        }

        void skip(int n) {
            need(n);
            pos += n;
        }

        Cursor sub(int n) {
            need(n);
            Cursor c = new Cursor(b, pos, pos + n);
            pos += n;
            return c;
        }

        int[] u16s() {
            if ((left() & 1) != 0) {
                throw new IndexOutOfBoundsException("odd length of a list of 16-bit values");
            }
            int[] v = new int[left() / 2];
            for (int i = 0; i < v.length; i++) {
                v[i] = u16();
            }
            return v;
        }

        String latin1() {
            String s = new String(b, pos, end - pos, java.nio.charset.StandardCharsets.ISO_8859_1);
            pos = end;
            return s;
        }
    }
}
