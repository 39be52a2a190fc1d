package io.spanwatch.sensor.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/** Records every listener callback as text so that runs over differently split input can be compared. */
final class RecordingListener implements HttpListener {

    /** Records one entity's bytes, gaps and end. */
    static final class Sink implements BodySink {
        final HttpTransaction tx;
        final boolean toServer;
        final EntityInfo info;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Long> gaps = new ArrayList<>();
        /** Each reading split off, as {@code name@bytes-so-far}. */
        final List<String> readings = new ArrayList<>();
        long total;
        int endCalls;
        boolean complete;
        String reason;
        boolean late;
        final long keep;

        Sink(HttpTransaction tx, boolean toServer, EntityInfo info, long keep) {
            this.tx = tx;
            this.toServer = toServer;
            this.info = info;
            this.keep = keep;
        }

        @Override
        public void data(byte[] buf, int off, int len) {
            if (endCalls > 0) {
                late = true;
            }
            if (len <= 0) {
                late = true; // empty data calls are not expected either
            }
            total += len;
            if (bytes.size() < keep) {
                bytes.write(buf, off, (int) Math.min(len, keep - bytes.size()));
            }
        }

        @Override
        public void gap(long len) {
            if (endCalls > 0) {
                late = true;
            }
            gaps.add(len);
        }

        @Override
        public void endReadingHere(String reading) {
            if (endCalls > 0) {
                late = true;
            }
            readings.add(reading + "@" + total);
        }

        @Override
        public void end(boolean complete, String reason) {
            endCalls++;
            this.complete = complete;
            this.reason = reason;
        }

        String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }

        String describe() {
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            return "sink tx" + tx.txId + (toServer ? " up " : " down ") + info + " total=" + total
                    + " crc=" + Long.toHexString(crc.getValue()) + " gaps=" + gaps + " readings=" + readings + " ends=" + endCalls
                    + " complete=" + complete + " reason=" + reason + (late ? " LATE" : "");
        }
    }

    final List<String> events = new ArrayList<>();
    final List<Sink> sinks = new ArrayList<>();
    final List<HttpTransaction> done = new ArrayList<>();
    final List<String> anomalies = new ArrayList<>();
    long keep = 1 << 20;
    /** What {@link #acceptsHttp09} answers (a connection seen from its start, on port 80). */
    boolean http09;

    @Override
    public void requestHeaders(HttpTransaction tx) {
        events.add("request tx" + tx.txId + " " + tx.method + " " + tx.uri + " " + tx.protocol);
    }

    @Override
    public void responseHeaders(HttpTransaction tx) {
        events.add("response tx" + tx.txId + " " + tx.status + " " + tx.statusMessage);
    }

    @Override
    public BodySink openBody(HttpTransaction tx, boolean toServer, EntityInfo info) {
        Sink s = new Sink(tx, toServer, info, keep);
        sinks.add(s);
        events.add("open #" + (sinks.size() - 1) + " tx" + tx.txId + (toServer ? " up" : " down"));
        return s;
    }

    @Override
    public void transactionDone(HttpTransaction tx) {
        done.add(tx);
        events.add("done " + describe(tx));
    }

    @Override
    public void anomaly(HttpTransaction tx, boolean toServer, String name, String detail) {
        anomalies.add(name);
        events.add("anomaly " + name + (tx == null ? "" : " tx" + tx.txId) + (toServer ? " up" : " down"));
    }

    @Override
    public boolean acceptsHttp09() {
        return http09;
    }

    static String describe(HttpTransaction t) {
        return "tx" + t.txId + " " + t.method + " " + t.uri + " " + t.protocol + " host=" + t.host + " ua=" + t.userAgent
                + " ref=" + t.referer + " reqType=" + t.requestContentType + " reqHeaders=" + t.requestHeaders.size()
                + " reqLen=" + t.requestBodyLength + " reqTs=" + t.requestTsNanos + " reqSeen=" + t.requestSeen
                + " reqComplete=" + t.requestComplete + " status=" + t.status + " msg=" + t.statusMessage + " "
                + t.responseProtocol + " respType=" + t.responseContentType + " respHeaders=" + t.responseHeaders.size()
                + " respLen=" + t.responseBodyLength + " respTs=" + t.responseTsNanos + " respSeen=" + t.responseSeen
                + " respComplete=" + t.responseComplete + " interim=" + t.interimResponses + " gaps=" + t.gaps;
    }

    /** Returns everything recorded, sinks last. */
    String transcript() {
        StringBuilder sb = new StringBuilder();
        for (String e : events) {
            sb.append(e).append('\n');
        }
        for (Sink s : sinks) {
            sb.append(s.describe()).append('\n');
        }
        return sb.toString();
    }

    HttpTransaction tx(int i) {
        return done.get(i);
    }

    Sink sink(int i) {
        return sinks.get(i);
    }
}
