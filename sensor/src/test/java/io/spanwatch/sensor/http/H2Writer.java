package io.spanwatch.sensor.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;

/**
 * Writes one direction of an HTTP/2 connection with Netty's frame writer and HPACK encoder (a real
 * implementation, with its own dynamic table and Huffman coding), to the bytes a capture would show.
 */
final class H2Writer {
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter());
    private final ChannelHandlerContext ctx = channel.pipeline().firstContext();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    H2Writer raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    H2Writer preface() {
        return raw(Http2Session.PREFACE);
    }

    H2Writer settings() {
        writer.writeSettings(ctx, new Http2Settings().maxConcurrentStreams(100), ctx.newPromise());
        return drain();
    }

    H2Writer settingsAck() {
        writer.writeSettingsAck(ctx, ctx.newPromise());
        return drain();
    }

    H2Writer headers(int stream, Http2Headers h, int padding, boolean endStream) {
        writer.writeHeaders(ctx, stream, h, padding, endStream, ctx.newPromise());
        return drain();
    }

    H2Writer headers(int stream, Http2Headers h, boolean endStream) {
        return headers(stream, h, 0, endStream);
    }

    H2Writer data(int stream, byte[] b, int padding, boolean endStream) {
        writer.writeData(ctx, stream, Unpooled.wrappedBuffer(b), padding, endStream, ctx.newPromise());
        return drain();
    }

    H2Writer data(int stream, byte[] b, boolean endStream) {
        return data(stream, b, 0, endStream);
    }

    H2Writer push(int stream, int promised, Http2Headers h) {
        writer.writePushPromise(ctx, stream, promised, h, 0, ctx.newPromise());
        return drain();
    }

    H2Writer reset(int stream, long errorCode) {
        writer.writeRstStream(ctx, stream, errorCode, ctx.newPromise());
        return drain();
    }

    H2Writer windowUpdate(int stream, int increment) {
        writer.writeWindowUpdate(ctx, stream, increment, ctx.newPromise());
        return drain();
    }

    H2Writer ping() {
        writer.writePing(ctx, false, 0x0102030405060708L, ctx.newPromise());
        return drain();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** How many bytes were written so far. */
    int size() {
        return out.size();
    }

    private H2Writer drain() {
        channel.flush();
        for (Object m; (m = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) m;
            byte[] a = new byte[b.readableBytes()];
            b.readBytes(a);
            b.release();
            out.writeBytes(a);
        }
        return this;
    }
}
