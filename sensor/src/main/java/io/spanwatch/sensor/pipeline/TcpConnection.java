package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.flow.AppTunnel;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.http.HttpConnectionParser;
import io.spanwatch.sensor.socks.SocksHandshake;
import io.spanwatch.sensor.tls.HelloReader;

/**
 * Follows one TCP connection: tracks its handshake and teardown, reassembles both directions, finds
 * out from the first bytes whether it carries HTTP (on any port) and which side is the client, then
 * feeds an {@link HttpConnectionParser}. Connections that are not HTTP stop being reassembled. A SOCKS
 * handshake at the start ({@link SocksHandshake}) is stepped over first: what the proxy carries is
 * then recognised the same way, and the flow's events name the proxy's destination.
 *
 * <p>Roles come from the handshake (the SYN sender is the client); without one, the side whose first
 * bytes are a request line is the client. Each direction's own state (its stream, SYN bookkeeping,
 * probe and acknowledgement-order wait) is a {@link TcpSide}, which hands its bytes back here. Used
 * by the worker thread that owns the flow.
 *
 * <p>Each direction is reassembled as its receiving host takes it: with the overlap policy configured
 * for the receiver's address, and discarding what that host discards. Timestamps are checked (PAWS)
 * when both SYNs offered them, or, without the handshake, once both sides were seen sending them.
 * Windows are scaled by the shift the receiver's SYN offered when both SYNs offered one (unscaled when
 * either did not, and in SYN segments themselves); when the handshake was not seen the shift is
 * unknown and taken as the largest, 14, so no legitimate data is ever taken for out of window.
 */
final class TcpConnection {
    /** Bytes of a side's stream start kept while deciding whether it is HTTP. */
    static final int PROBE_BYTES = 4096;
    /** How far into a stream picked up mid-way recognition is retried at segment starts. */
    static final long MIDSTREAM_PROBE_LIMIT = 64 << 10;
    /**
     * Most bytes one direction holds back while it waits for the other direction's bytes it has
     * acknowledged (see {@link #packet}); also the furthest ahead such an acknowledgement may be.
     */
    static final int ACK_ORDER_MAX_BYTES = 64 << 10;

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    private static final int URG = 0x20;

    final Worker worker;
    final Flow flow;
    /** The originator's direction and the responder's ({@link TcpSide}). */
    final TcpSide orig;
    final TcpSide resp;
    /**
     * Whether the connection ended refused (a RST acknowledging the SYN before any SYN-ACK): a SYN sent
     * again, even with the same sequence number, is a new attempt then (Windows keeps a refused
     * connect and sends its SYN again, KB 175523), not the old SYN retransmitted.
     */
    private boolean refused;
    /** Whether a SYN-ACK was taken: the client left SYN-SENT. */
    boolean handshakeSeen;
    private boolean rolesFixed;
    private HttpConnectionParser parser;
    /** Whether the server's first bytes were an HTTP/2 preface (it spoke first): the parser starts in HTTP/2. */
    private boolean http2ServerFirst;
    boolean notHttp;
    /** Set once the connection's start is known not to be (or no longer to be) a SOCKS handshake. */
    private boolean socksDone;
    /** The HTTP parser that read the CONNECT whose 2xx made this connection a tunnel (closed with it), or null. */
    private HttpConnectionParser connectOuter;
    private boolean closed;
    /** The hellos of a TLS connection while they are read (see {@link #startTls}); null when it is not TLS. */
    private TlsHandshake tls;
    /** Whether the PAWS check is on for both directions (timestamps negotiated). */
    private boolean timestamps;
    long synSeqOrig = -1;

    TcpConnection(Worker worker, Flow flow) {
        this.worker = worker;
        this.flow = flow;
        this.orig = new TcpSide(this, true);
        this.resp = new TcpSide(this, false);
    }

