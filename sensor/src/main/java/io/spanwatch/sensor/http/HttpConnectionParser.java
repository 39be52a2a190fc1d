package io.spanwatch.sensor.http;
// TEMPORARY STUB - replaced by merge of branch http
public final class HttpConnectionParser {
    public enum Probe { REQUEST, RESPONSE, NEED_MORE, NOT_HTTP }
    public HttpConnectionParser(HttpListener l, HttpLimits limits) {}
    public void data(boolean toServer, long ts, byte[] b, int off, int len) {}
    public void gap(boolean toServer, long ts, long len) {}
    public void end(boolean toServer, long ts) {}
    public void close(long ts) {}
    public boolean isTunnel() { return false; }
    public static Probe probe(byte[] b, int off, int len) { return Probe.NOT_HTTP; }
}
