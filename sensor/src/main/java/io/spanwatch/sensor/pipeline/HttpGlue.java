package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.files.FileSink;
import io.spanwatch.sensor.files.RangeAssembler;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.http.BodySink;
import io.spanwatch.sensor.http.EntityInfo;
import io.spanwatch.sensor.http.HttpListener;
import io.spanwatch.sensor.http.HttpTransaction;
import java.util.function.Consumer;

/**
 * Turns one connection's HTTP transactions into {@code http} events and its entities into files
 * and {@code fileinfo} events. Used by the worker thread that owns the flow.
 */
final class HttpGlue implements HttpListener {
    private static final int TCP_SYN = 0x02;

    private final Worker worker;
    private final Flow flow;
    /** Files of this flow numbered so far (Suricata's {@code file_id}). */
    private long filesNumbered;

    HttpGlue(Worker worker, Flow flow) {
        this.worker = worker;
        this.flow = flow;
    }

    /**
     * Allows HTTP/0.9 as browsers do, on port 80 only, and only on a connection whose handshake was
     * seen both ways, so the server's first bytes are known to be its first.
     */
    @Override
    public boolean acceptsHttp09() {
        int serverPort = flow.clientIsOrig ? flow.respPort : flow.origPort;
        return serverPort == 80 && (flow.tcpFlagsOrig & TCP_SYN) != 0 && (flow.tcpFlagsResp & TCP_SYN) != 0;
    }

    @Override
    public void switchedProtocol(String appProto) {
        flow.appProto = appProto;
        if ("http2".equals(appProto)) {
            worker.counters.http2Flows++;
        }
    }

    @Override
    public void requestHeaders(HttpTransaction tx) {
        // The http event is written when the transaction is done.
    }

    @Override
    public void responseHeaders(HttpTransaction tx) {
        // The http event is written when the transaction is done.
    }

    @Override
    public BodySink openBody(HttpTransaction tx, boolean toServer, EntityInfo info) {
        // Without a name from Content-Disposition, the request target as EVE shows it (its bytes: EveText)
        String filename = info.filename() != null ? info.filename() : io.spanwatch.sensor.event.EveText.display(tx.uri);
        // Parts of one file share host, URI and total length, and its validator when the server sends
        // one, so two versions of a file behind one URL are never mixed.
        String validator = tx.responseHeader("ETag");
        if (validator == null) {
            validator = tx.responseHeader("Last-Modified");
        }
        Consumer<FileInfo> assembledDone = fi -> {
            worker.counters.rangeAssembled++;
            fileDone(tx, false, fi);
        };
        long length = !toServer && tx.status == 200 && !info.isRange() && info.contentEncodings().isEmpty() && validator != null
                ? info.declaredLength() : -1; // the Content-Length as the body was framed by; -1 when chunked
        String resumeValidator = validator;
        Consumer<FileInfo> done = fi -> {
            fileDone(tx, toServer, fi);
            if (length > 0) {
                resumeBase(tx, resumeValidator, length, filename, fi, assembledDone);
            }
        };
        RangeAssembler.Part part = null;
        if (!toServer && info.isRange() && info.rangeTotal() > 0 && info.contentEncodings().isEmpty()) {
            part = worker.ranges.open(tx.host, tx.uri, validator, info.rangeStart(), info.rangeEnd(), info.rangeTotal(),
                    filename, assembledDone);
        }
        if (info.isByterangePart()) {
            // The whole multipart/byteranges body is reported as one file; its parts only feed assembly.
            return part == null ? null : new RangeOnlySink(part, info);
        }
        if (!worker.store.tryOpenFile()) {
            worker.anomaly(flow, worker.now(), "applayer", "file.too_many_open");
            if (part != null) {
                part.end(false);
            }
            return null;
        }
        if (info.reading() == null) {
            worker.counters.files++; // another reading is counted when it ends, as one split off
        }
        return new FileSink(worker.store, worker.known, info, filename, part, done);
    }