    /**
     * Takes one decoded TCP segment of this connection.
     *
     * <p>A mirror port can deliver the two directions out of order: a reply's first segment before
     * the request it answers. A segment that acknowledges bytes of the other direction not yet seen
     * is such a reply, so its bytes (and what follows them in its direction) wait until the other
     * direction has caught up to that acknowledgement, as Suricata's stream engine hands data to the
     * application layer in the order acknowledgements show. The wait ends early when the other
     * direction's hole is given up as a gap ({@link io.spanwatch.sensor.reassembly.ReassemblyConfig#gapAckDelayNanos}
     * after it was acknowledged), after that delay in any case, when {@value #ACK_ORDER_MAX_BYTES}
     * bytes wait (anomaly {@code stream.ack_order_limit}), when the reassembly memcap has no room,
     * and when the connection ends. Counted as {@code tcp.ack_order_waits}, {@code tcp.ack_order_limit_hits}
     * and {@code tcp.ack_order_held_bytes}.
     */
    void packet(DecodedPacket p, boolean fromOrig) {
        segment(p, fromOrig);
        if (orig.withheldAck >= 0 || resp.withheldAck >= 0) {
            ReceiverDiscards.takeWithheldAcks(orig, resp, p.tsNanos);
        }
        if (orig.waiting() || resp.waiting()) {
            releaseWaiting(p.tsNanos);
        }
    }

