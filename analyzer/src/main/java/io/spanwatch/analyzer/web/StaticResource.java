package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** Serves {@code GET /static/NAME}: the console's stylesheet and script, from the jar. Nothing else is served from there. */
final class StaticResource extends Route {
    private static final Map<String, String> FILES = Map.of("console.css", "text/css; charset=utf-8", "console.js",
            "text/javascript; charset=utf-8");
    private final Map<String, byte[]> content;

    StaticResource() {
        super(HttpMethod.GET, "/static/{name}", null);
        content = new java.util.HashMap<>();
        for (String name : FILES.keySet()) {
            try (InputStream in = StaticResource.class.getResourceAsStream(name)) {
                content.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public Response handle(Request r) {
        String name = r.var("name");
        byte[] b = content.get(name);
        if (b == null) {
            return Response.text(HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", "no such file\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return Response.text(HttpResponseStatus.OK, FILES.get(name), b).header("Cache-Control", "private, max-age=300");
    }
}