    /**
     * Makes a 200 download cut short the first part of its file: browsers resume such a download by
     * themselves (Chromium's {@code DownloadItemImpl} after a network error, Firefox on retry) with a
     * {@code Range: bytes=N-} request and {@code If-Range} naming the validator, and save the bytes
     * they had and the 206 that follows as one file. So a 200 with a validator and a Content-Length,
     * no content coding and no hole, that ended before its length, takes part in range assembly as
     * bytes 0 to N-1 of that length (read back from its stored copy), and a 206 for the rest makes
     * the whole file. An evasion review (2026-12-05) forced such a resume with a RST: before, the
     * file the browser saved came out as a TRUNCATED 200 and a 206 part, whole nowhere.
     */
    private void resumeBase(HttpTransaction tx, String validator, long length, String filename, FileInfo fi,
            Consumer<FileInfo> assembledDone) {
        if (fi.closed() || fi.gaps() || !fi.stored() || fi.storedSha256() == null || fi.size() <= 0 || fi.size() >= length
                || "shutdown".equals(worker.closingFor)) {
            return; // cut by the end of the capture or of the sensor, not by the network: nothing resumes it
        }
        RangeAssembler.Part base = worker.ranges.open(tx.host, tx.uri, validator, 0, fi.size() - 1, length, filename, assembledDone);
        if (base == null) {
            return;
        }
        boolean whole = false;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(worker.store.filesDir().resolve(fi.storedSha256()))) {
            byte[] buf = new byte[64 << 10];
            long pos = 0;
            for (int n; pos < fi.size() && (n = in.read(buf)) > 0; pos += n) {
                base.data(pos, buf, 0, n);
            }
            whole = pos >= fi.size();
        } catch (java.io.IOException e) {
            worker.anomaly(flow, worker.now(), "applayer", "file.resume_base_unreadable");
        }
        base.end(whole);
    }

    /** Passes one byterange part's bytes to range assembly only. */
    private static final class RangeOnlySink implements BodySink {
        private final RangeAssembler.Part part;
        private final EntityInfo info;
        private long pos;

        RangeOnlySink(RangeAssembler.Part part, EntityInfo info) {
            this.part = part;
            this.info = info;
        }

        @Override
        public void data(byte[] buf, int off, int len) {
            part.data(pos, buf, off, len);
            pos += len;
        }

        @Override
        public void gap(long len) {
            pos += Math.max(0, len);
        }

        @Override
        public void end(boolean complete, String reason) {
            part.end(complete && pos == info.rangeEnd() - info.rangeStart() + 1);
        }
    }

    private void fileDone(HttpTransaction tx, boolean toServer, FileInfo fi) {
        if (fi.reading() != null) {
            worker.counters.files++; // another reading of a body, reported as a file of its own
        }
        if (!fi.assembled()) {
            if (fi.closed()) {
                worker.counters.filesClosed++;
            } else {
                worker.counters.filesTruncated++;
            }
            worker.counters.fileBytes += fi.size();
        }
        java.nio.file.Path stored = fi.stored() ? worker.store.filesDir().resolve(fi.sha256() != null ? fi.sha256() : fi.storedSha256())
                : null;
        fi = fi.withFileId(++filesNumbered);
        worker.files.fileClosed(new FileEvent(worker.now(), EventHeader.of(flow, worker.source), HttpInfo.of(tx), toServer,
                fi, stored));
    }

    @Override
    public void transactionDone(HttpTransaction tx) {
        worker.counters.httpTx++;
        long t = tx.requestTsNanos != 0 ? tx.requestTsNanos : tx.responseTsNanos != 0 ? tx.responseTsNanos : flow.lastTsNanos;
        worker.events.accept(new HttpEvent(t, EventHeader.of(flow, worker.source), HttpInfo.of(tx)));
    }

    @Override
    public void anomaly(HttpTransaction tx, boolean toServer, String name, String detail) {
        worker.counters.httpAnomalies++;
        worker.anomaly(flow, worker.now(), "applayer", name);
    }
}