    private void segment(DecodedPacket p, boolean fromOrig) {
        TcpSide s = fromOrig ? orig : resp;
        TcpSide other = fromOrig ? resp : orig;
        int flags = p.tcpFlags;
        TcpOptions opts = worker.tcpOptions.read(p);
        if (fromOrig) {
            flow.tcpFlagsOrig |= flags;
        } else {
            flow.tcpFlagsResp |= flags;
        }
        long ts = p.tsNanos;
        if (!closed && ReceiverDiscards.discarded(this, p, s, other, flags, opts)) {
            return;
        }
        if ((flags & SYN) != 0) {
            if (s.isn < 0) {
                s.isn = p.seq;
            }
            s.synSent(p.seq, p.payloadLen + p.payloadMissing);
            if ((flags & ACK) == 0) {
                s.bareSyn(opts.timestamps ? opts.tsval : -1);
                if (!rolesFixed) {
                    flow.clientIsOrig = fromOrig;
                    rolesFixed = true;
                }
                if (fromOrig && synSeqOrig < 0) {
                    synSeqOrig = p.seq;
                }
            } else {
                if (!rolesFixed) {
                    flow.clientIsOrig = !fromOrig;
                    rolesFixed = true;
                }
                handshakeSeen = true;
            }
            s.stream.syn(p.seq);
            s.synOffer(opts.synOffer(p));
        }
        if ((flags & (ACK | RST)) == ACK && other.lastSynSeq >= 0 && ((p.ack - other.lastSynSeq - 1) & 0xFFFF_FFFFL) < (1L << 30)) {
            other.synAcked = true;
        }
        if (opts.timestamps) {
            s.sentTimestamps = true;
        }
        boolean both = orig.synSeen() && resp.synSeen();
        if (!timestamps && (both ? TcpOptions.offeredTimestamps(orig.synOffer) && TcpOptions.offeredTimestamps(resp.synOffer)
                : orig.sentTimestamps && resp.sentTimestamps)) {
            timestamps = true;
            orig.stream.useTimestamps();
            resp.stream.useTimestamps();
        }
        if (p.payloadLen > 0) {
            s.payloadSeen = true;
        }
        if ((flow.tcpFlagsOrig & flow.tcpFlagsResp & SYN) != 0 || (orig.payloadSeen && resp.payloadSeen)) {
            if (flow.state == Flow.State.NEW) {
                flow.state = Flow.State.ESTABLISHED;
            }
        }
        if (closed) {
            return;
        }
        boolean reassemble = !notHttp;
        if (other.synData != null && other.synData.held() && (flags & (SYN | ACK | RST)) == (SYN | ACK)
                && !other.synData.answered(ts, p.ack)) {
            worker.anomaly(flow, ts, "stream", "stream.syn_data_ignored"); // see SynData
        } else if (s.synData != null && s.synData.held() && (flags & SYN) == 0) {
            s.synData.take(ts); // no SYN-ACK was seen: taken
        }
        boolean synWithData = (flags & (SYN | ACK | RST)) == SYN && p.payloadLen > 0;
        boolean synAckDataIgnored = (flags & (SYN | ACK)) == (SYN | ACK) && p.payloadLen > 0 && ReceiverDiscards.synAckDataIgnored(s, other);
        if (synAckDataIgnored) {
            worker.anomaly(flow, ts, "stream", "stream.synack_data_ignored");
            if (reassemble) {
                s.stream.discarded(ts, p.seq + 1, p.buf, p.payloadOff, p.payloadLen); // used only if acknowledged
            }
        }
        // Data on a SYN (TCP Fast Open) starts after the SYN's own sequence number.
        long dataSeq = (flags & SYN) != 0 ? p.seq + 1 : p.seq;
        // PAWS (RFC 7323 §5.3): a segment with an old timestamp is discarded whole; never a RST, and
        // never a pure ACK: it carries nothing to reassemble, and Linux takes "disordered" ACKs whose
        // timestamp lags (tcp_disordered_ack).
        boolean pureAck = p.payloadLen == 0 && p.payloadMissing == 0 && (flags & FIN) == 0;
        boolean fresh = !opts.timestamps || pureAck || (flags & (SYN | RST)) != 0
                || s.stream.timestamp(ts, dataSeq, p.payloadLen + p.payloadMissing + (flags & FIN), opts.tsval);
        if (reassemble && !fresh) {
            s.stream.discarded(ts, dataSeq, p.buf, p.payloadOff, p.payloadLen);
        } else if (reassemble && (flags & RST) == 0) {
            // A RST's payload and acknowledgement are never taken: a host either resets on it or
            // drops it after a challenge ACK (RFC 5961 §3), so data riding on one is a decoy.
            if (p.payloadLen > 0 && (flags & ACK) != 0 && !s.waiting()) {
                s.waitForPeer(ts, other, p.ack);
            }
            if (synWithData) {
                // held until the SYN-ACK says whether the server took it (SynData); taken at once without room
                if (s.synData == null) {
                    s.synData = new SynData(worker.reassemblyStats, s.stream); // made for the rare SYN that carries data
                }
                if (!s.synData.hold(p.buf, p.payloadOff, p.payloadLen, dataSeq)) {
                    worker.anomaly(flow, ts, "stream", "stream.ack_order_limit");
                    s.stream.segment(ts, dataSeq, p.buf, p.payloadOff, p.payloadLen, false);
                }
            } else if (!synAckDataIgnored && (p.payloadLen > 0 || p.payloadMissing > 0 || (flags & FIN) != 0)) {
                // A segment the capture cut (snaplen) has its missing tail reported as a gap.
                // The urgent pointer (bytes 18-19 of the TCP header) counts only with the URG flag.
                int urgentPointer = (flags & (URG | SYN)) == URG
                        ? (p.buf[p.tcpOff + 18] & 0xff) << 8 | p.buf[p.tcpOff + 19] & 0xff : -1;
                s.stream.segment(ts, dataSeq, p.buf, p.payloadOff, p.payloadLen, (flags & FIN) != 0, p.payloadMissing,
                        urgentPointer);
            }
            if ((flags & ACK) != 0) {
                other.stream.ack(ts, p.ack, TcpOptions.windowBytes(p.window, (flags & SYN) != 0, s.synOffer, other.synOffer));
                if (opts.timestamps) {
                    other.stream.echo(ts, opts.tsecr);
                }
            }
        }
        if ((flags & RST) != 0) {
            // in SYN-SENT a RST is taken when it acknowledges the SYN (RFC 9293 §3.10.7.3): a refused connection
            boolean refusal = !handshakeSeen && (flags & ACK) != 0 && other.lastSynSeq >= 0 && p.ack == ((other.lastSynSeq + 1) & 0xFFFF_FFFFL);
            if (s.stream.acceptsReset(p.seq) || (!s.stream.started() && (handshakeSeen || refusal))) {
                refused = refusal && !handshakeSeen;
                reset(ts);
            } else {
                worker.anomaly(flow, ts, "stream", "stream.rst_ignored");
            }
        } else if (orig.finSeen && resp.finSeen) {
            flow.state = Flow.State.CLOSED;
        } else if ((flags & FIN) != 0 && fresh) {
            s.finFlag = true;
            if (orig.finFlag && resp.finFlag) {
                flow.state = Flow.State.CLOSED;
            }
        }
    }

    /**
     * Takes the originator's SYN that was seen before this state was made (the flow kept only its
     * sequence number, flags, what it offered, {@link TcpOptions#synOffer}, and the timestamp values of
     * its first and latest copy, -1 without the option): the originator is the client and its stream
     * starts after the SYN.
     */
    void originatorSyn(long seq, int offer, long tsFirst, long tsLast) {
        if (!rolesFixed) {
            flow.clientIsOrig = true;
            rolesFixed = true;
        }
        if (orig.isn < 0) {
            orig.isn = seq;
        }
        if (synSeqOrig < 0) {
            synSeqOrig = seq;
        }
        orig.synSent(seq, 0); // a SYN kept back so carried no data
        orig.bareSyn(tsFirst);
        orig.bareSyn(tsLast);
        orig.stream.syn(seq);
        orig.synOffer(offer);
    }

    /** Ends the waits whose peer bytes came, were given up, or took too long (see {@link #packet}). */
    private void releaseWaiting(long ts) {
        orig.releaseIfDue(resp, ts);
        resp.releaseIfDue(orig, ts);
    }

    /** Tells whether a new SYN on this closed connection starts a new one (port reuse). */
    boolean isReuse(DecodedPacket p, boolean fromOrig) {
        return flow.state == Flow.State.CLOSED && (p.tcpFlags & (SYN | ACK)) == SYN
                && (refused || !(fromOrig && synSeqOrig == p.seq));
    }

    /** Ends the connection: flushes both directions and the parser. */
    void close(long ts) {
        if (closed) {
            return;
        }
        for (TcpSide side : new TcpSide[] {orig, resp}) {
            if (side.synData != null) {
                if (!notHttp) {
                    side.synData.take(ts);
                }
                side.synData.release();
            }
        }
        if (!notHttp && (orig.withheldAck >= 0 || resp.withheldAck >= 0)) {
            ReceiverDiscards.takeWithheldAcks(orig, resp, ts);
        }
        closed = true;
        if (notHttp) {
            orig.stream.discard();
            resp.stream.discard();
            orig.dropHeld();
            resp.dropHeld();
        } else {
            orig.stream.flush(ts);
            resp.stream.flush(ts);
            // What waited for the other direction follows what that direction delivered or gave up.
            if (orig.waiting()) {
                orig.release();
            }
            if (resp.waiting()) {
                resp.release();
            }
        }
        if (connectOuter != null) {
            connectOuter.close(ts);
        }
        if (parser != null) {
            parser.close(ts);
        }
        if (tls != null) {
            tls.close();
        }
    }

    long missedToServer() {
        return flow.clientIsOrig ? orig.stream.gapBytes() : resp.stream.gapBytes();
    }

    long missedToClient() {
        return flow.clientIsOrig ? resp.stream.gapBytes() : orig.stream.gapBytes();
    }

    boolean limitHit() {
        return orig.stream.limitHit() || resp.stream.limitHit();
    }

    private void reset(long ts) {
        flow.state = Flow.State.CLOSED;
        close(ts);
    }

    /** Decides from buffered stream starts whether this is HTTP, and if so starts the parser. */
    private void probe(long ts) {
        if (!socksDone && socks(ts)) {
            return;
        }
        if (tls == null && startTls(ts)) {
            return;
        }
        TcpSide client = null;
        for (TcpSide s : new TcpSide[] {orig, resp}) {
            if (s.probeDone || s.probeLen == 0 || tlsUndecided(s)) {
                continue;
            }
            HttpConnectionParser.Probe r = HttpConnectionParser.probe(s.probe, 0, s.probeLen);
            if (r == HttpConnectionParser.Probe.HTTP2_SERVER && !(handshakeSeen && s.probeStart == 0)) {
                r = HttpConnectionParser.Probe.NOT_HTTP; // mid-way, HTTP/2's header tables are unknown anyway
            }
            switch (r) {
                case REQUEST -> client = s;
                case RESPONSE -> client = s == orig ? resp : orig;
                case HTTP2_SERVER -> {
                    client = s == orig ? resp : orig;
                    http2ServerFirst = true;
                }
                case NOT_HTTP -> {
                    if (handshakeSeen || s.consumed() > MIDSTREAM_PROBE_LIMIT) {
                        s.probeDone = true;
                    } else {
                        s.probeLen = 0; // mid-stream: try again at the next segment start
                        s.probeStart = s.consumed();
                        s.probe = null;
                    }
                }
                case NEED_MORE -> {
                    if (s.probeLen >= PROBE_BYTES) {
                        s.probeDone = true;
                    }
                }
            }
            if (client != null) {
                break;
            }
        }
        if (client != null) {
            boolean clientIsOrig = client == orig;
            if (!rolesFixed || !handshakeSeen) {
                flow.clientIsOrig = clientIsOrig;
            }
            rolesFixed = true;
            startHttp(ts);
            return;
        }
        // Either side may show HTTP first (a junk request can still get an HTTP response), so give
        // up only when both sides have shown they are not HTTP.
        if (orig.probeDone && resp.probeDone) {
            giveUp();
        }
    }

    /**
     * Looks for a TLS ClientHello at the start of what a side sent (after a SOCKS handshake, or at a
     * segment start when the connection was picked up mid-way); returns true once the connection is
     * TLS (a side whose first bytes are too few to tell is left alone by the HTTP probe meanwhile). Then both directions' bytes go to a
     * {@link HelloReader} each, and once both hellos are read (or cannot be), the connection's
     * {@code tls} event is written and it is no longer reassembled: the rest is encrypted. The side
     * that sent the ClientHello is the client when the TCP handshake was not seen.
     */
    private boolean startTls(long ts) {
        TcpSide client = null;
        for (TcpSide s : new TcpSide[] {orig, resp}) {
            if (tlsCandidate(s) && Boolean.TRUE.equals(HelloReader.startsClientHello(s.probe, 0, s.probeLen))) {
                client = s;
                break;
            }
        }
        if (client == null) {
            return false;
        }
        if (!handshakeSeen) {
            flow.clientIsOrig = client == orig;
            rolesFixed = true;
        }
        flow.appProto = "tls";
        worker.counters.tlsFlows++;
        tls = new TlsHandshake(worker, flow, ts);
        TcpSide server = client == orig ? resp : orig;
        // Server bytes that came before the ClientHello was recognised and were not kept (the probe
        // was given up, or restarted mid-stream; a SOCKS handshake's are stepped over) leave its
        // reader without the start of its records.
        boolean serverLost = server.consumed() > server.probeStart + server.probeLen || (server.probeStart > 0 && flow.tunnel == null);
        for (TcpSide s : new TcpSide[] {client, server}) {
            byte[] p = s.probe;
            int n = s.probeLen;
            s.probe = null;
            s.probeLen = 0;
            s.probeDone = true;
            if (s == server && serverLost) {
                tls.serverLost();
            } else if (n > 0) {
                tlsData(s, ts, p, 0, n);
            }
        }
        if (serverLost && tls.finishIfDone()) {
            giveUp();
        }
        return true;
    }

    /** Tells whether {@code s} may be the side that sends a ClientHello: it has bytes, and is the client when roles are known. */
    private boolean tlsCandidate(TcpSide s) {
        return !s.probeDone && s.probeLen > 0 && (!handshakeSeen || toServer(s)); // only the client sends a ClientHello
    }

    /**
     * Tells whether {@code s}'s first bytes may still become a ClientHello (fewer than the six that
     * tell): the HTTP probe leaves that side alone for now, and looks at the other.
     */
    private boolean tlsUndecided(TcpSide s) {
        return tls == null && tlsCandidate(s) && HelloReader.startsClientHello(s.probe, 0, s.probeLen) == null;
    }

    /** Hands one side's bytes to its hello reader; once both hellos are done the connection is given up. */
    private void tlsData(TcpSide s, long ts, byte[] buf, int off, int len) {
        if (tls.data(toServer(s), ts, buf, off, len) && !notHttp) {
            giveUp();
        }
    }

    /** Stops analysing the connection: it carries nothing this sensor reads. */
    private void giveUp() {
        notHttp = true;
        orig.probe = null;
        resp.probe = null;
        orig.stream.discard(); // not reassembled any further: give back what it holds
        resp.stream.discard();
        orig.dropHeld();
        resp.dropHeld();
    }

    /**
     * Looks for a SOCKS handshake at the start of both directions; returns true while it holds the
     * connection (still possible, or SOCKS without a tunnel). Once established, the handshake bytes
     * are dropped from both probes and what follows is probed like a connection of its own.
     */
    private boolean socks(long ts) {
        TcpSide client = flow.clientIsOrig ? orig : resp;
        TcpSide server = flow.clientIsOrig ? resp : orig;
        if (!(handshakeSeen || synSeqOrig >= 0) || client.probeStart != 0 || server.probeStart != 0) {
            socksDone = true; // the streams' starts are not known
            return false;
        }
        SocksHandshake.Result r = SocksHandshake.parse(client.probe, client.probeLen, server.probe, server.probeLen);
        switch (r.state()) {
            case NOT_SOCKS -> {
                socksDone = true;
                return false;
            }
            case NEED_MORE -> {
                if (client.probeLen >= PROBE_BYTES || server.probeLen >= PROBE_BYTES) {
                    socksDone = true;
                    return false;
                }
                return true;
            }
            default -> {
                socksDone = true;
                flow.appProto = "socks";
                flow.tunnel = r.target();
                worker.counters.socksFlows++;
                if (r.anomaly() != null) {
                    worker.anomaly(flow, ts, "applayer", r.anomaly());
                }
                if (r.state() == SocksHandshake.State.CLOSED) {
                    giveUp();
                    return true;
                }
                worker.counters.socksTunnels++;
                client.skip(r.clientData());
                server.skip(r.serverData());
                return false;
            }
        }
    }

    /**
     * Takes bytes of the tunnel a CONNECT opened (2xx): the first time, the connection leaves its
     * HTTP parser and probes what the tunnel carries as a connection of its own (HTTP or TLS, as Zeek
     * and Suricata read CONNECT tunnels), its events naming the CONNECT's target
     * ({@code http_connect}); the flow's addresses stay the client's and the proxy's.
     */
    private void connectTunnelData(boolean toServer, long ts, byte[] b, int off, int len) {
        if (connectOuter == null) {
            startConnectTunnel();
        }
        TcpSide client = flow.clientIsOrig ? orig : resp;
        TcpSide s = toServer ? client : (client == orig ? resp : orig);
        if (s.probe == null && parser == null && tls == null) {
            s.probeStart = s.consumed() - len; // these are the last bytes it consumed
        }
        take(s, ts, b, off, len);
    }

    private void startConnectTunnel() {
        HttpConnectionParser outer = parser;
        connectOuter = outer;
        parser = null;
        flow.tunnel = AppTunnel.ofConnect(outer.connectTunnel().uri);
        worker.counters.connectTunnels++;
        for (TcpSide s : new TcpSide[] {orig, resp}) {
            s.probe = null;
            s.probeLen = 0;
            s.probeStart = s.consumed();
            s.probeDone = false;
        }
    }

    private void startHttp(long ts) {
        flow.appProto = "http";
        if (connectOuter == null) {
            worker.counters.tcpFlowsHttp++;
        }
        parser = new HttpConnectionParser(new HttpGlue(worker, flow), worker.config.http(), worker.httpMemory);
        if (flow.tunnel == null) {
            parser.onConnectTunnel(this::connectTunnelData); // one level: not a CONNECT inside a tunnel
        }
        if (http2ServerFirst) {
            parser.http2FromStart();
        }
        TcpSide client = flow.clientIsOrig ? orig : resp;
        TcpSide server = flow.clientIsOrig ? resp : orig;
        for (TcpSide s : new TcpSide[] {client, server}) {
            if (s.probeLen > 0) {
                parser.data(s == client, ts, s.probe, 0, s.probeLen);
            }
            // Bytes this side sent while it was not (yet) HTTP and were not kept: a gap for the parser.
            long skipped = s.consumed() - (s.probeStart + s.probeLen);
            if (skipped > 0 && !s.inData) {
                parser.gap(s == client, ts, skipped);
            }
            s.probe = null;
            s.probeLen = 0;
            s.probeDone = true;
            if (s.pendingFin) {
                parser.end(s == client, ts);
            }
        }
    }

    /**
     * Takes bytes side {@code s} delivered and did not hold back: to the TLS hello reader, the HTTP
     * parser, or (while neither started) the side's probe, and probes them.
     */
    void take(TcpSide s, long ts, byte[] buf, int off, int len) {
        if (tls != null) {
            tlsData(s, ts, buf, off, len);
            return;
        }
        if (parser != null) {
            if (!parser.isTunnel()) {
                parser.data(toServer(s), ts, buf, off, len);
            } else if (connectOuter == null && parser.connectTunnel() != null && flow.tunnel == null) {
                connectTunnelData(toServer(s), ts, buf, off, len); // the tunnel's first bytes
            }
            return;
        }
        if (notHttp || s.probeDone) {
            return;
        }
        int n = s.keep(buf, off, len);
        s.inData = true;
        probe(ts);
        s.inData = false;
        if (n < len) {
            // The rest of a segment larger than the probe: to what the probe started.
            if (tls != null) {
                tlsData(s, ts, buf, off + n, len - n);
            } else if (parser != null) {
                parser.data(toServer(s), ts, buf, off + n, len - n);
            }
        }
    }

    /** Takes a gap side {@code s} delivered and did not hold back: what reads its bytes misses {@code len} of them. */
    void gap(TcpSide s, long ts, long len) {
        if (tls != null) {
            if (tls.gap(toServer(s)) && !notHttp) {
                giveUp();
            }
        } else if (parser != null) {
            parser.gap(toServer(s), ts, len);
        } else if (!s.probeDone) {
            s.probeLen = 0; // what was buffered cannot be continued
            s.probeStart = s.consumed();
            s.probe = null;
        }
    }

    /** Takes the end of what side {@code s} sends, not held back: the HTTP parser's direction ends, or will once it starts. */
    void fin(TcpSide s, long ts) {
        if (parser != null) {
            parser.end(toServer(s), ts);
        } else {
            s.pendingFin = true;
        }
    }

    private boolean toServer(TcpSide s) {
        return s.isOrig == flow.clientIsOrig;
    }
}
